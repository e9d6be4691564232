/*
 * act.c - what the user does to messages (read, flag, move, copy, delete,
 * archive, expunge), offline first, and the replay of the mail outbox.
 *
 * An action is written to the outbox before anything else (so a crash
 * right after loses nothing: the replay brings the server and then the
 * next sync the cache), then applied to the cache, so the index shows it
 * at once. One outbox entry per folder touched, naming the messages the
 * way the server knows them (folder, UIDVALIDITY, UIDs) and the way the
 * cache does (ids). Its payload is a few "key=value" lines.
 *
 * A moved or copied message is a row in its new folder with uid = -id
 * (sync.c leaves rows with uid <= 0 alone) until the replay learns its
 * UID from the server's COPYUID; a server without UIDPLUS gives none, and
 * then the row goes and the target's next sync brings the message back.
 * Every step is safe to repeat: STORE sets flags, a MOVE or EXPUNGE of
 * UIDs that are already gone does nothing, and a UIDVALIDITY that changed
 * fails the entry instead of touching other messages.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "i18n/i18n.h"
#include "modules/mail/mail_int.h"
#include "store/store.h"

static sqlite3 *db(struct mail_acct *a)
{
	return store_cache(mail_acct_store(a));
}

static int sql_fail(struct mail_acct *a, const char *what, struct err *e)
{
	return err_set(e, E_IO, "mail cache: %s: %s", what, sqlite3_errmsg(db(a)));
}

/* ---- payloads --------------------------------------------------------------------- */

struct act {
	char op[16];       /* flags, move, copy, expunge */
	char *folder;      /* wire name */
	int64_t uidvalidity;
	uint32_t *uids;
	int64_t *ids;      /* the cache's rows, parallel to uids */
	size_t n;
	unsigned flags;
	int add;           /* flags: add (1) or remove (0) */
	char *target;      /* move, copy */
	int64_t folder_id, target_id;
};

static void act_free(struct act *x)
{
	free(x->folder);
	free(x->target);
	free(x->uids);
	free(x->ids);
	memset(x, 0, sizeof *x);
}

static void act_format(const struct act *x, struct buf *b)
{
	buf_printf(b, "op=%s\nfolder=%s\nuidvalidity=%" PRId64 "\n", x->op, x->folder,
		   x->uidvalidity);
	buf_adds(b, "uids=");
	for (size_t i = 0; i < x->n; i++)
		buf_printf(b, "%s%" PRIu32, i ? "," : "", x->uids[i]);
	buf_adds(b, "\nids=");
	for (size_t i = 0; i < x->n; i++)
		buf_printf(b, "%s%" PRId64, i ? "," : "", x->ids[i]);
	buf_printf(b, "\nflags=%u\nadd=%d\n", x->flags, x->add);
	if (x->target)
		buf_printf(b, "target=%s\n", x->target);
}

/* A comma list of numbers; the count, or -1 when it does not parse. */
static long parse_list(const char *v, size_t len, int64_t **out)
{
	long n = 0;
	int64_t *r = xcalloc(len / 2 + 2, sizeof *r);
	const char *p = v, *end = v + len;

	while (p < end) {
		char *q;
		errno = 0;
		long long x = strtoll(p, &q, 10);
		if (q == p || errno || (q < end && *q != ','))
			goto bad;
		r[n++] = x;
		p = q < end ? q + 1 : q;
	}
	*out = r;
	return n;
bad:
	free(r);
	return -1;
}

static int act_parse(const unsigned char *data, size_t len, struct act *x)
{
	const char *p = (const char *)data, *end = p + len;
	int64_t *uids = NULL;
	long nu = -1, ni = -1;

	memset(x, 0, sizeof *x);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *eq;
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if ((eq = memchr(p, '=', l))) {
			size_t k = (size_t)(eq - p), vl = l - k - 1;
			const char *v = eq + 1;
			if (k == 2 && !memcmp(p, "op", 2))
				snprintf(x->op, sizeof x->op, "%.*s", (int)vl, v);
			else if (k == 6 && !memcmp(p, "folder", 6))
				x->folder = xstrndup(v, vl);
			else if (k == 6 && !memcmp(p, "target", 6))
				x->target = xstrndup(v, vl);
			else if (k == 11 && !memcmp(p, "uidvalidity", 11))
				x->uidvalidity = strtoll(v, NULL, 10);
			else if (k == 5 && !memcmp(p, "flags", 5))
				x->flags = (unsigned)strtoul(v, NULL, 10);
			else if (k == 3 && !memcmp(p, "add", 3))
				x->add = *v == '1';
			else if (k == 4 && !memcmp(p, "uids", 4) && !uids)
				nu = parse_list(v, vl, &uids);
			else if (k == 3 && !memcmp(p, "ids", 3) && !x->ids)
				ni = parse_list(v, vl, &x->ids);
		}
		p += l + (nl != NULL);
	}
	if (!*x->op || !x->folder || nu < 0 || ni != nu) {
		free(uids);
		act_free(x);
		return -1;
	}
	x->n = (size_t)nu;
	x->uids = xcalloc(x->n + 1, sizeof *x->uids);
	for (size_t i = 0; i < x->n; i++)
		x->uids[i] = (uint32_t)uids[i];
	free(uids);
	return 0;
}

