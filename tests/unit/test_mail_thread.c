/* A folder's index: threads, the threaded and flat orders, collapsed
 * threads and the tree column (modules/mail/thread.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modules/mail/thread.h"

/* id, Message-ID, In-Reply-To, References, subject, date */
#define ROW(i, m, irt, r, s, d)                                                              \
	{                                                                                    \
		.id = (i), .message_id = (m), .in_reply_to = (irt), .refs = (r),             \
		.subject = (s), .date = (d)                                                  \
	}

static size_t row_of(const struct mail_threads *t, int64_t id)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->rows[i].id == id)
			return i;
	fail_msg("no row with id %lld", (long long)id);
	return 0;
}

/* Row id's thread, parent and depth. */
static void is_node(const struct mail_threads *t, int64_t id, int64_t thread, int64_t parent,
		    int depth)
{
	const struct mail_tnode *nd = &t->node[row_of(t, id)];

	if (nd->thread != thread || nd->parent != parent || nd->depth != depth)
		fail_msg("message %lld: thread %lld parent %lld depth %d, want %lld %lld %d",
			 (long long)id, (long long)nd->thread, (long long)nd->parent, nd->depth,
			 (long long)thread, (long long)parent, depth);
	if (parent)
		assert_int_equal(t->rows[nd->parent_row].id, parent);
	else
		assert_int_equal(nd->parent_row, -1);
}

/* An order of rows as "id id id". */
static char *ids(const struct mail_threads *t, const uint32_t *order, size_t m)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < m; i++)
		buf_printf(&b, "%s%lld", i ? " " : "", (long long)t->rows[order[i]].id);
	return buf_detach(&b);
}

static void is_threaded(const struct mail_threads *t, int desc, const char *want)
{
	uint32_t *order = calloc(t->n + 1, sizeof *order);

	mail_thread_order(t, desc, order);
	char *got = ids(t, order, t->n);
	assert_string_equal(got, want);
	free(got);
	free(order);
}

static void is_sorted(const struct mail_threads *t, enum mail_tsort key, int desc,
		      const char *want)
{
	uint32_t *order = calloc(t->n + 1, sizeof *order);

	mail_thread_sort(t, key, desc, order);
	char *got = ids(t, order, t->n);
	assert_string_equal(got, want);
	free(got);
	free(order);
}

static void is_prefix(const struct mail_threads *t, int64_t id, int max, const char *want)
{
	struct buf b;

	buf_init(&b);
	mail_thread_prefix(t, (uint32_t)row_of(t, id), max, &b);
	assert_string_equal(buf_cstr(&b), want);
	buf_free(&b);
}

static void test_reply_chain_is_one_thread_in_pre_order(void **state)
{
	struct mail_trow rows[] = {
		ROW(3, "<c@x>", "<b@x>", "<a@x> <b@x>", "Re: plan", 30),
		ROW(1, "<a@x>", NULL, NULL, "plan", 10),
		ROW(2, "<b@x>", "<a@x>", "<a@x>", "Re: plan", 20),
		ROW(4, "<d@x>", NULL, NULL, "other", 50),
		ROW(5, "<e@x>", NULL, "<a@x>", "Re: plan", 25),
	};
	struct mail_threads t;

	mail_thread_build(&t, rows, nitems(rows));
	is_node(&t, 1, 1, 0, 0);
	is_node(&t, 2, 1, 1, 1);
	is_node(&t, 3, 1, 2, 2);
	is_node(&t, 4, 4, 0, 0);
	is_node(&t, 5, 1, 1, 1);
	assert_int_equal(t.nthr, 2);
	is_threaded(&t, 1, "4 1 2 3 5");
	is_threaded(&t, 0, "1 2 3 5 4");
	mail_thread_free(&t);
}

static void test_missing_middle_message_keeps_replies_grouped(void **state)
{
	/* <b> was deleted: its replies hang from <a>, the nearest present */
	struct mail_trow rows[] = {
		ROW(1, "<a@x>", NULL, NULL, "plan", 10),
		ROW(3, "<c@x>", "<b@x>", "<a@x> <b@x>", "Re: plan", 30),
		ROW(4, "<d@x>", "<b@x>", "<a@x>\r\n <b@x>", "Re: plan", 40),
		ROW(5, "<e@x>", NULL, "<a@x> <b@x> <c@x>", "Re: plan", 35),
	};
	struct mail_threads t;

	mail_thread_build(&t, rows, nitems(rows));
	is_node(&t, 1, 1, 0, 0);
	is_node(&t, 3, 1, 1, 1);
	is_node(&t, 4, 1, 1, 1);
	is_node(&t, 5, 1, 3, 2);
	is_threaded(&t, 1, "1 3 5 4");
	mail_thread_free(&t);
}

