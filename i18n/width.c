/*
 * width.c - grapheme clusters and how many terminal columns they take.
 *
 * wcwidth() is wrong for emoji sequences (a family emoji would be 6 columns,
 * ❤️ 1), so widths are per extended grapheme cluster (UAX #29), from ICU's
 * properties: East Asian Width, Emoji_Presentation, Extended_Pictographic.
 * The cluster rules are applied here rather than through a ubrk character
 * iterator: these functions run per keystroke and per screen row, they must
 * not allocate or convert to UTF-16, and invalid UTF-8 must split into one
 * cluster per bad byte, which ICU's UTF-8 handling does not do. The unit
 * tests check the rules against ICU's iterator, including the rule ICU adds
 * from CLDR that keeps Indic conjuncts (consonant, virama, consonant)
 * together.
 *
 * Pure ASCII never reaches ICU.
 */
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include "i18n/i18n_priv.h"

/* What the scanner learns about a cluster, enough to decide its width. */
struct cluster {
	int32_t base;	     /* first code point that is not Prepend; -1: bad byte */
	int gcb;	     /* its Grapheme_Cluster_Break class */
	unsigned vs16 : 1;   /* holds U+FE0F, emoji presentation */
	unsigned joined : 1; /* pictographs joined by ZWJ (GB11) */
};

/*
 * Common wide characters known without asking ICU: CJK punctuation, kana,
 * ideographs, Hangul syllables, fullwidth forms. All are East Asian Wide
 * or Fullwidth, Grapheme_Cluster_Break Other (or LV/LVT for Hangul), not
 * pictographs; a unit test holds these ranges to ICU's data.
 */
static inline int fast_wide(int32_t c)
{
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
	       (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0x3001 && c <= 0x3029) ||
	       (c >= 0x3041 && c <= 0x3096) || (c >= 0x30A1 && c <= 0x30FA) ||
	       (c >= 0xFF01 && c <= 0xFF60);
}

static int gcb(int32_t c)
{
	if (c < 0x80) {
		if (c >= 0x20 && c != 0x7F)
			return U_GCB_OTHER;
		return c == '\r' ? U_GCB_CR : c == '\n' ? U_GCB_LF : U_GCB_CONTROL;
	}
	if (fast_wide(c)) {
		if (c >= 0xAC00 && c <= 0xD7A3)
			return (c - 0xAC00) % 28 == 0 ? U_GCB_LV : U_GCB_LVT;
		return U_GCB_OTHER;
	}
	return u_getIntPropertyValue(c, UCHAR_GRAPHEME_CLUSTER_BREAK);
}

static int is_pict(int32_t c)
{
	return c >= 0xA9 && u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC);
}

/* The scripts whose viramas join consonants (CLDR's rule GB9.3). */
static int is_conjunct_script(int32_t c)
{
	UErrorCode err = U_ZERO_ERROR;
	UScriptCode sc;

	if (c < 0x0900 || (c > 0x0D7F && c < 0xA8E0) || (c > 0xA8FF && c < 0x11B00) || c > 0x11B5F)
		return 0;
	sc = uscript_getScript(c, &err);
	return sc == USCRIPT_DEVANAGARI || sc == USCRIPT_BENGALI || sc == USCRIPT_GUJARATI ||
	       sc == USCRIPT_ORIYA || sc == USCRIPT_TELUGU || sc == USCRIPT_MALAYALAM;
}

static int is_linking_consonant(int32_t c)
{
	return is_conjunct_script(c) &&
	       u_getIntPropertyValue(c, UCHAR_INDIC_SYLLABIC_CATEGORY) == U_INSC_CONSONANT;
}

static int is_virama(int32_t c)
{
	return is_conjunct_script(c) &&
	       u_getIntPropertyValue(c, UCHAR_INDIC_SYLLABIC_CATEGORY) == U_INSC_VIRAMA;
}

static int is_control(int g)
{
	return g == U_GCB_CONTROL || g == U_GCB_CR || g == U_GCB_LF;
}

/* GB3-GB9b, else GB999, for the pair a b: 1 if they break. GB9.3 (Indic
 * conjuncts), GB11 (emoji ZWJ sequences) and GB12/13 (flags) need more
 * context: the callers see to it. */
static int pair_breaks(int a, int b)
{
	if (a == U_GCB_CR && b == U_GCB_LF)
		return 0;
	if (is_control(a) || is_control(b))
		return 1;
	if (a == U_GCB_L && (b == U_GCB_L || b == U_GCB_V || b == U_GCB_LV || b == U_GCB_LVT))
		return 0;
	if ((a == U_GCB_LV || a == U_GCB_V) && (b == U_GCB_V || b == U_GCB_T))
		return 0;
	if ((a == U_GCB_LVT || a == U_GCB_T) && b == U_GCB_T)
		return 0;
	if (b == U_GCB_EXTEND || b == U_GCB_ZWJ || b == U_GCB_SPACING_MARK)
		return 0;
	return a != U_GCB_PREPEND;
}

