/*
 * verbs.c - the mail verbs that change something, offline first:
 *
 *   atrium mail mark ID... read|unread|flag|unflag
 *   atrium mail move ID... FOLDER        (copy likewise)
 *   atrium mail delete ID...             to Trash; in Trash marked deleted
 *   atrium mail archive ID...
 *   atrium mail expunge [--folder F]     the messages marked deleted, for good
 *   atrium mail send --to A [--cc A] [--bcc A] --subject S [--attach FILE]... < body
 *   atrium mail reply ID [--all] < body
 *   atrium mail forward ID --to A [--attached] < body
 *
 * Each is queued in the outbox and shown in the cache first (act.c,
 * send.c), then the outbox is replayed when the servers can be reached.
 * Exit 0: it reached the server; 3: it waits in the outbox (offline or
 * the server away); 4: TLS or login refused (a mail then stays in the
 * outbox, failed with the reason, and nothing is sent).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n/i18n.h"
#include "modules/mail/compose.h"
#include "modules/mail/mail_int.h"
#include "store/store.h"

static int usage(struct cmd_ctx *ctx, const char *u)
{
	char t[512];
	return err_set(ctx->err, E_USAGE, "%s", trf(t, sizeof t, "err.usage", TR_S(u)));
}

static int parse_id(const char *s, int64_t *id, struct err *e)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end || v <= 0 || errno)
		return err_tr(e, E_NOTFOUND, "mail.no_message", TR_S(s));
	*id = v;
	return 0;
}

static int failed_count(struct mail_acct *a)
{
	struct outbox_entry *v;
	size_t n;
	struct err e;
	int k = 0;

	if (store_outbox_list(mail_acct_store(a), "mail", &v, &n, &e) < 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		k += v[i].state == OUTBOX_FAILED;
	store_outbox_list_free(v, n);
	return k;
}

/* After queueing: take the outbox to the servers, and say how it went. */
static int replay_now(struct mail_acct *a, struct cmd_ctx *ctx, const char *done_key)
{
	struct net_replay_stats st;
	char why[600];
	int rc;

	if (mail_acct_env(a)->offline)
		return err_tr(ctx->err, E_QUEUED, "mail.queued_offline");
	/* entries that failed before (shown by atrium outbox) are not this
	 * command's failure */
	int before = failed_count(a);
	rc = mail_act_replay(a, NULL, &st, ctx->err);
	if (rc == E_UNREACHABLE) {
		snprintf(why, sizeof why, "%s", ctx->err->msg);
		return err_tr(ctx->err, E_QUEUED, "mail.queued", TR_S(why));
	}
	if (rc < 0)
		return rc;
	if (failed_count(a) > before) {
		char n[16];
		snprintf(n, sizeof n, "%d", failed_count(a) - before);
		return err_tr(ctx->err, E_IO, "mail.replay_failed", TR_S(n));
	}
	if (!ctx->json && done_key)
		fprintf(ctx->out, "%s\n", tr(done_key));
	return 0;
}

/* ---- actions on messages ------------------------------------------------------------ */

static int cmd_act(struct mail_acct *a, struct cmd_ctx *ctx, const char *verb, int argc,
		   char **argv)
{
	static const char *const marks[] = { "read", "unread", "flag", "unflag" };
	int64_t *ids = xcalloc((size_t)argc + 1, sizeof *ids);
	size_t n = 0;
	int last = argc, rc = 0;
	char *target = NULL;

	/* mark and move/copy end with what to do; the rest are ids */
	if (!strcmp(verb, "mark") || !strcmp(verb, "move") || !strcmp(verb, "copy"))
		last = argc - 1;
	for (int i = 1; i < last && rc == 0; i++)
		rc = parse_id(argv[i], &ids[n++], ctx->err);
	if (rc < 0)
		goto out;
	if (!strcmp(verb, "mark")) {
		size_t k;
		for (k = 0; k < nitems(marks); k++)
			if (!strcmp(argv[argc - 1], marks[k]))
				break;
		if (k == nitems(marks)) {
			rc = usage(ctx, "atrium mail mark ID... read|unread|flag|unflag");
			goto out;
		}
		rc = mail_act_mark(a, ids, n, (enum mail_mark)k, ctx->err);
	} else if (!strcmp(verb, "move") || !strcmp(verb, "copy")) {
		if (!(target = mail_folder_wire(a, argv[argc - 1]))) {
			rc = err_tr(ctx->err, E_NOTFOUND, "mail.no_folder", TR_S(argv[argc - 1]));
			goto out;
		}
		rc = mail_act_move(a, ids, n, target, !strcmp(verb, "copy"), ctx->err);
	} else if (!strcmp(verb, "delete")) {
		rc = mail_act_delete(a, ids, n, ctx->err);
	} else {
		rc = mail_act_archive(a, ids, n, ctx->err);
	}
	if (rc == 0)
		rc = replay_now(a, ctx, "mail.done");
out:
	free(target);
	free(ids);
	return rc;
}

