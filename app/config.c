/*
 * config.c - what the configuration means: the keys that exist, the values
 * they accept, the policy an administrator sets over them, and the
 * command-line options over both. Every error names file, line and key.
 *
 * Precedence: command line > user file, and the policy over everything for
 * the keys it sets. A few keys can only be tightened: `offline = yes` and
 * `require_passphrase = yes` win from any side, and `disabled_modules`
 * accumulates; for every other key the policy's value is final.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/app.h"
#include "modules/module.h"

enum vtype {
	V_TEXT,
	V_BOOL,
	V_LANG,
	V_LEVEL,
	V_PATH,     /* a file that must exist */
	V_PASSWORD, /* only in private files */
	V_IMAP,
	V_SMTP,
	V_HTTPS,
	V_PROXY,
	V_PIN,
	V_HOSTPORT,
	V_JID,
	V_EMAIL,
	V_MODULES,
	V_SECONDS,  /* a whole number of seconds, 1..3600 */
};

struct key_spec {
	const char *section;
	const char *key; /* "*" matches any key of the section */
	enum vtype type;
};

static const struct key_spec keys[] = {
	{ "", "language", V_LANG },
	{ "", "key_file", V_TEXT },
	{ "", "log_level", V_LEVEL },
	{ "", "ambiguous_wide", V_BOOL },
	{ "", "mouse", V_BOOL },
	{ "", "color", V_BOOL },
	{ "", "offline", V_BOOL },
	{ "", "require_passphrase", V_BOOL },
	{ "", "disabled_modules", V_MODULES },
	{ "mail", "imap", V_IMAP },
	{ "mail", "smtp", V_SMTP },
	{ "mail", "user", V_TEXT },
	{ "mail", "from", V_EMAIL },
	{ "mail", "name", V_TEXT },
	{ "mail", "signature_file", V_PATH },
	{ "mail", "prefetch", V_TEXT },
	{ "mail", "download_dir", V_TEXT },
	{ "mail", "password_command", V_TEXT },
	{ "mail", "password", V_PASSWORD },
	{ "mail", "ca_file", V_PATH },
	{ "mail", "pin", V_PIN },
	{ "chat", "jid", V_JID },
	{ "chat", "server", V_HOSTPORT },
	{ "chat", "password_command", V_TEXT },
	{ "chat", "password", V_PASSWORD },
	{ "chat", "ca_file", V_PATH },
	{ "chat", "pin", V_PIN },
	{ "chat", "direct_tls", V_BOOL },
	{ "chat", "nick", V_TEXT },
	{ "chat", "history", V_TEXT },
	{ "chat", "download_dir", V_TEXT },
	{ "files", "url", V_HTTPS },
	{ "files", "user", V_TEXT },
	{ "files", "password_command", V_TEXT },
	{ "files", "password", V_PASSWORD },
	{ "files", "ca_file", V_PATH },
	{ "files", "pin", V_PIN },
	{ "files", "proxy", V_PROXY },
	{ "files", "timeout", V_SECONDS },
	{ "docs", "osc52", V_BOOL }, /* copy to the terminal's clipboard too */
	{ "keys", "*", V_TEXT }, /* validated by the shell's key map */
};

static const struct key_spec *spec_find(const char *section, const char *key)
{
	for (size_t i = 0; i < nitems(keys); i++) {
		if (strcmp(keys[i].section, section) != 0)
			continue;
		if (strcmp(keys[i].key, "*") == 0 || strcmp(keys[i].key, key) == 0)
			return &keys[i];
	}
	return NULL;
}

static int section_known(const char *section)
{
	for (size_t i = 0; i < nitems(keys); i++)
		if (strcmp(keys[i].section, section) == 0)
			return 1;
	return 0;
}

/* "FILE:LINE: [section] key: " prefix for messages about an item. */
static void where(const struct conf_item *it, char *buf, size_t len)
{
	if (it->section[0])
		snprintf(buf, len, "%s:%d: [%s] %s", it->file, it->line, it->section, it->key);
	else
		snprintf(buf, len, "%s:%d: %s", it->file, it->line, it->key);
}

