/*
 * cat_en.c - the English UI messages. Any order; the completeness test
 * checks that cat_zh_Hans.c has the same keys and arguments.
 *
 * Texts are ICU MessageFormat patterns: {0} is the first argument, and
 * plurals are written "{0, plural, one {# file} other {# files}}". A
 * single apostrophe is literal unless it comes before a brace; write ''
 * to be safe. For whole numbers write {0, number, ::precision-integer}:
 * the "integer" style is refused (see catalog.c).
 */
#include "i18n/i18n_priv.h"

const struct tr_entry tr_cat_en[] = {
	{ "lang.name", "English" },

	{ "tab.mail", "Mail" },
	{ "tab.chat", "Chat" },
	{ "tab.docs", "Docs" },
	{ "tab.sheets", "Sheets" },

	{ "state.online", "Online" },
	{ "state.connecting", "Connecting" },
	{ "state.offline", "Offline" },
	{ "state.error", "Error" },
	{ "state.unreachable", "Server unreachable" },

	{ "mail.unread", "{0, plural, one {# unread message} other {# unread messages}}" },
	{ "outbox.queued", "{0, plural, one {# item queued} other {# items queued}}" },
	{ "doc.saved", "Saved \"{0}\"" },

	{ "account.account", "Account" },
	{ "account.server", "Server" },
	{ "account.state", "State" },
	{ "account.forced", " (forced offline)" },
	{ "account.not_configured", "No {0} account is set up: add a [{1}] section to your configuration (see docs/config.md)." },
	{ "config.ok", "The configuration is valid." },
	{ "help.title", "Help — {0}" },
	{ "help.keys", "Keys" },
	{ "help.commands", "Commands" },
	{ "help.close", "Esc or q closes this help · ↑↓ scroll" },
	{ "msg.no_modules", "This atrium was built without modules." },
	{ "msg.offline_on", "Working offline: changes are queued until you go online." },
	{ "msg.online", "Back online." },
	{ "msg.offline_policy", "Offline is required by the administrator's policy." },
	{ "msg.too_small", "Terminal too small ({0}×{1}); atrium needs at least {2}×{3}." },
	{ "msg.welcome", "Welcome to atrium. F1 or Ctrl-G shows help; Ctrl-E opens the command line." },
	{ "pager.hint", "q closes · ↑↓ PgUp PgDn scroll" },
	{ "status.forced_offline", "[offline]" },
	{ "status.outbox", "{0, plural, one {# queued} other {# queued}}" },
	{ "status.unread", "{0, plural, one {# unread} other {# unread}}" },
	{ "status.progress", "{0}%" },
	{ "state.not_configured", "not set up" },
	{ "cmd.config", "Show the configuration and where each value comes from" },
	{ "cmd.help", "Show help (for a module)" },
	{ "cmd.module", "Switch to a module" },
	{ "cmd.offline", "Work offline / go back online" },
	{ "cmd.quit", "Quit atrium" },
	{ "cmd.verb", "Run a module's command, as in batch mode" },
	{ "cmd.version", "Show the version" },
	{ "key.command", "Open the command line, everywhere" },
	{ "key.command_colon", "Open the command line (outside text input)" },
	{ "key.help", "Show or hide help" },
	{ "key.next_tab", "Next tab" },
	{ "key.prev_tab", "Previous tab" },
	{ "key.quit", "Quit" },
	{ "key.redraw", "Redraw the screen" },
	{ "key.tab1", "First tab" },
	{ "key.tab2", "Second tab" },
	{ "key.tab3", "Third tab" },
	{ "key.tab4", "Fourth tab" },
	{ "verb.status", "Show the account and its connection state" },
	{ "usage.text",
	  "Usage: atrium [OPTIONS] [MODULE VERB [ARGS]]\n"
	  "       atrium [OPTIONS] -b FILE [-k]\n"
	  "\n"
	  "With no command, atrium opens its screen. With a command it runs it and exits\n"
	  "(batch mode); exit codes are listed in docs/batch.md.\n"
	  "\n"
	  "Options (anywhere after 'atrium'):\n"
	  "  --config FILE    configuration file (default ~/.config/atrium/config)\n"
	  "  --home DIR       state directory: cache, log, vault\n"
	  "  --lang LANG      interface language: en or zh_Hans\n"
	  "  --key-file FILE  key file for the encrypted store\n"
	  "  --offline        do not connect to any server\n"
	  "  --json           machine-readable output\n"
	  "  -b FILE          run the commands in FILE, one per line\n"
	  "  -k               with -b: keep going after a failed command\n"
	  "  --version        show the version\n"
	  "  --help           show this help\n"
	  "\n"
	  "Commands: help [MODULE], version, config [show|check], MODULE VERB ..." },
	{ "status.service", "{0}: {1}" },
};

const size_t tr_cat_en_count = sizeof(tr_cat_en) / sizeof(tr_cat_en[0]);
