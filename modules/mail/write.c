/*
 * write.c - the compose screen of the Mail tab (see write.h).
 *
 * The screen is a header block of single-line fields (a small editor by
 * grapheme cluster, since tui's command line is the shell's own) over the
 * docs editor component. The component keeps its keys; this file takes
 * the ones around it: Shift-Tab back to the fields, Ctrl-S to send (it
 * would finish the component for good, and a bad address must leave the
 * screen as it was), Esc Esc and Ctrl-Q to cancel (one question for the
 * fields and the text together), Ctrl-D to save a copy to Drafts.
 *
 * The draft kept in the store is text: "atrium-draft 1", key=value lines
 * (fields hold no line break), "bodylen=N", an empty line, the N bytes of
 * the text, then the quoted or forwarded part as it was prefilled (the
 * signature goes above it, as `atrium mail reply` puts it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n/i18n.h"
#include "modules/docs/docs.h"
#include "modules/mail/mail_int.h"
#include "modules/mail/write.h"
#include "store/store.h"

#define DRAFT_META "mail.draft"
#define DRAFT_MAGIC "atrium-draft 1\n"
#define SAVE_PAUSE_MS 2000
#define CANDS_MSGS 20000 /* the newest messages looked at for addresses */

enum field { F_TO, F_CC, F_BCC, F_SUBJECT, F_N };

static const char *const field_keys[F_N] = { "mail.write.to", "mail.write.cc", "mail.write.bcc",
					     "mail.write.subject" };
static const char *const field_names[F_N] = { "to", "cc", "bcc", "subject" };

/* A single-line field: UTF-8 text and the cursor's byte offset. */
struct line {
	struct buf s;
	size_t cur;
};

struct cand {
	char *name, *addr;
	int n;
	size_t seq; /* newest first: its spelling and name are kept */
};

enum ask { A_NONE, A_RESUME, A_CANCEL, A_ATTACH };

struct mail_write {
	const struct module_env *env;
	struct mail_acct *a;
	void (*replay)(void *arg);
	void *arg;
	enum mail_write_kind kind;
	int64_t orig;
	char *msgid, *irt, *refs; /* kept across saves: the outbox key of the mail */
	struct mail_mbox from;
	struct line f[F_N];
	char **att;
	size_t natt;
	int focus; /* F_TO..F_SUBJECT, then the attachments, then the body */
	struct docs_edit *body;
	char *tail; /* the quote or forward as prefilled, or NULL */
	int pasting, esc;
	/* completion */
	struct cand *cands;
	size_t ncands;
	int loaded;
	int comp_on, comp_field;
	size_t comp_start, comp_end, comp_idx;
	char *comp_prefix;
	/* the bottom line */
	enum ask ask;
	struct line prompt;
	char msg[600];
	enum ui_role msg_role;
	/* drafts */
	int timer;
	struct buf initial, saved;
	int has_saved;
	/* done */
	int closed;
	int64_t entry;
	char note[600];
	enum ui_role note_role;
};

static int body_focus(const struct mail_write *w)
{
	return F_N + (int)w->natt;
}

static void say(struct mail_write *w, enum ui_role role, const char *text)
{
	snprintf(w->msg, sizeof w->msg, "%s", text);
	w->msg_role = role;
}

/* ---- a single-line field ------------------------------------------------------------- */

static const char *line_str(struct line *l)
{
	return buf_cstr(&l->s);
}

static void line_set(struct line *l, const char *s)
{
	buf_reset(&l->s);
	buf_adds(&l->s, s ? s : "");
	buf_cstr(&l->s);
	l->cur = l->s.len;
}

static void line_replace(struct line *l, size_t from, size_t to, const char *s, size_t n)
{
	struct buf b;

	buf_init(&b);
	buf_add(&b, l->s.data, from);
	/* one line: breaks and tabs (pasted) become spaces */
	for (size_t i = 0; i < n; i++)
		buf_addc(&b, s[i] == '\n' || s[i] == '\r' || s[i] == '\t' ? ' ' : s[i]);
	buf_add(&b, l->s.data + to, l->s.len - to);
	buf_free(&l->s);
	l->s = b;
	buf_cstr(&l->s);
	l->cur = from + n;
}

/* Editing keys: 1 when the text changed, 2 when only the cursor moved,
 * 0 when the key is not one of them. */
static int line_key(struct line *l, int key)
{
	const char *s = line_str(l);
	size_t len = l->s.len;

	switch (key) {
	case UI_KEY_LEFT:
		l->cur = txt_prev_grapheme(s, len, l->cur);
		return 2;
	case UI_KEY_RIGHT:
		if (l->cur < len)
			l->cur += txt_next_grapheme(s + l->cur, len - l->cur);
		return 2;
	case UI_KEY_HOME:
		l->cur = 0;
		return 2;
	case UI_KEY_END:
		l->cur = len;
		return 2;
	case UI_KEY_BACKSPACE:
	case 0x7f:
	case UI_CTRL('h'):
		if (!l->cur)
			return 2;
		line_replace(l, txt_prev_grapheme(s, len, l->cur), l->cur, "", 0);
		return 1;
	case UI_KEY_DELETE:
		if (l->cur >= len)
			return 2;
		line_replace(l, l->cur, l->cur + txt_next_grapheme(s + l->cur, len - l->cur), "", 0);
		return 1;
	case UI_CTRL('u'):
		line_replace(l, 0, l->cur, "", 0);
		return 1;
	case UI_CTRL('k'):
		line_replace(l, l->cur, len, "", 0);
		return 1;
	case UI_CTRL('w'):
		line_replace(l, txt_word_prev(s, len, l->cur), l->cur, "", 0);
		return 1;
	}
	if (key >= 0x20 && key < UI_KEY_BASE && key != 0x7f) {
		char u[8];
		line_replace(l, l->cur, l->cur, u, utf8_encode((unsigned)key, u));
		return 1;
	}
	return 0;
}

