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

	{ "err.cfg.bool", "{0}: ''{1}'' is not yes or no" },
	{ "err.cfg.lang", "{0}: unknown language ''{1}'' (use en or zh_Hans)" },
	{ "err.cfg.level", "{0}: unknown log level ''{1}'' (debug, info, warn, error)" },
	{ "err.cfg.path", "{0}: cannot read ''{1}'': {2}" },
	{ "err.cfg.policy_password", "{0}: a password cannot be set in the policy file" },
	{ "err.cfg.password_perm", "{0}: a password is allowed only in a file that group and others cannot read (chmod 600 {1}), or use password_command" },
	{ "err.cfg.imap", "{0}: ''{1}'' must be imaps://HOST[:PORT] or imap://HOST[:PORT] (STARTTLS, required)" },
	{ "err.cfg.smtp", "{0}: ''{1}'' must be smtps://HOST[:PORT] or smtp://HOST[:PORT] (STARTTLS, required)" },
	{ "err.cfg.https", "{0}: ''{1}'' must be an https:// URL (no plain http)" },
	{ "err.cfg.proxy", "{0}: ''{1}'' must be http://, https:// or socks5:// [USER:PASS@]HOST:PORT" },
	{ "err.cfg.proxy_port", "{0}: ''{1}'' needs HOST:PORT" },
	{ "err.cfg.pin", "{0}: ''{1}'' must be sha256//BASE64 (the base64 SHA-256 of the server''s public key, 44 characters)" },
	{ "err.cfg.hostport", "{0}: ''{1}'' must be HOST:PORT" },
	{ "err.cfg.address", "{0}: ''{1}'' must look like user@domain" },
	{ "err.cfg.module", "{0}: unknown module ''{1}'' (mail, chat, docs, sheets)" },
	{ "err.cfg.section", "{0}: unknown section [{1}] (key ''{2}'')" },
	{ "err.cfg.key_in", "{0}: unknown key ''{1}'' in [{2}]" },
	{ "err.cfg.key", "{0}: unknown key ''{1}''" },
	{ "err.cfg.missing", "config file {0} does not exist" },
	{ "err.cfg.ignored_policy", "{0}: {1} = {2} is ignored: fixed by policy {3}" },
	{ "err.cfg.ignored_tighten", "{0}: {1} = {2} is ignored: {3} sets it to {4}" },
	{ "err.ini.nul", "{0}: a NUL byte in the file" },
	{ "err.ini.section", "{0}: malformed section header ''{1}''" },
	{ "err.ini.section_name", "{0}: bad section name ''{1}''" },
	{ "err.ini.no_equals", "{0}: expected ''key = value'', got ''{1}''" },
	{ "err.ini.no_key", "{0}: a value without a key" },
	{ "err.ini.key_name", "{0}: bad key name ''{1}''" },
	{ "err.ini.too_big", "{0}: larger than 1 MiB; not a config file" },
	{ "err.ini.read", "{0}: {1}" },
	{ "err.opt.lang", "--lang: unknown language ''{0}'' (use en or zh_Hans)" },
	{ "err.opt.value", "option {0} needs a value" },
	{ "err.opt.empty", "option {0} needs a non-empty value" },
	{ "err.opt.try", "{0} (try: atrium --help)" },
	{ "err.usage", "usage: {0}" },
	{ "err.no_command", "no command given (try: atrium help)" },
	{ "err.unknown_command", "unknown command ''{0}'' (try: atrium help)" },
	{ "err.no_module", "no module ''{0}'' (try: atrium help)" },
	{ "err.not_built", "the {0} module is not built into this atrium" },
	{ "err.disabled", "the {0} module is disabled by {1}" },
	{ "err.module_usage", "usage: atrium {0} VERB [ARGS] (try: atrium help {0})" },
	{ "err.unknown_verb", "unknown verb ''{0}'' for {1} (try: atrium help {1})" },
	{ "err.module_start", "{0}: cannot start the module" },
	{ "err.batch_line", "{0}:{1}: failed (exit {2})" },
	{ "err.batch_no_command", "-b FILE takes no command (got ''{0}'')" },
	{ "err.quote", "unterminated quote" },
	{ "err.mkdir", "cannot create {0}: {1}" },
	{ "err.not_dir", "{0} is not a directory" },
	{ "err.home_perm", "{0} is readable by others and cannot be tightened: {1}" },
	{ "err.no_log", "{0} (continuing without a log)" },
	{ "err.keys.action", "{0}: [keys] {1}: no such action" },
	{ "err.keys.name", "{0}: [keys] {1}: ''{2}'' is not a key name (e.g. C-e, M-1, F2, Esc)" },
	{ "err.keys.too_many", "{0}: [keys] {1}: at most {2} keys" },
	{ "err.no_terminal", "the screen needs a terminal; for scripts use a batch command (atrium help)" },
	{ "err.terminal", "cannot set up the terminal (TERM={0})" },
	{ "msg.warning", "warning: {0}" },
	{ "config.policy", " (policy)" },

	{ "err.store.no_key", "{0} has no key yet: start atrium in a terminal to choose a passphrase, or pass --key-file FILE (atrium keygen FILE makes one)" },
	{ "err.store.locked", "the store is locked: run atrium unlock (asks for the passphrase once and keeps the key for 15 minutes), or pass --key-file FILE" },
	{ "err.store.policy_passphrase", "the administrator’s policy requires a passphrase: start atrium in a terminal to choose one" },
	{ "err.secret.stdin", "no secret on standard input (give it as one line)" },
	{ "err.secret.empty", "nothing entered; nothing was changed" },
	{ "err.secret.mismatch", "the two entries differ; nothing was changed" },
	{ "err.service", "unknown service ''{0}'' (mail, chat or files)" },
	{ "err.outbox_id", "''{0}'' is not an outbox entry number" },
	{ "err.outbox_drop_yes", "dropping a queued write loses it: add --yes to confirm" },
	{ "prompt.passphrase", "Passphrase: " },
	{ "prompt.new_passphrase", "New passphrase: " },
	{ "prompt.repeat", "Repeat it: " },
	{ "prompt.password", "Password: " },
	{ "msg.keygen", "Wrote a new key file {0} (mode 600). Keep it as safe as the data it opens." },
	{ "msg.unlocked", "Unlocked for {0} minutes (atrium lock locks again)." },
	{ "msg.locked", "Locked." },
	{ "msg.passphrase_set", "The passphrase is set. The data was not re-encrypted." },
	{ "msg.passphrase_removed", "The passphrase is removed; the key file still opens the store." },
	{ "msg.login", "The password for {0} is kept in the encrypted vault." },
	{ "msg.logout", "The password for {0} is forgotten." },
	{ "msg.outbox_empty", "The outbox is empty." },
	{ "msg.outbox_retry", "Entry {0} will be sent again." },
	{ "msg.outbox_dropped", "Entry {0} is dropped." },
	{ "msg.cache_rebuilt", "The cache was moved aside; an empty one starts now. Queued work is kept." },
	{ "outbox.state.queued", "queued" },
	{ "outbox.state.sending", "sending" },
	{ "outbox.state.failed", "failed" },
	{ "verb.keygen", "Write a new random key file (mode 600)" },
	{ "verb.unlock", "Unlock the store for batch commands (kernel keyring, 15 minutes)" },
	{ "verb.lock", "Lock the store again at once" },
	{ "verb.passwd", "Set or change the passphrase, or remove it" },
	{ "verb.login", "Keep a server password in the encrypted vault" },
	{ "verb.logout", "Forget a kept password" },
	{ "verb.outbox", "Queued writes: list them, send one again, or drop one" },
	{ "verb.cache", "Move a broken cache aside and start an empty one" },
	{ "help.program", "Program commands:" },
	{ "prompt.first_passphrase", "New passphrase for the encrypted cache (Esc: use a key file instead): " },
	{ "msg.deriving", "Deriving the key…" },
	{ "msg.no_passphrase", "No passphrase: the key is in {0} (mode 600); anyone who can read that file can read your cache." },
	{ "prompt.passphrase_again", "Wrong passphrase; try again: " },
	{ "prompt.yes_no", "[y/N]" },
	{ "prompt.outbox_drop", "Drop entry {0} ({1})? It will never be sent." },
	{ "msg.outbox_kept", "Nothing dropped." },
};

const size_t tr_cat_en_count = sizeof(tr_cat_en) / sizeof(tr_cat_en[0]);