/* ---- grouping the chosen messages by folder ------------------------------------------ */

struct pick {
	int64_t id, folder_id, uidvalidity;
	int64_t uid;
	unsigned flags;
	char *folder, *special;
};

static int cmp_pick(const void *x, const void *y)
{
	const struct pick *a = x, *b = y;
	if (a->folder_id != b->folder_id)
		return a->folder_id < b->folder_id ? -1 : 1;
	return a->uid < b->uid ? -1 : a->uid > b->uid;
}

static void picks_free(struct pick *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].folder);
		free(v[i].special);
	}
	free(v);
}

/* The rows of ids (all of them must exist in this account), sorted by
 * folder then UID. */
static int pick(struct mail_acct *a, const int64_t *ids, size_t n, struct pick **out,
		struct err *e)
{
	sqlite3_stmt *st;
	struct pick *v = xcalloc(n + 1, sizeof *v);
	int rc = 0;

	if (sqlite3_prepare_v2(db(a),
			       "SELECT m.folder, f.uidvalidity, m.uid, m.flags, f.name, f.special"
			       " FROM mail_msg m JOIN mail_folder f ON f.id=m.folder"
			       " WHERE m.id=?1 AND f.account=?2",
			       -1, &st, NULL) != SQLITE_OK) {
		free(v);
		return sql_fail(a, "read", e);
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, ids[i]);
		sqlite3_bind_text(st, 2, mail_acct_key(a), -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW) {
			char ref[32];
			snprintf(ref, sizeof ref, "%" PRId64, ids[i]);
			rc = err_tr(e, E_NOTFOUND, "mail.no_message", TR_S(ref));
			break;
		}
		v[i].id = ids[i];
		v[i].folder_id = sqlite3_column_int64(st, 0);
		v[i].uidvalidity = sqlite3_column_int64(st, 1);
		v[i].uid = sqlite3_column_int64(st, 2);
		v[i].flags = (unsigned)sqlite3_column_int(st, 3);
		v[i].folder = xstrdup((const char *)sqlite3_column_text(st, 4));
		if (sqlite3_column_text(st, 5))
			v[i].special = xstrdup((const char *)sqlite3_column_text(st, 5));
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		picks_free(v, n);
		return rc;
	}
	qsort(v, n, sizeof *v, cmp_pick);
	*out = v;
	return 0;
}

