/*
 * chat.c - the chat module: XMPP conversations and group rooms.
 */
#include "modules/account.h"

ACCOUNT_MODULE(chat, .module = "chat", .section = "chat", .title_key = "tab.chat",
	       .required = "jid",
	       .who_keys = { "jid" }, .server_keys = { "server" });
