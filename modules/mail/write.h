/*
 * write.h - the Mail tab's compose screen: a header block (From shown;
 * To, Cc, Bcc, Subject as single-line fields with address completion; the
 * attachments) over the docs editor component for the text.
 *
 * The finish key composes (compose.c), queues the mail in the outbox
 * (send.c) and marks the original of a reply or forward; the host then
 * takes the outbox to the server. What the user types is never lost
 * without a yes: after a pause of 2 s, at a cancel that keeps it, and when
 * the screen is freed unsent, the draft is kept in the store (an encrypted
 * blob named by the meta row 'mail.draft'), and the next compose offers to
 * resume it.
 */
#ifndef ATRIUM_MAIL_WRITE_H
#define ATRIUM_MAIL_WRITE_H

#include <stdint.h>

#include "core/core.h"
#include "tui/tui.h"

struct mail_acct;
struct module_env;
struct mail_write;

enum mail_write_kind {
	MAIL_WRITE_NEW,
	MAIL_WRITE_REPLY,
	MAIL_WRITE_REPLY_ALL,
	MAIL_WRITE_FORWARD,
};

/* A compose screen on the main thread's account. A reply or forward takes
 * the original's bytes (raw) and id (marked answered or forwarded once the
 * mail is queued). replay(arg) is called when something was queued that
 * the server should get now (a copy for Drafts). NULL and e filled when
 * the account has no sender address. */
struct mail_write *mail_write_new(const struct module_env *env, struct mail_acct *a,
				  enum mail_write_kind kind, int64_t orig, const struct buf *raw,
				  void (*replay)(void *arg), void *arg, struct err *e);
/* Frees; a draft typed and neither sent nor discarded is kept first. */
void mail_write_free(struct mail_write *w);

/* A key: 1 used, 0 the host's (a tab switch). */
int mail_write_key(struct mail_write *w, int key);
void mail_write_draw(struct mail_write *w, struct ui_area *area);
/* Whether the user typed something not yet sent or kept. */
int mail_write_modified(const struct mail_write *w);
/* Once the screen is done (sent, discarded, kept, or left): 1, with the
 * outbox entry of the mail queued (0 when none) and the note the tab
 * shows; 0 while it is open. */
int mail_write_closed(const struct mail_write *w, int64_t *entry, char *note, size_t len,
		      enum ui_role *role);
/* What became of a queued mail after a replay: "Sent", queued with the
 * reason, or failed with it. */
void mail_write_outcome(struct mail_acct *a, int64_t entry, char *out, size_t len,
			enum ui_role *role);

/* For tests: the completion candidates of the account as "Name <addr>"
 * or "addr" matching prefix, most frequent first (up to max); the count. */
size_t mail_write_candidates(struct mail_acct *a, const char *prefix, char **out, size_t max);

#endif