/* Draw at (y, x) in at most cols columns, scrolled so the cursor shows. */
static void line_draw(struct line *l, struct ui_area *a, int y, int x, int cols, int focused,
		      enum ui_role role)
{
	const char *s = line_str(l);
	size_t start = 0;

	if (cols < 2)
		return;
	while (start < l->cur && ui_text_width(s + start, l->cur - start) > (size_t)cols - 1)
		start += txt_next_grapheme(s + start, l->s.len - start);
	ui_put(a, y, x, cols, s + start, l->s.len - start, role);
	if (focused)
		ui_cursor(a, y, x + (int)ui_text_width(s + start, l->cur - start));
}

/* ---- address completion -------------------------------------------------------------- */

static int cand_cmp_addr(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;
	int c = strcasecmp(a->addr, b->addr);
	return c ? c : a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int cand_cmp_n(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;
	return a->n != b->n ? (a->n < b->n ? 1 : -1) : strcasecmp(a->addr, b->addr);
}

static void cands_add(struct cand **v, size_t *n, size_t *cap, const char *text)
{
	struct mail_mbox *m;
	size_t nm;
	struct err e;

	if (!text || !*text)
		return;
	if (mail_addr_parse_list(text, &m, &nm, &e) < 0) {
		/* one bad item spoils the list: take the items one by one */
		char *copy = xstrdup(text), *save = NULL;
		for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save))
			if (strchr(p, '@') && strlen(p) < strlen(text))
				cands_add(v, n, cap, p);
		free(copy);
		return;
	}
	for (size_t i = 0; i < nm; i++) {
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 256;
			*v = xreallocarray(*v, *cap, sizeof **v);
		}
		(*v)[*n].name = m[i].name && *m[i].name ? xstrdup(m[i].name) : NULL;
		(*v)[*n].addr = xstrdup(m[i].addr);
		(*v)[*n].seq = *n;
		(*v)[(*n)++].n = 1;
	}
	mail_mboxes_free(m, nm);
}

/* Every address the store has seen for the account, once, counted. */
static void cands_load(struct mail_acct *a, const char *me, struct cand **out, size_t *nout)
{
	struct cand *v = NULL;
	size_t n = 0, cap = 0, k = 0;
	sqlite3_stmt *st;

	*out = NULL;
	*nout = 0;
	if (sqlite3_prepare_v2(store_cache(mail_acct_store(a)),
			       "SELECT m.from_addr, m.to_addrs, m.cc_addrs FROM mail_msg m"
			       " JOIN mail_folder f ON f.id=m.folder WHERE f.account=?1"
			       " ORDER BY m.date DESC LIMIT ?2",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, mail_acct_key(a), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, CANDS_MSGS);
	while (sqlite3_step(st) == SQLITE_ROW)
		for (int c = 0; c < 3; c++)
			cands_add(&v, &n, &cap, (const char *)sqlite3_column_text(st, c));
	sqlite3_finalize(st);
	if (!n)
		return;
	qsort(v, n, sizeof *v, cand_cmp_addr);
	for (size_t i = 0; i < n; i++) {
		if (k && !strcasecmp(v[k - 1].addr, v[i].addr)) {
			v[k - 1].n++;
			if (!v[k - 1].name && v[i].name) {
				v[k - 1].name = v[i].name;
				v[i].name = NULL;
			}
			free(v[i].name);
			free(v[i].addr);
			continue;
		}
		if (me && !strcasecmp(v[i].addr, me)) {
			free(v[i].name);
			free(v[i].addr);
			continue;
		}
		v[k++] = v[i];
	}
	qsort(v, k, sizeof *v, cand_cmp_n);
	*out = v;
	*nout = k;
}

static void cands_free(struct cand *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].addr);
	}
	free(v);
}

/* A prefix of s (folded) or of one of its words. */
static int starts(const char *s, const char *fprefix)
{
	char *f;
	size_t pl = strlen(fprefix);
	int ok = 0;

	if (!s || !(f = txt_casefold(s, strlen(s))))
		return 0;
	for (const char *p = f; *p && !ok; p++)
		if ((p == f || p[-1] == ' ' || p[-1] == '.' || p[-1] == '"') &&
		    !strncmp(p, fprefix, pl))
			ok = 1;
	free(f);
	return ok;
}

static int cand_match(const struct cand *c, const char *fprefix)
{
	return !strncasecmp(c->addr, fprefix, strlen(fprefix)) || starts(c->name, fprefix);
}

/* "Name <addr>", the name quoted when it holds what an address list
 * would read as syntax. */
static void cand_text(const struct cand *c, struct buf *out)
{
	if (!c->name) {
		buf_adds(out, c->addr);
		return;
	}
	if (strpbrk(c->name, "()<>[]:;@\\,.\"")) {
		buf_addc(out, '"');
		for (const char *p = c->name; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_addc(out, '\\');
			buf_addc(out, *p);
		}
		buf_addc(out, '"');
	} else {
		buf_adds(out, c->name);
	}
	buf_printf(out, " <%s>", c->addr);
}

size_t mail_write_candidates(struct mail_acct *a, const char *prefix, char **out, size_t max)
{
	struct cand *v;
	size_t n, k = 0;
	char *fp = txt_casefold(prefix, strlen(prefix));

	cands_load(a, NULL, &v, &n);
	for (size_t i = 0; i < n && k < max; i++)
		if (fp && cand_match(&v[i], fp)) {
			struct buf b;
			buf_init(&b);
			cand_text(&v[i], &b);
			buf_cstr(&b);
			out[k++] = buf_detach(&b);
		}
	free(fp);
	cands_free(v, n);
	return k;
}

/* Tab or Ctrl-T in an address field: 1 done (or said why not), 0 when
 * there is no word at the cursor (Tab then moves on). */