static int cmd_expunge(struct mail_acct *a, struct cmd_ctx *ctx, const char *folder)
{
	char *wire = mail_folder_wire(a, folder ? folder : "INBOX");
	char num[16], t[256];
	int n = 0, rc;

	if (!wire)
		return err_tr(ctx->err, E_NOTFOUND, "mail.no_folder", TR_S(folder ? folder : "INBOX"));
	rc = mail_act_expunge(a, wire, &n, ctx->err);
	free(wire);
	if (rc < 0)
		return rc;
	snprintf(num, sizeof num, "%d", n);
	if (!ctx->json)
		fprintf(ctx->out, "%s\n", trf(t, sizeof t, "mail.expunged", TR_S(num)));
	return n ? replay_now(a, ctx, NULL) : 0;
}

/* ---- writing ------------------------------------------------------------------------ */

static int read_body(struct cmd_ctx *ctx, char **out)
{
	struct buf b;
	char chunk[65536];
	size_t got;

	buf_init(&b);
	if (ctx->in)
		while ((got = fread(chunk, 1, sizeof chunk, ctx->in)) > 0)
			buf_add(&b, chunk, got);
	if (ctx->in && ferror(ctx->in)) {
		buf_free(&b);
		return err_set(ctx->err, E_IO, "reading the body from standard input: %s",
			       strerror(errno));
	}
	buf_cstr(&b);
	*out = buf_detach(&b);
	return 0;
}

struct wopts {
	const char *to[64], *cc[64], *bcc[64], *att[64];
	int nto, ncc, nbcc, natt;
	const char *subject;
	int all, attached;
	const char *pos[4];
	int npos;
};

static int parse_wopts(struct cmd_ctx *ctx, int argc, char **argv, struct wopts *o,
		       const char *u)
{
	memset(o, 0, sizeof *o);
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define LISTOPT(flag, arr, cnt)                                                 \
	if (!strcmp(argv[i], flag)) {                                               \
		if (!v || o->cnt >= (int)nitems(o->arr))                                \
			return usage(ctx, u);                                           \
		o->arr[o->cnt++] = v;                                               \
		i++;                                                                \
		continue;                                                           \
	}
		LISTOPT("--to", to, nto)
		LISTOPT("--cc", cc, ncc)
		LISTOPT("--bcc", bcc, nbcc)
		LISTOPT("--attach", att, natt)
#undef LISTOPT
		if (!strcmp(argv[i], "--subject") && v) {
			o->subject = v;
			i++;
		} else if (!strcmp(argv[i], "--all")) {
			o->all = 1;
		} else if (!strcmp(argv[i], "--attached")) {
			o->attached = 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return usage(ctx, u);
		} else if (o->npos < (int)nitems(o->pos)) {
			o->pos[o->npos++] = argv[i];
		} else {
			return usage(ctx, u);
		}
	}
	return 0;
}

static int add_addrs(struct mail_mbox **v, size_t *n, const char *const *texts, int nt,
		     struct err *e)
{
	for (int i = 0; i < nt; i++) {
		struct mail_mbox *got;
		size_t ng;
		/* a bad address on the command line is a usage error (exit 1) */
		if (mail_addr_parse_list(texts[i], &got, &ng, e) < 0)
			return e->code == E_PARSE ? (e->code = E_USAGE) : e->code;
		for (size_t k = 0; k < ng; k++)
			mail_mbox_add(v, n, got[k].name, got[k].addr);
		mail_mboxes_free(got, ng);
	}
	return 0;
}