/* Length of the cluster at s (len > 0), filling *cl. */
static size_t scan(const unsigned char *s, size_t len, struct cluster *cl)
{
	size_t i, n;
	int32_t c = utf8_next(s, len, &n), run;
	int prev, cur, ri, zwj_ok = 0, conj;

	cl->base = c;
	cl->vs16 = cl->joined = 0;
	if (c < 0) {
		cl->gcb = U_GCB_OTHER;
		return 1;
	}
	prev = cl->gcb = gcb(c);
	ri = prev == U_GCB_REGIONAL_INDICATOR;
	/* the code point an "ExtPict Extend* ZWJ" run would start with */
	run = prev == U_GCB_ZWJ ? -1 : c;
	/* GB9.3 so far: 1 after a linking consonant, 2 once a virama follows */
	conj = is_linking_consonant(c);
	for (i = n; i < len; i += n) {
		c = utf8_next(s + i, len - i, &n);
		if (c < 0)
			break;
		cur = gcb(c);
		if (prev == U_GCB_ZWJ && zwj_ok && is_pict(c)) {
			cl->joined = 1;
		} else if (prev == U_GCB_REGIONAL_INDICATOR && cur == U_GCB_REGIONAL_INDICATOR) {
			if (ri % 2 == 0)
				break;
		} else if (pair_breaks(prev, cur) && !(conj == 2 && is_linking_consonant(c))) {
			break;
		}
		if (is_linking_consonant(c))
			conj = 1;
		else if (conj && is_virama(c))
			conj = 2;
		else if (!(cur == U_GCB_ZWJ ||
			   (cur == U_GCB_EXTEND && u_getCombiningClass(c) != 0)))
			conj = 0;
		ri = cur == U_GCB_REGIONAL_INDICATOR ? ri + 1 : 0;
		if (cur == U_GCB_ZWJ) {
			zwj_ok = run >= 0 && is_pict(run);
			run = -1;
		} else if (cur != U_GCB_EXTEND) {
			run = c;
		}
		if (c == 0xFE0F)
			cl->vs16 = 1;
		if (cl->gcb == U_GCB_PREPEND && cur != U_GCB_PREPEND) {
			cl->base = c;
			cl->gcb = cur;
		}
		prev = cur;
	}
	return i;
}

static int cluster_width(const struct cluster *cl)
{
	int32_t c = cl->base;
	int eaw;

	if (c < 0)
		return 1;
	if (is_control(cl->gcb))
		return 0;
	if (c < 0x80 && !cl->vs16)
		return 1;
	if (fast_wide(c) || cl->joined)
		return 2;
	eaw = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);
	if (eaw == U_EA_WIDE || eaw == U_EA_FULLWIDTH)
		return 2;
	/* Regional indicators and skin tones alone are Emoji_Presentation too. */
	if (u_hasBinaryProperty(c, UCHAR_EMOJI_PRESENTATION))
		return 2;
	if (cl->vs16 && u_hasBinaryProperty(c, UCHAR_EMOJI))
		return 2;
	switch (cl->gcb) {
	case U_GCB_EXTEND:
	case U_GCB_ZWJ:
	case U_GCB_SPACING_MARK:
	case U_GCB_V:
	case U_GCB_T:
		return 0;
	}
	if (eaw == U_EA_AMBIGUOUS)
		return i18n_ambiguous_is_wide() ? 2 : 1;
	return 1;
}

/* A three-byte character from U+3000 at s, else -1; not U+D000-U+DFFF
 * (lead byte 0xED), which holds the surrogates: with that exception, these
 * lead bytes need none of utf8_next's checks. */
