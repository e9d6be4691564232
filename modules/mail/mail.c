/*
 * mail.c - the mail module: reads and sends mail over IMAP and SMTP.
 */
#include "modules/account.h"

ACCOUNT_MODULE(mail, .module = "mail", .section = "mail", .title_key = "tab.mail",
	       .required = "imap",
	       .who_keys = { "user", "from" }, .server_keys = { "imap", "smtp" });