static void test_replies_to_a_missing_root_share_a_thread(void **state)
{
	struct mail_trow rows[] = {
		ROW(7, "<z@x>", NULL, "<root@x>", "Re: gone", 20),
		ROW(6, "<y@x>", NULL, "<root@x>", "Re: gone", 10),
		ROW(8, "<w@x>", NULL, "<root@x> <y@x>", "Re: gone", 30),
		ROW(9, "<v@x>", NULL, NULL, "new", 5),
	};
	struct mail_threads t;

	mail_thread_build(&t, rows, nitems(rows));
	/* the thread is named by its earliest top message */
	is_node(&t, 6, 6, 0, 0);
	is_node(&t, 7, 6, 0, 0);
	is_node(&t, 8, 6, 6, 1);
	is_node(&t, 9, 9, 0, 0);
	is_threaded(&t, 1, "6 8 7 9");
	is_prefix(&t, 6, 10, "┌─>");
	is_prefix(&t, 8, 10, "│ └─>");
	is_prefix(&t, 7, 10, "└─>");
	is_prefix(&t, 9, 10, "");
	mail_thread_free(&t);
}

static void test_in_reply_to_alone_finds_the_parent(void **state)
{
	struct mail_trow rows[] = {
		ROW(1, "<a@x>", NULL, NULL, "q", 10),
		ROW(2, "<b@x>", "Your message of Monday <a@x> (alice)", NULL, "answer", 20),
		ROW(3, "<c@x>", "<b@x> <a@x>", "garbage <unclosed", "x", 30),
	};
	struct mail_threads t;

	mail_thread_build(&t, rows, nitems(rows));
	is_node(&t, 2, 1, 1, 1);
	/* References with no valid id: In-Reply-To's first id */
	is_node(&t, 3, 1, 2, 2);
	mail_thread_free(&t);
}

static void test_last_reference_wins_over_in_reply_to(void **state)
{
	struct mail_trow rows[] = {
		ROW(1, "<a@x>", NULL, NULL, "q", 10),
		ROW(2, "<b@x>", NULL, "<a@x>", "r", 20),
		ROW(3, "<c@x>", "<a@x>", "<a@x> <b@x>", "r", 30),
	};
	struct mail_threads t;

	mail_thread_build(&t, rows, nitems(rows));
	is_node(&t, 3, 1, 2, 2);
	mail_thread_free(&t);
}

static void test_loops_are_cut(void **state)
{
	struct mail_trow rows[] = {
		/* A and B claim each other: the earlier one is the root */
		ROW(2, "<b@x>", NULL, "<a@x>", "loop", 20),
		ROW(1, "<a@x>", NULL, "<b@x>", "loop", 10),
		/* a message that refers to itself */
		ROW(3, "<s@x>", "<s@x>", "<s@x>", "self", 30),
		/* ids repeated: <p> and <q> would be each other's parent */
		ROW(4, "<m@x>", NULL, "<p@x> <q@x> <p@x> <m@x>", "rep", 40),
		/* three messages in a circle */
		ROW(5, "<c1@x>", NULL, "<c3@x>", "ring", 50),
		ROW(6, "<c2@x>", NULL, "<c1@x>", "ring", 51),
		ROW(7, "<c3@x>", NULL, "<c2@x>", "ring", 52),
		/* References in every order between three messages */
		ROW(8, "<d1@x>", NULL, "<d3@x> <d2@x>", "adv", 60),
		ROW(9, "<d2@x>", NULL, "<d1@x> <d3@x>", "adv", 61),
		ROW(10, "<d3@x>", NULL, "<d2@x> <d1@x>", "adv", 62),
	};
	struct mail_threads t;

	mail_thread_build(&t, rows, nitems(rows));
	is_node(&t, 1, 1, 0, 0);
	is_node(&t, 2, 1, 1, 1);
	is_node(&t, 3, 3, 0, 0);
	is_node(&t, 4, 4, 0, 0);
	is_node(&t, 5, 5, 0, 0);
	is_node(&t, 6, 5, 5, 1);
	is_node(&t, 7, 5, 6, 2);
	/* one thread, a tree whatever the order of the claims */
	int64_t th = t.node[row_of(&t, 8)].thread;
	assert_int_equal(t.node[row_of(&t, 9)].thread, th);
	assert_int_equal(t.node[row_of(&t, 10)].thread, th);
	for (size_t i = 0; i < t.n; i++) {
		int steps = 0;

		for (int32_t a = t.node[i].parent_row; a >= 0; a = t.node[a].parent_row)
			assert_true(++steps <= (int)t.n && (size_t)a != i);
	}
	is_threaded(&t, 0, "1 2 3 4 5 6 7 8 10 9");
	mail_thread_free(&t);
}