static inline int32_t three(const unsigned char *s, size_t len)
{
	if (len < 3 || s[0] < 0xE3 || s[0] == 0xED || s[0] > 0xEF || (s[1] & 0xC0) != 0x80 ||
	    (s[2] & 0xC0) != 0x80)
		return -1;
	return ((s[0] & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F);
}

static size_t next_slow(const unsigned char *s, size_t len, int *width)
{
	struct cluster cl;
	size_t n = scan(s, len, &cl);

	*width = cluster_width(&cl);
	return n;
}

/*
 * One cluster at s. The common cases skip ICU: an ASCII byte followed by
 * another ASCII byte (or nothing) is a cluster of its own, since no ASCII
 * character extends the one before it except LF after CR; so is a
 * fast_wide character followed by ASCII or another fast_wide one, since
 * those are neither marks, joiners nor Hangul jamo.
 */
static inline size_t next(const unsigned char *s, size_t len, int *width)
{
	int32_t c;

	if (s[0] < 0x80 && (len == 1 || s[1] < 0x80)) {
		*width = s[0] >= 0x20 && s[0] != 0x7F;
		return s[0] == '\r' && len > 1 && s[1] == '\n' ? 2 : 1;
	}
	c = three(s, len);
	if (fast_wide(c) && (len == 3 || s[3] < 0x80 || fast_wide(three(s + 3, len - 3)))) {
		*width = 2;
		return 3;
	}
	return next_slow(s, len, width);
}

size_t txt_next_grapheme(const char *s, size_t len)
{
	int w;

	return len ? next((const unsigned char *)s, len, &w) : 0;
}

/* If off is inside a multi-byte character, the end of that character. */
static size_t align_end(const unsigned char *s, size_t len, size_t off)
{
	size_t j = off, n;

	if (off >= len || (s[off] & 0xC0) != 0x80)
		return off;
	while (j > 0 && off - j < 3 && (s[j] & 0xC0) == 0x80)
		j--;
	if (utf8_next(s + j, len - j, &n) >= 0 && j + n > off)
		return j + n;
	return off;
}

size_t txt_prev_grapheme(const char *str, size_t len, size_t off)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t p, n, m;
	int32_t a, b;
	int w, ga, gb;

	if (off > len)
		off = len;
	if (off == 0)
		return 0;
	off = align_end(s, len, off);
	if (s[off - 1] < 0x80 && (off == 1 || s[off - 2] < 0x80))
		return off >= 2 && s[off - 1] == '\n' && s[off - 2] == '\r' ? off - 2 : off - 1;

	/*
	 * Walk back to a position that is a boundary whatever precedes it,
	 * then walk forward cluster by cluster. Pairs inside emoji ZWJ
	 * sequences and runs of regional indicators depend on what comes
	 * before them, so the walk goes past those.
	 */
	p = off;
	for (;;) {
		a = utf8_prev(s, p, &n);
		p -= n;
		if (p == 0 || a < 0)
			break;
		b = utf8_prev(s, p, &m);
		if (b < 0)
			break;
		ga = gcb(a);
		gb = gcb(b);
		if (gb != U_GCB_ZWJ &&
		    !(ga == U_GCB_REGIONAL_INDICATOR && gb == U_GCB_REGIONAL_INDICATOR) &&
		    !(gb == U_GCB_EXTEND && is_linking_consonant(a)) && pair_breaks(gb, ga))
			break;
	}
	for (;;) {
		n = next(s + p, len - p, &w);
		if (p + n >= off)
			return p;
		p += n;
	}
}

int txt_grapheme_width(const char *g, size_t glen)
{
	int w = 0;

	if (glen)
		next((const unsigned char *)g, glen, &w);
	return w;
}

#define ONES 0x0101010101010101ull
#define HIGH 0x8080808080808080ull

/* Eight bytes of printable ASCII (0x20-0x7E) at s? */
static int ascii8(const unsigned char *s)
{
	uint64_t x;

	memcpy(&x, s, 8);
	return !(x & HIGH) && ((x + 0x60 * ONES) & HIGH) == HIGH && !((x + ONES) & HIGH);
}

size_t txt_width(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, cols = 0, slow = 0;
	int w;

	while (i < len) {
		/* The byte after the eight must not be a mark for the last. After
		 * a miss, go byte by byte for eight bytes. */
		if (i >= slow && i + 8 < len && s[i + 8] < 0x80) {
			if (ascii8(s + i)) {
				cols += 8;
				i += 8;
				continue;
			}
			slow = i + 8;
		}
		if (s[i] < 0x80 && (i + 1 == len || s[i + 1] < 0x80)) {
			cols += s[i] >= 0x20 && s[i] != 0x7F;
			i++;
			continue;
		}
		i += next(s + i, len - i, &w);
		cols += (size_t)w;
	}
	return cols;
}

size_t txt_fit(const char *str, size_t len, size_t cols, size_t *used)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n, w = 0, slow = 0;
	int cw;

	while (i < len) {
		if (i >= slow && i + 8 < len && w + 8 <= cols && s[i + 8] < 0x80) {
			if (ascii8(s + i)) {
				w += 8;
				i += 8;
				continue;
			}
			slow = i + 8;
		}
		n = next(s + i, len - i, &cw);
		if (w + (size_t)cw > cols)
			break;
		w += (size_t)cw;
		i += n;
	}
	if (used)
		*used = w;
	return i;
}
