/*
 * unlock.c - getting the data key and opening the store.
 *
 * Without asking anyone: a key kept by `atrium unlock` in the kernel
 * keyring, else the key file (--key-file, `key_file =`, or HOME/key which
 * the screen creates when the user declines a passphrase). A fresh home
 * with a key file is set up on the spot, so scripts run unattended.
 * Otherwise batch mode stops with exit 6 and says what to do; only the
 * screen (and the explicit `atrium unlock`) ever asks for a passphrase.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "app/app.h"
#include "modules/module.h"
#include "store/store.h"
#include "tui/tui.h"

char *app_key_file(struct app *a)
{
	const char *v = conf_get(&a->conf, "", "key_file");
	char *p;

	if (v)
		return xstrdup(v);
	xasprintf(&p, "%s/key", a->home);
	if (access(p, F_OK) == 0)
		return p;
	free(p);
	return NULL;
}

static int policy_requires_passphrase(struct app *a)
{
	const char *v = conf_get(&a->conf, "", "require_passphrase");
	int b = 0;

	return v && conf_bool(v, &b) == 0 && b;
}

int app_key_quiet(struct app *a, struct store_key **k, struct err *e)
{
	unsigned char kf[STORE_KEY_BYTES];
	char *path;
	int rc;

	*k = NULL;
	if (store_keyring_get(a->home, k) == 0)
		return 0;
	path = app_key_file(a);
	if (path == NULL) {
		if (!store_keys_exist(a->home))
			return err_tr(e, E_LOCKED, "err.store.no_key", TR_S(a->home));
		return err_set(e, E_LOCKED, "%s", tr("err.store.locked"));
	}
	rc = store_keyfile_read(path, kf, e);
	if (rc == 0) {
		if (!store_keys_exist(a->home)) {
			if (policy_requires_passphrase(a))
				rc = err_set(e, E_LOCKED, "%s", tr("err.store.policy_passphrase"));
			else
				rc = store_keys_create(a->home, NULL, kf, k, e);
		} else {
			rc = store_keys_unlock(a->home, NULL, kf, k, e);
		}
	}
	sodium_memzero(kf, sizeof kf);
	free(path);
	return rc;
}

int app_store_open_with(struct app *a, struct store_key *k, struct err *e)
{
	int rc = store_open(a->home, k, &a->store, e);

	if (rc != 0) {
		store_key_free(k);
		return rc;
	}
	a->key = k;
	app_env()->store = a->store;
	return 0;
}

int app_store_open(struct app *a, struct err *e)
{
	struct store_key *k;
	int rc;

	if (a->store)
		return 0;
	rc = app_key_quiet(a, &k, e);
	if (rc != 0)
		return rc;
	return app_store_open_with(a, k, e);
}

void app_store_close(struct app *a)
{
	store_close(a->store);
	a->store = NULL;
	app_env()->store = NULL;
	store_key_free(a->key);
	a->key = NULL;
}

/* One line from fd into buf (without the newline); -1 at EOF first. */
static int read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return n ? 0 : -1;
		if (c == '\n')
			break;
		if (n + 1 < len)
			buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return 0;
}

int app_read_secret(const char *prompt, int confirm, char *buf, size_t len, struct err *e)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO), rc = 0;

	if (!tty) {
		/* Scripts give it as a line on stdin; we never prompt them. */
		if (read_line(STDIN_FILENO, buf, len) != 0 || buf[0] == '\0')
			return err_set(e, E_USAGE, "%s", tr("err.secret.stdin"));
		return 0;
	}
	for (int round = 0; round < (confirm ? 2 : 1) && rc == 0; round++) {
		char *dst = round == 0 ? buf : sodium_malloc(len);

		if (dst == NULL)
			fatal("sodium_malloc failed");
		fprintf(stderr, "%s", round == 0 ? prompt : tr("prompt.repeat"));
		fflush(stderr);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		if (read_line(STDIN_FILENO, dst, len) != 0 || dst[0] == '\0')
			rc = err_set(e, E_CANCELLED, "%s", tr("err.secret.empty"));
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
		if (round == 1) {
			if (rc == 0 && strcmp(buf, dst) != 0)
				rc = err_set(e, E_USAGE, "%s", tr("err.secret.mismatch"));
			sodium_free(dst);
		}
	}
	if (rc != 0)
		sodium_memzero(buf, len);
	return rc;
}

/* ---- the screen's conversation -------------------------------------------- */