static int complete(struct mail_write *w)
{
	struct line *l = &w->f[w->focus];
	const char *s = line_str(l);
	size_t start, nmatch = 0, pick = 0, i;
	char *fp, t[300], num[2][24];

	if (w->comp_on && w->comp_field == w->focus && l->cur == w->comp_end) {
		start = w->comp_start;
		i = w->comp_idx + 1; /* the next one */
	} else {
		start = l->cur;
		while (start && s[start - 1] != ',' && s[start - 1] != ';')
			start--;
		while (start < l->cur && s[start] == ' ')
			start++;
		if (start == l->cur)
			return 0;
		free(w->comp_prefix);
		w->comp_prefix = xstrndup(s + start, l->cur - start);
		i = 0;
	}
	fp = txt_casefold(w->comp_prefix, strlen(w->comp_prefix));
	/* loaded once per screen; again when nothing matches (a sync may
	 * have brought the address since) */
	for (int fresh = 0; fp && !fresh;) {
		size_t k;
		if (w->loaded) {
			for (k = 0; k < w->ncands && !cand_match(&w->cands[k], fp); k++)
				;
			if (k < w->ncands)
				break;
			cands_free(w->cands, w->ncands);
		}
		cands_load(w->a, w->from.addr, &w->cands, &w->ncands);
		w->loaded = fresh = 1;
	}
	size_t first = (size_t)-1, chosen = (size_t)-1;
	for (size_t k = 0; fp && k < w->ncands; k++) {
		if (!cand_match(&w->cands[k], fp))
			continue;
		if (first == (size_t)-1)
			first = k;
		if (chosen == (size_t)-1 && nmatch >= i) {
			chosen = k;
			pick = nmatch;
		}
		nmatch++;
	}
	free(fp);
	if (!nmatch) {
		w->comp_on = 0;
		say(w, UI_WARN, trf(t, sizeof t, "mail.write.no_match", TR_S(w->comp_prefix)));
		return 1;
	}
	if (w->comp_on && nmatch == 1 && i > 0)
		return 0; /* nothing to cycle through: Tab moves on */
	if (chosen == (size_t)-1) { /* past the last: round to the first */
		chosen = first;
		pick = 0;
	}
	struct buf b;
	buf_init(&b);
	cand_text(&w->cands[chosen], &b);
	buf_adds(&b, ", ");
	/* what follows the word up to the next separator is replaced too */
	size_t end = w->comp_on && w->comp_field == w->focus ? w->comp_end : l->cur;
	line_replace(l, start, end, b.data, b.len);
	buf_free(&b);
	w->comp_on = 1;
	w->comp_field = w->focus;
	w->comp_start = start;
	w->comp_end = l->cur;
	w->comp_idx = pick;
	snprintf(num[0], sizeof num[0], "%zu", pick + 1);
	snprintf(num[1], sizeof num[1], "%zu", nmatch);
	if (nmatch > 1)
		say(w, UI_DIM, trf(t, sizeof t, "mail.write.cands", TR_S(num[0]), TR_S(num[1])));
	else
		w->msg[0] = 0;
	return 1;
}

/* ---- the draft: text, kept in the store ------------------------------------------------ */

static void kv(struct buf *b, const char *k, const char *v)
{
	if (v && *v)
		buf_printf(b, "%s=%s\n", k, v);
}

static void draft_text(struct mail_write *w, struct buf *out)
{
	struct buf body;

	buf_init(&body);
	if (w->body)
		docs_edit_text(w->body, &body);
	buf_adds(out, DRAFT_MAGIC);
	buf_printf(out, "kind=%d\norig=%lld\n", (int)w->kind, (long long)w->orig);
	kv(out, "msgid", w->msgid);
	kv(out, "irt", w->irt);
	kv(out, "refs", w->refs);
	for (int i = 0; i < F_N; i++)
		kv(out, field_names[i], line_str(&w->f[i]));
	for (size_t i = 0; i < w->natt; i++)
		kv(out, "att", w->att[i]);
	buf_printf(out, "bodylen=%zu\n\n", body.len);
	buf_add(out, body.data, body.len);
	if (w->tail)
		buf_adds(out, w->tail);
	buf_free(&body);
}

static int same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (!a->len || !memcmp(a->data, b->data, a->len));
}

int mail_write_modified(const struct mail_write *w)
{
	struct buf b;
	int m;

	buf_init(&b);
	draft_text((struct mail_write *)w, &b);
	m = !same(&b, &w->initial);
	buf_free(&b);
	return m;
}

/* The blob id the meta row names, or NULL. */
static char *draft_id(struct mail_write *w)
{
	sqlite3_stmt *st;
	char *id = NULL;

	if (sqlite3_prepare_v2(store_cache(w->env->store),
			       "SELECT value FROM meta WHERE key='" DRAFT_META "'", -1, &st,
			       NULL) != SQLITE_OK)
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		id = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return id;
}

static void draft_drop(struct mail_write *w)
{
	char *id = draft_id(w);
	struct err e;

	store_exec(store_cache(w->env->store), "DELETE FROM meta WHERE key='" DRAFT_META "'", &e);
	if (id)
		store_blob_del(w->env->store, id, &e);
	free(id);
	w->has_saved = 0;
	buf_reset(&w->saved);
}

/* Keep the draft in the store when it differs from what is kept (force:
 * even when nothing was typed). */
