/* Grapheme clusters and display widths (i18n/width.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "i18n/i18n.h"

#define FAMILY "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466"
#define HEART "\u2764"
#define HEART_EMOJI "\u2764\uFE0F"
#define FLAG_CN "\U0001F1E8\U0001F1F3"
#define FLAG_US "\U0001F1FA\U0001F1F8"
#define THUMBS_MEDIUM "\U0001F44D\U0001F3FD"

/* Split s into clusters with txt_next_grapheme; returns their count and
 * fills len[] (up to max). */
static int clusters(const char *s, size_t *len, int max)
{
	size_t off = 0, n = strlen(s);
	int k = 0;

	while (off < n) {
		size_t g = txt_next_grapheme(s + off, n - off);
		assert_true(g >= 1 && off + g <= n);
		if (k < max)
			len[k] = g;
		k++;
		off += g;
	}
	return k;
}

static int width1(const char *g)
{
	return txt_grapheme_width(g, strlen(g));
}

static size_t width(const char *s)
{
	return txt_width(s, strlen(s));
}

static void test_ascii_is_one_column_per_character(void **state)
{
	size_t len[16];

	assert_int_equal(width("hello, world"), 12);
	assert_int_equal(clusters("abc", len, 16), 3);
	assert_int_equal(width1("a"), 1);
	assert_int_equal(width(""), 0);
	assert_int_equal(txt_next_grapheme("", 0), 0);
}

static void test_cjk_and_fullwidth_are_width_2(void **state)
{
	assert_int_equal(width1("中"), 2);
	assert_int_equal(width("中文abc"), 7);
	assert_int_equal(width1("\uFF21"), 2);	   /* FULLWIDTH LATIN CAPITAL LETTER A */
	assert_int_equal(width1("\u3042"), 2);	   /* HIRAGANA A */
	assert_int_equal(width1("\U00020000"), 2); /* CJK Extension B */
	assert_int_equal(width1("\uFF71"), 1);	   /* HALFWIDTH KATAKANA A */
	assert_int_equal(width1("\u3000"), 2);	   /* IDEOGRAPHIC SPACE */
	assert_int_equal(width("，。"), 4);
}

static void test_family_emoji_is_one_cluster_of_width_2(void **state)
{
	size_t len[4];

	assert_int_equal(clusters(FAMILY, len, 4), 1);
	assert_int_equal(len[0], strlen(FAMILY));
	assert_int_equal(width1(FAMILY), 2);
	assert_int_equal(width("a" FAMILY "b"), 4);
}

static void test_heart_with_vs16_is_2_and_bare_heart_is_1(void **state)
{
	size_t len[4];

	assert_int_equal(width1(HEART), 1);
	assert_int_equal(clusters(HEART_EMOJI, len, 4), 1);
	assert_int_equal(width1(HEART_EMOJI), 2);
	/* keycap one: 1 FE0F 20E3 */
	assert_int_equal(clusters("1\uFE0F\u20E3", len, 4), 1);
	assert_int_equal(width1("1\uFE0F\u20E3"), 2);
	/* emoji presentation by default */
	assert_int_equal(width1("\U0001F600"), 2);
}

static void test_flags_are_pairs_of_regional_indicators_of_width_2(void **state)
{
	size_t len[4];

	assert_int_equal(clusters(FLAG_CN, len, 4), 1);
	assert_int_equal(width1(FLAG_CN), 2);
	assert_int_equal(clusters(FLAG_CN FLAG_US, len, 4), 2);
	assert_int_equal(len[0], strlen(FLAG_CN));
	assert_int_equal(width(FLAG_CN FLAG_US), 4);
	/* an odd one out stays alone */
	assert_int_equal(clusters(FLAG_CN "\U0001F1FA", len, 4), 2);
	assert_int_equal(len[1], 4);
}

static void test_skin_tone_joins_its_emoji(void **state)
{
	size_t len[4];

	assert_int_equal(clusters(THUMBS_MEDIUM, len, 4), 1);
	assert_int_equal(width1(THUMBS_MEDIUM), 2);
	/* a woman with a skin tone, ZWJ, a laptop: one cluster */
	assert_int_equal(clusters("\U0001F469\U0001F3FD\u200D\U0001F4BB", len, 4), 1);
	assert_int_equal(width1("\U0001F469\U0001F3FD\u200D\U0001F4BB"), 2);
}

