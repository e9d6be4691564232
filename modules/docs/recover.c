/*
 * recover.c - the crash-recovery journal (recover.h). One row per buffer
 * in the cache's doc_journal table; the whole text is stored, which is
 * simple and, written at most once a second and only after a change,
 * cheap enough for documents people type. A row is only ever read back
 * into the editor: recovery never touches the file on disk.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "modules/docs/buffer.h"
#include "modules/docs/editor.h"
#include "modules/docs/recover.h"

static int db_err(sqlite3 *db, struct err *e)
{
	return err_set(e, E_IO, "doc_journal: %s", sqlite3_errmsg(db));
}

void doc_journal_key(const struct editor *ed, const char *home, struct buf *out)
{
	const char *path = editor_path(ed);
	char cwd[4096];

	buf_reset(out);
	if (path == NULL) {
		buf_printf(out, "untitled:%s", home ? home : "");
	} else if (path[0] == '/' || getcwd(cwd, sizeof cwd) == NULL) {
		buf_adds(out, path);
	} else {
		buf_printf(out, "%s/%s", cwd, path);
	}
	buf_cstr(out);
}

int doc_journal_put(sqlite3 *db, const char *key, const struct doc_journal *j, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db,
			       "INSERT OR REPLACE INTO doc_journal(path, base_size, base_mtime,"
			       " text, updated) VALUES(?, ?, ?, ?, ?)",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(db, e);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, j->base_size);
	sqlite3_bind_int64(st, 3, j->base_mtime);
	sqlite3_bind_blob64(st, 4, j->len ? j->text : "", j->len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, j->updated);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_err(db, e);
}

int doc_journal_get(sqlite3 *db, const char *key, struct doc_journal *j, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(j, 0, sizeof *j);
	if (sqlite3_prepare_v2(db,
			       "SELECT base_size, base_mtime, text, updated FROM doc_journal"
			       " WHERE path = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(db, e);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(st, 2);
		size_t n = (size_t)sqlite3_column_bytes(st, 2);

		j->base_size = sqlite3_column_int64(st, 0);
		j->base_mtime = sqlite3_column_int64(st, 1);
		j->updated = sqlite3_column_int64(st, 3);
		j->text = xmalloc(n + 1);
		if (n)
			memcpy(j->text, p, n);
		j->text[n] = '\0';
		j->len = n;
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, E_NOTFOUND, "no journal for %s", key);
	} else {
		rc = db_err(db, e);
	}
	sqlite3_finalize(st);
	return rc;
}

int doc_journal_del(sqlite3 *db, const char *key, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "DELETE FROM doc_journal WHERE path = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_err(db, e);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_err(db, e);
}

void doc_journal_clear(struct doc_journal *j)
{
	free(j->text);
	memset(j, 0, sizeof *j);
}

/* ---- the module's side ------------------------------------------------------------- */

void doc_recover_init(struct doc_recover *r, const char *home)
{
	memset(r, 0, sizeof *r);
	r->home = home;
}

void doc_recover_free(struct doc_recover *r)
{
	free(r->row);
	r->row = NULL;
}

void doc_recover_forget(struct doc_recover *r, sqlite3 *db)
{
	struct err e;

	if (db && r->row)
		doc_journal_del(db, r->row, &e);
	free(r->row);
	r->row = NULL;
	r->offered = 0;
}

int doc_recover_tick(struct doc_recover *r, sqlite3 *db, struct editor *ed, struct err *e)
{
	struct buf key;
	int rc = 0;

	if (db == NULL || editor_changes(ed) == r->seen)
		return 0;
	buf_init(&key);
	doc_journal_key(ed, r->home, &key);
	/* Saved under another name, or another file opened: the old row goes. */
	if (r->row && strcmp(r->row, key.data) != 0)
		doc_recover_forget(r, db);
	if (editor_modified(ed)) {
		struct doc_journal j = { 0 };
		struct buf text;

		buf_init(&text);
		doc_buf_contents(editor_buf(ed), &text);
		editor_base(ed, &j.base_size, &j.base_mtime);
		j.updated = (int64_t)time(NULL);
		j.text = text.data;
		j.len = text.len;
		rc = doc_journal_put(db, key.data, &j, e);
		buf_free(&text);
		if (rc == 0) {
			xstrset(&r->row, key.data);
			r->writes++;
		}
	} else if (r->row) {
		rc = doc_journal_del(db, r->row, e);
		free(r->row);
		r->row = NULL;
	}
	if (rc == 0)
		r->seen = editor_changes(ed);
	buf_free(&key);
	return rc;
}

int doc_recover_offer(struct doc_recover *r, sqlite3 *db, struct editor *ed, struct err *e)
{
	struct doc_journal j;
	struct buf key, text;
	int64_t size, mtime;
	int rc;

	r->offered = 0;
	if (db == NULL)
		return 0;
	buf_init(&key);
	doc_journal_key(ed, r->home, &key);
	rc = doc_journal_get(db, key.data, &j, e);
	if (rc != 0) {
		buf_free(&key);
		return rc == E_NOTFOUND ? 0 : rc;
	}
	buf_init(&text);
	doc_buf_contents(editor_buf(ed), &text);
	if (text.len == j.len && (j.len == 0 || memcmp(text.data, j.text, j.len) == 0)) {
		/* Nothing lost: the file holds the journalled text. */
		doc_journal_del(db, key.data, e);
		rc = 0;
	} else {
		editor_base(ed, &size, &mtime);
		editor_replace_all(ed, j.text, j.len);
		editor_set_recovered(ed, 1);
		r->offered = 1;
		r->file_changed = size != j.base_size || mtime != j.base_mtime;
		r->when = j.updated;
		xstrset(&r->row, key.data);
		r->seen = editor_changes(ed); /* the row already holds this text */
		rc = 1;
	}
	buf_free(&text);
	buf_free(&key);
	doc_journal_clear(&j);
	return rc;
}

void doc_recover_keep(struct doc_recover *r)
{
	r->offered = 0;
}

int doc_recover_discard(struct doc_recover *r, sqlite3 *db, struct editor *ed, struct err *e)
{
	int rc = 0;

	if (editor_path(ed)) {
		char *path = xstrdup(editor_path(ed));

		rc = editor_open(ed, path, e);
		free(path);
		if (rc != 0)
			return rc;
	} else {
		editor_reset(ed);
	}
	doc_recover_forget(r, db);
	r->seen = editor_changes(ed);
	return 0;
}