static int draft_save(struct mail_write *w, int force)
{
	struct buf b;
	char id[STORE_BLOB_ID_LEN + 1], t[700], *old;
	sqlite3_stmt *st;
	struct err e;
	int rc = 0;

	buf_init(&b);
	draft_text(w, &b);
	if (!force && same(&b, &w->initial)) {
		/* typed, kept, then undone: nothing to keep (a resumed draft
		 * is its own start, and stays) */
		if (w->has_saved && !same(&w->saved, &w->initial))
			draft_drop(w);
		goto out;
	}
	if (w->has_saved && same(&b, &w->saved))
		goto out;
	err_clear(&e);
	if ((rc = store_blob_put(w->env->store, b.data, b.len, id, &e)) < 0)
		goto fail;
	old = draft_id(w);
	if (sqlite3_prepare_v2(store_cache(w->env->store),
			       "INSERT OR REPLACE INTO meta(key, value) VALUES('" DRAFT_META "', ?1)",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = err_set(&e, E_IO, "%s", sqlite3_errmsg(store_cache(w->env->store)));
		store_blob_del(w->env->store, id, &e);
		free(old);
		goto fail;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = err_set(&e, E_IO, "%s", sqlite3_errmsg(store_cache(w->env->store)));
		sqlite3_finalize(st);
		store_blob_del(w->env->store, id, &e);
		free(old);
		goto fail;
	}
	sqlite3_finalize(st);
	if (old && strcmp(old, id))
		store_blob_del(w->env->store, old, &e);
	free(old);
	buf_reset(&w->saved);
	buf_add(&w->saved, b.data, b.len);
	w->has_saved = 1;
	goto out;
fail:
	say(w, UI_ERROR, trf(t, sizeof t, "mail.write.draft_failed", TR_S(e.msg)));
out:
	buf_free(&b);
	return rc;
}

static void on_pause(void *arg)
{
	struct mail_write *w = arg;

	w->timer = 0;
	draft_save(w, 0);
}

/* Something may have changed: kept after a pause in the typing. */
static void changed(struct mail_write *w)
{
	if (w->timer)
		loop_del_timer(w->env->loop, w->timer);
	w->timer = loop_add_timer(w->env->loop, SAVE_PAUSE_MS, 0, on_pause, w);
}

static void body_new(struct mail_write *w, const char *text, size_t len, int at_top)
{
	if (w->body)
		docs_edit_free(w->body);
	w->body = docs_edit_new(text, len, tr("mail.write.body"));
	docs_edit_configure(w->body, w->env->conf);
	if (at_top) /* a reply is written above the quote */
		docs_edit_key(w->body, UI_KEY_HOME | UI_MOD_CTRL);
}

static void att_add(struct mail_write *w, const char *path)
{
	w->att = xreallocarray(w->att, w->natt + 1, sizeof *w->att);
	w->att[w->natt++] = xstrdup(path);
}

/* Fill the screen from a kept draft; -1 when it is not one. */
static int draft_apply(struct mail_write *w, const struct buf *d)
{
	const char *p = d->data, *end = d->data + d->len;
	size_t bodylen = (size_t)-1;

	if (d->len < sizeof DRAFT_MAGIC - 1 || memcmp(p, DRAFT_MAGIC, sizeof DRAFT_MAGIC - 1))
		return -1;
	p += sizeof DRAFT_MAGIC - 1;
	for (size_t i = 0; i < w->natt; i++)
		free(w->att[i]);
	w->natt = 0;
	for (int i = 0; i < F_N; i++)
		line_set(&w->f[i], "");
	while (p < end && *p != '\n') {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *eq;
		if (!nl)
			return -1;
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq) {
			size_t kl = (size_t)(eq - p);
			char *v = xstrndup(eq + 1, (size_t)(nl - eq - 1));
			if (kl == 4 && !memcmp(p, "kind", 4))
				w->kind = (enum mail_write_kind)atoi(v);
			else if (kl == 4 && !memcmp(p, "orig", 4))
				w->orig = strtoll(v, NULL, 10);
			else if (kl == 5 && !memcmp(p, "msgid", 5))
				free(w->msgid), w->msgid = xstrdup(v);
			else if (kl == 3 && !memcmp(p, "irt", 3))
				free(w->irt), w->irt = xstrdup(v);
			else if (kl == 4 && !memcmp(p, "refs", 4))
				free(w->refs), w->refs = xstrdup(v);
			else if (kl == 3 && !memcmp(p, "att", 3))
				att_add(w, v);
			else if (kl == 7 && !memcmp(p, "bodylen", 7))
				bodylen = (size_t)strtoull(v, NULL, 10);
			for (int i = 0; i < F_N; i++)
				if (kl == strlen(field_names[i]) && !memcmp(p, field_names[i], kl))
					line_set(&w->f[i], v);
			free(v);
		}
		p = nl + 1;
	}
	if (p >= end && bodylen)
		return -1;
	p += p < end;
	if (bodylen > (size_t)(end - p))
		return -1;
	free(w->tail);
	w->tail = p + bodylen < end ? xstrndup(p + bodylen, (size_t)(end - p - bodylen)) : NULL;
	body_new(w, p, bodylen, 0);
	return 0;
}

static void draft_resume(struct mail_write *w)
{
	char *id = draft_id(w);
	struct buf b;
	struct err e;
	char t[700];

	buf_init(&b);
	if (!id || store_blob_get(w->env->store, id, &b, &e) < 0 || draft_apply(w, &b) < 0) {
		say(w, UI_ERROR, trf(t, sizeof t, "mail.write.draft_failed", TR_S(id ? e.msg : "")));
	} else {
		/* what is kept counts as the start: unchanged, it stays kept */
		buf_reset(&w->initial);
		draft_text(w, &w->initial);
		buf_reset(&w->saved);
		buf_add(&w->saved, w->initial.data, w->initial.len);
		w->has_saved = 1;
		w->focus = w->f[F_TO].s.len ? body_focus(w) : F_TO;
	}
	free(id);
	buf_free(&b);
}

/* ---- the screen ------------------------------------------------------------------------ */

static char *mboxes_text(const struct mail_mbox *v, size_t n)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < n; i++) {
		struct cand c = { v[i].name, v[i].addr, 0, 0 };
		if (i)
			buf_adds(&b, ", ");
		cand_text(&c, &b);
	}
	buf_cstr(&b);
	return buf_detach(&b);
}

static char *one_line(const char *s)
{
	char *c = s ? xstrdup(s) : NULL;

	for (char *p = c; p && *p; p++)
		if (*p == '\r' || *p == '\n' || *p == '\t')
			*p = ' ';
	return c;
}

/* Prefill from the original: the builders' draft, its text below a blank
 * line to write in. */