/* host[:port] or [v6]:port after a scheme; rest must be empty or "/". */
static int check_hostport(const char *s, int need_port, int allow_path)
{
	const char *p = s, *host_end;
	long port;
	char *end;

	if (*p == '[') {
		host_end = strchr(p, ']');
		if (host_end == NULL || host_end == p + 1)
			return -1;
		p = host_end + 1;
	} else {
		while (*p && *p != ':' && *p != '/') {
			if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_')
				return -1;
			p++;
		}
		if (p == s)
			return -1;
	}
	if (*p == ':') {
		errno = 0;
		port = strtol(p + 1, &end, 10);
		if (end == p + 1 || errno || port < 1 || port > 65535)
			return -1;
		p = end;
	} else if (need_port) {
		return -1;
	}
	if (*p == '\0')
		return 0;
	if (*p == '/' && (allow_path || p[1] == '\0'))
		return 0;
	return -1;
}

static int check_url(const char *v, const char *tls, const char *starttls)
{
	size_t n;

	n = strlen(tls);
	if (strncmp(v, tls, n) == 0)
		return check_hostport(v + n, 0, 0);
	if (starttls) {
		n = strlen(starttls);
		if (strncmp(v, starttls, n) == 0)
			return check_hostport(v + n, 0, 0);
	}
	return -1;
}

static int check_pin(const char *v)
{
	/* sha256//BASE64 of 32 bytes: 44 characters ending in '='. Several
	 * pins may be listed with ';' for key rotation. */
	const char *p = v;

	for (;;) {
		size_t n = 0;

		if (strncmp(p, "sha256//", 8) != 0)
			return -1;
		p += 8;
		while (p[n] && p[n] != ';') {
			char c = p[n];

			if (!isalnum((unsigned char)c) && c != '+' && c != '/' && c != '=')
				return -1;
			n++;
		}
		if (n != 44 || p[43] != '=' || p[42] == '=')
			return -1;
		p += n;
		if (*p == '\0')
			return 0;
		p++;
	}
}