static void test_combining_mark_joins_its_base(void **state)
{
	size_t len[4];

	assert_int_equal(clusters("e\u0301", len, 4), 1);
	assert_int_equal(len[0], 3);
	assert_int_equal(width1("e\u0301"), 1);
	assert_int_equal(width("cafe\u0301"), 4);
	/* a combining mark with nothing to sit on takes no column */
	assert_int_equal(width1("\u0301"), 0);
	assert_int_equal(width("\u0301a"), 1);
	/* several marks on a CJK base */
	assert_int_equal(clusters("中\u0301\u0302", len, 4), 1);
	assert_int_equal(width1("中\u0301\u0302"), 2);
}

static void test_hangul_syllables_and_jamo_are_width_2(void **state)
{
	size_t len[4];

	assert_int_equal(width1("\uD55C"), 2); /* 한 */
	assert_int_equal(width("\uD55C\uAD6D\uC5B4"), 6);
	/* conjoining jamo L V T form one syllable */
	assert_int_equal(clusters("\u1112\u1161\u11AB", len, 4), 1);
	assert_int_equal(width1("\u1112\u1161\u11AB"), 2);
	/* LV syllable + T jamo */
	assert_int_equal(clusters("\uD558\u11AB", len, 4), 1);
}

static void test_crlf_is_one_cluster(void **state)
{
	size_t len[4];

	assert_int_equal(clusters("\r\n", len, 4), 1);
	assert_int_equal(len[0], 2);
	assert_int_equal(clusters("\r\r\n", len, 4), 2);
	assert_int_equal(len[0], 1);
	assert_int_equal(clusters("\n\r", len, 4), 2);
	assert_int_equal(width("a\r\nb"), 2);
}

static void test_control_characters_are_width_0(void **state)
{
	size_t len[4];

	assert_int_equal(width1("\t"), 0);
	assert_int_equal(width1("\x1b"), 0);
	assert_int_equal(width1("\x7f"), 0);
	assert_int_equal(width1("\xC2\x85"), 0); /* NEL, C1 */
	assert_int_equal(width1("\u200B"), 0);	 /* ZERO WIDTH SPACE */
	assert_int_equal(width("\x1b[31mred"), 7);
	/* a control character never takes a combining mark */
	assert_int_equal(clusters("\t\u0301", len, 4), 2);
}

static void test_invalid_utf8_is_one_cluster_of_width_1_per_byte(void **state)
{
	size_t len[8];

	/* truncated 中 */
	assert_int_equal(clusters("\xE4\xB8", len, 8), 2);
	assert_int_equal(width("\xE4\xB8"), 2);
	/* overlong '/', a surrogate, a stray continuation, 0xFF */
	assert_int_equal(clusters("\xC0\xAF", len, 8), 2);
	assert_int_equal(clusters("\xED\xA0\x80", len, 8), 3);
	assert_int_equal(width("\xED\xA0\x80"), 3);
	assert_int_equal(clusters("a\x80", len, 8), 2);
	assert_int_equal(width1("\xFF"), 1);
	/* beyond U+10FFFF */
	assert_int_equal(clusters("\xF4\x90\x80\x80", len, 8), 4);
	/* a bad byte does not take the combining mark after it */
	assert_int_equal(clusters("\xFF\u0301", len, 8), 2);
	assert_int_equal(width("\xFF\u0301"), 1);
	/* and good text after bad bytes is read normally */
	assert_int_equal(clusters("\xE4\xB8中", len, 8), 3);
	assert_int_equal(len[2], 3);
	assert_int_equal(width("\xE4\xB8中"), 4);
}

