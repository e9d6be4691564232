/*
 * send.c - mail goes out through the outbox, exactly once.
 *
 * A mail to send is an outbox entry keyed by its Message-ID, written
 * durably before anyone is told "queued". Its payload: a first line
 * "atrium-send 1", the envelope as "from=" and "rcpt=" lines, "sent=1"
 * once the server said 250, an empty line, then the message's bytes.
 *
 * The replay: SMTP submission (net/smtp.c); on the 250 the entry is
 * rewritten with sent=1 (durably) before anything else, then the message
 * is appended to the Sent folder (\Seen) and the entry is done. So:
 *   - a crash or a lost connection before the data's end went out: the
 *     server did not take it, the entry waits and goes again later;
 *   - after the 250: sent=1 says so, the next replay only appends to Sent;
 *   - lost between the data's end and the answer (the server may have it),
 *     or a process killed while sending: the entry fails with words that
 *     say it may have gone; the user checks and retries (`atrium outbox
 *     retry`) or drops it. Nothing is sent twice on atrium's own guess.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i18n/i18n.h"
#include "modules/mail/mail_int.h"
#include "net/smtp.h"
#include "store/store.h"

#define SEND_MAGIC "atrium-send 1\n"

struct sendp {
	char *from;
	char **rcpt;
	size_t nrcpt;
	int sent;
	const unsigned char *msg; /* into the payload */
	size_t len;
};

static void sendp_free(struct sendp *p)
{
	free(p->from);
	for (size_t i = 0; i < p->nrcpt; i++)
		free(p->rcpt[i]);
	free(p->rcpt);
	memset(p, 0, sizeof *p);
}

static void payload_build(struct buf *b, const char *from, const char *const *rcpts,
			  size_t nrcpt, int sent, const void *msg, size_t len)
{
	buf_adds(b, SEND_MAGIC);
	buf_printf(b, "from=%s\n", from);
	for (size_t i = 0; i < nrcpt; i++)
		buf_printf(b, "rcpt=%s\n", rcpts[i]);
	if (sent)
		buf_adds(b, "sent=1\n");
	buf_addc(b, '\n');
	buf_add(b, msg, len);
}

static int payload_parse(const unsigned char *data, size_t len, struct sendp *p)
{
	const char *s = (const char *)data, *end = s + len;

	memset(p, 0, sizeof *p);
	if (len < sizeof SEND_MAGIC - 1 || memcmp(s, SEND_MAGIC, sizeof SEND_MAGIC - 1))
		return -1;
	s += sizeof SEND_MAGIC - 1;
	while (s < end && *s != '\n') {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t l;
		if (!nl)
			goto bad;
		l = (size_t)(nl - s);
		if (l > 5 && !memcmp(s, "from=", 5)) {
			free(p->from);
			p->from = xstrndup(s + 5, l - 5);
		} else if (l > 5 && !memcmp(s, "rcpt=", 5)) {
			p->rcpt = xreallocarray(p->rcpt, p->nrcpt + 1, sizeof *p->rcpt);
			p->rcpt[p->nrcpt++] = xstrndup(s + 5, l - 5);
		} else if (l == 6 && !memcmp(s, "sent=1", 6)) {
			p->sent = 1;
		}
		s = nl + 1;
	}
	if (s >= end || !p->from || !p->nrcpt)
		goto bad;
	p->msg = (const unsigned char *)s + 1;
	p->len = (size_t)(end - s - 1);
	return 0;
bad:
	sendp_free(p);
	return -1;
}

int mail_send_queue(struct mail_acct *a, const char *from, const char *const *rcpts,
		    size_t nrcpt, const void *msg, size_t len, const char *message_id,
		    const char *summary, int64_t *entry, struct err *e)
{
	struct buf b;
	int rc;

	if (!nrcpt)
		return err_tr(e, E_USAGE, "mail.send.no_rcpt");
	buf_init(&b);
	payload_build(&b, from, rcpts, nrcpt, 0, msg, len);
	rc = store_outbox_add(mail_acct_store(a), "mail", "send", message_id, summary, b.data,
			      b.len, entry, e);
	buf_free(&b);
	return rc;
}