static void from_orig(struct mail_write *w, const struct buf *raw)
{
	struct mail_orig_msg g;
	struct mail_draft d;
	char *t;

	memset(&g, 0, sizeof g);
	memset(&d, 0, sizeof d);
	buf_init(&g.raw);
	buf_add(&g.raw, raw->data, raw->len);
	mail_orig_parse(&g);
	if (w->kind == MAIL_WRITE_FORWARD)
		mail_forward(&g.o, &w->from, 0, &d);
	else
		mail_reply(&g.o, &w->from, w->kind == MAIL_WRITE_REPLY_ALL, &d);
	line_set(&w->f[F_TO], t = mboxes_text(d.to, d.nto));
	free(t);
	line_set(&w->f[F_CC], t = mboxes_text(d.cc, d.ncc));
	free(t);
	line_set(&w->f[F_SUBJECT], t = one_line(d.subject));
	free(t);
	w->irt = one_line(d.in_reply_to);
	w->refs = one_line(d.references);
	if (d.body && *d.body) {
		xasprintf(&w->tail, "\n%s", d.body);
		body_new(w, w->tail, strlen(w->tail), 1);
	}
	mail_draft_free(&d);
	mail_orig_free(&g);
}

struct mail_write *mail_write_new(const struct module_env *env, struct mail_acct *a,
				  enum mail_write_kind kind, int64_t orig, const struct buf *raw,
				  void (*replay)(void *arg), void *arg, struct err *e)
{
	struct mail_write *w = xcalloc(1, sizeof *w);
	char *kept;

	w->env = env;
	w->a = a;
	w->replay = replay;
	w->arg = arg;
	w->kind = kind;
	w->orig = orig;
	for (int i = 0; i < F_N; i++)
		line_set(&w->f[i], "");
	buf_init(&w->prompt.s);
	buf_init(&w->initial);
	buf_init(&w->saved);
	if (mail_from_address(a, &w->from.name, &w->from.addr, e) < 0) {
		mail_write_free(w);
		return NULL;
	}
	w->msgid = mail_msgid_new(w->from.addr);
	if (kind != MAIL_WRITE_NEW && raw)
		from_orig(w, raw);
	if (!w->body)
		body_new(w, "", 0, 0);
	w->focus = kind == MAIL_WRITE_NEW || kind == MAIL_WRITE_FORWARD ? F_TO : body_focus(w);
	draft_text(w, &w->initial);
	if ((kept = draft_id(w))) {
		w->ask = A_RESUME;
		free(kept);
	}
	return w;
}

void mail_write_free(struct mail_write *w)
{
	if (!w)
		return;
	if (w->timer)
		loop_del_timer(w->env->loop, w->timer);
	/* left unsent (the tab closed, atrium quit): kept for m to resume */
	if (!w->closed && w->ask != A_RESUME && w->body && w->env->store)
		draft_save(w, 0);
	for (int i = 0; i < F_N; i++)
		buf_free(&w->f[i].s);
	buf_free(&w->prompt.s);
	for (size_t i = 0; i < w->natt; i++)
		free(w->att[i]);
	free(w->att);
	if (w->body)
		docs_edit_free(w->body);
	cands_free(w->cands, w->ncands);
	free(w->comp_prefix);
	free(w->tail);
	free(w->msgid);
	free(w->irt);
	free(w->refs);
	free(w->from.name);
	free(w->from.addr);
	buf_free(&w->initial);
	buf_free(&w->saved);
	free(w);
}

int mail_write_closed(const struct mail_write *w, int64_t *entry, char *note, size_t len,
		      enum ui_role *role)
{
	if (!w->closed)
		return 0;
	*entry = w->entry;
	snprintf(note, len, "%s", w->note);
	*role = w->note_role;
	return 1;
}

static void close_with(struct mail_write *w, enum ui_role role, const char *note)
{
	w->closed = 1;
	w->note_role = role;
	snprintf(w->note, sizeof w->note, "%s", note ? note : "");
}

/* ---- sending ---------------------------------------------------------------------------- */

/* The addresses of a field; E_PARSE with the field named. */
static int field_addrs(struct mail_write *w, int f, struct mail_mbox **v, size_t *n,
		       struct err *e)
{
	char *s = xstrdup(line_str(&w->f[f]));
	size_t len = strlen(s);
	char why[600];
	int rc = 0;

	*v = NULL;
	*n = 0;
	/* a completion leaves ", " at the end */
	while (len && (s[len - 1] == ' ' || s[len - 1] == ',' || s[len - 1] == ';'))
		s[--len] = 0;
	if (len && mail_addr_parse_list(s, v, n, e) < 0) {
		snprintf(why, sizeof why, "%s", e->msg);
		rc = err_tr(e, E_PARSE, "mail.write.bad_field", TR_S(tr(field_keys[f])), TR_S(why));
	}
	free(s);
	return rc;
}

/* The draft as it would go: for_drafts, a mail with no recipient yet is
 * allowed (its bytes get none; the envelope is not used). */
