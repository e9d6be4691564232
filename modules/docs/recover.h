/*
 * recover.h - the crash-recovery journal: while a buffer holds unsaved
 * changes its whole text sits in the encrypted cache (table doc_journal),
 * rewritten at most once a tick (docs.c ticks every second) and only when
 * the editor changed since; saving deletes the row. Opening a file whose
 * row holds other text offers it back. Nothing is written next to the
 * user's file: only the store, which is encrypted at rest.
 */
#ifndef ATRIUM_DOCS_RECOVER_H
#define ATRIUM_DOCS_RECOVER_H

#include <stdint.h>

#include <sqlite3.h>

#include "core/core.h"

struct editor;

/* One row: the text and the file it was based on. */
struct doc_journal {
	int64_t base_size;  /* the file when opened or saved; -1: none */
	int64_t base_mtime;
	int64_t updated;    /* unix seconds of the write */
	char *text;
	size_t len;
};

/* The row's key: the absolute path, or "untitled:HOME". */
void doc_journal_key(const struct editor *ed, const char *home, struct buf *out);
int doc_journal_put(sqlite3 *db, const char *key, const struct doc_journal *j, struct err *e);
/* 0, or E_NOTFOUND without a row. */
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
	unsigned long writes; /* rows written (for tests) */
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
 * journal holds other text, put it in ed marked recovered and return 1;
 * a row holding the file's own text is deleted. 0 when nothing to offer. */
int doc_recover_offer(struct doc_recover *r, sqlite3 *db, struct editor *ed, struct err *e);
/* Answer the offer: keep the recovered text (modified, still journalled),
 * or discard it, reloading the file (untitled: empty) and deleting the row. */
void doc_recover_keep(struct doc_recover *r);
int doc_recover_discard(struct doc_recover *r, sqlite3 *db, struct editor *ed, struct err *e);

#endif
