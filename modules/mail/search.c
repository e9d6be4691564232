/*
 * search.c - finding mail: offline over the store, and on the server
 * (IMAP SEARCH) when it can be reached.
 *
 * A query is words and fields, as people type them:
 *   budget from:bob to:alice subject:report body:预算 since:2026-01-01
 *   before:2026-07-01 is:unread is:flagged is:answered has:attachment
 * Words (and body:) go through the store's full-text index (subjects,
 * senders, and the text of every body fetched, Chinese segmented into
 * words by the store's tokenizer); fields are matched as substrings of the
 * cached headers; all must hold. On the server the same query is an IMAP
 * SEARCH in one folder; what it finds that the cache lacks is fetched by
 * a sync of that folder first, so every hit has an id.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "i18n/i18n.h"
#include "modules/mail/mail_int.h"
#include "store/store.h"

void mail_query_free(struct mail_query *q)
{
	free(q->from);
	free(q->to);
	free(q->subject);
	free(q->words);
	free(q->body);
	memset(q, 0, sizeof *q);
}

/* "2026-03-01" (UTC midnight) as unix seconds; -1 when it is no date. */
static int64_t parse_day(const char *s)
{
	struct tm tm = { 0 };
	int y, m, d;
	char tail;

	if (sscanf(s, "%d-%d-%d%c", &y, &m, &d, &tail) != 3 || y < 1970 || y > 9999 || m < 1 ||
	    m > 12 || d < 1 || d > 31)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	return (int64_t)timegm(&tm);
}

static void add_word(struct buf *b, const char *w)
{
	if (b->len)
		buf_addc(b, ' ');
	buf_adds(b, w);
}

int mail_query_parse(const char *text, struct mail_query *q, struct err *e)
{
	struct buf words, tok;
	const char *p = text;
	int rc = 0;

	memset(q, 0, sizeof *q);
	buf_init(&words);
	buf_init(&tok);
	while (rc == 0 && *p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		/* a token, with "quoted parts" kept whole */
		buf_reset(&tok);
		int quoted = 0;
		while (*p && (quoted || (*p != ' ' && *p != '\t'))) {
			if (*p == '"')
				quoted = !quoted;
			else
				buf_addc(&tok, *p);
			p++;
		}
		char *t = (char *)buf_cstr(&tok), *colon = strchr(t, ':'), *v;
		if (!colon || colon == t || !colon[1]) {
			add_word(&words, t);
			continue;
		}
		*colon = 0;
		v = colon + 1;
		if (!strcasecmp(t, "from")) {
			free(q->from);
			q->from = xstrdup(v);
		} else if (!strcasecmp(t, "to")) {
			free(q->to);
			q->to = xstrdup(v);
		} else if (!strcasecmp(t, "subject")) {
			free(q->subject);
			q->subject = xstrdup(v);
		} else if (!strcasecmp(t, "body")) {
			free(q->body);
			q->body = xstrdup(v);
		} else if (!strcasecmp(t, "since") || !strcasecmp(t, "before")) {
			int64_t d = parse_day(v);
			if (d < 0)
				rc = err_tr(e, E_USAGE, "mail.search.bad_date", TR_S(v));
			else if (!strcasecmp(t, "since"))
				q->since = d;
			else
				q->before = d;
		} else if (!strcasecmp(t, "is")) {
			if (!strcasecmp(v, "unread"))
				q->unset |= IMAP_F_SEEN;
			else if (!strcasecmp(v, "read"))
				q->set |= IMAP_F_SEEN;
			else if (!strcasecmp(v, "flagged"))
				q->set |= IMAP_F_FLAGGED;
			else if (!strcasecmp(v, "unflagged"))
				q->unset |= IMAP_F_FLAGGED;
			else if (!strcasecmp(v, "answered"))
				q->set |= IMAP_F_ANSWERED;
			else if (!strcasecmp(v, "deleted"))
				q->set |= IMAP_F_DELETED;
			else
				rc = err_tr(e, E_USAGE, "mail.search.bad_is", TR_S(v));
		} else if (!strcasecmp(t, "has") && !strcasecmp(v, "attachment")) {
			q->attachment = 1;
		} else {
			/* "a:b" that is no field is a word (a URL, a time) */
			*colon = ':';
			add_word(&words, t);
		}
	}
	buf_free(&tok);
	if (words.len)
		q->words = buf_detach(&words);
	buf_free(&words);
	if (rc < 0)
		mail_query_free(q);
	return rc;
}

static int cmp_id(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return a < b ? -1 : a > b;
}