static int build(struct mail_write *w, int for_drafts, struct mail_draft *d, struct err *e)
{
	struct mail_mbox **lists[3] = { &d->to, &d->cc, &d->bcc };
	size_t *counts[3] = { &d->nto, &d->ncc, &d->nbcc };
	struct buf text, user;
	int rc;

	memset(d, 0, sizeof *d);
	d->from.name = w->from.name ? xstrdup(w->from.name) : NULL;
	d->from.addr = xstrdup(w->from.addr);
	for (int f = F_TO; f <= F_BCC; f++)
		if ((rc = field_addrs(w, f, lists[f], counts[f], e)) < 0) {
			w->focus = f;
			return rc;
		}
	if (for_drafts && !d->nto && !d->ncc && !d->nbcc)
		mail_mbox_add(&d->bcc, &d->nbcc, NULL, w->from.addr); /* Bcc: not in the bytes */
	d->subject = xstrdup(line_str(&w->f[F_SUBJECT]));
	buf_init(&text);
	buf_init(&user);
	docs_edit_text(w->body, &text);
	size_t tl = w->tail ? strlen(w->tail) : 0;
	/* the signature under what the user wrote, above an untouched quote */
	if (tl && text.len >= tl && !memcmp(text.data + text.len - tl, w->tail, tl)) {
		buf_add(&user, text.data, text.len - tl);
		size_t before = user.len;
		mail_add_signature(w->a, &user);
		if (user.len > before)
			buf_addc(&user, '\n');
		buf_adds(&user, w->tail);
	} else {
		buf_add(&user, text.data, text.len);
		mail_add_signature(w->a, &user);
	}
	buf_cstr(&user);
	d->body = buf_detach(&user);
	buf_free(&text);
	d->in_reply_to = w->irt && *w->irt ? xstrdup(w->irt) : NULL;
	d->references = w->refs && *w->refs ? xstrdup(w->refs) : NULL;
	d->message_id = xstrdup(w->msgid);
	if (w->natt) {
		d->att = xcalloc(w->natt, sizeof *d->att);
		for (size_t i = 0; i < w->natt; i++)
			d->att[d->natt++].path = xstrdup(w->att[i]);
	}
	return 0;
}

static void send_now(struct mail_write *w)
{
	struct mail_draft d;
	struct buf msg;
	struct err e;
	char *msgid = NULL, **rcpt = NULL, sum[400], t[700];
	size_t nr = 0;
	int64_t entry = 0;

	buf_init(&msg);
	err_clear(&e);
	if (build(w, 0, &d, &e) < 0 || mail_compose(&d, &msg, &msgid, &e) < 0)
		goto fail;
	rcpt = mail_draft_rcpts(&d, &nr);
	trf(sum, sizeof sum, "mail.send.summary", TR_S(nr ? rcpt[0] : ""),
	    TR_S(d.subject ? d.subject : ""));
	if (mail_send_queue(w->a, d.from.addr, (const char *const *)rcpt, nr, msg.data, msg.len,
			    msgid, sum, &entry, &e) < 0)
		goto fail;
	if (w->orig) {
		struct err e2;
		mail_act_mark(w->a, &w->orig, 1,
			      w->kind == MAIL_WRITE_FORWARD ? MAIL_FORWARDED : MAIL_ANSWERED, &e2);
	}
	draft_drop(w);
	w->entry = entry;
	close_with(w, w->env->offline ? UI_WARN : UI_DIM,
		   tr(w->env->offline ? "mail.write.queued_offline" : "mail.write.sending"));
	goto out;
fail:
	/* everything stays as typed; the line says what is wrong */
	say(w, UI_ERROR, trf(t, sizeof t, "mail.write.not_sent", TR_S(e.msg)));
out:
	mail_strv_free(rcpt, nr);
	free(msgid);
	buf_free(&msg);
	mail_draft_free(&d);
}

static void to_drafts(struct mail_write *w)
{
	struct mail_draft d;
	struct buf msg;
	struct err e;
	char t[700], sum[400];
	int64_t entry;

	buf_init(&msg);
	err_clear(&e);
	if (build(w, 1, &d, &e) < 0 || mail_compose(&d, &msg, NULL, &e) < 0) {
		say(w, UI_ERROR, trf(t, sizeof t, "mail.write.not_saved", TR_S(e.msg)));
		goto out;
	}
	trf(sum, sizeof sum, "mail.write.draft_summary", TR_S(d.subject ? d.subject : ""));
	if (mail_draft_queue(w->a, msg.data, msg.len, w->msgid, sum, &entry, &e) < 0) {
		say(w, UI_ERROR, trf(t, sizeof t, "mail.write.not_saved", TR_S(e.msg)));
		goto out;
	}
	say(w, UI_OK, tr(w->env->offline ? "mail.write.drafts_queued" : "mail.write.drafts_saved"));
	if (!w->env->offline && w->replay)
		w->replay(w->arg);
out:
	buf_free(&msg);
	mail_draft_free(&d);
}

void mail_write_outcome(struct mail_acct *a, int64_t entry, char *out, size_t len,
			enum ui_role *role)
{
	struct outbox_entry en;
	struct err e;

	if (store_outbox_get(mail_acct_store(a), entry, &en, &e) < 0) {
		snprintf(out, len, "%s", e.msg);
		*role = UI_ERROR;
		return;
	}
	if (en.state == OUTBOX_DONE) {
		snprintf(out, len, "%s", tr("mail.write.sent"));
		*role = UI_OK;
	} else if (en.state == OUTBOX_FAILED) {
		trf(out, len, "mail.write.not_sent", TR_S(en.error ? en.error : ""));
		*role = UI_ERROR;
	} else {
		trf(out, len, "mail.write.queued", TR_S(en.error ? en.error : ""));
		*role = UI_WARN;
	}
	store_outbox_entry_free(&en);
}

/* ---- keys ---------------------------------------------------------------------------- */

static void cancel(struct mail_write *w)
{
	/* a draft kept from before is the user's text too */
	if (w->has_saved || mail_write_modified(w)) {
		w->ask = A_CANCEL;
		return;
	}
	close_with(w, UI_DIM, NULL);
}

static void attach(struct mail_write *w)
{
	char *path = xstrdup(line_str(&w->prompt));
	struct stat sb;
	char t[700];

	w->ask = A_NONE;
	if (!*path) {
		free(path);
		return;
	}
	if (path[0] == '~' && path[1] == '/' && getenv("HOME")) {
		char *full;
		xasprintf(&full, "%s%s", getenv("HOME"), path + 1);
		free(path);
		path = full;
	}
	/* read now: a file that cannot be read is said at once, not at send */
	if (access(path, R_OK) != 0 || stat(path, &sb) != 0)
		say(w, UI_ERROR,
		    trf(t, sizeof t, "mail.write.cannot_attach", TR_S(path), TR_S(strerror(errno))));
	else if (!S_ISREG(sb.st_mode))
		say(w, UI_ERROR, trf(t, sizeof t, "mail.write.not_file", TR_S(path)));
	else {
		att_add(w, path);
		if (w->focus >= F_N)
			w->focus++; /* the body (or the attachment) stays where it was */
		changed(w);
	}
	free(path);
}

