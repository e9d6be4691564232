/*
 * mail_int.h - the mail module's parts, shared by its files:
 *
 *   hdr.c    header text as people read it: RFC 2047 encoded words, raw
 *            8-bit bytes, addresses, the Date header (untrusted input)
 *   mime.c   the first text/plain part of a message, decoded to UTF-8
 *   sync.c   the account: the server's folders and messages into the store
 *   mail.c   the module and its verbs
 */
#ifndef ATRIUM_MODULES_MAIL_INT_H
#define ATRIUM_MODULES_MAIL_INT_H

#include <stdint.h>
#include <stdio.h>

#include "core/core.h"
#include "modules/module.h"
#include "net/imap.h"

/* ---- hdr.c ------------------------------------------------------------------ */

/* Append a header value decoded to UTF-8: encoded words (B and Q, any
 * charset txt_to_utf8 knows; adjacent words of one charset are joined
 * before conversion, so a character split across them survives; the
 * white space between encoded words is dropped); raw bytes kept when they
 * are UTF-8, else read as `fallback` (NULL: GB18030). A malformed encoded
 * word stays as it was written. Tabs and line breaks become spaces, other
 * control characters U+FFFD: the result is valid UTF-8 with no C0 control. */
void mail_hdr_decode(const char *in, size_t len, const char *fallback, struct buf *out);
/* The same into a new string. */
char *mail_hdr_decode_str(const char *in, const char *fallback);
/* "Name <a@b>, c@d" with the names decoded. */
void mail_addrs_format(const struct imap_addr *v, size_t n, struct buf *out);
/* A Date header (RFC 5322, lenient) as unix seconds; -1 if it does not
 * parse. */
int64_t mail_date_parse(const char *s);

/* Mailbox names: modified UTF-7 (as on the wire) to UTF-8, appended;
 * -1 when the name is not well formed (the caller shows it as it is). */
int mail_mutf7_decode(const char *in, struct buf *out);
/* UTF-8 to modified UTF-7. */
char *mail_mutf7_encode(const char *in);

#include "modules/mail/mime.h"

/* ---- sync.c ----------------------------------------------------------------- */

struct mail_acct;

/* From [mail]; E_NOTFOUND when the section has no imap. */
int mail_acct_new(const struct module_env *env, struct mail_acct **out, struct err *e);
void mail_acct_free(struct mail_acct *a);
/* The account's key in mail_folder.account. */
const char *mail_acct_key(const struct mail_acct *a);
/* LIST and keep the selectable folders with their special use; a folder
 * gone from a listing that succeeded is dropped with its messages. */
int mail_acct_folders(struct mail_acct *a, struct err *e);
struct mail_sync_count {
	int added, changed, removed, skipped;
};
/* Sync one folder (by its name on the server) into the store. */
int mail_acct_sync_folder(struct mail_acct *a, const char *name, struct mail_sync_count *c,
			  struct err *e);
/* The message's bytes: the cached blob, else fetched and cached. */
int mail_acct_body(struct mail_acct *a, int64_t id, struct buf *out, struct err *e);
/* From any thread: the call in progress ends (E_CANCELLED), and so does
 * every later one; for a worker that is stopping. */
void mail_acct_cancel(struct mail_acct *a);

/* ---- view.c: the tab, with its worker thread ------------------------------------ */

struct mail_view;

struct mail_view *mail_view_new(const struct module_env *env);
void mail_view_free(struct mail_view *v);
struct account;
/* acct: drawn while nothing is cached yet. */
void mail_view_draw(struct mail_view *v, struct ui_area *area, const struct account *acct);
int mail_view_key(struct mail_view *v, int key);
void mail_view_event(struct mail_view *v, const struct module_event *ev);
/* state and unread; 0 when the view has nothing to say (no account). */
int mail_view_status(struct mail_view *v, struct module_status *st);
/* Start a sync of the folders and the current folder on the worker; the
 * answer comes later (redraw). 0 or an E_* code. */
int mail_view_sync(struct mail_view *v, struct err *e);
/* Show the folder of that wire name (the index of the cache). */
void mail_view_folder(struct mail_view *v, const char *wire);
/* Show message id (its body from the cache or the worker). */
int mail_view_open(struct mail_view *v, int64_t id, struct err *e);

#endif
