/*
 * recover.c - the crash-recovery journal (recover.h). One row per buffer
 * in the cache's doc_journal table, and its log of edits in
 * doc_journal_ops, one row per tick that had edits. A tick logs the
 * buffer's edits since the last (doc_buf_edits) folded into disjoint
 * regions of the text as it is now, each written as (offset, bytes it
 * replaced, bytes now there), so a tick costs what was typed in it, not
 * the size of the file. A journal is only ever read back into an editor:
 * recovery never touches the file on disk.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "modules/docs/buffer.h"
#include "modules/docs/editor.h"
#include "modules/docs/recover.h"

/* Bytes of one logged edit before its inserted bytes: off, del, ins. */
#define OP_HEAD 24

static int db_err(sqlite3 *db, struct err *e)
{
	return err_set(e, E_IO, "doc_journal: %s", sqlite3_errmsg(db));
}

static int exec(sqlite3 *db, const char *sql, struct err *e)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : db_err(db, e);
}

/* Run sql with key bound to ?1. */
static int exec_key(sqlite3 *db, const char *sql, const char *key, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_err(db, e);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_err(db, e);
}

/* A row and its log change together or not at all. */
static int begin(sqlite3 *db, struct err *e)
{
	return exec(db, "SAVEPOINT doc_journal", e);
}

