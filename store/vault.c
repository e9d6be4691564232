/*
 * vault.c - passwords for the servers (`atrium login`), sealed with the
 * vault sub-key (XChaCha20-Poly1305, the service name as associated data)
 * inside the encrypted outbox database: two layers, so a secret is never
 * in a page of any file, and never in ordinary heap memory on the way out.
 */
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "store/internal.h"

#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define ABYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SECRET_MAX 4096

int store_vault_put(struct store *s, const char *service, const char *secret, struct err *e)
{
	unsigned char nonce[NONCE], *sealed;
	unsigned long long slen;
	size_t len = strlen(secret);
	sqlite3_stmt *st;
	int rc;

	if (len == 0 || len > SECRET_MAX)
		return err_set(e, E_USAGE, "a password must be 1 to %d bytes", SECRET_MAX);
	sealed = xmalloc(len + ABYTES);
	randombytes_buf(nonce, sizeof nonce);
	crypto_aead_xchacha20poly1305_ietf_encrypt(sealed, &slen, (const unsigned char *)secret,
						   len, (const unsigned char *)service,
						   strlen(service), NULL, nonce, s->vault_key);
	rc = sqlite3_prepare_v2(s->outbox,
				"INSERT OR REPLACE INTO vault(service, nonce, secret, updated)"
				" VALUES(?,?,?,?)",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, nonce, sizeof nonce, SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, sealed, (int)slen, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, (int64_t)time(NULL));
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
	}
	free(sealed);
	if (rc != SQLITE_DONE)
		return store_sqlite_err(s->outbox, rc, "outbox.db", e);
	return 0;
}

int store_vault_get(struct store *s, const char *service, char **secret, struct err *e)
{
	sqlite3_stmt *st;
	unsigned long long plen;
	int rc, n;
	char *out;

	*secret = NULL;
	rc = sqlite3_prepare_v2(s->outbox, "SELECT nonce, secret FROM vault WHERE service=?", -1,
				&st, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_err(s->outbox, rc, "outbox.db", e);
	sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (rc == SQLITE_DONE)
			return err_set(e, E_NOTFOUND, "no password kept for %s (atrium login %s)",
				       service, service);
		return store_sqlite_err(s->outbox, rc, "outbox.db", e);
	}
	n = sqlite3_column_bytes(st, 1);
	if (sqlite3_column_bytes(st, 0) != NONCE || n < (int)ABYTES || n > SECRET_MAX + (int)ABYTES) {
		sqlite3_finalize(st);
		return err_set(e, E_IO, "the vault entry for %s is damaged", service);
	}
	out = sodium_malloc((size_t)n - ABYTES + 1);
	if (out == NULL)
		fatal("sodium_malloc failed");
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
		(unsigned char *)out, &plen, NULL, sqlite3_column_blob(st, 1), (unsigned long long)n,
		(const unsigned char *)service, strlen(service), sqlite3_column_blob(st, 0),
		s->vault_key);
	sqlite3_finalize(st);
	if (rc != 0) {
		sodium_free(out);
		return err_set(e, E_IO, "the vault entry for %s does not authenticate", service);
	}
	out[plen] = '\0';
	*secret = out;
	return 0;
}

int store_vault_del(struct store *s, const char *service, struct err *e)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->outbox, "DELETE FROM vault WHERE service=?", -1, &st, NULL);

	if (rc != SQLITE_OK)
		return store_sqlite_err(s->outbox, rc, "outbox.db", e);
	sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_sqlite_err(s->outbox, rc, "outbox.db", e);
	if (sqlite3_changes(s->outbox) == 0)
		return err_set(e, E_NOTFOUND, "no password kept for %s", service);
	return 0;
}

void store_secret_free(char *secret)
{
	if (secret)
		sodium_free(secret);
}