static void test_duplicate_message_ids_stay_separate_messages(void **state)
{
	struct mail_trow rows[] = {
		ROW(1, "<a@x>", NULL, NULL, "hello", 10),
		ROW(2, "<a@x>", NULL, NULL, "hello", 11),
		ROW(3, "<b@x>", NULL, "<a@x>", "Re: hello", 20),
		ROW(4, " a@x ", NULL, NULL, "hello", 12),
	};
	struct mail_threads t;

	mail_thread_build(&t, rows, nitems(rows));
	is_node(&t, 1, 1, 0, 0);
	is_node(&t, 2, 1, 1, 1);
	is_node(&t, 3, 1, 1, 1);
	/* a Message-ID without brackets is the same id */
	is_node(&t, 4, 1, 1, 1);
	is_threaded(&t, 0, "1 2 4 3");
	mail_thread_free(&t);
}

static void test_subject_fallback_with_chinese_prefixes_and_list_tags(void **state)
{
	struct mail_trow rows[] = {
		ROW(1, "<p1@x>", NULL, NULL, "[team] 项目计划", 10),
		ROW(2, "<p2@x>", NULL, NULL, "回复：[team] 项目计划", 20),
		ROW(3, "<p3@x>", NULL, NULL, "Re: [team]  RE: 项目计划 ", 30),
		ROW(4, "<p4@x>", NULL, NULL, "转发: 项目计划", 40),
		ROW(5, "<p5@x>", NULL, NULL, "项目计划", 50),
		ROW(6, "<p6@x>", NULL, NULL, "答复: 回覆:项目计划", 5),
		/* only replies: the earliest is the root */
		ROW(7, "<l1@x>", NULL, NULL, "Re: lunch", 60),
		ROW(8, "<l2@x>", NULL, NULL, "AW: Lunch", 70),
		/* a reply with a parent of its own stays there */
		ROW(9, "<q@x>", NULL, "<p5@x>", "Re: other", 80),
		ROW(10, "<r@x>", NULL, "<q@x>", "Re: [team] 项目计划", 90),
	};
	struct mail_threads t;

	mail_thread_build(&t, rows, nitems(rows));
	is_node(&t, 1, 1, 0, 0);
	is_node(&t, 2, 1, 1, 1);
	is_node(&t, 3, 1, 1, 1);
	is_node(&t, 6, 1, 1, 1);
	is_node(&t, 4, 4, 0, 0);
	is_node(&t, 5, 5, 0, 0);
	is_node(&t, 7, 7, 0, 0);
	is_node(&t, 8, 7, 7, 1);
	is_node(&t, 9, 5, 5, 1);
	is_node(&t, 10, 5, 9, 2);
	is_threaded(&t, 1, "5 9 10 7 8 4 1 6 2 3");
	mail_thread_free(&t);
}

static void test_messages_without_ids(void **state)
{
	struct mail_trow rows[] = {
		ROW(1, NULL, NULL, NULL, "a", 10),
		ROW(2, "", "", "", "Re: a", 20),
		ROW(3, "no brackets but spaces", NULL, NULL, NULL, 30),
		ROW(4, NULL, NULL, NULL, NULL, 40),
	};
	struct mail_threads t;

	mail_thread_build(&t, rows, nitems(rows));
	is_node(&t, 1, 1, 0, 0);
	is_node(&t, 2, 1, 1, 1);
	is_node(&t, 3, 3, 0, 0);
	is_node(&t, 4, 4, 0, 0);
	assert_int_equal(t.nthr, 3);
	is_threaded(&t, 1, "4 3 1 2");
	mail_thread_free(&t);
}