int mail_from_address(struct mail_acct *a, char **name, char **addr, struct err *e)
{
	const struct conf *c = mail_acct_env(a)->conf;
	const char *from = conf_get(c, "mail", "from"), *user = conf_get(c, "mail", "user");
	const char *n = conf_get(c, "mail", "name");

	*name = n && *n ? xstrdup(n) : NULL;
	if (from && strchr(from, '@')) {
		*addr = xstrdup(from);
		return 0;
	}
	if (user && strchr(user, '@')) {
		*addr = xstrdup(user);
		return 0;
	}
	free(*name);
	*name = NULL;
	return err_tr(e, E_USAGE, "mail.send.no_from");
}

/* Sent's copy, after the 250. */
static int to_sent(struct mail_acct *a, const struct sendp *p, struct err *e)
{
	char *sent = mail_special_folder(a, "sent");
	struct imap_session *s;
	int rc;

	if (!sent) /* nowhere to keep a copy: the mail went, that is what counts */
		return 0;
	if (!(s = mail_acct_session(a, e))) {
		free(sent);
		return e->code;
	}
	rc = imap_append(s, sent, p->msg, p->len, IMAP_F_SEEN, 0, NULL, e);
	free(sent);
	return rc;
}

static int stops(int rc)
{
	return rc == E_UNREACHABLE || rc == E_TLS || rc == E_AUTH || rc == E_CANCELLED;
}

int mail_send_replay(struct mail_acct *a, struct outbox_entry *en, struct err *e)
{
	struct store *st = mail_acct_store(a);
	const struct conf *c = mail_acct_env(a)->conf;
	const char *url = conf_get(c, "mail", "smtp");
	const struct imap_account *srv;
	struct smtp_account sa;
	struct smtp_result r;
	struct sendp p;
	struct err e2;
	char why[600];
	int rc;

	if (payload_parse(en->payload, en->payload_len, &p) < 0) {
		rc = err_tr(e, E_PARSE, "mail.act.bad_entry");
		store_outbox_mark(st, en->id, OUTBOX_FAILED, e->msg, &e2);
		return rc;
	}
	if (p.sent)
		goto sent;
	if (en->state == OUTBOX_SENDING) {
		/* a process that died while this one was going out */
		rc = err_tr(e, E_CONFLICT, "mail.send.maybe_sent");
		store_outbox_mark(st, en->id, OUTBOX_FAILED, e->msg, &e2);
		goto out;
	}
	if (!url || !*url) {
		rc = err_tr(e, E_USAGE, "mail.send.no_smtp");
		store_outbox_mark(st, en->id, OUTBOX_QUEUED, e->msg, &e2);
		rc = E_UNREACHABLE; /* waits for a config, like for a server */
		goto out;
	}
	if (mail_acct_env(a)->offline) {
		rc = err_tr(e, E_UNREACHABLE, "mail.offline_forced");
		goto out;
	}
	if (!(srv = mail_acct_server(a, e))) {
		rc = e->code;
		goto out;
	}
	memset(&sa, 0, sizeof sa);
	sa.url = url;
	sa.user = srv->user;
	sa.password = srv->password;
	sa.tls = srv->tls;
	sa.cancel = mail_acct_cancel_flag(a);
	if (store_outbox_mark(st, en->id, OUTBOX_SENDING, NULL, e) < 0) {
		rc = e->code;
		goto out;
	}
	rc = smtp_send(&sa, p.from, (const char *const *)p.rcpt, p.nrcpt, p.msg, p.len, &r, e);
	if (rc < 0) {
		if (r.outcome == SMTP_UNKNOWN) {
			snprintf(why, sizeof why, "%s", e->msg);
			rc = err_tr(e, E_CONFLICT, "mail.send.unknown", TR_S(why));
			store_outbox_mark(st, en->id, OUTBOX_FAILED, e->msg, &e2);
		} else if (rc == E_TLS || r.permanent || rc == E_PERM || rc == E_USAGE) {
			/* will not go by trying again: shown, and nothing sent */
			store_outbox_mark(st, en->id, OUTBOX_FAILED, e->msg, &e2);
		} else {
			store_outbox_mark(st, en->id, OUTBOX_QUEUED, e->msg, &e2);
			if (rc == E_CANCELLED)
				rc = E_UNREACHABLE;
		}
		goto out;
	}
	/* the server has it: say so durably before anything else */
	{
		struct buf b;
		buf_init(&b);
		payload_build(&b, p.from, (const char *const *)p.rcpt, p.nrcpt, 1, p.msg, p.len);
		rc = store_outbox_set_payload(st, en->id, b.data, b.len, e);
		buf_free(&b);
		if (rc < 0) {
			/* cannot record it: fail it, so it is not sent again */
			store_outbox_mark(st, en->id, OUTBOX_FAILED, tr("mail.send.sent_unrecorded"),
					  &e2);
			goto out;
		}
	}
sent:
	if ((rc = to_sent(a, &p, e)) < 0) {
		snprintf(why, sizeof why, "%s", e->msg);
		err_tr(e, rc, "mail.send.sent_copy", TR_S(why));
		store_outbox_mark(st, en->id, stops(rc) ? OUTBOX_QUEUED : OUTBOX_FAILED, e->msg,
				  &e2);
		if (!stops(rc))
			rc = E_IO;
		else if (rc == E_CANCELLED)
			rc = E_UNREACHABLE;
		goto out;
	}
	store_outbox_mark(st, en->id, OUTBOX_DONE, NULL, &e2);
	rc = 0;
out:
	sendp_free(&p);
	return rc;
}

