/*
 * docs.c - the docs module: the text editor, with documents on the team share.
 */
#include "modules/account.h"

ACCOUNT_MODULE(docs, .module = "docs", .section = "files", .title_key = "tab.docs",
	       .required = "url",
	       .who_keys = { "user" }, .server_keys = { "url" });