static void test_empty_folder(void **state)
{
	struct mail_threads t;
	uint32_t order[1];

	mail_thread_build(&t, NULL, 0);
	assert_int_equal(t.nthr, 0);
	mail_thread_order(&t, 1, order);
	mail_thread_sort(&t, MAIL_TSORT_SUBJECT, 0, order);
	assert_int_equal(mail_thread_order_collapsed(&t, 1, NULL, order, NULL), 0);
	mail_thread_free(&t);
}

static void test_flat_sorts_both_ways_ties_by_id(void **state)
{
	struct mail_trow rows[] = {
		{.id = 5, .from = "\"bob\" <b@x>", .subject = "Re: Beta", .date = 20, .size = 300},
		{.id = 2, .from = "Alice <a@x>", .subject = "alpha", .date = 20, .size = 100},
		{.id = 9, .from = "张三 <z@x>", .subject = "[l] beta", .date = -1, .size = 100},
		{.id = 1, .from = "alice <a@y>", .subject = "Fwd: Alpha", .date = 30, .size = 0},
		{.id = 7, .from = NULL, .subject = NULL, .date = 20, .size = 300},
		{.id = 3, .from = "Bob the long-named builder", .subject = "beta gamma", .date = 10,
		 .size = 7},
		{.id = 4, .from = "bob the long-named builder", .subject = "beta gamma",
		 .date = 10, .size = 7},
	};
	struct mail_threads t;

	mail_thread_build(&t, rows, nitems(rows));
	is_sorted(&t, MAIL_TSORT_DATE, 0, "9 3 4 2 5 7 1");
	is_sorted(&t, MAIL_TSORT_DATE, 1, "1 2 5 7 3 4 9");
	is_sorted(&t, MAIL_TSORT_SIZE, 0, "1 3 4 2 9 5 7");
	is_sorted(&t, MAIL_TSORT_SIZE, 1, "5 7 2 9 3 4 1");
	is_sorted(&t, MAIL_TSORT_FROM, 0, "7 2 1 5 3 4 9");
	is_sorted(&t, MAIL_TSORT_FROM, 1, "9 3 4 5 1 2 7");
	is_sorted(&t, MAIL_TSORT_SUBJECT, 0, "7 1 2 5 9 3 4");
	is_sorted(&t, MAIL_TSORT_SUBJECT, 1, "3 4 5 9 1 2 7");
	mail_thread_free(&t);
}

static void test_collapsed_threads_show_their_root_and_count(void **state)
{
	struct mail_trow rows[] = {
		ROW(1, "<a@x>", NULL, NULL, "a", 10),
		ROW(2, "<b@x>", NULL, "<a@x>", "Re: a", 20),
		ROW(3, "<c@x>", NULL, "<a@x> <b@x>", "Re: a", 60),
		ROW(4, "<d@x>", NULL, NULL, "d", 40),
		ROW(5, "<e@x>", NULL, "<d@x>", "Re: d", 50),
		ROW(6, "<f@x>", NULL, NULL, "f", 30),
	};
	struct mail_threads t;
	uint32_t order[6], hidden[6];
	unsigned char collapsed[3] = {0};

	mail_thread_build(&t, rows, nitems(rows));
	assert_int_equal(t.nthr, 3);
	collapsed[t.node[row_of(&t, 1)].tidx] = 1;
	size_t m = mail_thread_order_collapsed(&t, 1, collapsed, order, hidden);
	char *got = ids(&t, order, m);
	assert_string_equal(got, "1 4 5 6");
	free(got);
	assert_int_equal(hidden[0], 2);
	assert_int_equal(hidden[1], 0);
	assert_int_equal(hidden[2], 0);
	assert_int_equal(hidden[3], 0);

	memset(collapsed, 1, sizeof collapsed);
	m = mail_thread_order_collapsed(&t, 0, collapsed, order, hidden);
	got = ids(&t, order, m);
	assert_string_equal(got, "6 4 1");
	free(got);
	assert_int_equal(hidden[0], 0);
	assert_int_equal(hidden[1], 1);
	assert_int_equal(hidden[2], 2);
	mail_thread_free(&t);
}