static int check_modules(const char *v, char *bad, size_t badlen)
{
	char *copy = xstrdup(v), *save = NULL, *tok;
	int rc = 0;

	for (tok = strtok_r(copy, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
		static const char *const names[] = { "mail", "chat", "docs", "sheets", "files" };
		int ok = 0;

		for (size_t i = 0; i < nitems(names); i++)
			ok |= strcmp(tok, names[i]) == 0;
		if (!ok) {
			snprintf(bad, badlen, "%s", tok);
			rc = -1;
			break;
		}
	}
	free(copy);
	return rc;
}

static int check_item(const struct conf_item *it, const struct key_spec *ks, int is_policy,
		      int private_file, struct err *e)
{
	char w[300], bad[64];
	const char *v = it->value;
	enum i18n_lang lang;
	enum log_level lvl;
	const char *at;
	int b;

	where(it, w, sizeof w);
	switch (ks->type) {
	case V_TEXT:
		return 0;
	case V_SECONDS: {
		char *end;
		long n = strtol(v, &end, 10);
		if (end == v || *end || n < 1 || n > 3600)
			return err_tr(e, E_USAGE, "err.cfg.seconds", TR_S(w), TR_S(v));
		return 0;
	}
	case V_BOOL:
		if (conf_bool(v, &b) != 0)
			return err_tr(e, E_USAGE, "err.cfg.bool", TR_S(w), TR_S(v));
		return 0;
	case V_LANG:
		if (i18n_pick_lang(v, &lang) != 0)
			return err_tr(e, E_USAGE, "err.cfg.lang", TR_S(w), TR_S(v));
		return 0;
	case V_LEVEL:
		if (log_level_parse(v, &lvl) != 0)
			return err_tr(e, E_USAGE, "err.cfg.level", TR_S(w), TR_S(v));
		return 0;
	case V_PATH:
		if (access(v, R_OK) != 0)
			return err_tr(e, E_USAGE, "err.cfg.path", TR_S(w), TR_S(v),
				      TR_S(strerror(errno)));
		return 0;
	case V_PASSWORD:
		if (is_policy)
			return err_tr(e, E_USAGE, "err.cfg.policy_password", TR_S(w));
		if (!private_file)
			return err_tr(e, E_PERM, "err.cfg.password_perm", TR_S(w), TR_S(it->file));
		return 0;
	case V_IMAP:
		if (check_url(v, "imaps://", "imap://") != 0)
			return err_tr(e, E_USAGE, "err.cfg.imap", TR_S(w), TR_S(v));
		return 0;
	case V_SMTP:
		if (check_url(v, "smtps://", "smtp://") != 0)
			return err_tr(e, E_USAGE, "err.cfg.smtp", TR_S(w), TR_S(v));
		return 0;
	case V_HTTPS:
		if (strncmp(v, "https://", 8) != 0 || check_hostport(v + 8, 0, 1) != 0)
			return err_tr(e, E_USAGE, "err.cfg.https", TR_S(w), TR_S(v));
		return 0;
	case V_PROXY:
		at = strstr(v, "://");
		if (at == NULL || (strncmp(v, "http://", 7) && strncmp(v, "https://", 8) &&
				   strncmp(v, "socks5://", 9) && strncmp(v, "socks5h://", 10)))
			return err_tr(e, E_USAGE, "err.cfg.proxy", TR_S(w), TR_S(v));
		at += 3;
		if (strchr(at, '@'))
			at = strrchr(at, '@') + 1;
		if (check_hostport(at, 1, 0) != 0)
			return err_tr(e, E_USAGE, "err.cfg.proxy_port", TR_S(w), TR_S(v));
		return 0;
	case V_PIN:
		if (check_pin(v) != 0)
			return err_tr(e, E_USAGE, "err.cfg.pin", TR_S(w), TR_S(v));
		return 0;
	case V_HOSTPORT:
		if (check_hostport(v, 1, 0) != 0)
			return err_tr(e, E_USAGE, "err.cfg.hostport", TR_S(w), TR_S(v));
		return 0;
	case V_JID:
	case V_EMAIL:
		at = strchr(v, '@');
		if (at == NULL || at == v || at[1] == '\0' || strchr(at + 1, '@') ||
		    strpbrk(v, " \t<>"))
			return err_tr(e, E_USAGE, "err.cfg.address", TR_S(w), TR_S(v));
		return 0;
	case V_MODULES:
		if (check_modules(v, bad, sizeof bad) != 0)
			return err_tr(e, E_USAGE, "err.cfg.module", TR_S(w), TR_S(bad));
		return 0;
	}
	return 0;
}

int config_validate(const struct conf *c, int is_policy, int private_file, struct err *e)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct conf_item *it = &c->items[i];
		const struct key_spec *ks;
		char pos[300];
		int rc;

		snprintf(pos, sizeof pos, "%s:%d", it->file, it->line);
		if (!section_known(it->section))
			return err_tr(e, E_USAGE, "err.cfg.section", TR_S(pos), TR_S(it->section),
				      TR_S(it->key));
		ks = spec_find(it->section, it->key);
		if (ks == NULL) {
			if (it->section[0])
				return err_tr(e, E_USAGE, "err.cfg.key_in", TR_S(pos),
					      TR_S(it->key), TR_S(it->section));
			return err_tr(e, E_USAGE, "err.cfg.key", TR_S(pos), TR_S(it->key));
		}
		rc = check_item(it, ks, is_policy, private_file, e);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static void warn(struct config_warnings *w, const char *fmt, ...) PRINTFLIKE(2, 3);
static void warn(struct config_warnings *w, const char *fmt, ...)
{
	va_list ap;
	struct buf b;

	if (w == NULL)
		return;
	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	w->msgs = xreallocarray(w->msgs, w->n + 1, sizeof *w->msgs);
	w->msgs[w->n++] = buf_detach(&b);
}

void config_warnings_free(struct config_warnings *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->msgs[i]);
	free(w->msgs);
	w->msgs = NULL;
	w->n = 0;
}