/* Offline: the ids that match, newest first. */
int mail_search_local(struct mail_acct *a, const struct mail_query *q, const char *folder,
		      int64_t **ids, size_t *n, struct err *e)
{
	sqlite3 *db = store_cache(mail_acct_store(a));
	struct store_hit *hits = NULL;
	size_t nh = 0, k = 0, cap = 0;
	int64_t *fts = NULL, *v = NULL;
	sqlite3_stmt *st;
	int rc;

	*ids = NULL;
	*n = 0;
	if (q->words || q->body) {
		char *all;
		int done;
		/* what the last sync added, before it is looked for */
		if ((rc = mail_index_catch_up(a, NULL, NULL, &done, e)) < 0)
			return rc;
		xasprintf(&all, "%s%s%s", q->words ? q->words : "", q->words && q->body ? " " : "",
			  q->body ? q->body : "");
		rc = store_search(mail_acct_store(a), "mail", all, 1000000, &hits, &nh, e);
		free(all);
		if (rc < 0)
			return rc;
		fts = xcalloc(nh + 1, sizeof *fts);
		for (size_t i = 0; i < nh; i++)
			fts[i] = strtoll(hits[i].ref, NULL, 10);
		store_hits_free(hits, nh);
		qsort(fts, nh, sizeof *fts, cmp_id);
	}
	if (sqlite3_prepare_v2(
		    db,
		    "SELECT m.id FROM mail_msg m JOIN mail_folder f ON f.id=m.folder"
		    " WHERE f.account=?1 AND (?2 IS NULL OR f.name=?2)"
		    " AND (?3 IS NULL OR instr(lower(m.from_addr), lower(?3)) > 0)"
		    " AND (?4 IS NULL OR instr(lower(m.to_addrs), lower(?4)) > 0"
		    "      OR instr(lower(m.cc_addrs), lower(?4)) > 0)"
		    " AND (?5 IS NULL OR instr(lower(m.subject), lower(?5)) > 0)"
		    " AND (?6 = 0 OR m.date >= ?6) AND (?7 = 0 OR m.date < ?7)"
		    " AND (m.flags & ?8) = ?8 AND (m.flags & ?9) = 0"
		    " AND (?10 = 0 OR m.has_attachment > 0)"
		    " ORDER BY m.date DESC, m.id DESC",
		    -1, &st, NULL) != SQLITE_OK) {
		free(fts);
		return err_set(e, E_IO, "mail cache: %s", sqlite3_errmsg(db));
	}
	sqlite3_bind_text(st, 1, mail_acct_key(a), -1, SQLITE_STATIC);
	if (folder)
		sqlite3_bind_text(st, 2, folder, -1, SQLITE_STATIC);
	if (q->from)
		sqlite3_bind_text(st, 3, q->from, -1, SQLITE_STATIC);
	if (q->to)
		sqlite3_bind_text(st, 4, q->to, -1, SQLITE_STATIC);
	if (q->subject)
		sqlite3_bind_text(st, 5, q->subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, q->since);
	sqlite3_bind_int64(st, 7, q->before);
	sqlite3_bind_int(st, 8, (int)q->set);
	sqlite3_bind_int(st, 9, (int)q->unset);
	sqlite3_bind_int(st, 10, q->attachment);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		if (fts && !bsearch(&id, fts, nh, sizeof *fts, cmp_id))
			continue;
		if (k == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof *v);
		}
		v[k++] = id;
	}
	sqlite3_finalize(st);
	free(fts);
	*ids = v;
	*n = k;
	return 0;
}

/* The cached ids of uids in a folder. */
static size_t map_uids(struct mail_acct *a, int64_t folder, const uint32_t *uids, size_t nu,
		       int64_t *out)
{
	sqlite3_stmt *st;
	size_t k = 0;

	if (sqlite3_prepare_v2(store_cache(mail_acct_store(a)),
			       "SELECT id FROM mail_msg WHERE folder=?1 AND uid=?2", -1, &st,
			       NULL) != SQLITE_OK)
		return 0;
	for (size_t i = 0; i < nu; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, folder);
		sqlite3_bind_int64(st, 2, uids[i]);
		if (sqlite3_step(st) == SQLITE_ROW)
			out[k++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return k;
}

int mail_search_server(struct mail_acct *a, const struct mail_query *q, const char *folder,
		       int64_t **ids, size_t *n, struct err *e)
{
	struct imap_query iq = { 0 };
	struct imap_session *s;
	sqlite3_stmt *st;
	uint32_t *uids = NULL, uidv;
	size_t nu = 0, nw = 0;
	int64_t fid = 0, *v;
	char **words = NULL;
	int rc;

	*ids = NULL;
	*n = 0;
	if ((rc = mail_acct_select(a, folder, &uidv, e)) < 0)
		return rc;
	if (!(s = mail_acct_session(a, e)))
		return e->code;
	iq.from = q->from;
	iq.to = q->to;
	iq.subject = q->subject;
	iq.body = q->body;
	iq.since = q->since;
	iq.before = q->before;
	iq.set = q->set;
	iq.unset = q->unset;
	if (q->words) {
		/* each word anywhere in the message (body: included) */
		char *copy = xstrdup(q->words), *save = NULL;
		for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
			words = xreallocarray(words, nw + 1, sizeof *words);
			words[nw++] = xstrdup(w);
		}
		free(copy);
		iq.text = (const char *const *)words;
		iq.ntext = nw;
	}
	rc = imap_search(s, &iq, &uids, &nu, e);
	for (size_t i = 0; i < nw; i++)
		free(words[i]);
	free(words);
	if (rc < 0)
		return rc;
	if (sqlite3_prepare_v2(store_cache(mail_acct_store(a)),
			       "SELECT id FROM mail_folder WHERE account=?1 AND name=?2", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, mail_acct_key(a), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, folder, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			fid = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	v = xcalloc(nu + 1, sizeof *v);
	size_t k = map_uids(a, fid, uids, nu, v);
	if (k < nu) {
		/* hits the cache does not have yet: fetch them, then name them */
		struct mail_sync_count c;
		if ((rc = mail_acct_sync_folder(a, folder, &c, e)) == 0)
			k = map_uids(a, fid, uids, nu, v);
	}
	free(uids);
	if (rc < 0) {
		free(v);
		return rc;
	}
	*ids = v;
	*n = k;
	return 0;
}