static void test_tree_prefix_draws_continuing_lines(void **state)
{
	/*
	 * 1
	 * ├─>2
	 * │ ├─>4
	 * │ │ └─>6
	 * │ └─>5
	 * └─>3
	 *   └─>7
	 */
	struct mail_trow rows[] = {
		ROW(1, "<1>", NULL, NULL, "t", 10),
		ROW(2, "<2>", NULL, "<1>", "t", 20),
		ROW(3, "<3>", NULL, "<1>", "t", 30),
		ROW(4, "<4>", NULL, "<1> <2>", "t", 40),
		ROW(5, "<5>", NULL, "<1> <2>", "t", 50),
		ROW(6, "<6>", NULL, "<1> <2> <4>", "t", 60),
		ROW(7, "<7>", NULL, "<1> <3>", "t", 70),
	};
	struct mail_threads t;
	struct buf b;

	mail_thread_build(&t, rows, nitems(rows));
	is_threaded(&t, 1, "1 2 4 6 5 3 7");
	is_prefix(&t, 1, 10, "");
	is_prefix(&t, 2, 10, "├─>");
	is_prefix(&t, 4, 10, "│ ├─>");
	is_prefix(&t, 6, 10, "│ │ └─>");
	is_prefix(&t, 5, 10, "│ └─>");
	is_prefix(&t, 3, 10, "└─>");
	is_prefix(&t, 7, 10, "  └─>");
	/* only the deepest levels when asked for fewer */
	is_prefix(&t, 6, 2, "│ └─>");
	is_prefix(&t, 6, 1, "└─>");
	buf_init(&b);
	assert_int_equal(mail_thread_prefix(&t, (uint32_t)row_of(&t, 6), 10, &b), 7);
	buf_free(&b);
	assert_true(t.node[row_of(&t, 2)].bits & MAIL_TN_FIRST);
	assert_false(t.node[row_of(&t, 2)].bits & MAIL_TN_LAST);
	assert_true(t.node[row_of(&t, 3)].bits & MAIL_TN_LAST);
	mail_thread_free(&t);
}

static void normalises(const char *in, const char *want, int reply)
{
	struct buf b;

	buf_init(&b);
	assert_int_equal(mail_subject_normalise(in, &b), reply);
	assert_string_equal(buf_cstr(&b), want);
	buf_free(&b);
}

static void test_subject_normalisation(void **state)
{
	normalises("Re: Hello  World ", "hello world", 1);
	normalises("RE: re: Fwd: [list] Re[2]: x", "x", 1);
	normalises("Fwd: Fw: WG: x", "x", 0);
	normalises("FW : x", "x", 0);
	normalises("回复：回覆: 答复:转发： 周报", "周报", 1);
	normalises("[a][b] Re: \xe3\x80\x80 季度\t\t报告", "季度 报告", 1);
	normalises("Reply to all", "reply to all", 0);
	normalises("Re:", "", 1);
	normalises("[unclosed tag", "[unclosed tag", 0);
	normalises(NULL, "", 0);
	normalises("回", "回", 0);
	normalises("Re(3): y", "y", 1);
}

/* ---- 100,000 generated messages ---------------------------------------------------- */

/* xorshift: the same folder on every run */
static uint64_t rnd_state = 0x2545f4914f6cdd1dull;

static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state % n);
}

struct gen {
	struct mail_trow *rows;
	size_t n;
	char *text;
};

/* n messages in random threads: replies to recent messages, with a few
 * missing ones, duplicate ids, no ids, and References that loop. */