static int ask_key(struct mail_write *w, int key)
{
	int yes = key == 'y' || key == 'Y' || key == 0x662f; /* 是 */
	int no = key == 'n' || key == 'N' || key == 0x5426;   /* 否 */

	switch (w->ask) {
	case A_RESUME:
		if (yes) {
			w->ask = A_NONE;
			draft_resume(w);
		} else if (no) {
			w->ask = A_NONE;
			draft_drop(w);
		} else if (key == UI_KEY_ESC) {
			w->ask = A_NONE;
			close_with(w, UI_DIM, NULL);
		}
		return 1;
	case A_CANCEL:
		w->ask = A_NONE;
		if (yes) {
			draft_drop(w);
			close_with(w, UI_DIM, tr("mail.write.discarded"));
		} else if (key == 'k' || key == 'K') {
			if (draft_save(w, 1) == 0)
				close_with(w, UI_DIM, tr("mail.write.kept"));
		}
		return 1;
	case A_ATTACH:
		if (key == UI_KEY_ENTER)
			attach(w);
		else if (key == UI_KEY_ESC)
			w->ask = A_NONE;
		else
			line_key(&w->prompt, key);
		return 1;
	case A_NONE:
		break;
	}
	return 0;
}

static int is_addr_field(int f)
{
	return f == F_TO || f == F_CC || f == F_BCC;
}

/* Keys of the body: the component's, but for ours around it. */
static int body_key(struct mail_write *w, int key)
{
	int esc = w->esc, r;

	w->esc = 0;
	if (!w->pasting) {
		/* Esc Esc typed fast may come as Alt-Esc */
		if ((key == UI_KEY_ESC && esc) || key == (UI_KEY_ESC | UI_MOD_ALT)) {
			cancel(w);
			return 1;
		}
		if (key == UI_KEY_ESC)
			w->esc = 1; /* the component drops a selection on it */
		if (key == UI_CTRL('q')) {
			cancel(w);
			return 1;
		}
		if (key == UI_KEY_BTAB) {
			w->focus = body_focus(w) - 1;
			return 1;
		}
		if (key == UI_CTRL('s')) {
			send_now(w);
			return 1;
		}
	}
	r = docs_edit_key(w->body, key);
	if (r)
		changed(w);
	if (docs_edit_state(w->body) != DOCS_EDIT_EDITING) {
		/* finished or cancelled by keys rebound in [keys]: the same,
		 * on a fresh component holding the text */
		enum docs_edit_state st = docs_edit_state(w->body);
		struct buf t;
		buf_init(&t);
		docs_edit_text(w->body, &t);
		body_new(w, t.data ? t.data : "", t.len, 0);
		buf_free(&t);
		if (st == DOCS_EDIT_FINISHED)
			send_now(w);
		else
			cancel(w);
		return 1;
	}
	if (!r && !w->pasting && key == UI_CTRL('d')) {
		to_drafts(w);
		return 1;
	}
	return r;
}

int mail_write_key(struct mail_write *w, int key)
{
	int r;

	if (key == UI_KEY_PASTE_BEGIN || key == UI_KEY_PASTE_END) {
		w->pasting = key == UI_KEY_PASTE_BEGIN;
		if (w->focus == body_focus(w) && !w->ask)
			docs_edit_key(w->body, key);
		return 1;
	}
	if (key == UI_KEY_RESIZE || key == UI_KEY_NONE || key == UI_KEY_MOUSE)
		return 0;
	if (w->ask) {
		if (w->pasting && w->ask == A_ATTACH) {
			line_key(&w->prompt, key);
			return 1;
		}
		return ask_key(w, key);
	}
	if (!(w->pasting && w->focus < F_N))
		w->msg[0] = 0;
	if (w->focus == body_focus(w))
		return body_key(w, key);
	if (w->pasting) {
		if (w->focus < F_N && line_key(&w->f[w->focus], key) == 1)
			changed(w);
		return 1;
	}
	int comp = w->comp_on;
	w->comp_on = 0;
	switch (key) {
	case UI_KEY_ESC:
	case UI_CTRL('q'):
		cancel(w);
		return 1;
	case UI_CTRL('s'):
		send_now(w);
		return 1;
	case UI_CTRL('d'):
		to_drafts(w);
		return 1;
	case UI_CTRL('a'):
		w->ask = A_ATTACH;
		line_set(&w->prompt, "");
		return 1;
	case UI_CTRL('t'):
	case UI_KEY_TAB:
		if (is_addr_field(w->focus)) {
			w->comp_on = comp;
			if (complete(w)) {
				changed(w);
				return 1;
			}
			w->comp_on = 0;
			if (key == UI_CTRL('t'))
				return 1;
		}
		if (key == UI_KEY_TAB)
			w->focus++;
		return 1;
	case UI_KEY_DOWN:
	case UI_KEY_ENTER:
		w->focus++;
		return 1;
	case UI_KEY_BTAB:
	case UI_KEY_UP:
		if (w->focus > 0)
			w->focus--;
		return 1;
	}
	if (w->focus >= F_N) { /* an attachment line */
		if (key == UI_KEY_DELETE || key == UI_KEY_BACKSPACE) {
			size_t i = (size_t)(w->focus - F_N);
			free(w->att[i]);
			memmove(w->att + i, w->att + i + 1, (w->natt - i - 1) * sizeof *w->att);
			w->natt--;
			/* stay in the list (on Subject when it is empty) */
			if (w->focus == body_focus(w))
				w->focus = w->natt ? w->focus - 1 : F_SUBJECT;
			changed(w);
		}
		return key < UI_KEY_BASE || key == UI_KEY_DELETE || key == UI_KEY_BACKSPACE;
	}
	r = line_key(&w->f[w->focus], key);
	if (r == 1)
		changed(w);
	return r != 0 || (key >= 0 && key < 0x20);
}