static void test_ambiguous_width_follows_the_option(void **state)
{
	assert_int_equal(width1("\u2026"), 1); /* … */
	assert_int_equal(width1("\u03B1"), 1); /* α */
	assert_int_equal(width1("\u00B0"), 1); /* ° */
	i18n_set_ambiguous_wide(1);
	assert_int_equal(width1("\u2026"), 2);
	assert_int_equal(width1("\u03B1"), 2);
	assert_int_equal(width("\u00B0C"), 3);
	/* neither ASCII nor wide characters change */
	assert_int_equal(width("a中"), 3);
	i18n_set_ambiguous_wide(0);
	assert_int_equal(width1("\u2026"), 1);
}

static void test_width_is_the_sum_of_cluster_widths(void **state)
{
	const char *s = "Mail 邮件 " FAMILY " cafe\u0301 " FLAG_CN HEART_EMOJI "\t\xFF"
			"한";
	size_t off = 0, n = strlen(s), sum = 0;

	while (off < n) {
		size_t g = txt_next_grapheme(s + off, n - off);
		sum += (size_t)txt_grapheme_width(s + off, g);
		off += g;
	}
	assert_int_equal(txt_width(s, n), sum);
	assert_int_equal(sum, 5 + 5 + 3 + 5 + 4 + 0 + 1 + 2);
}

static void test_fit_never_splits_a_cluster(void **state)
{
	const char *s = "a" FAMILY "b";
	size_t used, n = strlen(s);

	assert_int_equal(txt_fit(s, n, 0, &used), 0);
	assert_int_equal(used, 0);
	assert_int_equal(txt_fit(s, n, 1, &used), 1);
	assert_int_equal(txt_fit(s, n, 2, &used), 1);
	assert_int_equal(used, 1);
	assert_int_equal(txt_fit(s, n, 3, &used), 1 + strlen(FAMILY));
	assert_int_equal(used, 3);
	assert_int_equal(txt_fit(s, n, 99, &used), n);
	assert_int_equal(used, 4);

	assert_int_equal(txt_fit("中文字", 9, 3, &used), 3);
	assert_int_equal(used, 2);
	assert_int_equal(txt_fit("e\u0301x", 4, 1, &used), 3);
	assert_int_equal(txt_fit(FLAG_CN FLAG_US, 16, 3, &used), 8);
	assert_int_equal(txt_fit("abc", 3, 2, NULL), 2);
}

/* ---- properties over many strings -------------------------------------- */

/* Code points of every Grapheme_Cluster_Break class and width class. */
/* clang-format off */
static const UChar32 pool[] = {
	/* ASCII, and pictographs that look like text */
	'a', ' ', '#', '1', 0x00A9, 0x00AE, 0x2122,
	/* controls */
	'\r', '\n', '\t', 0x0085, 0x200B,
	/* marks; ZWJ, VS16, a skin tone, tags */
	0x0301, 0x093C, 0x0901, 0x3099, 0x302A, 0x20E3, 0x200D, 0xFE0F, 0x1F3FD, 0xE0067, 0xE007F,
	/* emoji and pictographs, regional indicators */
	0x1F468, 0x1F469, 0x1F4BB, 0x1F600, 0x1F3F3, 0x1F3F4, 0x1F308, 0x2764, 0x3030, 0x303D,
	0x1F1E8, 0x1F1F3,
	/* Hangul L V T, LV LVT */
	0x1100, 0x1161, 0x11AB, 0x1160, 0xAC00, 0xAC01, 0xD55C,
	/* spacing marks, prepend, Indic consonants and viramas */
	0x0903, 0x093F, 0x0E33, 0x0600, 0x0E40, 0x0915, 0x0937, 0x094D, 0x0995, 0x09CD, 0x0B95,
	0x0BCD,
	/* wide, ambiguous */
	0x4E2D, 0x3400, 0x3001, 0x3042, 0x304B, 0xFF0C, 0xFF21, 0xFF60, 0x2026,
};
/* clang-format on */

static unsigned rnd_state = 12345;

static unsigned rnd(void)
{
	rnd_state = rnd_state * 1103515245 + 12345;
	return (rnd_state >> 16) & 0x7fff;
}

/* A random string of n code points from the pool (and, if bad, some bytes
 * that are not UTF-8). */