/* [mail] signature_file, under "-- " at the end of what the user wrote. */
void mail_add_signature(struct mail_acct *a, struct buf *body)
{
	const char *path = conf_get(mail_acct_env(a)->conf, "mail", "signature_file");
	FILE *f;
	char chunk[4096];
	size_t got, total = 0;

	if (!path || !*path || !(f = fopen(path, "r")))
		return;
	if (body->len && body->data[body->len - 1] != '\n')
		buf_addc(body, '\n');
	buf_adds(body, "-- \n");
	/* a signature is a few lines: more is a mistake, not a signature */
	while (total < 16384 && (got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf_add(body, chunk, got);
		total += got;
	}
	fclose(f);
	if (body->len && body->data[body->len - 1] != '\n')
		buf_addc(body, '\n');
}

/* Compose, queue, then send what the outbox holds. */
static int submit(struct mail_acct *a, struct cmd_ctx *ctx, struct mail_draft *d)
{
	struct buf msg;
	char *msgid = NULL, **rcpt, sum[400];
	size_t nr;
	int64_t entry;
	int rc;

	buf_init(&msg);
	if ((rc = mail_compose(d, &msg, &msgid, ctx->err)) < 0)
		goto out;
	rcpt = mail_draft_rcpts(d, &nr);
	trf(sum, sizeof sum, "mail.send.summary", TR_S(nr ? rcpt[0] : ""),
	    TR_S(d->subject ? d->subject : ""));
	rc = mail_send_queue(a, d->from.addr, (const char *const *)rcpt, nr, msg.data, msg.len,
			     msgid, sum, &entry, ctx->err);
	mail_strv_free(rcpt, nr);
	if (rc < 0)
		goto out;
	rc = replay_now(a, ctx, NULL);
	if (rc == 0 || rc == E_QUEUED || rc == E_IO) {
		/* what became of this one mail */
		struct outbox_entry en;
		struct err e2;
		if (store_outbox_get(mail_acct_store(a), entry, &en, &e2) == 0) {
			if (en.state == OUTBOX_DONE) {
				err_clear(ctx->err);
				rc = 0;
			} else if (en.state == OUTBOX_FAILED) {
				rc = err_set(ctx->err, E_IO, "%s", en.error ? en.error : "");
			}
			store_outbox_entry_free(&en);
		}
	}
	if (ctx->json) {
		json_obj_begin(ctx->json);
		json_key(ctx->json, "message_id");
		json_str(ctx->json, msgid);
		json_key(ctx->json, "outbox");
		json_int(ctx->json, entry);
		json_key(ctx->json, "state");
		json_str(ctx->json, rc == 0 ? "sent" : rc == E_QUEUED ? "queued" : "failed");
		json_obj_end(ctx->json);
	} else if (rc == 0) {
		char t[300];
		fprintf(ctx->out, "%s\n", trf(t, sizeof t, "mail.sent", TR_S(msgid)));
	}
out:
	free(msgid);
	buf_free(&msg);
	return rc;
}

static int me_of(struct mail_acct *a, struct mail_mbox *me, struct err *e)
{
	return mail_from_address(a, &me->name, &me->addr, e);
}

static int cmd_send(struct mail_acct *a, struct cmd_ctx *ctx, int argc, char **argv)
{
	static const char u[] =
		"atrium mail send --to A [--cc A] [--bcc A] --subject S [--attach FILE]... < body";
	struct mail_draft d;
	struct wopts o;
	int rc;

	if ((rc = parse_wopts(ctx, argc, argv, &o, u)) < 0)
		return rc;
	if (o.npos || o.all || o.attached || !o.subject || !(o.nto + o.ncc + o.nbcc))
		return usage(ctx, u);
	memset(&d, 0, sizeof d);
	if ((rc = me_of(a, &d.from, ctx->err)) < 0 ||
	    (rc = add_addrs(&d.to, &d.nto, o.to, o.nto, ctx->err)) < 0 ||
	    (rc = add_addrs(&d.cc, &d.ncc, o.cc, o.ncc, ctx->err)) < 0 ||
	    (rc = add_addrs(&d.bcc, &d.nbcc, o.bcc, o.nbcc, ctx->err)) < 0)
		goto out;
	d.subject = xstrdup(o.subject);
	d.att = xcalloc((size_t)o.natt + 1, sizeof *d.att);
	for (int i = 0; i < o.natt; i++) {
		/* read now: the file may change or go before the mail does */
		if (access(o.att[i], R_OK) != 0) {
			rc = err_tr(ctx->err, E_NOTFOUND, "mail.send.no_attach", TR_S(o.att[i]),
				    TR_S(strerror(errno)));
			goto out;
		}
		d.att[d.natt++].path = xstrdup(o.att[i]);
	}
	if ((rc = read_body(ctx, &d.body)) < 0)
		goto out;
	{
		struct buf b;
		buf_init(&b);
		buf_adds(&b, d.body);
		mail_add_signature(a, &b);
		free(d.body);
		buf_cstr(&b);
		d.body = buf_detach(&b);
	}
	rc = submit(a, ctx, &d);
out:
	mail_draft_free(&d);
	return rc;
}

/* The addresses of a header (decoded); what does not parse is left out. */
static void addrs_of(const char *hdr, size_t hl, const char *name, struct mail_mbox **v,
		     size_t *n)
{
	char *raw = imap_header_value(hdr, hl, name), *dec;
	struct err e;

	*v = NULL;
	*n = 0;
	if (!raw)
		return;
	dec = mail_hdr_decode_str(raw, NULL);
	if (mail_addr_parse_list(dec, v, n, &e) < 0) {
		*v = NULL;
		*n = 0;
	}
	free(dec);
	free(raw);
}

void mail_orig_free(struct mail_orig_msg *g)
{
	mail_text_free(&g->t);
	buf_free(&g->raw);
	free(g->msgid);
	free(g->refs);
	mail_mboxes_free(g->reply_to, g->nreply_to);
	mail_mboxes_free(g->to, g->nto);
	mail_mboxes_free(g->cc, g->ncc);
	mail_mboxes_free(g->from, g->nfrom);
	memset(g, 0, sizeof *g);
}

void mail_orig_parse(struct mail_orig_msg *g)
{
	size_t hl = 0;
	const char *m = g->raw.data ? g->raw.data : "";

	mail_text_parse(m, g->raw.len, &g->t);
	/* the header block: up to the first empty line */
	for (size_t i = 0; i + 1 < g->raw.len; i++)
		if (m[i] == '\n' && (m[i + 1] == '\n' || (m[i + 1] == '\r' && i + 2 < g->raw.len &&
							   m[i + 2] == '\n'))) {
			hl = i + 1;
			break;
		}
	if (!hl)
		hl = g->raw.len;
	g->msgid = imap_header_value(m, hl, "Message-ID");
	g->refs = imap_header_value(m, hl, "References");
	addrs_of(m, hl, "Reply-To", &g->reply_to, &g->nreply_to);
	addrs_of(m, hl, "To", &g->to, &g->nto);
	addrs_of(m, hl, "Cc", &g->cc, &g->ncc);
	addrs_of(m, hl, "From", &g->from, &g->nfrom);
	g->o.message_id = g->msgid;
	g->o.references = g->refs;
	g->o.subject = g->t.subject;
	g->o.date = g->t.date;
	if (g->nfrom)
		g->o.from = g->from[0];
	g->o.reply_to = g->reply_to;
	g->o.nreply_to = g->nreply_to;
	g->o.to = g->to;
	g->o.nto = g->nto;
	g->o.cc = g->cc;
	g->o.ncc = g->ncc;
	g->o.body = g->t.text;
	g->o.raw = g->raw.data;
	g->o.raw_len = g->raw.len;
}

/* The original of a reply or forward, from the cache or the server. */
static int orig_load(struct mail_acct *a, struct cmd_ctx *ctx, const char *ids,
		     struct mail_orig_msg *g)
{
	int64_t id;
	int rc;

	memset(g, 0, sizeof *g);
	buf_init(&g->raw);
	if ((rc = parse_id(ids, &id, ctx->err)) < 0 ||
	    (rc = mail_acct_body(a, id, &g->raw, ctx->err)) < 0)
		return rc;
	mail_orig_parse(g);
	return 0;
}

static int cmd_reply(struct mail_acct *a, struct cmd_ctx *ctx, int argc, char **argv,
		     int forward)
{
	const char *u = forward ? "atrium mail forward ID --to A [--cc A] [--attached] < body"
				: "atrium mail reply ID [--all] < body";
	struct mail_draft d;
	struct mail_mbox me = { 0 };
	struct wopts o;
	struct mail_orig_msg g;
	char *text = NULL;
	int64_t id;
	int rc;

	if ((rc = parse_wopts(ctx, argc, argv, &o, u)) < 0)
		return rc;
	if (o.npos != 1 || o.subject || o.natt || (forward ? o.all || !o.nto
							    : o.attached || o.nto || o.ncc || o.nbcc))
		return usage(ctx, u);
	memset(&d, 0, sizeof d);
	if ((rc = me_of(a, &me, ctx->err)) < 0)
		return rc;
	if ((rc = orig_load(a, ctx, o.pos[0], &g)) < 0)
		goto out;
	if (forward)
		mail_forward(&g.o, &me, o.attached, &d);
	else
		mail_reply(&g.o, &me, o.all, &d);
	if ((rc = add_addrs(&d.to, &d.nto, o.to, o.nto, ctx->err)) < 0 ||
	    (rc = add_addrs(&d.cc, &d.ncc, o.cc, o.ncc, ctx->err)) < 0 ||
	    (rc = add_addrs(&d.bcc, &d.nbcc, o.bcc, o.nbcc, ctx->err)) < 0)
		goto out;
	if ((rc = read_body(ctx, &text)) < 0)
		goto out;
	/* what the user wrote goes above the quote or the forwarded text */
	{
		struct buf b;
		buf_init(&b);
		buf_adds(&b, text);
		if (*text && text[strlen(text) - 1] != '\n')
			buf_addc(&b, '\n');
		mail_add_signature(a, &b);
		if (d.body) {
			buf_addc(&b, '\n');
			buf_adds(&b, d.body);
		}
		free(d.body);
		d.body = buf_detach(&b);
	}
	if ((rc = submit(a, ctx, &d)) == 0 || rc == E_QUEUED) {
		/* the original shows it was answered or forwarded */
		struct err e2;
		int save = rc;
		parse_id(o.pos[0], &id, &e2);
		if (mail_act_mark(a, &id, 1, forward ? MAIL_FORWARDED : MAIL_ANSWERED, &e2) == 0 &&
		    save == 0) {
			struct net_replay_stats rs;
			mail_act_replay(a, NULL, &rs, &e2);
		}
		rc = save;
	}
out:
	free(text);
	free(me.name);
	free(me.addr);
	mail_orig_free(&g);
	mail_draft_free(&d);
	return rc;
}

/* ---- folders ------------------------------------------------------------------------ */

/* mkdir F, rmdir F --yes, rename F NEW, subscribe F, unsubscribe F: on the
 * server at once (they need it: nothing of this is queued). */
static int cmd_folder(struct mail_acct *a, struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *verb = argv[0];
	enum imap_mbox_op op;
	char *wire = NULL, *to = NULL, t[600];
	int rc;

	if (!strcmp(verb, "mkdir"))
		op = IMAP_MBOX_CREATE;
	else if (!strcmp(verb, "rmdir"))
		op = IMAP_MBOX_DELETE;
	else if (!strcmp(verb, "rename"))
		op = IMAP_MBOX_RENAME;
	else if (!strcmp(verb, "subscribe"))
		op = IMAP_MBOX_SUBSCRIBE;
	else
		op = IMAP_MBOX_UNSUBSCRIBE;
	if (op == IMAP_MBOX_DELETE && !(argc == 3 && !strcmp(argv[2], "--yes")))
		return err_tr(ctx->err, E_USAGE, "mail.rmdir_yes", TR_S(argc > 1 ? argv[1] : ""));
	if (mail_acct_env(a)->offline)
		return err_tr(ctx->err, E_UNREACHABLE, "mail.offline_forced");
	if (op == IMAP_MBOX_CREATE) {
		wire = mail_mutf7_encode(argv[1]);
	} else if (!(wire = mail_folder_wire(a, argv[1]))) {
		/* not cached yet: the server's list may know it */
		if ((rc = mail_acct_folders(a, ctx->err)) < 0)
			return rc;
		if (!(wire = mail_folder_wire(a, argv[1])))
			return err_tr(ctx->err, E_NOTFOUND, "mail.no_folder", TR_S(argv[1]));
	}
	if (op == IMAP_MBOX_RENAME)
		to = mail_mutf7_encode(argv[2]);
	rc = mail_acct_folder_op(a, op, wire, to, ctx->err);
	if (rc == 0 && !ctx->json)
		fprintf(ctx->out, "%s\n", trf(t, sizeof t, "mail.folder_done", TR_S(verb),
					       TR_S(argv[1])));
	free(wire);
	free(to);
	return rc;
}

/* ---- the table ------------------------------------------------------------------------ */

int mail_verb_known(const char *verb)
{
	static const char *const v[] = { "mark",    "move",	"copy",	   "delete", "archive",
					 "expunge", "send",	"reply",   "forward", "mkdir",
					 "rmdir",   "rename", "subscribe", "unsubscribe" };
	for (size_t i = 0; i < nitems(v); i++)
		if (!strcmp(verb, v[i]))
			return 1;
	return 0;
}

int mail_verb_usage(struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *verb = argv[0];

	if (!strcmp(verb, "mark") && argc < 3)
		return usage(ctx, "atrium mail mark ID... read|unread|flag|unflag");
	if ((!strcmp(verb, "move") || !strcmp(verb, "copy")) && argc < 3)
		return usage(ctx, "atrium mail move|copy ID... FOLDER");
	if ((!strcmp(verb, "delete") || !strcmp(verb, "archive")) && argc < 2)
		return usage(ctx, "atrium mail delete|archive ID...");
	if ((!strcmp(verb, "mkdir") || !strcmp(verb, "subscribe") ||
	     !strcmp(verb, "unsubscribe")) && argc != 2)
		return usage(ctx, "atrium mail mkdir|subscribe|unsubscribe FOLDER");
	if (!strcmp(verb, "rmdir") && argc != 2 && argc != 3)
		return usage(ctx, "atrium mail rmdir FOLDER --yes");
	if (!strcmp(verb, "rename") && argc != 3)
		return usage(ctx, "atrium mail rename FOLDER NEW");
	if (!strcmp(verb, "expunge") &&
	    !(argc == 1 || (argc == 3 && !strcmp(argv[1], "--folder"))))
		return usage(ctx, "atrium mail expunge [--folder F]");
	return 0;
}

int mail_verb_run(struct mail_acct *a, struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *verb = argv[0];
	int rc;

	if ((rc = mail_verb_usage(ctx, argc, argv)) < 0)
		return rc;
	if (!strcmp(verb, "send"))
		return cmd_send(a, ctx, argc, argv);
	if (!strcmp(verb, "reply"))
		return cmd_reply(a, ctx, argc, argv, 0);
	if (!strcmp(verb, "forward"))
		return cmd_reply(a, ctx, argc, argv, 1);
	if (!strcmp(verb, "expunge"))
		return cmd_expunge(a, ctx, argc == 3 ? argv[2] : NULL);
	if (!strcmp(verb, "mkdir") || !strcmp(verb, "rmdir") || !strcmp(verb, "rename") ||
	    !strcmp(verb, "subscribe") || !strcmp(verb, "unsubscribe"))
		return cmd_folder(a, ctx, argc, argv);
	return cmd_act(a, ctx, verb, argc, argv);
}
