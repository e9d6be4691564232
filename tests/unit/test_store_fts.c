/* Offline search (store/fts.c): the "atrium" tokenizer and the index. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"

/* Until they move to a private header. */
int store_index_put_db(sqlite3 *db, const char *kind, const char *ref, const char *title,
		       const char *body, struct err *e);
int store_index_del_db(sqlite3 *db, const char *kind, const char *ref, struct err *e);
int store_search_db(sqlite3 *db, const char *kind, const char *query, int limit,
		    struct store_hit **hits, size_t *n, struct err *e);

/* The table as the cache schema creates it. */
static const char schema[] = "CREATE VIRTUAL TABLE search USING fts5(kind UNINDEXED, "
			     "ref UNINDEXED, title, body, tokenize='atrium')";

static sqlite3 *db;

static int setup(void **state)
{
	struct err e = {0};

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return -1;
	if (store_fts_register(db, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	return sqlite3_exec(db, schema, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int teardown(void **state)
{
	sqlite3_close(db);
	db = NULL;
	return 0;
}

static void put(const char *kind, const char *ref, const char *title, const char *body)
{
	struct err e = {0};

	if (store_index_put_db(db, kind, ref, title, body, &e) != 0)
		fail_msg("put %s/%s: %s", kind, ref, e.msg);
}

/* FTS5 re-tokenizes stored text to delete it: a tokenizer that is not
 * deterministic, or offsets out of range, show up here. */
static void assert_index_intact(void)
{
	assert_int_equal(sqlite3_exec(db, "INSERT INTO search(search) VALUES('integrity-check')",
				      NULL, NULL, NULL),
			 SQLITE_OK);
}

/* Search and return the refs found, best first, as "r1|r2|..."; the
 * search must not fail. */
static const char *find(const char *kind, const char *query)
{
	static char out[4096];
	struct store_hit *hits;
	struct err e = {0};
	size_t n, i, used = 0;

	if (store_search_db(db, kind, query, 50, &hits, &n, &e) != 0)
		fail_msg("search \"%s\": %s", query ? query : "(null)", e.msg);
	out[0] = '\0';
	for (i = 0; i < n && used < sizeof(out); i++)
		used += (size_t)snprintf(out + used, sizeof(out) - used, "%s%s", i ? "|" : "",
					 hits[i].ref);
	store_hits_free(hits, n);
	return out;
}

/* The snippet of the only hit. */
static const char *snippet(const char *query)
{
	static char out[1024];
	struct store_hit *hits;
	struct err e = {0};
	size_t n;

	assert_int_equal(store_search_db(db, NULL, query, 10, &hits, &n, &e), 0);
	assert_int_equal(n, 1);
	snprintf(out, sizeof(out), "%s", hits[0].snippet);
	store_hits_free(hits, n);
	return out;
}

/* ---- the tokenizer, called as FTS5 calls it ----------------------------- */

struct toks {
	char out[1024];
	size_t used;
};

static int collect(void *ctx, int flags, const char *tok, int ntok, int start, int end)
{
	struct toks *t = ctx;

	t->used += (size_t)snprintf(t->out + t->used, sizeof(t->out) - t->used, "%s%.*s@%d-%d",
				    t->used ? "|" : "", ntok, tok, start, end);
	return SQLITE_OK;
}

/* "token@start-end|..." for text of len bytes. */
static const char *tokens(const char *text, int len)
{
	static struct toks t;
	fts5_api *api = NULL;
	fts5_tokenizer tk;
	Fts5Tokenizer *h;
	sqlite3_stmt *st;
	void *ud;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_pointer(st, 1, &api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	assert_non_null(api);
	assert_int_equal(api->xFindTokenizer(api, "atrium", &ud, &tk), SQLITE_OK);
	assert_int_equal(tk.xCreate(ud, NULL, 0, &h), SQLITE_OK);
	memset(&t, 0, sizeof(t));
	assert_int_equal(tk.xTokenize(h, &t, FTS5_TOKENIZE_DOCUMENT, text, len, collect),
			 SQLITE_OK);
	tk.xDelete(h);
	return t.out;
}

static void test_tokenizer_segments_chinese_into_words(void **state)
{
	const char *s = "我们今天去北京开会";

	assert_string_equal(tokens(s, (int)strlen(s)),
			    "我们@0-6|今天@6-12|去@12-15|北京@15-21|开会@21-27");
}

static void test_tokenizer_folds_case_and_keeps_the_original_offsets(void **state)
{
	const char *s = "Meeting 会议 in 北京";

	assert_string_equal(tokens(s, (int)strlen(s)), "meeting@0-7|会议@8-14|in@15-17|北京@18-24");
	/* full folding: ß is ss; İ (2 bytes) folds to i + U+0307 (3 bytes) */
	s = "Die STRAßE, İstanbul!";
	assert_string_equal(tokens(s, (int)strlen(s)),
			    "die@0-3|strasse@4-11|i\xcc\x87stanbul@13-22");
}

static void test_tokenizer_survives_invalid_utf8_and_nul_bytes(void **state)
{
	static const char s[] = "abc\0def \xff\xfe gh\xc3 \xe4\xbd \xed\xa0\x80 \xc0\xaf ok";

	/* invalid bytes are not letters: they end words, never crash */
	assert_string_equal(tokens(s, (int)sizeof(s) - 1), "abc@0-3|def@4-7|gh@11-13|ok@25-27");
	assert_string_equal(tokens("\xff", 1), "");
	assert_string_equal(tokens("", 0), "");
	assert_string_equal(tokens(NULL, 0), "");
}

static void test_tokenizer_refuses_options(void **state)
{
	assert_int_not_equal(sqlite3_exec(db,
					  "CREATE VIRTUAL TABLE t2 USING fts5(x, "
					  "tokenize='atrium remove_diacritics 1')",
					  NULL, NULL, NULL),
			     SQLITE_OK);
}

/* ---- searching ---------------------------------------------------------- */

static void test_chinese_word_is_found_inside_a_sentence(void **state)
{
	put("chat", "m1", "", "我们今天去北京开会");
	put("chat", "m2", "", "明天下雨");
	assert_string_equal(find(NULL, "北京"), "m1");
	assert_string_equal(find(NULL, "开会"), "m1");
	assert_string_equal(find(NULL, "北京 开会"), "m1");
	/* the last word is a prefix: 北 finds 北京 while typing */
	assert_string_equal(find(NULL, "北"), "m1");
	assert_string_equal(find(NULL, "上海"), "");
	assert_string_equal(find(NULL, "北京 上海"), "");
}

static void test_mixed_chinese_and_english_text_is_found_by_either(void **state)
{
	put("mail", "1", "Meeting 会议 in 北京", "");
	assert_string_equal(find(NULL, "会议"), "1");
	assert_string_equal(find(NULL, "MEETING"), "1");
	assert_string_equal(find(NULL, "meeting 北京"), "1");
	assert_string_equal(find(NULL, "会议 in"), "1");
}

static void test_english_is_case_insensitive_and_the_last_word_a_prefix(void **state)
{
	put("mail", "1", "Budget 2024", "Please review the quarterly report.");
	assert_string_equal(find(NULL, "budg"), "1");
	assert_string_equal(find(NULL, "BUDGET"), "1");
	assert_string_equal(find(NULL, "quarterly rep"), "1");
	assert_string_equal(find(NULL, "2024"), "1");
	/* only the last word is a prefix */
	assert_string_equal(find(NULL, "quart report"), "");
	assert_string_equal(find(NULL, "budgets"), "");
}

static void test_full_case_folding_matches_sharp_s_and_ss(void **state)
{
	/* the same length: they rank alike, in either order */
	put("doc", "de", "Adresse", "Die Straße ist lang");
	put("doc", "up", "ADRESSE", "DIE STRASSE IST LANG");
	assert_int_equal(strlen(find(NULL, "STRASSE")), strlen("de|up"));
	assert_non_null(strstr(find(NULL, "STRASSE"), "de"));
	assert_non_null(strstr(find(NULL, "STRASSE"), "up"));
	assert_int_equal(strlen(find(NULL, "straße")), strlen("de|up"));
	assert_int_equal(strlen(find(NULL, "Strasse")), strlen("de|up"));
}

static void test_kind_filter_keeps_only_that_kind(void **state)
{
	put("mail", "a", "Budget", "");
	put("chat", "b", "Budget", "");
	assert_string_equal(find("mail", "budget"), "a");
	assert_string_equal(find("chat", "budget"), "b");
	assert_string_equal(find("doc", "budget"), "");
	assert_int_equal(strlen(find(NULL, "budget")), strlen("a|b"));
}

static void test_put_replaces_the_earlier_text_of_the_item(void **state)
{
	put("doc", "x", "Draft", "old words here");
	put("doc", "x", "Final", "new words here");
	assert_string_equal(find(NULL, "old"), "");
	assert_string_equal(find(NULL, "draft"), "");
	assert_string_equal(find(NULL, "new"), "x");
	assert_string_equal(find(NULL, "words"), "x"); /* one row, not two */
	/* the same ref under another kind is another item */
	put("mail", "x", "Final", "");
	assert_string_equal(find(NULL, "final"), "x|x");
	assert_index_intact();
}

static void test_del_removes_the_item_and_missing_items_are_fine(void **state)
{
	struct err e = {0};

	put("doc", "x", "Alpha", "");
	put("doc", "y", "Alpha", "");
	assert_int_equal(store_index_del_db(db, "doc", "x", &e), 0);
	assert_string_equal(find(NULL, "alpha"), "y");
	assert_int_equal(store_index_del_db(db, "doc", "x", &e), 0);
	assert_int_equal(store_index_del_db(db, "mail", "y", &e), 0);
	assert_string_equal(find(NULL, "alpha"), "y");
}

static void test_items_sharing_a_hash_bucket_keep_their_own_rows(void **state)
{
	struct err e = {0};

	/* Make "x" hold the first slot of "a"'s bucket, as a collision would. */
	put("doc", "a", "apple", "");
	assert_int_equal(
	    sqlite3_exec(db, "UPDATE search SET ref = 'x', title = 'xylophone'", NULL, NULL, NULL),
	    SQLITE_OK);
	put("doc", "a", "apricot", "");
	assert_string_equal(find(NULL, "xylophone"), "x");
	assert_string_equal(find(NULL, "apricot"), "a");
	put("doc", "a", "avocado", "");
	assert_string_equal(find(NULL, "apricot"), "");
	assert_string_equal(find(NULL, "avocado"), "a");
	assert_int_equal(store_index_del_db(db, "doc", "a", &e), 0);
	assert_string_equal(find(NULL, "avocado"), "");
	assert_string_equal(find(NULL, "xylophone"), "x");
	assert_index_intact();
}

static void test_more_mentions_rank_higher(void **state)
{
	struct store_hit *hits;
	struct err e = {0};
	size_t n;

	put("mail", "once", "Notes", "budget lunch dinner meeting notes");
	put("mail", "thrice", "Notes", "budget budget budget meeting notes");
	put("mail", "none", "Notes", "lunch dinner travel meeting notes");
	assert_string_equal(find(NULL, "budget"), "thrice|once");
	assert_int_equal(store_search_db(db, NULL, "budget", 10, &hits, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_true(hits[0].rank < hits[1].rank);
	assert_string_equal(hits[0].kind, "mail");
	store_hits_free(hits, n);
}

static void test_snippet_marks_the_match_in_the_original_text(void **state)
{
	put("mail", "1", "Q3", "The quarterly Budget is ready for review.");
	assert_string_equal(snippet("budget"), "The quarterly [Budget] is ready for review.");
	teardown(state);
	setup(state);
	put("chat", "2", "", "我们今天去北京开会");
	assert_string_equal(snippet("北京"), "我们今天去[北京]开会");
	assert_string_equal(snippet("北"), "我们今天去[北京]开会");
	teardown(state);
	setup(state);
	put("doc", "3", "", "Die Straße in İstanbul");
	assert_string_equal(snippet("STRASSE İSTANBUL"), "Die [Straße] in [İstanbul]");
}

static void test_snippet_comes_from_the_title_when_the_body_has_no_match(void **state)
{
	put("mail", "1", "Budget for 2024", "Please have a look before Friday.");
	assert_string_equal(snippet("budget"), "[Budget] for 2024");
	assert_string_equal(snippet("friday"), "Please have a look before [Friday].");
}

static void test_long_bodies_give_a_short_snippet(void **state)
{
	char body[4096];
	size_t used = 0;
	int i;

	for (i = 0; i < 100; i++)
		used += (size_t)snprintf(body + used, sizeof(body) - used, "word%d ", i);
	snprintf(body + used, sizeof(body) - used, "budget and then some more");
	put("mail", "1", "", body);
	assert_non_null(strstr(snippet("budget"), "[budget]"));
	assert_true(strlen(snippet("budget")) < 200);
	assert_non_null(strstr(snippet("budget"), "…"));
}

static void test_hostile_queries_are_plain_words_never_syntax(void **state)
{
	static const char *const queries[] = {
	    "\"",
	    "\"\"",
	    "\"budget",
	    "a OR b",
	    "a AND b",
	    "NOT a",
	    "NEAR(a b)",
	    "NEAR(a b, 2)",
	    "title:x",
	    "{title body}: x",
	    "body : x",
	    "*",
	    "**",
	    "(",
	    ")",
	    "(((",
	    "-x",
	    "^x",
	    "x^",
	    "+x",
	    "a*b",
	    "'",
	    "''",
	    "\\",
	    "x:",
	    ":",
	    "{",
	    "}",
	    "\"a\" OR \"b\"",
	    "a\"b",
	    "\xd7\x90\"\xd7\x91",
	    "\"*\"*",
	    "OR",
	    "AND",
	    "NEAR",
	};
	struct store_hit *hits;
	struct err e = {0};
	char plain[64];
	size_t i, n;

	put("mail", "ab", "", "a b");
	put("mail", "b", "", "b only");
	put("mail", "x", "x", "budget x");
	put("mail", "colon", "", "title:x and body is x");
	put("mail", "hebrew", "", "\xd7\x90\"\xd7\x91");
	for (i = 0; i < nitems(queries); i++) {
		e.code = 0;
		if (store_search_db(db, NULL, queries[i], 10, &hits, &n, &e) != 0)
			fail_msg("query %s: %s", queries[i], e.msg);
		store_hits_free(hits, n);
	}
	/* operators are words to look for, so they narrow, never widen */
	assert_string_equal(find(NULL, "a OR b"), "");
	assert_string_equal(find(NULL, "NEAR(a b)"), "");
	assert_string_equal(find(NULL, "NOT a"), "");
	/* "title:x" is one word (ICU keeps letters around a colon) */
	assert_string_equal(find(NULL, "title:x"), "colon");
	/* punctuation goes, the words stay */
	assert_string_equal(find(NULL, "(a) \"b\""), "ab");
	snprintf(plain, sizeof(plain), "%s", find(NULL, "x"));
	assert_string_equal(find(NULL, "-x"), plain);
	assert_string_equal(find(NULL, "^x"), plain);
	/* a quote inside a word is escaped, not the end of a string */
	assert_string_equal(find(NULL, "\xd7\x90\"\xd7\x91"), "hebrew");
}

static void test_queries_without_words_find_nothing_and_are_not_errors(void **state)
{
	struct store_hit *hits = (void *)1;
	struct err e = {0};
	size_t n = 99;

	put("mail", "1", "Budget", "");
	assert_int_equal(store_search_db(db, NULL, "", 10, &hits, &n, &e), 0);
	assert_null(hits);
	assert_int_equal(n, 0);
	assert_int_equal(store_search_db(db, NULL, NULL, 10, &hits, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_string_equal(find(NULL, "   "), "");
	assert_string_equal(find(NULL, "!?, ... —"), "");
	assert_string_equal(find(NULL, "\"*\""), "");
}

static void test_invalid_utf8_in_body_and_query_does_not_crash(void **state)
{
	static const char *const queries[] = {
	    "\xff",
	    "\xc3",
	    "budg\xc3",
	    "\xe4\xbd",
	    "\xe4\xbd\xa0\xe5",
	    "\xed\xa0\x80",
	    "\xc0\xaf",
	    "\xf8\x88\x80\x80\x80",
	    "budget\xffreport",
	};
	struct store_hit *hits;
	struct err e = {0};
	size_t i, n;

	put("mail", "1", "\xff\xfe title \xc3", "caf\xc3 \xe4\xbd budget \xed\xa0\x80 report\xff");
	for (i = 0; i < nitems(queries); i++) {
		if (store_search_db(db, NULL, queries[i], 10, &hits, &n, &e) != 0)
			fail_msg("query %zu: %s", i, e.msg);
		store_hits_free(hits, n);
	}
	assert_string_equal(find(NULL, "budget report"), "1");
	assert_string_equal(find(NULL, "budget\xffreport"), "1");
	assert_non_null(strstr(snippet("budget"), "[budget]"));
	put("mail", "1", "\xc3\xc3", "\xe4\xbd\xa0\xe4\xbd");
	assert_index_intact();
}

static void test_nul_bytes_inside_indexed_text_end_a_word(void **state)
{
	static const char body[] = "budget\0secret";
	sqlite3_stmt *st;

	/* through SQL, the only way text with a NUL reaches the tokenizer */
	assert_int_equal(sqlite3_prepare_v2(db,
					    "INSERT INTO search(kind, ref, title, body) "
					    "VALUES('mail', 'nul', '', ?1)",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, body, (int)sizeof(body) - 1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	assert_string_equal(find(NULL, "budget"), "nul");
	assert_string_equal(find(NULL, "secret"), "nul");
}

static void test_limit_caps_the_hits(void **state)
{
	struct store_hit *hits;
	struct err e = {0};
	char ref[16];
	size_t n;
	int i;

	for (i = 0; i < 20; i++) {
		snprintf(ref, sizeof(ref), "r%d", i);
		put("mail", ref, "same", "");
	}
	assert_int_equal(store_search_db(db, NULL, "same", 5, &hits, &n, &e), 0);
	assert_int_equal(n, 5);
	store_hits_free(hits, n);
	assert_int_equal(store_search_db(db, NULL, "same", 0, &hits, &n, &e), 0);
	assert_int_equal(n, 0);
}

static void test_put_refuses_a_missing_or_too_long_kind(void **state)
{
	struct err e = {0};

	assert_int_equal(store_index_put_db(db, NULL, "r", "t", "b", &e), E_USAGE);
	assert_int_equal(store_index_put_db(db, "", "r", "t", "b", &e), E_USAGE);
	assert_int_equal(store_index_put_db(db, "sixteen-bytes-xx", "r", "t", "b", &e), E_USAGE);
	assert_int_equal(store_index_put_db(db, "fifteen-bytes-x", "r", "t", "b", &e), 0);
	assert_int_equal(store_index_put_db(db, "mail", NULL, "t", "b", &e), E_USAGE);
	/* no title or body is fine */
	assert_int_equal(store_index_put_db(db, "mail", "r", NULL, NULL, &e), 0);
}

static void test_failures_are_errors_and_leave_no_transaction_open(void **state)
{
	struct store_hit *hits;
	struct err e = {0};
	size_t n;

	assert_int_equal(sqlite3_exec(db, "DROP TABLE search", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_index_put_db(db, "mail", "1", "t", "b", &e), E_IO);
	assert_non_null(strstr(e.msg, "search"));
	assert_int_equal(sqlite3_get_autocommit(db), 1);
	assert_int_equal(store_index_del_db(db, "mail", "1", &e), E_IO);
	assert_int_equal(store_search_db(db, NULL, "t", 10, &hits, &n, &e), E_IO);
	assert_null(hits);
	assert_int_equal(n, 0);
}

static void test_a_query_of_a_thousand_words_is_not_an_error(void **state)
{
	char q[8192];
	size_t used = 0;
	int i;

	put("mail", "1", "", "w1 w2 w3");
	for (i = 0; i < 1000; i++)
		used += (size_t)snprintf(q + used, sizeof(q) - used, "w%d ", i % 3 + 1);
	assert_string_equal(find(NULL, q), "1");
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The best of a few runs, so a scheduler hiccup does not fail the test. */
static double time_query(const char *q, size_t *n)
{
	struct store_hit *hits;
	struct err e = {0};
	double best = 1e9, t;
	int i;

	for (i = 0; i < 5; i++) {
		t = now_ms();
		assert_int_equal(store_search_db(db, NULL, q, 20, &hits, n, &e), 0);
		t = now_ms() - t;
		store_hits_free(hits, *n);
		if (t < best)
			best = t;
	}
	return best;
}

/*
 * 10k short documents: 12 words each from 30 common ones (so "budget" is in
 * a third of them, "r" starts a word in nearly all: ranking those is the
 * worst case), a tag shared by 20 documents and a code of its own.
 */
static void test_ten_thousand_documents_are_searched_in_milliseconds(void **state)
{
	static const char *const vocab[] = {
	    "budget", "report", "meeting", "travel",  "invoice",  "lunch",  "project", "review",
	    "draft",  "server", "backup",  "holiday", "contract", "design", "release", "会议",
	    "北京",   "上海",	"预算",	   "报告",    "项目",	  "明天",   "今天",    "合同",
	    "设计",   "发布",	"服务器",  "备份",    "旅行",	  "午饭",
	};
	static const struct {
		const char *q;
		double max_ms; /* generous: sanitizer builds are several times slower */
	} queries[] = {
	    {"code4242", 20},	{"tag123", 20}, {"tag12", 20},		{"北京 tag77", 20},
	    {"budget", 200},	{"bud", 200},	{"budget report", 200}, {"北京", 200},
	    {"北京 会议", 200}, {"r", 200},
	};
	char ref[16], title[64], body[512];
	struct err e = {0};
	unsigned seed = 1;
	double t;
	size_t used, n;
	int i, j;

	t = now_ms();
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	for (i = 0; i < 10000; i++) {
		snprintf(ref, sizeof(ref), "m%d", i);
		used = (size_t)snprintf(body, sizeof(body), "tag%d code%d ", i % 500, i);
		for (j = 0; j < 12; j++) {
			seed = seed * 1103515245u + 12345u;
			used += (size_t)snprintf(body + used, sizeof(body) - used, "%s ",
						 vocab[(seed >> 16) % nitems(vocab)]);
		}
		snprintf(title, sizeof(title), "Item %d %s", i, vocab[i % nitems(vocab)]);
		if (store_index_put_db(db, "mail", ref, title, body, &e) != 0)
			fail_msg("put %d: %s", i, e.msg);
	}
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	print_message("indexed 10000 documents in %.0f ms\n", now_ms() - t);
	for (i = 0; i < (int)nitems(queries); i++) {
		t = time_query(queries[i].q, &n);
		print_message("%4zu hits in %6.2f ms: %s\n", n, t, queries[i].q);
		assert_true(n > 0);
		assert_true(t < queries[i].max_ms);
	}
	assert_string_equal(find(NULL, "code4242"), "m4242");
	assert_string_equal(find(NULL, "zzz"), "");
	assert_index_intact();
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_tokenizer_segments_chinese_into_words),
	    T(test_tokenizer_folds_case_and_keeps_the_original_offsets),
	    T(test_tokenizer_survives_invalid_utf8_and_nul_bytes),
	    T(test_tokenizer_refuses_options),
	    T(test_chinese_word_is_found_inside_a_sentence),
	    T(test_mixed_chinese_and_english_text_is_found_by_either),
	    T(test_english_is_case_insensitive_and_the_last_word_a_prefix),
	    T(test_full_case_folding_matches_sharp_s_and_ss),
	    T(test_kind_filter_keeps_only_that_kind),
	    T(test_put_replaces_the_earlier_text_of_the_item),
	    T(test_del_removes_the_item_and_missing_items_are_fine),
	    T(test_items_sharing_a_hash_bucket_keep_their_own_rows),
	    T(test_more_mentions_rank_higher),
	    T(test_snippet_marks_the_match_in_the_original_text),
	    T(test_snippet_comes_from_the_title_when_the_body_has_no_match),
	    T(test_long_bodies_give_a_short_snippet),
	    T(test_hostile_queries_are_plain_words_never_syntax),
	    T(test_queries_without_words_find_nothing_and_are_not_errors),
	    T(test_invalid_utf8_in_body_and_query_does_not_crash),
	    T(test_nul_bytes_inside_indexed_text_end_a_word),
	    T(test_limit_caps_the_hits),
	    T(test_put_refuses_a_missing_or_too_long_kind),
	    T(test_failures_are_errors_and_leave_no_transaction_open),
	    T(test_a_query_of_a_thousand_words_is_not_an_error),
	    T(test_ten_thousand_documents_are_searched_in_milliseconds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
