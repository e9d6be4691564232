/*
 * sheets.c - the sheets module: the spreadsheet, with workbooks on the team share.
 */
#include "modules/account.h"

ACCOUNT_MODULE(sheets, .module = "sheets", .section = "files", .title_key = "tab.sheets",
	       .required = "url",
	       .who_keys = { "user" }, .server_keys = { "url" });