static int folder_id_of(struct mail_acct *a, const char *wire, int64_t *id)
{
	sqlite3_stmt *st;
	int found = 0;

	if (sqlite3_prepare_v2(db(a), "SELECT id FROM mail_folder WHERE account=?1 AND name=?2", -1,
			       &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, mail_acct_key(a), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, wire, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		found = 1;
	}
	sqlite3_finalize(st);
	return found;
}

char *mail_special_folder(struct mail_acct *a, const char *special)
{
	sqlite3_stmt *st;
	char *name = NULL;

	if (sqlite3_prepare_v2(db(a),
			       "SELECT name FROM mail_folder WHERE account=?1 AND special=?2"
			       " ORDER BY id LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, mail_acct_key(a), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, special, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		name = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return name;
}

/* ---- queueing ------------------------------------------------------------------------ */

static void summary_of(const struct act *x, char *out, size_t len)
{
	char *shown = xstrdup(x->folder), *tshown = x->target ? xstrdup(x->target) : NULL;
	char num[16];
	struct buf b;

	buf_init(&b);
	if (mail_mutf7_decode(x->folder, &b) == 0) {
		free(shown);
		shown = buf_detach(&b);
	}
	buf_free(&b);
	if (tshown && mail_mutf7_decode(x->target, &b) == 0) {
		free(tshown);
		tshown = buf_detach(&b);
	}
	buf_free(&b);
	snprintf(num, sizeof num, "%zu", x->n);
	if (!strcmp(x->op, "move") || !strcmp(x->op, "copy"))
		trf(out, len, !strcmp(x->op, "move") ? "mail.act.sum_move" : "mail.act.sum_copy",
		    TR_S(num), TR_S(shown), TR_S(tshown ? tshown : ""));
	else if (!strcmp(x->op, "expunge"))
		trf(out, len, "mail.act.sum_expunge", TR_S(num), TR_S(shown));
	else
		trf(out, len, "mail.act.sum_flags", TR_S(num), TR_S(shown));
	free(shown);
	free(tshown);
}

static int enqueue(struct mail_acct *a, const struct act *x, struct err *e)
{
	struct buf b;
	char key[96], sum[512];
	unsigned char rnd[8];
	int64_t id;
	int rc;

	buf_init(&b);
	act_format(x, &b);
	summary_of(x, sum, sizeof sum);
	/* each action is its own entry, even when it repeats an earlier one */
	randombytes_buf(rnd, sizeof rnd);
	snprintf(key, sizeof key, "%s:%02x%02x%02x%02x%02x%02x%02x%02x", x->op, rnd[0], rnd[1],
		 rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	rc = store_outbox_add(mail_acct_store(a), "mail", x->op, key, sum, b.data, b.len, &id, e);
	buf_free(&b);
	return rc;
}

/* The picks of one folder, [i, j), as an act. */
static void act_of(struct act *x, const char *op, const struct pick *v, size_t i, size_t j)
{
	memset(x, 0, sizeof *x);
	snprintf(x->op, sizeof x->op, "%s", op);
	x->folder = xstrdup(v[i].folder);
	x->uidvalidity = v[i].uidvalidity;
	x->folder_id = v[i].folder_id;
	x->uids = xcalloc(j - i + 1, sizeof *x->uids);
	x->ids = xcalloc(j - i + 1, sizeof *x->ids);
	for (size_t k = i; k < j; k++) {
		/* a message still waiting for its UID is known to the server
		 * only once that entry ran: the entry before this one */
		x->uids[x->n] = v[k].uid > 0 ? (uint32_t)v[k].uid : 0;
		x->ids[x->n++] = v[k].id;
	}
}

static size_t group_end(const struct pick *v, size_t n, size_t i)
{
	size_t j = i;
	while (j < n && v[j].folder_id == v[i].folder_id)
		j++;
	return j;
}

static int apply_flags(struct mail_acct *a, const struct act *x, struct err *e)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (sqlite3_prepare_v2(db(a),
			       x->add ? "UPDATE mail_msg SET flags=flags|?1 WHERE id=?2"
				      : "UPDATE mail_msg SET flags=flags&~?1 WHERE id=?2",
			       -1, &st, NULL) != SQLITE_OK)
		return sql_fail(a, "flags", e);
	for (size_t i = 0; i < x->n && rc == 0; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int(st, 1, (int)x->flags);
		sqlite3_bind_int64(st, 2, x->ids[i]);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = sql_fail(a, "flags", e);
	}
	sqlite3_finalize(st);
	return rc;
}

int mail_act_mark(struct mail_acct *a, const int64_t *ids, size_t n, enum mail_mark m,
		  struct err *e)
{
	static const unsigned bit[] = { IMAP_F_SEEN,	IMAP_F_SEEN,	 IMAP_F_FLAGGED,
					IMAP_F_FLAGGED, IMAP_F_DELETED,	 IMAP_F_DELETED,
					IMAP_F_ANSWERED, IMAP_F_FORWARDED };
	struct pick *v;
	int rc;

	if ((rc = pick(a, ids, n, &v, e)) < 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0;) {
		size_t j = group_end(v, n, i);
		struct act x;
		act_of(&x, "flags", v, i, j);
		x.flags = bit[m];
		x.add = m == MAIL_READ || m == MAIL_FLAG || m == MAIL_DELETED || m == MAIL_ANSWERED ||
			m == MAIL_FORWARDED;
		if ((rc = enqueue(a, &x, e)) == 0)
			rc = apply_flags(a, &x, e);
		act_free(&x);
		i = j;
	}
	picks_free(v, n);
	return rc;
}

/* The cache side of a move or copy: rows in the target with uid -id. */
static int apply_move(struct mail_acct *a, const struct act *x, int copy, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = store_exec(db(a), "BEGIN IMMEDIATE", e);

	if (rc < 0)
		return rc;
	if (sqlite3_prepare_v2(
		    db(a),
		    copy ? "INSERT INTO mail_msg(id, folder, uid, message_id, in_reply_to, refs, date,"
			   " from_addr, to_addrs, cc_addrs, subject, size, flags, has_attachment)"
			   " SELECT ?3, ?1, -?3, message_id, in_reply_to, refs, date, from_addr,"
			   " to_addrs, cc_addrs, subject, size, flags, has_attachment"
			   " FROM mail_msg WHERE id=?2"
			 : "UPDATE mail_msg SET folder=?1, uid=-id WHERE id=?2",
		    -1, &st, NULL) != SQLITE_OK) {
		rc = sql_fail(a, "move", e);
		goto out;
	}
	for (size_t i = 0; i < x->n && rc == 0; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, x->target_id);
		sqlite3_bind_int64(st, 2, x->ids[i]);
		if (copy) {
			/* a new id, never one used before (see sync.c) */
			sqlite3_stmt *q;
			int64_t nid = 0;
			if (sqlite3_prepare_v2(db(a),
					       "SELECT max(coalesce((SELECT value FROM meta WHERE"
					       " key='mail.last_id'), 0), coalesce((SELECT max(id)"
					       " FROM mail_msg), 0)) + 1",
					       -1, &q, NULL) == SQLITE_OK &&
			    sqlite3_step(q) == SQLITE_ROW)
				nid = sqlite3_column_int64(q, 0);
			sqlite3_finalize(q);
			sqlite3_bind_int64(st, 3, nid);
			if (!nid || sqlite3_step(st) != SQLITE_DONE ||
			    store_exec(db(a), "INSERT OR REPLACE INTO meta(key, value) VALUES"
					      "('mail.last_id', (SELECT max(id) FROM mail_msg))",
				       e) < 0)
				rc = sql_fail(a, "copy", e);
		} else if (sqlite3_step(st) != SQLITE_DONE) {
			rc = sql_fail(a, "move", e);
		}
	}
out:
	sqlite3_finalize(st);
	if (rc == 0)
		return store_exec(db(a), "COMMIT", e);
	store_exec(db(a), "ROLLBACK", &(struct err){ 0 });
	return rc;
}

int mail_act_move(struct mail_acct *a, const int64_t *ids, size_t n, const char *target,
		  int copy, struct err *e)
{
	struct pick *v;
	int64_t tid;
	int rc;

	if (!folder_id_of(a, target, &tid)) {
		struct buf b;
		char *shown;
		buf_init(&b);
		shown = mail_mutf7_decode(target, &b) == 0 ? buf_detach(&b) : xstrdup(target);
		buf_free(&b);
		rc = err_tr(e, E_NOTFOUND, "mail.no_folder", TR_S(shown));
		free(shown);
		return rc;
	}
	if ((rc = pick(a, ids, n, &v, e)) < 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0;) {
		size_t j = group_end(v, n, i);
		struct act x;
		if (v[i].folder_id == tid && !copy) {
			i = j;
			continue;
		}
		act_of(&x, copy ? "copy" : "move", v, i, j);
		x.target = xstrdup(target);
		x.target_id = tid;
		if ((rc = enqueue(a, &x, e)) == 0)
			rc = apply_move(a, &x, copy, e);
		act_free(&x);
		i = j;
	}
	picks_free(v, n);
	return rc;
}

int mail_act_delete(struct mail_acct *a, const int64_t *ids, size_t n, struct err *e)
{
	char *trash = mail_special_folder(a, "trash");
	struct pick *v;
	int rc;

	if ((rc = pick(a, ids, n, &v, e)) < 0) {
		free(trash);
		return rc;
	}
	/* in Trash already (or no Trash): marked, for expunge */
	size_t nin = 0, nout = 0;
	int64_t *in = xcalloc(n + 1, sizeof *in), *out = xcalloc(n + 1, sizeof *out);
	for (size_t i = 0; i < n; i++) {
		if (!trash || (v[i].special && !strcmp(v[i].special, "trash")))
			in[nin++] = v[i].id;
		else
			out[nout++] = v[i].id;
	}
	if (nout)
		rc = mail_act_move(a, out, nout, trash, 0, e);
	if (rc == 0 && nin)
		rc = mail_act_mark(a, in, nin, MAIL_DELETED, e);
	free(in);
	free(out);
	free(trash);
	picks_free(v, n);
	return rc;
}

int mail_act_archive(struct mail_acct *a, const int64_t *ids, size_t n, struct err *e)
{
	char *arch = mail_special_folder(a, "archive");
	int rc;

	if (!arch)
		return err_tr(e, E_NOTFOUND, "mail.act.no_archive");
	rc = mail_act_move(a, ids, n, arch, 0, e);
	free(arch);
	return rc;
}

int mail_act_expunge(struct mail_acct *a, const char *folder, int *count, struct err *e)
{
	sqlite3_stmt *st;
	int64_t fid, *ids = NULL;
	size_t n = 0;
	int rc = 0;

	*count = 0;
	if (!folder_id_of(a, folder, &fid))
		return err_tr(e, E_NOTFOUND, "mail.no_folder", TR_S(folder));
	if (sqlite3_prepare_v2(db(a), "SELECT id FROM mail_msg WHERE folder=?1 AND flags&?2", -1,
			       &st, NULL) != SQLITE_OK)
		return sql_fail(a, "read", e);
	sqlite3_bind_int64(st, 1, fid);
	sqlite3_bind_int(st, 2, IMAP_F_DELETED);
	while (sqlite3_step(st) == SQLITE_ROW) {
		ids = xreallocarray(ids, n + 1, sizeof *ids);
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (n) {
		struct pick *v;
		struct act x;
		if ((rc = pick(a, ids, n, &v, e)) == 0) {
			act_of(&x, "expunge", v, 0, n);
			if ((rc = enqueue(a, &x, e)) == 0) {
				int removed = 0;
				rc = mail_cache_drop(a, x.ids, x.n, &removed, e);
				*count = removed;
			}
			act_free(&x);
			picks_free(v, n);
		}
	}
	free(ids);
	return rc;
}

/* ---- replay --------------------------------------------------------------------------- */


/* The UID the server gave a message the cache had waiting (0: none yet). */
static uint32_t uid_now(struct mail_acct *a, int64_t id)
{
	sqlite3_stmt *st;
	int64_t u = 0;

	if (sqlite3_prepare_v2(db(a), "SELECT uid FROM mail_msg WHERE id=?1", -1, &st, NULL) !=
	    SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		u = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return u > 0 && u <= UINT32_MAX ? (uint32_t)u : 0;
}

struct pair {
	uint32_t uid;
	int64_t id;
};

static int cmp_pair(const void *x, const void *y)
{
	uint32_t a = ((const struct pair *)x)->uid, b = ((const struct pair *)y)->uid;
	return a < b ? -1 : a > b;
}

/* A moved or copied row that waited: its UID, or gone (the target's next
 * sync brings the message back) when the server named none. */
static void settle(struct mail_acct *a, const struct pair *p, const uint32_t *dest, size_t n)
{
	sqlite3_stmt *st;
	struct err e2;

	if (sqlite3_prepare_v2(db(a), "UPDATE mail_msg SET uid=?1 WHERE id=?2 AND uid<0", -1, &st,
			       NULL) != SQLITE_OK)
		return;
	for (size_t i = 0; i < n; i++) {
		int removed;
		if (!dest[i]) {
			mail_cache_drop(a, &p[i].id, 1, &removed, &e2);
			continue;
		}
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, dest[i]);
		sqlite3_bind_int64(st, 2, p[i].id);
		if (sqlite3_step(st) != SQLITE_DONE) /* the UID is taken: sync decides */
			mail_cache_drop(a, &p[i].id, 1, &removed, &e2);
	}
	sqlite3_finalize(st);
}

/* What a failed move or copy leaves: the rows that waited in the target
 * go (a move's source sync brings the message back where it is). */
static void undo_pending(struct mail_acct *a, const struct act *x)
{
	struct err e2;
	int removed;

	if (strcmp(x->op, "move") && strcmp(x->op, "copy"))
		return;
	for (size_t i = 0; i < x->n; i++) {
		sqlite3_stmt *st;
		int pending = 0;
		if (sqlite3_prepare_v2(db(a), "SELECT uid<0 FROM mail_msg WHERE id=?1", -1, &st,
				       NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, x->ids[i]);
			pending = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
			sqlite3_finalize(st);
		}
		if (pending)
			mail_cache_drop(a, &x->ids[i], 1, &removed, &e2);
	}
}

static int run_act(struct mail_acct *a, const struct act *x, struct err *e)
{
	struct imap_session *s;
	struct pair *p = xcalloc(x->n + 1, sizeof *p);
	uint32_t *uids = xcalloc(x->n + 1, sizeof *uids), *dest = NULL, uidv = 0, dv;
	size_t n = 0;
	int rc;

	if ((rc = mail_acct_select(a, x->folder, &uidv, e)) < 0)
		goto out;
	if (x->uidvalidity && uidv != x->uidvalidity) {
		rc = err_tr(e, E_CONFLICT, "mail.act.renumbered");
		goto out;
	}
	for (size_t i = 0; i < x->n; i++) {
		uint32_t u = x->uids[i] ? x->uids[i] : uid_now(a, x->ids[i]);
		if (u) {
			p[n].uid = u;
			p[n++].id = x->ids[i];
		}
	}
	qsort(p, n, sizeof *p, cmp_pair);
	for (size_t i = 0; i < n; i++)
		uids[i] = p[i].uid;
	s = mail_acct_session(a, e);
	if (!s) {
		rc = e->code;
		goto out;
	}
	if (!strcmp(x->op, "flags")) {
		rc = imap_store_flags(s, uids, n, x->add ? IMAP_STORE_ADD : IMAP_STORE_REMOVE,
				      x->flags, e);
	} else if (!strcmp(x->op, "move") || !strcmp(x->op, "copy")) {
		int move = !strcmp(x->op, "move");
		dest = xcalloc(n + 1, sizeof *dest);
		rc = imap_copy(s, uids, n, x->target, move, dest, &dv, e);
		/* no MOVE on the server: the copy went, now the original */
		if (rc == 0 && move && !imap_has_cap(s, "MOVE") &&
		    (rc = imap_store_flags(s, uids, n, IMAP_STORE_ADD, IMAP_F_DELETED, e)) == 0)
			rc = imap_expunge(s, uids, n, e);
		if (rc == 0)
			settle(a, p, dest, n);
	} else if (!strcmp(x->op, "expunge")) {
		rc = imap_expunge(s, uids, n, e);
	} else {
		rc = err_set(e, E_PARSE, "unknown mail action %s", x->op);
	}
out:
	free(p);
	free(uids);
	free(dest);
	return rc;
}

static int stops(int rc)
{
	return rc == E_UNREACHABLE || rc == E_TLS || rc == E_AUTH || rc == E_CANCELLED;
}

static int replay_one(void *ctx, struct outbox_entry *en, struct err *e)
{
	struct mail_acct *a = ctx;
	struct store *st = mail_acct_store(a);
	struct act x;
	struct err e2;
	int rc;

	if (!strcmp(en->kind, "send"))
		return mail_send_replay(a, en, e);
	if (!strcmp(en->kind, "draft"))
		return mail_draft_replay(a, en, e);
	if (act_parse(en->payload, en->payload_len, &x) < 0) {
		rc = err_set(e, E_PARSE, "%s", tr("mail.act.bad_entry"));
		store_outbox_mark(st, en->id, OUTBOX_FAILED, e->msg, &e2);
		return rc;
	}
	store_outbox_mark(st, en->id, OUTBOX_SENDING, NULL, &e2);
	rc = run_act(a, &x, e);
	if (rc == 0) {
		store_outbox_mark(st, en->id, OUTBOX_DONE, NULL, &e2);
	} else if (stops(rc)) {
		/* the server is away: it waits, with the reason shown */
		store_outbox_mark(st, en->id, OUTBOX_QUEUED, e->msg, &e2);
		if (rc == E_CANCELLED)
			rc = E_UNREACHABLE;
	} else {
		store_outbox_mark(st, en->id, OUTBOX_FAILED, e->msg, &e2);
		undo_pending(a, &x);
	}
	act_free(&x);
	return rc;
}

int mail_act_replay(struct mail_acct *a, FILE *log, struct net_replay_stats *st, struct err *e)
{
	memset(st, 0, sizeof *st);
	if (store_outbox_count(mail_acct_store(a), "mail") == 0)
		return 0;
	/* mail's entries do not depend on one another across a failure: a
	 * mail that cannot go does not hold back a flag */
	return net_replay(mail_acct_store(a), "mail", replay_one, a, 0, log, st, e);
}