/* ---- drawing ---------------------------------------------------------------------------- */

static void size_text(const char *path, char *out, size_t len)
{
	struct stat sb;

	if (stat(path, &sb) != 0) {
		snprintf(out, len, "%s", tr("mail.write.missing"));
		return;
	}
	double s = (double)sb.st_size;
	if (s < 1024)
		snprintf(out, len, "%lld B", (long long)sb.st_size);
	else if (s < 1024 * 1024)
		snprintf(out, len, "%.1f KB", s / 1024);
	else
		snprintf(out, len, "%.1f MB", s / (1024 * 1024));
}

void mail_write_draw(struct mail_write *w, struct ui_area *a)
{
	int h = ui_area_h(a), wd = ui_area_w(a), lw = 0, y = 0;
	const char *labels[F_N + 2];
	char t[800];

	labels[0] = tr("mail.write.from");
	for (int i = 0; i < F_N; i++)
		labels[1 + i] = tr(field_keys[i]);
	labels[F_N + 1] = tr("mail.write.attachment");
	for (int i = 0; i < F_N + 2; i++) {
		int lwi = (int)ui_text_width(labels[i], strlen(labels[i]));
		lw = lwi > lw ? lwi : lw;
	}
	int vx = lw + 3, vw = wd - vx - 1;
	int top = 1 + F_N + (w->natt ? (int)w->natt : 1);
	if (top > h - 3)
		top = h - 3 > 0 ? h - 3 : 0;
	ui_clear(a, UI_NORMAL);
	/* the text first: the header block places the cursor after it */
	if (h - 1 - top >= 2) {
		struct ui_area *sub = ui_area_rows(a, top, h - 1 - top);
		if (sub)
			docs_edit_draw(w->body, sub);
	}
	ui_puts(a, y, 1 + ui_puts(a, y, 1, labels[0], UI_DIM), ":", UI_DIM);
	{
		struct buf b;
		struct cand c = { w->from.name, w->from.addr, 0, 0 };
		buf_init(&b);
		cand_text(&c, &b);
		ui_put(a, y, vx, vw, b.data, b.len, UI_DIM);
		buf_free(&b);
	}
	y++;
	for (int i = 0; i < F_N && y < top; i++, y++) {
		int focused = w->focus == i && !w->ask;
		ui_puts(a, y, 1 + ui_puts(a, y, 1, labels[1 + i], focused ? UI_BOLD : UI_NORMAL), ":",
			UI_NORMAL);
		line_draw(&w->f[i], a, y, vx, vw, focused, UI_NORMAL);
	}
	if (!w->natt && y < top) {
		ui_puts(a, y, 1 + ui_puts(a, y, 1, labels[F_N + 1], UI_NORMAL), ":", UI_NORMAL);
		ui_puts(a, y, vx, tr("mail.write.no_attachments"), UI_DIM);
	}
	for (size_t i = 0; i < w->natt && y < top; i++, y++) {
		const char *name = strrchr(w->att[i], '/');
		char sz[32];
		int focused = w->focus == F_N + (int)i && !w->ask;
		enum ui_role role = focused ? UI_SELECTED : UI_NORMAL;
		name = name ? name + 1 : w->att[i];
		size_text(w->att[i], sz, sizeof sz);
		snprintf(t, sizeof t, "%s (%s)", name, sz);
		ui_clear_row(a, y, role);
		ui_puts(a, y, 1 + ui_puts(a, y, 1, labels[F_N + 1], role), ":", role);
		ui_put(a, y, vx, vw, t, strlen(t), role);
	}
	/* the bottom line: a question, a message, or the keys */
	int b = h - 1;
	ui_clear_row(a, b, UI_NORMAL);
	switch (w->ask) {
	case A_RESUME: {
		char *id = draft_id(w), what[420] = "";
		struct buf d;
		struct err e;
		buf_init(&d);
		/* name it by its subject and recipient, as kept */
		if (id && store_blob_get(w->env->store, id, &d, &e) == 0) {
			char *s = (char *)buf_cstr(&d), *p, subj[200] = "", to[200] = "";
			if ((p = strstr(s, "\n\n")))
				p[1] = 0; /* the fields only, not the text */
			if ((p = strstr(s, "\nsubject=")))
				snprintf(subj, sizeof subj, "%.*s", (int)strcspn(p + 9, "\n"), p + 9);
			if ((p = strstr(s, "\nto=")))
				snprintf(to, sizeof to, "%.*s", (int)strcspn(p + 4, "\n"), p + 4);
			snprintf(what, sizeof what, "%s%s%s", to, *to && *subj ? ": " : "", subj);
		}
		buf_free(&d);
		free(id);
		trf(t, sizeof t, "mail.write.ask_resume", TR_S(what));
		ui_put(a, b, 1, wd - 2, t, strlen(t), UI_WARN);
		break;
	}
	case A_CANCEL:
		ui_puts(a, b, 1, tr("mail.write.ask_cancel"), UI_WARN);
		break;
	case A_ATTACH: {
		const char *p = tr("mail.write.attach_prompt");
		int x = 1 + ui_puts(a, b, 1, p, UI_BOLD) + 1;
		line_draw(&w->prompt, a, b, x, wd - x - 1, 1, UI_NORMAL);
		break;
	}
	case A_NONE:
		if (w->msg[0])
			ui_put(a, b, 1, wd - 2, w->msg, strlen(w->msg), w->msg_role);
		else
			ui_puts(a, b, 1,
				tr(w->focus == body_focus(w) ? "mail.write.keys_body"
				   : w->focus >= F_N	     ? "mail.write.keys_att"
							     : "mail.write.keys_head"),
				UI_DIM);
		break;
	}
}