static size_t random_text(char *out, size_t cap, int n, int bad)
{
	size_t len = 0;
	int i;

	for (i = 0; i < n && len + 4 < cap; i++) {
		if (bad && rnd() % 8 == 0) {
			static const char junk[] = {'\x80', '\xBF', '\xC3', '\xE4', '\xFF', '\xF0'};
			out[len++] = junk[rnd() % sizeof(junk)];
			continue;
		}
		U8_APPEND_UNSAFE(out, len, pool[rnd() % (sizeof(pool) / sizeof(pool[0]))]);
	}
	out[len] = '\0';
	return len;
}

/* Boundaries of s by ICU's character break iterator, as UTF-8 offsets. */
static int icu_boundaries(const char *s, size_t len, size_t *b, int max)
{
	UChar u[512];
	int32_t ulen, pos;
	UErrorCode err = U_ZERO_ERROR;
	UBreakIterator *bi;
	int k = 0;

	u_strFromUTF8(u, 512, &ulen, s, (int32_t)len, &err);
	assert_true(U_SUCCESS(err));
	bi = ubrk_open(UBRK_CHARACTER, "", u, ulen, &err);
	assert_true(U_SUCCESS(err));
	for (pos = ubrk_first(bi); pos != UBRK_DONE && k < max; pos = ubrk_next(bi)) {
		int32_t n8 = 0;
		UErrorCode e2 = U_ZERO_ERROR;
		char tmp[2048];
		u_strToUTF8(tmp, sizeof(tmp), &n8, u, pos, &e2);
		b[k++] = (size_t)n8;
	}
	ubrk_close(bi);
	return k;
}

static int our_boundaries(const char *s, size_t len, size_t *b, int max)
{
	size_t off = 0;
	int k = 0;

	b[k++] = 0;
	while (off < len && k < max) {
		off += txt_next_grapheme(s + off, len - off);
		b[k++] = off;
	}
	return k;
}

static void test_clusters_match_icu_character_iterator(void **state)
{
	char s[256];
	size_t a[128], b[128];
	int i, j, na, nb;

	for (i = 0; i < 20000; i++) {
		size_t len = random_text(s, sizeof(s), 1 + (int)(rnd() % 12), 0);
		na = our_boundaries(s, len, a, 128);
		nb = icu_boundaries(s, len, b, 128);
		if (na != nb || memcmp(a, b, (size_t)na * sizeof(a[0])) != 0) {
			for (j = 0; j < (int)len; j++)
				print_message("%02x ", (unsigned char)s[j]);
			print_message("\nours:");
			for (j = 0; j < na; j++)
				print_message(" %zu", a[j]);
			print_message("\nicu: ");
			for (j = 0; j < nb; j++)
				print_message(" %zu", b[j]);
			print_message("\n");
		}
		assert_int_equal(na, nb);
		assert_memory_equal(a, b, (size_t)na * sizeof(a[0]));
	}
}

static void test_prev_grapheme_walks_back_over_the_same_clusters(void **state)
{
	char s[256];
	size_t fwd[128], off, g;
	int i, k, n;

	for (i = 0; i < 20000; i++) {
		size_t len = random_text(s, sizeof(s), 1 + (int)(rnd() % 12), i % 2);
		n = our_boundaries(s, len, fwd, 128);
		/* from each boundary, prev gives the boundary before it */
		for (k = n - 1; k > 0; k--)
			assert_int_equal(txt_prev_grapheme(s, len, fwd[k]), fwd[k - 1]);
		assert_int_equal(txt_prev_grapheme(s, len, 0), 0);
		/* from inside a cluster, prev gives that cluster's start */
		for (off = 1, k = 0; off <= len; off++) {
			while (fwd[k + 1] < off)
				k++;
			assert_int_equal(txt_prev_grapheme(s, len, off), fwd[k]);
		}
		/* fit stops on a boundary, and the next cluster would not fit */
		for (off = 0; off < 10; off++) {
			size_t used, cut = txt_fit(s, len, off, &used);
			assert_true(used <= off);
			for (k = 0; k < n && fwd[k] != cut; k++)
				;
			assert_true(k < n);
			if (cut < len) {
				g = txt_next_grapheme(s + cut, len - cut);
				assert_true(used + (size_t)txt_grapheme_width(s + cut, g) > off);
			}
		}
	}
}