/* "FILE:LINE: key = value is ignored: ..." in the UI language. */
static void warn_ignored(struct config_warnings *w, const char *msgkey,
			 const struct conf_item *src, const struct conf_item *cur)
{
	char at[300], key[128], by[300], t[1024];

	snprintf(at, sizeof at, "%s:%d", src->file, src->line);
	snprintf(key, sizeof key, "%s%s%s", src->section, src->section[0] ? "." : "", src->key);
	snprintf(by, sizeof by, "%s:%d", cur->file, cur->line);
	if (strcmp(msgkey, "err.cfg.ignored_policy") == 0)
		trf(t, sizeof t, "err.cfg.ignored_policy", TR_S(at), TR_S(key), TR_S(src->value),
		    TR_S(by));
	else
		trf(t, sizeof t, "err.cfg.ignored_tighten", TR_S(at), TR_S(key), TR_S(src->value),
		    TR_S(by), TR_S(cur->value));
	warn(w, "%s", t);
}

static int tighten_only(const char *section, const char *key)
{
	return section[0] == '\0' &&
	       (strcmp(key, "offline") == 0 || strcmp(key, "require_passphrase") == 0 ||
		strcmp(key, "disabled_modules") == 0);
}

/* Merge a value into c, respecting policy locks. `origin` says what is
 * setting it (for warnings). */
static void merge_value(struct conf *c, const struct conf_item *src, int lock,
			struct config_warnings *w)
{
	struct conf_item *cur = conf_find(c, src->section, src->key);
	int a, b;

	if (cur && tighten_only(src->section, src->key)) {
		if (strcmp(src->key, "disabled_modules") == 0) {
			char *both;

			xasprintf(&both, "%s %s", cur->value, src->value);
			conf_set(c, src->section, src->key, both, cur->locked ? cur->file : src->file,
				 cur->locked ? cur->line : src->line)->locked |= lock;
			free(both);
			return;
		}
		if (conf_bool(cur->value, &a) == 0 && conf_bool(src->value, &b) == 0) {
			if (a && !b) {
				/* a "yes" is never loosened */
				if (!lock)
					warn_ignored(w, "err.cfg.ignored_tighten", src, cur);
				return;
			}
			if (a == b)
				return;
			conf_set(c, src->section, src->key, src->value, src->file, src->line)
				->locked |= lock;
			return;
		}
	}
	if (cur && cur->locked && !lock) {
		if (strcmp(cur->value, src->value) != 0)
			warn_ignored(w, "err.cfg.ignored_policy", src, cur);
		return;
	}
	conf_set(c, src->section, src->key, src->value, src->file, src->line)->locked |= lock;
}

/* Word a syntax error of the INI reader in the UI language. */
static void parse_error(const struct conf *c, const char *path, struct err *e)
{
	char pos[300];
	int code = e->code;

	if (c->err_line > 0)
		snprintf(pos, sizeof pos, "%s:%d", path, c->err_line);
	else
		snprintf(pos, sizeof pos, "%s", path);
	switch (c->err) {
	case CONF_E_NUL: err_tr(e, code, "err.ini.nul", TR_S(pos)); break;
	case CONF_E_SECTION: err_tr(e, code, "err.ini.section", TR_S(pos), TR_S(c->err_text)); break;
	case CONF_E_SECTION_NAME:
		err_tr(e, code, "err.ini.section_name", TR_S(pos), TR_S(c->err_text));
		break;
	case CONF_E_NO_EQUALS:
		err_tr(e, code, "err.ini.no_equals", TR_S(pos), TR_S(c->err_text));
		break;
	case CONF_E_NO_KEY: err_tr(e, code, "err.ini.no_key", TR_S(pos)); break;
	case CONF_E_KEY_NAME: err_tr(e, code, "err.ini.key_name", TR_S(pos), TR_S(c->err_text)); break;
	case CONF_E_TOO_BIG: err_tr(e, code, "err.ini.too_big", TR_S(pos)); break;
	case CONF_E_READ: err_tr(e, code, "err.ini.read", TR_S(pos), TR_S(c->err_text)); break;
	case CONF_E_NONE: break;
	}
}

