/*
 * thread.h - a folder's index as the list shows it: messages grouped into
 * threads (JWZ's algorithm, the way mutt applies it), the threaded order,
 * flat sorts by date, sender, subject or size, collapsed threads and the
 * tree drawn in the subject column. Pure C: no store, no screen.
 *
 * The caller reads a folder's rows (from mail_msg) into an array of struct
 * mail_trow and calls mail_thread_build; the rows, and the strings they
 * point to, must stay alive and unchanged while the struct mail_threads is
 * used (the sorts read them again). Rows are named by their index in that
 * array everywhere below.
 *
 * Threading rules:
 *  - A message's parent is the last well-formed id of its References that
 *    is not its own, else the first <...> of In-Reply-To. The other ids of
 *    References link each to the one before it, unless that id already has
 *    a parent: a message's own headers win over what others say of it.
 *  - Ids are compared by the text between < and >, byte for byte; a
 *    Message-ID without brackets counts as a whole. An id referred to but
 *    not present is a missing container: its children stay grouped in one
 *    thread, and their parent is the nearest present ancestor (or none).
 *  - Loops (A refs B, B refs A; longer ones; adversarial References) are
 *    cut, so no message is its own ancestor: in a cycle the link cut is one
 *    that only another message's References asserted, else the earliest
 *    message's own (it becomes the root of what was the loop).
 *  - A second message with a Message-ID already seen becomes a child of
 *    the first (rows earlier in the array come first), whatever its
 *    References say.
 *  - Subject fallback (mutt's default, strict_threads off): a message that
 *    is still a root and whose subject has a reply prefix (Re:, AW:, 回复:,
 *    回覆:, 答复:) joins, as a child, the root of another thread with the
 *    same normalised subject (mail_subject_normalise): the earliest such
 *    root without a reply prefix, else the earliest root of that subject.
 *    Forwards (Fwd:, Fw:, WG:, 转发:) and plain subjects start their own
 *    thread.
 *  - A thread's id is its root message's id; when the root is missing,
 *    it is the earliest of the messages shown at the top of the thread
 *    (they are several when replies to a missing message do not otherwise
 *    meet; the tree draws them as siblings).
 *  - Display: threads by their newest message's date (descending unless
 *    asked otherwise), each thread in pre-order with siblings by date
 *    ascending; every tie is broken by message id, ascending.
 */
#ifndef ATRIUM_MODULES_MAIL_THREAD_H
#define ATRIUM_MODULES_MAIL_THREAD_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

/* One message of a folder, as read from mail_msg. Strings may be NULL; the
 * ids are raw header values (References a white-space separated list,
 * possibly malformed, duplicated or looping). */
struct mail_trow {
	int64_t id;
	const char *message_id, *in_reply_to, *refs, *subject, *from;
	int64_t date;
	int64_t size;
	unsigned flags; /* mail_msg.flags: carried for the caller, not read here */
};

enum {
	MAIL_TN_LAST = 1,  /* the last of its siblings */
	MAIL_TN_FIRST = 2, /* the first of its siblings */
	MAIL_TN_MULTI = 4, /* its thread has several messages at the top */
};

/* Where one row sits in its thread. */
struct mail_tnode {
	int64_t thread;     /* the thread's id (see above) */
	int64_t parent;     /* id of the nearest present ancestor, 0 if none */
	int32_t parent_row; /* its row, -1 if none */
	int32_t depth;      /* present ancestors: parent's depth + 1, 0 at the top */
	uint32_t tidx;      /* the thread, an index into mail_threads.thr */
	uint8_t bits;       /* MAIL_TN_* */
};

/* One thread: its rows are tree[start .. start + count), in pre-order. */
struct mail_tthread {
	int64_t newest;  /* the latest date of its messages */
	uint32_t start, count;
	uint32_t root;   /* the row whose id is the thread's id (tree[start]) */
};

struct mail_threads {
	const struct mail_trow *rows;
	size_t n;
	struct mail_tnode *node; /* n, by row */
	uint32_t *tree;          /* n rows, thread after thread */
	struct mail_tthread *thr;
	size_t nthr;
};

/* Thread n rows (n < 2^31). Linear time (the sorts are radix sorts); keeps
 * about 45 bytes a message and needs about 100 more while it runs;
 * allocation failure is fatal. Free with mail_thread_free. */
void mail_thread_build(struct mail_threads *t, const struct mail_trow *rows, size_t n);
void mail_thread_free(struct mail_threads *t);

/* The threaded order: n rows into order. desc: newest thread first. */
void mail_thread_order(const struct mail_threads *t, int desc, uint32_t *order);

/* The threaded order with some threads collapsed: collapsed[tidx] non-zero
 * (NULL: none) shows only the thread's first row. Writes the visible rows
 * to order and, for each, how many messages it hides to hidden (0 when
 * its thread is open; hidden may be NULL); returns how many are visible.
 * order and hidden need room for t->n. O(n). */
size_t mail_thread_order_collapsed(const struct mail_threads *t, int desc,
				   const unsigned char *collapsed, uint32_t *order,
				   uint32_t *hidden);

enum mail_tsort {
	MAIL_TSORT_DATE,
	MAIL_TSORT_FROM,    /* the sender as given, no quotes, ASCII case folded */
	MAIL_TSORT_SUBJECT, /* normalised (mail_subject_normalise) */
	MAIL_TSORT_SIZE,
};

/* A flat order of the n rows by key, ties by id ascending (in both
 * directions). Other bytes than ASCII compare as they are: UTF-8 sorts
 * by code point, not by any language's collation. */
void mail_thread_sort(const struct mail_threads *t, enum mail_tsort key, int desc,
		      uint32_t *order);

/* Append to out the tree drawn before row's subject in the threaded view,
 * in box-drawing characters: nothing for a thread's root, "├─>" or "└─>"
 * for a reply, after "│ " or "  " per ancestor level (a line continues
 * while that ancestor has later siblings); several messages at the top of
 * a thread start with "┌─>", "├─>", "└─>". At most max_levels levels
 * (and never more than 128) are drawn, the deepest ones, in
 * O(min(depth, max_levels)). Returns the number of columns appended (each
 * level is 2 columns, the arrow 3). */
int mail_thread_prefix(const struct mail_threads *t, uint32_t row, int max_levels,
		       struct buf *out);

/* The subject as compared for threading and sorting: reply and forward
 * prefixes (Re:, RE:, Re[2]:, Fwd:, Fw:, AW:, WG:, 回复:, 回覆:, 转发:,
 * 答复:, with an ASCII or full-width colon), [list] tags before or between
 * them, and leading, trailing and repeated white space removed, ASCII
 * letters in lower case. Appends to out (NUL-terminated); returns 1 when
 * a reply prefix was removed, else 0. s may be NULL. */
int mail_subject_normalise(const char *s, struct buf *out);

#endif