static void test_prev_grapheme_handles_flags_and_zwj_runs(void **state)
{
	const char *s = FLAG_CN FLAG_US FLAG_CN;
	const char *f = "x" FAMILY FAMILY;
	size_t n = strlen(s);

	assert_int_equal(txt_prev_grapheme(s, n, n), 16);
	assert_int_equal(txt_prev_grapheme(s, n, 16), 8);
	assert_int_equal(txt_prev_grapheme(s, n, 8), 0);
	assert_int_equal(txt_prev_grapheme(s, n, n + 5), 16);
	assert_int_equal(txt_prev_grapheme(f, strlen(f), strlen(f)), 1 + strlen(FAMILY));
	assert_int_equal(txt_prev_grapheme("a\r\n", 3, 3), 1);
	assert_int_equal(txt_prev_grapheme("e\u0301", 3, 3), 0);
}

/* width.c skips ICU for these ranges: check what it assumes. */
static void test_fast_ranges_agree_with_icu_properties(void **state)
{
	UChar32 c;

	static const UChar32 wide[][2] = {
	    {0x4E00, 0x9FFF}, {0x3400, 0x4DBF}, {0x3001, 0x3029}, {0x3041, 0x3096},
	    {0x30A1, 0x30FA}, {0xFF01, 0xFF60}, {0xAC00, 0xD7A3},
	};
	size_t i;
	int ea;

	for (i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
		for (c = wide[i][0]; c <= wide[i][1]; c++) {
			int want = c < 0xAC00 || c > 0xD7A3 ? U_GCB_OTHER
				   : (c - 0xAC00) % 28 == 0 ? U_GCB_LV
							    : U_GCB_LVT;
			assert_int_equal(u_getIntPropertyValue(c, UCHAR_GRAPHEME_CLUSTER_BREAK),
					 want);
			ea = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);
			assert_true(ea == U_EA_WIDE || ea == U_EA_FULLWIDTH);
			assert_false(u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC));
		}
	}
	for (c = 0; c < 0x80; c++) {
		int g = u_getIntPropertyValue(c, UCHAR_GRAPHEME_CLUSTER_BREAK);
		if (c == '\r')
			assert_int_equal(g, U_GCB_CR);
		else if (c == '\n')
			assert_int_equal(g, U_GCB_LF);
		else if (c < 0x20 || c == 0x7F)
			assert_int_equal(g, U_GCB_CONTROL);
		else
			assert_int_equal(g, U_GCB_OTHER);
		assert_false(u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ascii_is_one_column_per_character),
	    cmocka_unit_test(test_cjk_and_fullwidth_are_width_2),
	    cmocka_unit_test(test_family_emoji_is_one_cluster_of_width_2),
	    cmocka_unit_test(test_heart_with_vs16_is_2_and_bare_heart_is_1),
	    cmocka_unit_test(test_flags_are_pairs_of_regional_indicators_of_width_2),
	    cmocka_unit_test(test_skin_tone_joins_its_emoji),
	    cmocka_unit_test(test_combining_mark_joins_its_base),
	    cmocka_unit_test(test_hangul_syllables_and_jamo_are_width_2),
	    cmocka_unit_test(test_crlf_is_one_cluster),
	    cmocka_unit_test(test_control_characters_are_width_0),
	    cmocka_unit_test(test_invalid_utf8_is_one_cluster_of_width_1_per_byte),
	    cmocka_unit_test(test_ambiguous_width_follows_the_option),
	    cmocka_unit_test(test_width_is_the_sum_of_cluster_widths),
	    cmocka_unit_test(test_fit_never_splits_a_cluster),
	    cmocka_unit_test(test_clusters_match_icu_character_iterator),
	    cmocka_unit_test(test_prev_grapheme_walks_back_over_the_same_clusters),
	    cmocka_unit_test(test_prev_grapheme_handles_flags_and_zwj_runs),
	    cmocka_unit_test(test_fast_ranges_agree_with_icu_properties),
	};

	return cmocka_run_group_tests_name("i18n width", tests, NULL, NULL);
}