/* ---- a copy in Drafts ---------------------------------------------------------------- */

/*
 * "Save to Drafts" is an outbox entry of kind "draft" whose payload is the
 * message's bytes; the replay APPENDs them, flagged \Draft, to the folder
 * of special use "drafts". Each save is its own entry (key: the draft's
 * Message-ID and the time of the save), so a later save is not taken for
 * the earlier one; an APPEND lost between the data and the answer may
 * leave two copies, never none.
 */
int mail_draft_queue(struct mail_acct *a, const void *msg, size_t len, const char *message_id,
		     const char *summary, int64_t *entry, struct err *e)
{
	char key[400];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(key, sizeof key, "draft %s %lld.%09ld", message_id ? message_id : "",
		 (long long)ts.tv_sec, ts.tv_nsec);
	return store_outbox_add(mail_acct_store(a), "mail", "draft", key, summary, msg, len, entry,
				e);
}

int mail_draft_replay(struct mail_acct *a, struct outbox_entry *en, struct err *e)
{
	struct store *st = mail_acct_store(a);
	char *drafts = mail_special_folder(a, "drafts");
	struct imap_session *s;
	struct err e2;
	int rc;

	if (!drafts) {
		rc = err_tr(e, E_NOTFOUND, "mail.write.no_drafts");
		store_outbox_mark(st, en->id, OUTBOX_FAILED, e->msg, &e2);
		return rc;
	}
	if (mail_acct_env(a)->offline) {
		free(drafts);
		return err_tr(e, E_UNREACHABLE, "mail.offline_forced");
	}
	if (!(s = mail_acct_session(a, e))) {
		free(drafts);
		return e->code;
	}
	rc = imap_append(s, drafts, en->payload, en->payload_len, IMAP_F_DRAFT | IMAP_F_SEEN, 0,
			 NULL, e);
	free(drafts);
	if (rc == 0)
		store_outbox_mark(st, en->id, OUTBOX_DONE, NULL, &e2);
	else if (stops(rc))
		store_outbox_mark(st, en->id, OUTBOX_QUEUED, e->msg, &e2);
	else
		store_outbox_mark(st, en->id, OUTBOX_FAILED, e->msg, &e2);
	return rc == E_CANCELLED ? E_UNREACHABLE : rc;
}