static int file_is_private(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && (st.st_mode & 077) == 0;
}

int config_load(struct conf *out, const char *user_path, int user_path_explicit,
		const char *policy_path, struct config_warnings *w, struct err *e)
{
	struct conf user, policy;
	int rc;

	conf_init(out);
	conf_init(&user);
	conf_init(&policy);
	if (policy_path) {
		rc = conf_parse_file(&policy, policy_path, e);
		if (rc == E_NOTFOUND)
			rc = 0;
		else if (rc != 0)
			parse_error(&policy, policy_path, e);
		if (rc == 0)
			rc = config_validate(&policy, 1, 0, e);
		if (rc != 0)
			goto done;
	}
	if (user_path) {
		rc = conf_parse_file(&user, user_path, e);
		if (rc == E_NOTFOUND && !user_path_explicit) {
			rc = 0;
		} else if (rc == E_NOTFOUND) {
			rc = err_tr(e, E_USAGE, "err.cfg.missing", TR_S(user_path));
		} else if (rc != 0) {
			parse_error(&user, user_path, e);
		} else {
			rc = config_validate(&user, 0, file_is_private(user_path), e);
		}
		if (rc != 0) {
			if (rc == E_PARSE)
				rc = e->code = E_USAGE;
			goto done;
		}
	}
	/* Policy first, locked; then the user's values merge under it. */
	for (size_t i = 0; i < policy.n; i++)
		merge_value(out, &policy.items[i], 1, w);
	for (size_t i = 0; i < user.n; i++)
		merge_value(out, &user.items[i], 0, w);
	rc = 0;
done:
	conf_free(&user);
	conf_free(&policy);
	if (rc == E_PARSE)
		rc = e->code = E_USAGE;
	return rc;
}

int config_apply_opts(struct conf *c, const struct app_opts *o, struct config_warnings *w,
		      struct err *e)
{
	struct conf_item it = { .section = "", .file = "command line", .line = 0 };
	enum i18n_lang lang;

	if (o->lang) {
		if (i18n_pick_lang(o->lang, &lang) != 0)
			return err_tr(e, E_USAGE, "err.opt.lang", TR_S(o->lang));
		it.key = "language";
		it.value = (char *)o->lang;
		merge_value(c, &it, 0, w);
	}
	if (o->offline) {
		it.key = "offline";
		it.value = "yes";
		merge_value(c, &it, 0, w);
	}
	if (o->key_file) {
		it.key = "key_file";
		it.value = (char *)o->key_file;
		merge_value(c, &it, 0, w);
	}
	return 0;
}

static char *xdg_dir(const char *var, const char *fallback, const char *leaf)
{
	const char *base = getenv(var);
	const char *home = getenv("HOME");
	char *p;

	if (base && base[0] == '/')
		xasprintf(&p, "%s/atrium%s", base, leaf);
	else
		xasprintf(&p, "%s/%s/atrium%s", home && *home ? home : ".", fallback, leaf);
	return p;
}

char *config_default_path(void)
{
	return xdg_dir("XDG_CONFIG_HOME", ".config", "/config");
}

char *config_default_home(void)
{
	return xdg_dir("XDG_DATA_HOME", ".local/share", "");
}

int config_module_disabled(const struct conf *c, const char *module)
{
	const char *v = conf_get(c, "", "disabled_modules");
	char *copy, *save = NULL, *tok;
	int hit = 0;

	if (v == NULL)
		return 0;
	copy = xstrdup(v);
	for (tok = strtok_r(copy, " ,", &save); tok && !hit; tok = strtok_r(NULL, " ,", &save))
		hit = strcmp(tok, module) == 0;
	free(copy);
	return hit;
}