/* The command line's way to ask (`:login mail`, `:passwd`). */
int app_tui_secret(const char *prompt, int confirm, char *buf, size_t len, struct err *e)
{
	char *again;
	int rc = tui_ask(prompt, 1, buf, len);

	if (rc == E_IO)
		return err_set(e, E_IO, "the terminal went away");
	if (rc != 0)
		return err_set(e, E_CANCELLED, "%s", tr("err.secret.empty"));
	if (buf[0] == '\0')
		return err_set(e, E_CANCELLED, "%s", tr("err.secret.empty"));
	if (!confirm)
		return 0;
	again = sodium_malloc(len);
	if (again == NULL)
		fatal("sodium_malloc failed");
	rc = tui_ask(tr("prompt.repeat"), 1, again, len);
	if (rc == 0 && strcmp(buf, again) != 0)
		rc = err_set(e, E_USAGE, "%s", tr("err.secret.mismatch"));
	else if (rc != 0)
		rc = err_set(e, E_CANCELLED, "%s", tr("err.secret.empty"));
	sodium_free(again);
	return rc;
}

int app_tui_confirm(const char *question)
{
	char answer[16];
	char q[600];

	snprintf(q, sizeof q, "%s %s ", question, tr("prompt.yes_no"));
	if (tui_ask(q, 0, answer, sizeof answer) != 0)
		return 0;
	return !strcasecmp(answer, "y") || !strcasecmp(answer, "yes") || !strcmp(answer, "是");
}

/* A fresh home: a passphrase, or (declined) a key file only this user can
 * read, unless the policy requires a passphrase. */
static int tui_first_key(struct app *a, struct store_key **k, int *warned, struct err *e)
{
	char *pass = sodium_malloc(1024), *path;
	int rc;

	if (pass == NULL)
		fatal("sodium_malloc failed");
	for (;;) {
		rc = app_tui_secret(tr("prompt.first_passphrase"), 1, pass, 1024, e);
		if (rc == 0) {
			tui_message(tr("msg.deriving"));
			rc = store_keys_create(a->home, pass, NULL, k, e);
			break;
		}
		if (rc == E_USAGE) { /* the two entries differ */
			tui_message(e->msg);
			continue;
		}
		if (rc == E_IO)
			break;
		if (policy_requires_passphrase(a)) {
			tui_message(tr("err.store.policy_passphrase"));
			continue;
		}
		/* Declined: a key file in the home, mode 0600. */
		xasprintf(&path, "%s/key", a->home);
		rc = store_keygen(path, e);
		if (rc == 0) {
			unsigned char kf[STORE_KEY_BYTES];

			rc = store_keyfile_read(path, kf, e);
			if (rc == 0)
				rc = store_keys_create(a->home, NULL, kf, k, e);
			sodium_memzero(kf, sizeof kf);
			if (rc == 0) {
				char t[600];

				tui_message(trf(t, sizeof t, "msg.no_passphrase", TR_S(path)));
				*warned = 1;
			}
		}
		free(path);
		break;
	}
	sodium_free(pass);
	return rc;
}

void app_tui_unlock(void *arg)
{
	struct app *a = arg;
	struct store_key *k = NULL;
	struct err e;
	int rc, tries, warned = 0;

	err_clear(&e);
	rc = app_key_quiet(a, &k, &e);
	if (rc == E_LOCKED && !store_keys_exist(a->home)) {
		rc = tui_first_key(a, &k, &warned, &e);
	} else if (rc == E_LOCKED) {
		char *pass = sodium_malloc(1024);

		if (pass == NULL)
			fatal("sodium_malloc failed");
		for (tries = 0; rc != 0 && tries < 5; tries++) {
			const char *q = tries ? "prompt.passphrase_again" : "prompt.passphrase";

			if (tui_ask(tr(q), 1, pass, 1024) != 0) {
				/* Esc: there is nothing to show without the key. */
				tui_quit();
				break;
			}
			tui_message(tr("msg.deriving"));
			rc = store_keys_unlock(a->home, pass, NULL, &k, &e);
			if (rc != 0 && rc != E_LOCKED)
				break; /* not a wrong passphrase: say what it is */
		}
		sodium_free(pass);
	}
	if (rc == 0 && k)
		rc = app_store_open_with(a, k, &e);
	if (rc != 0) {
		if (e.msg[0])
			tui_message(e.msg);
		log_warn("store not opened: %s", e.msg);
		return;
	}
	/* Replace "Deriving the key…"; a warning about a key file stays. */
	if (!warned)
		tui_message(tr("msg.welcome"));
	tui_request_redraw();
}