static int finish(sqlite3 *db, int rc, struct err *e)
{
	if (rc == 0)
		return exec(db, "RELEASE doc_journal", e);
	sqlite3_exec(db, "ROLLBACK TO doc_journal; RELEASE doc_journal", NULL, NULL, NULL);
	return rc;
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

void doc_journal_key(const struct editor *ed, const char *home, struct buf *out)
{
	const char *path = editor_path(ed);
	char cwd[4096];

	buf_reset(out);
	if (path == NULL) {
		buf_printf(out, "untitled:%s", home ? home : "");
	} else if (path[0] == '/' || editor_remote(ed) || getcwd(cwd, sizeof cwd) == NULL) {
		/* a share document's name ("share:/a/b.md") is its key as it is */
		buf_adds(out, path);
	} else {
		buf_printf(out, "%s/%s", cwd, path);
	}
	buf_cstr(out);
}

/* The base's exact identity, in the base_hash column: hashed, mtime
 * nanoseconds, hash. */
#define BASE_ID 17

static int put_row(sqlite3 *db, const char *key, const struct doc_journal *j, struct err *e)
{
	unsigned char id[BASE_ID];
	sqlite3_stmt *st;
	int rc;

	id[0] = (unsigned char)(j->base_hashed != 0);
	put64(id + 1, (uint64_t)j->base_ns);
	put64(id + 9, j->base_hash);
	if (sqlite3_prepare_v2(db,
			       "INSERT OR REPLACE INTO doc_journal(path, base_size, base_mtime,"
			       " base_hash, text, updated, full) VALUES(?, ?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(db, e);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, j->base_size);
	sqlite3_bind_int64(st, 3, j->base_mtime);
	if (j->base_exact)
		sqlite3_bind_blob(st, 4, id, sizeof id, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	if (j->ops_only)
		sqlite3_bind_blob64(st, 5, "", 0, SQLITE_STATIC);
	else
		sqlite3_bind_blob64(st, 5, j->len ? j->text : "", j->len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, j->updated);
	sqlite3_bind_int(st, 7, !j->ops_only);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(db, e);
	return exec_key(db, "DELETE FROM doc_journal_ops WHERE path = ?", key, e);
}

int doc_journal_put(sqlite3 *db, const char *key, const struct doc_journal *j, struct err *e)
{
	int rc = begin(db, e);

	if (rc != 0)
		return rc;
	return finish(db, put_row(db, key, j, e), e);
}

/* The row as stored: text the full copy (or empty), ops its whole log. */
static int get_row(sqlite3 *db, const char *key, struct doc_journal *j, struct buf *ops,
		   struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(j, 0, sizeof *j);
	if (sqlite3_prepare_v2(db,
			       "SELECT base_size, base_mtime, text, updated, full, base_hash"
			       " FROM doc_journal WHERE path = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(db, e);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(st, 2);
		size_t n = (size_t)sqlite3_column_bytes(st, 2);
		const unsigned char *id = sqlite3_column_blob(st, 5);

		j->base_size = sqlite3_column_int64(st, 0);
		j->base_mtime = sqlite3_column_int64(st, 1);
		j->updated = sqlite3_column_int64(st, 3);
		j->ops_only = !sqlite3_column_int(st, 4);
		if (id && sqlite3_column_bytes(st, 5) == BASE_ID) {
			j->base_exact = 1;
			j->base_hashed = id[0];
			j->base_ns = (int64_t)get64(id + 1);
			j->base_hash = get64(id + 9);
		}
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
	if (rc != 0)
		return rc;
	if (sqlite3_prepare_v2(db, "SELECT ops FROM doc_journal_ops WHERE path = ? ORDER BY seq",
			       -1, &st, NULL) != SQLITE_OK) {
		doc_journal_clear(j);
		return db_err(db, e);
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		buf_add(ops, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		doc_journal_clear(j);
		return db_err(db, e);
	}
	j->ops_bytes = ops->len;
	return 0;
}

/* Apply one logged edit: replace del bytes at off by p[0, n). */
typedef void (*op_fn)(void *arg, size_t off, size_t del, const char *p, size_t n);

/* Walk the log, checking every edit against a text of len bytes (which
 * each edit changes), counting edits and bytes typed into j; fn NULL
 * only counts (len unknown). E_PARSE when the log does not fit. */
static int walk_ops(const char *p, size_t n, size_t len, op_fn fn, void *arg,
		    struct doc_journal *j, struct err *e)
{
	size_t at = 0;

	j->edits = 0;
	j->typed = 0;
	while (at < n) {
		const unsigned char *h = (const unsigned char *)p + at;
		uint64_t off, del, ins;

		if (n - at < OP_HEAD)
			return err_set(e, E_PARSE, "doc_journal: a damaged edit log");
		off = get64(h);
		del = get64(h + 8);
		ins = get64(h + 16);
		at += OP_HEAD;
		if (ins > n - at)
			return err_set(e, E_PARSE, "doc_journal: a damaged edit log");
		if (fn) {
			if (off > len || del > len - off)
				return err_set(e, E_PARSE, "doc_journal: an edit outside the text");
			fn(arg, (size_t)off, (size_t)del, p + at, (size_t)ins);
			len = len - (size_t)del + (size_t)ins;
		}
		j->edits++;
		j->typed += (size_t)ins;
		at += (size_t)ins;
	}
	return 0;
}

static void apply_buf(void *arg, size_t off, size_t del, const char *p, size_t n)
{
	struct doc_buf *b = arg;

	doc_buf_delete(b, off, del);
	doc_buf_insert(b, off, p, n);
}

static void apply_none(void *arg, size_t off, size_t del, const char *p, size_t n)
{
}

static void apply_editor(void *arg, size_t off, size_t del, const char *p, size_t n)
{
	editor_replace_range(arg, off, del, p, n);
}

/* j's full copy with the log replayed on it, back into j->text. */
static int replay_full(struct doc_journal *j, const struct buf *ops, struct err *e)
{
	struct doc_buf *b;
	struct buf out;
	int rc;

	if (ops->len == 0)
		return 0;
	b = doc_buf_new_text(j->text, j->len);
	j->text = NULL;
	rc = walk_ops(ops->data, ops->len, doc_buf_len(b), apply_buf, b, j, e);
	buf_init(&out);
	if (rc == 0)
		doc_buf_contents(b, &out);
	doc_buf_free(b);
	buf_cstr(&out);
	j->len = out.len;
	j->text = buf_detach(&out);
	return rc;
}

/* Whether the file st describes is the base j names. */
static int base_is(const struct doc_journal *j, const struct doc_stamp *st)
{
	if (!st->exists)
		return j->base_size == -1;
	if (st->size != j->base_size || st->mtime != j->base_mtime)
		return 0;
	if (!j->base_exact)
		return 1;
	if (st->mtime_ns != j->base_ns)
		return 0;
	return !(st->hashed && j->base_hashed) || st->hash == j->base_hash;
}

int doc_journal_get(sqlite3 *db, const char *key, struct doc_journal *j, struct err *e)
{
	struct editor *ed;
	struct buf ops;
	int rc;

	buf_init(&ops);
	rc = get_row(db, key, j, &ops, e);
	if (rc != 0)
		goto out;
	if (!j->ops_only) {
		rc = replay_full(j, &ops, e);
		goto out;
	}
	/* Edits only: replayed on the file, if it is still their base. A
	 * share document's base is on the share, not here. */
	if (strncmp(key, "share:", 6) == 0) {
		walk_ops(ops.data, ops.len, 0, NULL, NULL, j, e);
		rc = err_set(e, E_CONFLICT, "%s: the journal holds edits to the share's copy", key);
		goto out;
	}
	ed = editor_new();
	if (strncmp(key, "untitled:", 9) != 0 && (rc = editor_open(ed, key, e)) != 0) {
		editor_free(ed);
		goto out;
	}
	if (!base_is(j, editor_stamp(ed))) {
		walk_ops(ops.data, ops.len, 0, NULL, NULL, j, e);
		rc = err_set(e, E_CONFLICT,
			     "%s changed since the journal of %lu edits was written", key, j->edits);
	} else {
		struct buf text;

		editor_paste_begin(ed);
		rc = walk_ops(ops.data, ops.len, doc_buf_len(editor_buf(ed)), apply_editor, ed, j, e);
		editor_paste_end(ed);
		buf_init(&text);
		doc_buf_contents(editor_buf(ed), &text);
		buf_cstr(&text);
		free(j->text);
		j->len = text.len;
		j->text = buf_detach(&text);
	}
	editor_free(ed);
out:
	buf_free(&ops);
	if (rc != 0) {
		unsigned long edits = j->edits;
		size_t typed = j->typed;

		free(j->text);
		j->text = NULL;
		j->len = 0;
		j->edits = edits;
		j->typed = typed;
	}
	return rc;
}

int doc_journal_del(sqlite3 *db, const char *key, struct err *e)
{
	int rc = begin(db, e);

	if (rc == 0)
		rc = exec_key(db, "DELETE FROM doc_journal WHERE path = ?", key, e);
	if (rc == 0)
		rc = exec_key(db, "DELETE FROM doc_journal_ops WHERE path = ?", key, e);
	return finish(db, rc, e);
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
	r->have_gen = 0;
}

/* One region of the text changed since the last tick: nlen bytes at start
 * (in the text as it is now) that were olen bytes. */
struct region {
	size_t start, nlen, olen;
};

/* Fold edits (oldest first) into disjoint regions, sorted; returns how
 * many. An edit touching or overlapping regions merges with them. */
static size_t fold(const struct doc_edit_op *ops, long n, struct region *rg)
{
	size_t nr = 0;

	for (long k = 0; k < n; k++) {
		size_t lo = ops[k].off, hi = ops[k].off + ops[k].del;
		size_t i0 = 0, i1, s = lo, end = hi, sum_n = 0, sum_o = 0;

		while (i0 < nr && rg[i0].start + rg[i0].nlen < lo)
			i0++;
		for (i1 = i0; i1 < nr && rg[i1].start <= hi; i1++) {
			if (rg[i1].start < s)
				s = rg[i1].start;
			if (rg[i1].start + rg[i1].nlen > end)
				end = rg[i1].start + rg[i1].nlen;
			sum_n += rg[i1].nlen;
			sum_o += rg[i1].olen;
		}
		/* regions [i0, i1) become one; those after move by ins - del */
		for (size_t i = i1; i < nr; i++)
			rg[i].start = rg[i].start - ops[k].del + ops[k].ins;
		if (i1 != i0 + 1) {
			memmove(rg + i0 + 1, rg + i1, (nr - i1) * sizeof *rg);
			nr = nr - (i1 - i0) + 1;
		}
		rg[i0].start = s;
		rg[i0].olen = end - s - sum_n + sum_o;
		rg[i0].nlen = end - s - ops[k].del + ops[k].ins;
	}
	return nr;
}

/* The log record of the regions, read from the text as it is now. */
static void encode(const struct doc_buf *b, const struct region *rg, size_t nr, struct buf *out)
{
	for (size_t i = 0; i < nr; i++) {
		unsigned char h[OP_HEAD];
		char *bytes;

		if (rg[i].nlen == 0 && rg[i].olen == 0)
			continue;
		put64(h, rg[i].start);
		put64(h + 8, rg[i].olen);
		put64(h + 16, rg[i].nlen);
		buf_add(out, h, sizeof h);
		bytes = xmalloc(rg[i].nlen + 1);
		buf_add(out, bytes, doc_buf_read(b, rg[i].start, rg[i].nlen, bytes));
		free(bytes);
	}
}

/* The log record of ed's edits since gen; -1 when they cannot be told. */
static int edits_since(const struct editor *ed, uint64_t gen, struct buf *out)
{
	static struct doc_edit_op ops[DOC_BUF_EDITS_MAX];
	static struct region rg[DOC_BUF_EDITS_MAX];
	long n = doc_buf_edits(editor_buf(ed), gen, ops);

	if (n < 0)
		return -1;
	encode(editor_buf(ed), rg, fold(ops, n, rg), out);
	return 0;
}

static int append_ops(sqlite3 *db, const char *key, int64_t seq, const struct buf *ops,
		      struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO doc_journal_ops(path, seq, ops)"
				   " VALUES(?, ?, ?)",
			       -1, &st, NULL) != SQLITE_OK)
		return db_err(db, e);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_blob64(st, 3, ops->data, ops->len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(db, e);
	return exec_key(db, "UPDATE doc_journal SET updated = strftime('%s', 'now') WHERE path = ?",
			key, e);
}

static int same_stamp(const struct doc_stamp *a, const struct doc_stamp *b)
{
	if (!a->exists || !b->exists)
		return a->exists == b->exists;
	return a->size == b->size && a->mtime == b->mtime && a->mtime_ns == b->mtime_ns &&
	       a->hashed == b->hashed && (!a->hashed || a->hash == b->hash);
}

static void base_of(struct doc_journal *j, const struct editor *ed, const struct doc_stamp *st)
{
	editor_base(ed, &j->base_size, &j->base_mtime);
	if (!st->exists)
		j->base_size = j->base_mtime = -1;
	j->base_exact = 1;
	j->base_ns = st->mtime_ns;
	j->base_hashed = st->hashed;
	j->base_hash = st->hash;
	j->updated = (int64_t)time(NULL);
}

/* A whole copy of the text: the log starts again from it. */
static int write_full(struct doc_recover *r, sqlite3 *db, const char *key, struct editor *ed,
		      struct err *e)
{
	struct doc_journal j = { 0 };
	struct buf text;
	int rc;

	buf_init(&text);
	doc_buf_contents(editor_buf(ed), &text);
	base_of(&j, ed, editor_stamp(ed));
	j.text = text.data;
	j.len = text.len;
	rc = doc_journal_put(db, key, &j, e);
	buf_free(&text);
	if (rc == 0) {
		r->ops_only = 0;
		r->seq = 0;
		r->log_bytes = 0;
		r->full_writes++;
	}
	return rc;
}

/* Log ops (the edits since the row was current) on the row; a new row of
 * edits on the base file when fresh. 1 when the log would outgrow the
 * text: a full copy is due instead. */
static int write_ops(struct doc_recover *r, sqlite3 *db, const char *key, struct editor *ed,
		     const struct buf *ops, int fresh, struct err *e)
{
	struct doc_journal j = { 0 };
	size_t logged = fresh ? 0 : r->log_bytes;
	int rc;

	if (logged + ops->len > doc_buf_len(editor_buf(ed)))
		return 1;
	if ((rc = begin(db, e)) != 0)
		return rc;
	if (fresh) {
		base_of(&j, ed, editor_stamp(ed));
		j.ops_only = 1;
		rc = put_row(db, key, &j, e);
		r->seq = r->log_bytes = 0;
	}
	if (rc == 0 && ops->len)
		rc = append_ops(db, key, r->seq, ops, e);
	rc = finish(db, rc, e);
	if (rc == 0) {
		if (fresh) {
			r->ops_only = 1;
			r->base = *editor_stamp(ed);
		}
		r->seq++;
		r->log_bytes += ops->len;
	}
	return rc;
}

/* Bring the row for key up to date with a modified ed. */
static int journal_modified(struct doc_recover *r, sqlite3 *db, const char *key,
			    struct editor *ed, struct err *e)
{
	const struct doc_stamp *st = editor_stamp(ed);
	struct buf ops;
	int rc = 1;

	buf_init(&ops);
	if (r->row && r->have_gen) {
		/* An edit log on the file only holds while the file is its base. */
		if ((!r->ops_only || same_stamp(&r->base, st)) && edits_since(ed, r->gen, &ops) == 0)
			rc = write_ops(r, db, key, ed, &ops, 0, e);
	} else if (r->have_clean && same_stamp(&r->clean, st) &&
		   edits_since(ed, r->clean_gen, &ops) == 0) {
		rc = write_ops(r, db, key, ed, &ops, 1, e);
	}
	buf_free(&ops);
	if (rc == 1)
		rc = write_full(r, db, key, ed, e);
	if (rc == 0) {
		xstrset(&r->row, key);
		r->have_gen = 1;
		r->gen = doc_buf_gen(editor_buf(ed));
		r->writes++;
	}
	return rc;
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
		rc = journal_modified(r, db, key.data, ed, e);
	} else {
		/* The text is the file's: edits from here on log against it. */
		r->have_clean = 1;
		r->clean_gen = doc_buf_gen(editor_buf(ed));
		r->clean = *editor_stamp(ed);
		r->have_gen = 0;
		if (r->row) {
			rc = doc_journal_del(db, r->row, e);
			free(r->row);
			r->row = NULL;
		}
	}
	if (rc == 0)
		r->seen = editor_changes(ed);
	buf_free(&key);
	return rc;
}

/* The seq after the last of key's logged edits. */
static int64_t next_seq(sqlite3 *db, const char *key)
{
	sqlite3_stmt *st;
	int64_t seq = 0;

	if (sqlite3_prepare_v2(db, "SELECT coalesce(max(seq) + 1, 0) FROM doc_journal_ops"
				   " WHERE path = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return seq;
}

/* Nothing to offer: ed holds the file, the clean point for what follows. */
static void clean_now(struct doc_recover *r, struct editor *ed)
{
	r->have_clean = 1;
	r->clean_gen = doc_buf_gen(editor_buf(ed));
	r->clean = *editor_stamp(ed);
	r->have_gen = 0;
	r->seen = editor_changes(ed);
}

/* Put a journal of edits only back into ed, which holds their base. */
static int offer_ops(struct doc_recover *r, struct editor *ed, struct doc_journal *j,
		     const struct buf *ops, struct err *e)
{
	size_t len = doc_buf_len(editor_buf(ed));
	int rc = walk_ops(ops->data, ops->len, len, apply_none, NULL, j, e);

	if (rc != 0)
		return rc; /* checked before the editor is touched */
	editor_paste_begin(ed);
	walk_ops(ops->data, ops->len, len, apply_editor, ed, j, e);
	editor_paste_end(ed);
	editor_set_cursor(ed, 0);
	r->ops_only = 1;
	r->base = *editor_stamp(ed);
	return rc;
}

/* Put a full copy (with its log replayed) into ed; 0 when it is the
 * file's own text. */
static int offer_full(struct doc_recover *r, struct editor *ed, struct doc_journal *j,
		      const struct buf *ops, struct err *e)
{
	struct buf text;
	int same, rc = replay_full(j, ops, e);

	if (rc != 0)
		return rc;
	buf_init(&text);
	doc_buf_contents(editor_buf(ed), &text);
	same = text.len == j->len && (j->len == 0 || memcmp(text.data, j->text, j->len) == 0);
	buf_free(&text);
	if (same)
		return 0;
	editor_replace_all(ed, j->text, j->len);
	r->ops_only = 0;
	r->file_changed = !base_is(j, editor_stamp(ed));
	return 1;
}

int doc_recover_offer(struct doc_recover *r, sqlite3 *db, struct editor *ed, struct err *e)
{
	struct doc_journal j;
	struct buf key, ops;
	int rc;

	r->offered = 0;
	r->lost = 0;
	if (db == NULL)
		return 0;
	buf_init(&key);
	buf_init(&ops);
	doc_journal_key(ed, r->home, &key);
	rc = get_row(db, key.data, &j, &ops, e);
	if (rc != 0) {
		if (rc == E_NOTFOUND) {
			clean_now(r, ed);
			rc = 0;
		}
		goto out;
	}
	if (j.ops_only && !base_is(&j, editor_stamp(ed))) {
		/* The file is not the one the edits were made on. */
		walk_ops(ops.data, ops.len, 0, NULL, NULL, &j, e);
		r->lost = 1;
		r->lost_edits = j.edits;
		r->lost_bytes = j.typed;
		r->when = j.updated;
		clean_now(r, ed);
		rc = 0;
	} else if (j.ops_only && ops.len == 0) {
		rc = 0;
	} else if (j.ops_only) {
		rc = offer_ops(r, ed, &j, &ops, e);
		r->file_changed = 0;
		if (rc == 0)
			rc = 1;
	} else {
		rc = offer_full(r, ed, &j, &ops, e);
	}
	if (rc == 0 && !r->lost) {
		/* Nothing lost: the file holds the journalled text. */
		doc_journal_del(db, key.data, e);
		clean_now(r, ed);
	} else if (rc == 1) {
		editor_set_recovered(ed, 1);
		r->offered = 1;
		r->when = j.updated;
		xstrset(&r->row, key.data);
		r->seen = editor_changes(ed); /* the row already holds this text */
		r->have_gen = 1;
		r->gen = doc_buf_gen(editor_buf(ed));
		r->seq = 0;
		r->log_bytes = ops.len;
		if (ops.len)
			r->seq = next_seq(db, key.data);
	}
out:
	buf_free(&ops);
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

	if (editor_remote(ed)) {
		editor_mem_revert(ed); /* the share's bytes it was opened from */
	} else if (editor_path(ed)) {
		char *path = xstrdup(editor_path(ed));

		rc = editor_open(ed, path, e);
		free(path);
		if (rc != 0)
			return rc;
	} else {
		editor_reset(ed);
	}
	doc_recover_forget(r, db);
	clean_now(r, ed);
	return 0;
}
