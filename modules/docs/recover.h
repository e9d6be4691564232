/*
 * recover.h - the crash-recovery journal: while a buffer holds unsaved
 * changes, the encrypted cache holds what it takes to rebuild its text,
 * brought up to date at most once a tick (docs.c ticks every second) and
 * only when the editor changed since; saving deletes it. Opening a file
 * whose journal holds other text offers it back. Nothing is written next
 * to the user's file: only the store, which is encrypted at rest.
 *
 * The journal costs what the edits cost, not what the file does: a row
 * in doc_journal names the base (the file as opened: size, mtime and, up
 * to DOC_HASH_MAX, a hash of its bytes) and holds a full copy of the text
 * only when `full`; each tick appends the edits since the last one to
 * doc_journal_ops as (offset, deleted length, inserted bytes) records.
 * When the edits logged outgrow the text, or cannot be told (too many in
 * one tick, a base that moved), one full copy replaces the log. Recovery
 * replays the edits on the full copy, or on the file when it is still the
 * file they were made on; when it is not and there is no full copy, it
 * says what is lost rather than guess.
 */
#ifndef ATRIUM_DOCS_RECOVER_H
#define ATRIUM_DOCS_RECOVER_H

#include <stdint.h>

#include <sqlite3.h>

#include "core/core.h"
#include "modules/docs/file.h"

struct editor;

/* One journal: the text and the file it was based on. */
struct doc_journal {
	int64_t base_size;  /* the file when opened or saved; -1: none */
	int64_t base_mtime;
	int64_t updated;    /* unix seconds of the write */
	char *text;
	size_t len;
	/* put: text is empty, the edits apply to the base file itself;
	 * get: the row had no full copy */
	int ops_only;
	int base_exact;     /* base_ns and base_hashed below are known */
	int64_t base_ns;    /* the base's mtime nanoseconds */
	int base_hashed;
	uint64_t base_hash; /* doc_stamp's hash of the base's bytes */
	unsigned long edits; /* get: edits logged; ops_bytes their size */
	size_t ops_bytes;
	size_t typed;       /* get: bytes those edits inserted */
};

/* The row's key: the absolute path, or "untitled:HOME". */
void doc_journal_key(const struct editor *ed, const char *home, struct buf *out);
/* Replace key's journal by j (a full copy unless j->ops_only; its edits
 * log emptied). */
int doc_journal_put(sqlite3 *db, const char *key, const struct doc_journal *j, struct err *e);
/* The journalled text in j->text: the full copy with the edits since
 * replayed, or, without one, the edits replayed on the file key names.
 * 0; E_NOTFOUND without a row; E_CONFLICT when the journal holds only
 * edits and the file is no longer the one they were made on (j then
 * says how many edits and bytes typed cannot be put back, text NULL);
 * E_PARSE for a damaged log. */
int doc_journal_get(sqlite3 *db, const char *key, struct doc_journal *j, struct err *e);
int doc_journal_del(sqlite3 *db, const char *key, struct err *e);
void doc_journal_clear(struct doc_journal *j);

/* What the docs module keeps between ticks. */
struct doc_recover {
	const char *home;
	unsigned long seen; /* editor_changes at the last journal write */
	char *row;          /* key of the row this session owns, or NULL */
	int offered;        /* recovered text shown, keep or discard pending */
	int file_changed;   /* ... and the file changed since the journal */
	int64_t when;       /* ... written then (unix seconds) */
	/* The file changed since a journal of edits only was written: they
	 * cannot be put back (the row stays, unowned, until the next edit of
	 * this file replaces it, so restoring the file brings them back). */
	int lost;
	unsigned long lost_edits;
	size_t lost_bytes;  /* ... bytes those edits typed */
	unsigned long writes; /* journal writes, full or edits (for tests) */
	unsigned long full_writes; /* ... of them full copies */
	/* The row: the buffer's doc_buf_gen it is up to date with, whether it
	 * is edits on the base file only, the next ops seq and bytes logged. */
	int have_gen;
	uint64_t gen;
	int ops_only;
	struct doc_stamp base;
	int64_t seq;
	size_t log_bytes;
	/* A clean point: at doc_buf_gen clean_gen the buffer held the file
	 * as clean describes it (opened, saved, or undone to it). */
	int have_clean;
	uint64_t clean_gen;
	struct doc_stamp clean;
};

void doc_recover_init(struct doc_recover *r, const char *home);
void doc_recover_free(struct doc_recover *r);
/* Bring the journal up to date with ed: write its text while modified,
 * delete the row once it is not (saved, or undone to the file). Does
 * nothing when ed has not changed since the last call. db NULL: nothing. */
int doc_recover_tick(struct doc_recover *r, sqlite3 *db, struct editor *ed, struct err *e);
/* Drop this session's row (the user discarded the text). */
void doc_recover_forget(struct doc_recover *r, sqlite3 *db);
/* After opening ed's file (or for an untitled, unchanged editor): if the
 * journal holds other text, put it in ed marked recovered (one undo step
 * gives the file back) and return 1; a row holding the file's own text is
 * deleted. 0 when nothing to offer: also when only edits were journalled
 * and the file changed since, with r->lost set (the caller says so). */
int doc_recover_offer(struct doc_recover *r, sqlite3 *db, struct editor *ed, struct err *e);
/* Answer the offer: keep the recovered text (modified, still journalled),
 * or discard it, reloading the file (untitled: empty) and deleting the row. */
void doc_recover_keep(struct doc_recover *r);
int doc_recover_discard(struct doc_recover *r, sqlite3 *db, struct editor *ed, struct err *e);

#endif