static void generate(struct gen *g, size_t n)
{
	int32_t *parent = malloc(n * sizeof *parent);
	size_t *off[4], cap = n * 200, len = 0;
	char *text = malloc(cap);
	struct mail_trow *rows = calloc(n, sizeof *rows);
	size_t m = 0;

	for (int k = 0; k < 4; k++)
		off[k] = malloc(n * sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		uint32_t r = rnd(100);
		int32_t p = i && r >= 30 ? (int32_t)(i - 1 - rnd(i < 2000 ? (uint32_t)i : 2000)) : -1;
		int32_t chain[10];
		int nc = 0;

		parent[i] = p;
		for (int32_t a = p; a >= 0 && nc < 10; a = parent[a])
			chain[nc++] = a;
		if (rnd(100) < 2)
			continue; /* missing: referred to, never present */
		if (len + 1024 > cap)
			abort();
		off[0][m] = len; /* Message-ID */
		r = rnd(1000);
		if (r < 10)
			len += (size_t)sprintf(text + len, "<g%zu@gen>", i ? (size_t)rnd((uint32_t)i) : 0);
		else if (r >= 20)
			len += (size_t)sprintf(text + len, "<g%zu@gen>", i);
		text[len++] = '\0';
		off[1][m] = len; /* References, oldest first */
		for (int k = nc - 1; k >= 0; k--)
			len += (size_t)sprintf(text + len, "<g%d@gen> ", chain[k]);
		if (rnd(1000) < 5)
			len += (size_t)sprintf(text + len, "<g%zu@gen> <g%u@gen>", i,
					       rnd((uint32_t)n));
		text[len++] = '\0';
		off[2][m] = len; /* subject */
		int32_t root = (int32_t)i;
		while (parent[root] >= 0)
			root = parent[root];
		len += (size_t)sprintf(text + len, "%s[gen] topic %d", p >= 0 ? "Re: " : "",
				       (int)(root % 5000));
		text[len++] = '\0';
		off[3][m] = len; /* sender */
		len += (size_t)sprintf(text + len, "Person %u <p@gen>", rnd(3000));
		text[len++] = '\0';
		rows[m].id = (int64_t)m + 1;
		rows[m].date = 1700000000 + (int64_t)i * 60 + rnd(3600);
		rows[m].size = rnd(100000);
		m++;
	}
	for (size_t i = 0; i < m; i++) {
		rows[i].message_id = text + off[0][i];
		rows[i].refs = text + off[1][i];
		rows[i].subject = text + off[2][i];
		rows[i].from = text + off[3][i];
	}
	for (int k = 0; k < 4; k++)
		free(off[k]);
	free(parent);
	g->rows = rows;
	g->n = m;
	g->text = text;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void holds_invariants(const struct mail_threads *t, const uint32_t *order)
{
	size_t n = t->n;
	uint32_t *pos = malloc(n * sizeof *pos);

	for (size_t i = 0; i < n; i++)
		pos[i] = UINT32_MAX;
	for (size_t i = 0; i < n; i++) {
		assert_true(order[i] < n);
		assert_int_equal(pos[order[i]], UINT32_MAX);
		pos[order[i]] = (uint32_t)i;
	}
	for (size_t i = 0; i < n; i++) {
		const struct mail_tnode *nd = &t->node[i];
		int32_t p = nd->parent_row;

		assert_int_equal(nd->thread, t->rows[t->thr[nd->tidx].root].id);
		if (p < 0) {
			assert_int_equal(nd->depth, 0);
			assert_int_equal(nd->parent, 0);
			continue;
		}
		assert_true(pos[p] < pos[i]);
		assert_int_equal(nd->parent, t->rows[p].id);
		assert_int_equal(nd->depth, t->node[p].depth + 1);
		assert_int_equal(nd->thread, t->node[p].thread);
		assert_int_equal(nd->tidx, t->node[p].tidx);
	}
	free(pos);
}

static void test_100k_deep_reply_chain(void **state)
{
	/* each message answers the one before: no recursion, no quadratic walk */
	size_t n = 100000;
	struct mail_trow *rows = calloc(n, sizeof *rows);
	char *text = malloc(n * 32);
	uint32_t *order = malloc(n * sizeof *order);
	struct mail_threads t;
	struct buf b;

	for (size_t i = 0; i < n; i++) {
		char *m = text + i * 32;

		snprintf(m, 16, "<c%zu>", i);
		snprintf(m + 16, 16, "<c%zu>", i ? i - 1 : n - 1);
		rows[i] = (struct mail_trow){.id = (int64_t)i + 1, .message_id = m,
					     .in_reply_to = m + 16, .date = (int64_t)i};
	}
	/* the first claims to answer the last: a loop through every message */
	double t0 = now_ms();
	mail_thread_build(&t, rows, n);
	printf("    %zu messages in one chain: threading %.1f ms\n", n, now_ms() - t0);
	assert_int_equal(t.nthr, 1);
	is_node(&t, 1, 1, 0, 0);
	is_node(&t, (int64_t)n, 1, (int64_t)n - 1, (int)n - 1);
	mail_thread_order(&t, 1, order);
	holds_invariants(&t, order);
	buf_init(&b);
	assert_int_equal(mail_thread_prefix(&t, (uint32_t)n - 1, 1000, &b), 127 * 2 + 3);
	buf_free(&b);
	mail_thread_free(&t);
	free(order);
	free(text);
	free(rows);
}

static void test_random_references_never_make_a_loop(void **state)
{
	/* References naming any message, earlier or later, in any order */
	size_t n = 20000;
	struct mail_trow *rows = calloc(n, sizeof *rows);
	char *text = malloc(n * 96);
	uint32_t *order = malloc(n * sizeof *order);
	struct mail_threads t;

	for (size_t i = 0; i < n; i++) {
		char *m = text + i * 96;
		int len = snprintf(m, 96, "<r%zu>", i) + 1;
		char *refs = m + len;

		for (int k = 0, o = 0; k < 5; k++)
			o += snprintf(refs + o, (size_t)(96 - len - o), "<r%u> ", rnd((uint32_t)n));
		rows[i] = (struct mail_trow){.id = (int64_t)(n - i), .message_id = m, .refs = refs,
					     .date = (int64_t)rnd(1000)};
	}
	mail_thread_build(&t, rows, n);
	mail_thread_order(&t, 0, order);
	holds_invariants(&t, order);
	mail_thread_free(&t);
	free(order);
	free(text);
	free(rows);
}

static void test_100k_generated_messages_form_a_forest(void **state)
{
	struct gen g;
	struct mail_threads t;

	generate(&g, 100000);
	uint32_t *order = malloc(g.n * sizeof *order);
	double t0 = now_ms();
	mail_thread_build(&t, g.rows, g.n);
	double t1 = now_ms();
	mail_thread_order(&t, 1, order);
	double t2 = now_ms();
	holds_invariants(&t, order);
	/* a thread is a contiguous block starting with its root */
	for (size_t i = 0; i < g.n; i++)
		if (t.node[order[i]].parent_row < 0 && t.node[order[i]].thread == t.rows[order[i]].id)
			assert_true(i == 0 || t.node[order[i - 1]].tidx != t.node[order[i]].tidx);
	double t3 = now_ms();
	mail_thread_sort(&t, MAIL_TSORT_SUBJECT, 0, order);
	double t4 = now_ms();
	for (size_t i = 1; i < g.n; i++) {
		struct buf a, b;

		buf_init(&a);
		buf_init(&b);
		mail_subject_normalise(t.rows[order[i - 1]].subject, &a);
		mail_subject_normalise(t.rows[order[i]].subject, &b);
		int d = strcmp(buf_cstr(&a), buf_cstr(&b));
		assert_true(d < 0 || (d == 0 && t.rows[order[i - 1]].id < t.rows[order[i]].id));
		buf_free(&a);
		buf_free(&b);
	}
	mail_thread_sort(&t, MAIL_TSORT_DATE, 1, order);
	for (size_t i = 1; i < g.n; i++)
		assert_true(t.rows[order[i - 1]].date >= t.rows[order[i]].date);
	printf("    %zu messages, %zu threads: threading %.1f ms, threaded order %.1f ms, "
	       "subject sort %.1f ms\n",
	       g.n, t.nthr, t1 - t0, t2 - t1, t4 - t3);
	mail_thread_free(&t);
	free(order);
	free(g.rows);
	free(g.text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_chain_is_one_thread_in_pre_order),
		cmocka_unit_test(test_missing_middle_message_keeps_replies_grouped),
		cmocka_unit_test(test_replies_to_a_missing_root_share_a_thread),
		cmocka_unit_test(test_in_reply_to_alone_finds_the_parent),
		cmocka_unit_test(test_last_reference_wins_over_in_reply_to),
		cmocka_unit_test(test_loops_are_cut),
		cmocka_unit_test(test_duplicate_message_ids_stay_separate_messages),
		cmocka_unit_test(test_subject_fallback_with_chinese_prefixes_and_list_tags),
		cmocka_unit_test(test_messages_without_ids),
		cmocka_unit_test(test_empty_folder),
		cmocka_unit_test(test_flat_sorts_both_ways_ties_by_id),
		cmocka_unit_test(test_collapsed_threads_show_their_root_and_count),
		cmocka_unit_test(test_tree_prefix_draws_continuing_lines),
		cmocka_unit_test(test_subject_normalisation),
		cmocka_unit_test(test_100k_deep_reply_chain),
		cmocka_unit_test(test_random_references_never_make_a_loop),
		cmocka_unit_test(test_100k_generated_messages_form_a_forest),
	};
	return cmocka_run_group_tests_name("mail threads", tests, NULL, NULL);
}
