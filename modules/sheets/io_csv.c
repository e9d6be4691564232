/*
 * io_csv.c - a sheet from CSV/TSV text and back: the typing rules of the
 * CSV input (io.h), and the unformatted output: numbers that read back
 * exactly, dates where the cell came from a date, TRUE/FALSE, error codes.
 *
 * The engine has no number formats, so "this cell is a date", its format
 * code and the source of a formula that did not parse live in a small
 * table of notes beside the workbook, keyed by sheet and cell; column
 * widths in a table per sheet.
 */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "modules/sheets/csv.h"
#include "modules/sheets/io.h"

/* Rows need 20 bits, columns 14: the sheet index goes above bit 36. */
#define NOTE_KEY(sheet, row, col) \
	((((uint64_t)(sheet) << 36) | ((uint64_t)(row) << 16) | (uint64_t)(col)) + 1)

void sheet_file_init(struct sheet_file *f, const char *sheet_name)
{
	memset(f, 0, sizeof *f);
	f->wb = sheet_book_new();
	f->sheet = sheet_add(f->wb, sheet_name && sheet_name[0] ? sheet_name : "Sheet1", NULL);
	if (f->sheet < 0)
		fatal("sheet_file_init: cannot add a sheet");
	f->delim = ',';
}

void sheet_note_keep(struct sheet_note *n, const char *src, const char *msg)
{
	size_t ls = strlen(src), lm = strlen(msg);
	char *p = xmalloc(ls + lm + 2);

	memcpy(p, src, ls + 1);
	memcpy(p + ls + 1, msg, lm + 1);
	free(n->src);
	n->src = p;
}

const char *sheet_note_msg(const struct sheet_note *n)
{
	return n->src ? n->src + strlen(n->src) + 1 : NULL;
}

/* ---- format codes: each distinct code once per file (io.h) ------------- */

/* Is the interned code a date? The flag sits in the byte before it. */
static int fmt_date(const char *code)
{
	return code[-1] != 0;
}

static size_t fmt_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29));
}

/* The table's copy of code, added when absent. */
static const char *fmt_intern(struct sheet_fmtab *t, const char *code)
{
	size_t i, len;
	char *e;

	if (t->cap) {
		for (i = fmt_hash(code) & (t->cap - 1); t->slot[i]; i = (i + 1) & (t->cap - 1))
			if (strcmp(t->s[t->slot[i] - 1] + 1, code) == 0)
				return t->s[t->slot[i] - 1] + 1;
	}
	if ((t->n + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;

		free(t->slot);
		t->slot = xcalloc(cap, sizeof *t->slot);
		t->cap = cap;
		for (size_t k = 0; k < t->n; k++) {
			for (i = fmt_hash(t->s[k] + 1) & (cap - 1); t->slot[i]; i = (i + 1) & (cap - 1))
				;
			t->slot[i] = (uint32_t)k + 1;
		}
	}
	len = strlen(code);
	e = xmalloc(len + 2);
	e[0] = (char)(sheet_io_format_is_date(code) != 0);
	memcpy(e + 1, code, len + 1);
	t->s = xreallocarray(t->s, t->n + 1, sizeof *t->s);
	t->s[t->n] = e;
	for (i = fmt_hash(code) & (t->cap - 1); t->slot[i]; i = (i + 1) & (t->cap - 1))
		;
	t->slot[i] = (uint32_t)t->n + 1;
	t->n++;
	return e + 1;
}

static void fmt_free(struct sheet_fmtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	free(t->slot);
	memset(t, 0, sizeof *t);
}

/* A new value: the formula source goes, the format stays (and with it the
 * date flag, which follows the format when there is one). */
static void note_clear(struct sheet_note *n)
{
	free(n->src);
	n->src = NULL;
	n->date = n->fmt ? fmt_date(n->fmt) : 0;
}

void sheet_file_free(struct sheet_file *f)
{
	for (size_t i = 0; i < f->capnotes; i++)
		note_clear(&f->notes[i]);
	free(f->notes);
	fmt_free(&f->fmts);
	for (int i = 0; i < f->ncolw; i++)
		free(f->colw[i].w);
	free(f->colw);
	sheet_book_free(f->wb);
	memset(f, 0, sizeof *f);
}

/* ---- notes: open addressing, linear probing; never deleted, only emptied */

static size_t note_hash(uint64_t key, size_t cap)
{
	/* Cells of a row in runs of 8 columns (the key's low bits) get
	 * neighbouring slots: a file read or written row by row then touches
	 * one place of the table per run instead of one per cell. The run's
	 * place is murmur3's finaliser of the rest of the key. */
	uint64_t h = key >> 3;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (size_t)((h << 3) | (key & 7)) & (cap - 1);
}

static struct sheet_note *note_find(const struct sheet_file *f, uint64_t key)
{
	if (f->capnotes == 0)
		return NULL;
	for (size_t i = note_hash(key, f->capnotes);; i = (i + 1) & (f->capnotes - 1)) {
		if (f->notes[i].key == key)
			return &f->notes[i];
		if (f->notes[i].key == 0)
			return NULL;
	}
}

static struct sheet_note *note_get(struct sheet_file *f, uint64_t key)
{
	struct sheet_note *n = note_find(f, key);
	size_t i;

	if (n)
		return n;
	if ((f->nnotes + 1) * 4 > f->capnotes * 3) {
		struct sheet_note *old = f->notes;
		size_t oldcap = f->capnotes;

		f->capnotes = oldcap ? oldcap * 2 : 64;
		f->notes = xcalloc(f->capnotes, sizeof *f->notes);
		for (size_t k = 0; k < oldcap; k++) {
			if (old[k].key == 0)
				continue;
			for (i = note_hash(old[k].key, f->capnotes); f->notes[i].key;
			     i = (i + 1) & (f->capnotes - 1))
				;
			f->notes[i] = old[k];
		}
		free(old);
	}
	for (i = note_hash(key, f->capnotes); f->notes[i].key; i = (i + 1) & (f->capnotes - 1))
		;
	f->notes[i].key = key;
	f->nnotes++;
	return &f->notes[i];
}

const struct sheet_note *sheet_file_note_at(const struct sheet_file *f, int sheet, uint32_t row,
					    uint32_t col)
{
	const struct sheet_note *n = note_find(f, NOTE_KEY(sheet, row, col));

	return n && (n->date || n->src || n->fmt) ? n : NULL;
}

const struct sheet_note *sheet_file_note(const struct sheet_file *f, uint32_t row, uint32_t col)
{
	return sheet_file_note_at(f, f->sheet, row, col);
}

struct sheet_note *sheet_file_note_get(struct sheet_file *f, int sheet, uint32_t row,
				       uint32_t col)
{
	return note_get(f, NOTE_KEY(sheet, row, col));
}

/* Skip a quoted literal, an escape or a bracket of a format code; returns
 * the index past it, or i when s[i] starts none. */
static size_t fmt_skip(const char *s, size_t i)
{
	if (s[i] == '"') {
		for (i++; s[i] && s[i] != '"'; i++)
			;
		return s[i] ? i + 1 : i;
	}
	if ((s[i] == '\\' || s[i] == '_' || s[i] == '*') && s[i + 1])
		return i + 2;
	return i;
}

int sheet_io_format_is_date(const char *code)
{
	size_t i = 0, j;

	if (code == NULL || strcasecmp(code, "General") == 0)
		return 0;
	while (code[i]) {
		if ((j = fmt_skip(code, i)) != i) {
			i = j;
			continue;
		}
		if (code[i] == '[') {
			/* [h], [mm], [ss] are elapsed time; [Red], [$-409], [>9] not */
			int time = code[i + 1] != '\0';

			for (j = i + 1; code[j] && code[j] != ']'; j++)
				if (strchr("hHmMsS", code[j]) == NULL)
					time = 0;
			if (time && j > i + 1)
				return 1;
			i = code[j] ? j + 1 : j;
			continue;
		}
		if (strchr("yYmMdDhHsS", code[i]))
			return 1;
		if (code[i] == ';') /* the first section decides */
			return 0;
		i++;
	}
	return 0;
}

void sheet_file_set_format(struct sheet_file *f, int sheet, uint32_t row, uint32_t col,
			   const char *code)
{
	struct sheet_note *n;

	if (code == NULL || code[0] == '\0' || strcasecmp(code, "General") == 0) {
		n = note_find(f, NOTE_KEY(sheet, row, col));
		if (n) {
			n->fmt = NULL;
			n->date = 0;
		}
		return;
	}
	n = note_get(f, NOTE_KEY(sheet, row, col));
	if (n->fmt == NULL || strcmp(n->fmt, code) != 0)
		n->fmt = fmt_intern(&f->fmts, code);
	n->date = fmt_date(n->fmt);
}

double sheet_file_col_width(const struct sheet_file *f, int sheet, uint32_t col)
{
	if (sheet < 0 || sheet >= f->ncolw || col >= f->colw[sheet].n)
		return 0;
	return f->colw[sheet].w[col];
}

void sheet_file_set_col_width(struct sheet_file *f, int sheet, uint32_t col, double w)
{
	struct sheet_colw *cw;

	if (sheet < 0 || col >= SHEET_MAX_COLS || !(w > 0 && w < 1e6))
		w = 0;
	if (sheet < 0 || col >= SHEET_MAX_COLS || (w == 0 && sheet_file_col_width(f, sheet, col) == 0))
		return;
	if (sheet >= f->ncolw) {
		f->colw = xreallocarray(f->colw, (size_t)sheet + 1, sizeof *f->colw);
		memset(f->colw + f->ncolw, 0, (size_t)(sheet + 1 - f->ncolw) * sizeof *f->colw);
		f->ncolw = sheet + 1;
	}
	cw = &f->colw[sheet];
	if (col >= cw->n) {
		uint32_t n = cw->n ? cw->n : 16;

		while (n <= col)
			n *= 2;
		if (n > SHEET_MAX_COLS)
			n = SHEET_MAX_COLS;
		cw->w = xreallocarray(cw->w, n, sizeof *cw->w);
		memset(cw->w + cw->n, 0, (n - cw->n) * sizeof *cw->w);
		cw->n = n;
	}
	cw->w[col] = w;
}

/* ---- numbers and dates -------------------------------------------------- */

/* Powers of ten a double holds exactly. */
static const double pow10_exact[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
				      1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };

/* "00" to "99" */
static const char digits2[201] =
	"0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849"
	"5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";

/* The fast path of sheet_io_num: v is m / 10^k for a whole m of at most
 * 15 digits and k <= 6, so m / 10^k (exact operands, one correctly
 * rounded division) is how strtod reads the decimal back, and it is what
 * %.15g writes (v is within half a unit of its 15th digit of it); kept
 * to the range where %.15g writes no exponent, so the text is the same.
 * Returns the length written (a NUL follows), 0 when v is not such a
 * number. */
static int io_num_short(double v, char *buf, size_t n)
{
	double a = fabs(v), m;
	unsigned long long u;
	int k, len;

	if (!(a >= 1e-4 && a < 1e15))
		return 0;
	for (k = 0; k <= 6; k++) {
		m = a * pow10_exact[k];
		if (m >= 1e15)
			return 0;
		if (m == (double)(unsigned long long)m &&
		    m / pow10_exact[k] == a)
			break;
	}
	if (k > 6)
		return 0;
	u = (unsigned long long)m;
	for (; k > 0 && u % 10 == 0; k--) /* a product that rounded to whole */
		u /= 10;
	/* digits from the right, two at a time (printf was most of a big
	 * CSV's writing) */
	char t[40], *q = t + sizeof t;
	*--q = '\0';
	if (k > 0) {
		unsigned long long p = (unsigned long long)pow10_exact[k], fr = u % p;

		u /= p;
		for (len = k; len >= 2; len -= 2, fr /= 100)
			memcpy(q -= 2, digits2 + fr % 100 * 2, 2);
		if (len == 1)
			*--q = (char)('0' + fr);
		*--q = '.';
	}
	for (; u >= 100; u /= 100)
		memcpy(q -= 2, digits2 + u % 100 * 2, 2);
	if (u >= 10)
		memcpy(q -= 2, digits2 + u * 2, 2);
	else
		*--q = (char)('0' + u);
	if (v < 0)
		*--q = '-';
	if ((size_t)(t + sizeof t - q) > n)
		return 0;
	memcpy(buf, q, (size_t)(t + sizeof t - q));
	return (int)(t + sizeof t - q) - 1;
}

/* The next path: v's 15 significant digits (sheet_num15, no printf) read
 * back as v, as most computed values do (a ratio, a product); their
 * %.15g text where it has no exponent (1e-4 <= |v| < 1e15). Returns the
 * length written (a NUL follows); -1 when 15 digits do not read back as
 * v (printf need not try them); 0 otherwise. */
static int io_num_text(int neg, uint64_t u, int p, int e, char *buf, size_t n);

static int io_num_15(double v, char *buf, size_t n)
{
	int64_t m;
	int k;
	double r = sheet_num15(v, &m, &k);

	if (isnan(r))
		return 0;
	if (r != v)
		return -1;
	uint64_t u = (uint64_t)(m < 0 ? -m : m);
	if (u >= 1000000000000000ull) /* 10^15: a 15-digit rounding carried */
		u /= 10, k--;
	return io_num_text(v < 0, u, 15, 14 - k, buf, n);
}

/* The p digits u (the first not 0) with the first at decimal exponent e
 * as %.{p}g writes them when it writes no exponent: trailing zeros and a
 * bare point dropped. 0 when %g would write an exponent. */
static int io_num_text(int neg, uint64_t u, int p, int e, char *buf, size_t n)
{
	int nd, len = 0;
	char d[20];

	if (e < -4 || e >= p || p > 17 || n < 28)
		return 0;
	for (int i = p - 1; i >= 0; i--, u /= 10)
		d[i] = (char)('0' + u % 10);
	for (nd = p; nd > 1 && d[nd - 1] == '0'; nd--)
		;
	if (neg)
		buf[len++] = '-';
	if (e >= 0) {
		memcpy(buf + len, d, (size_t)e + 1);
		len += e + 1;
		if (nd > e + 1) {
			buf[len++] = '.';
			memcpy(buf + len, d + e + 1, (size_t)(nd - e - 1));
			len += nd - e - 1;
		}
	} else {
		buf[len++] = '0';
		buf[len++] = '.';
		for (int i = -1; i > e; i--)
			buf[len++] = '0';
		memcpy(buf + len, d, (size_t)nd);
		len += nd;
	}
	buf[len] = '\0';
	return len;
}

/*
 * The same for 16 or 17 digits (p), exactly, in integers: v = M * 2^E, so
 * v * 10^k = M * 5^k / 2^s with s = -(E + k), M * 5^k < 2^105 for k <= 22;
 * its nearest whole q (ties to even, as printf) is the p digits. The text
 * reads back as v when q / 10^k lies inside v's rounding interval, the
 * midpoints to its neighbours ((2M +- 1) * 2^(E-1), the lower one nearer
 * at a power of two), on a midpoint only when M is even (as strtod rounds
 * ties). Returns as io_num_15.
 */
static int io_num_long(double v, int p, char *buf, size_t n)
{
	typedef unsigned __int128 u128;
	double a = fabs(v);
	int e2, k;

	if (!(a >= 1e-4 && a < 1e15))
		return 0;
	uint64_t m2 = (uint64_t)ldexp(frexp(a, &e2), 53), p5 = 1;
	int e = e2 - 53;
	k = p - 1 - (int)floor(log10(a));
	for (int tries = 0; tries < 3; tries++) {
		int s = -(e + k); /* <= 68: q << (s + 2) stays below 2^128 */

		if (k < 0 || k > 22 || s < 1 || s > 68)
			return 0;
		p5 = 1;
		for (int i = 0; i < k; i++)
			p5 *= 5;
		u128 nn = (u128)m2 * p5, q = nn >> s, rem = nn - (q << s);
		u128 half = (u128)1 << (s - 1);
		if (rem > half || (rem == half && (q & 1)))
			q++;
		u128 lo = (u128)pow10_exact[p - 2] * 10, hi = lo * 10; /* 10^(p-1), 10^p */
		if (q < lo) {
			k++;
			continue;
		}
		if (q >= hi) {
			k--;
			continue;
		}
		/* inside the interval? */
		u128 up = (u128)(2 * m2 + 1) * p5, x = q << (s + 1);
		int low_near = m2 == (uint64_t)1 << 52;
		u128 down = low_near ? (u128)(4 * m2 - 1) * p5 : (u128)(2 * m2 - 1) * p5;
		u128 y = low_near ? q << (s + 2) : x;
		int even = !(m2 & 1);
		if (x > up || (x == up && !even) || y < down || (y == down && !even))
			return -1;
		return io_num_text(v < 0, (uint64_t)q, p, p - 1 - k, buf, n);
	}
	return 0;
}

void sheet_io_num(double v, char *buf, size_t n)
{
	int len;

	if (v == 0) /* also -0 */
		v = 0;
	if (io_num_short(v, buf, n) || (len = io_num_15(v, buf, n)) > 0)
		return;
	if (len < 0 && ((len = io_num_long(v, 16, buf, n)) > 0 ||
			(len < 0 && io_num_long(v, 17, buf, n) > 0)))
		return;
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* sheet_io_num into buf (40 bytes), returning the length. */
static size_t io_num_len(double v, char *buf)
{
	int len;

	if (v == 0) {
		memcpy(buf, "0", 2);
		return 1;
	}
	if ((len = io_num_short(v, buf, 40)) > 0 || (len = io_num_15(v, buf, 40)) > 0)
		return (size_t)len;
	sheet_io_num(v, buf, 40);
	return strlen(buf);
}

/* The fast path of csv_number: a plain decimal of at most 15 digits is
 * m / 10^k with both exact, and one correctly rounded division gives
 * what strtod would. 0 for anything else (exponents, long numbers). */
static int csv_number_short(const char *s, size_t len, double *out)
{
	const char *p = s, *end = s + len, *frac;
	unsigned long long m = 0; /* wraps past 19 digits: refused below */
	size_t whole, k = 0;
	int neg = 0;

	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	frac = p;
	while (p < end && (unsigned char)(*p - '0') < 10)
		m = m * 10 + (unsigned)(*p++ - '0');
	whole = (size_t)(p - frac);
	if (p < end && *p == '.') {
		frac = ++p;
		while (p < end && (unsigned char)(*p - '0') < 10)
			m = m * 10 + (unsigned)(*p++ - '0');
		k = (size_t)(p - frac);
	}
	/* "-" and "." are not numbers; more than 15 digits need strtod */
	if (p != end || whole + k == 0 || whole + k > 15)
		return 0;
	*out = (double)m / pow10_exact[k];
	if (neg)
		*out = -*out;
	return 1;
}

/* Plain decimals, exponents and a leading sign; no spaces, no thousands
 * separators, no percent. */
static int csv_number(const char *s, size_t len, double *out)
{
	size_t i = 0, digits = 0;
	char tmp[64];
	double v;

	if (len == 0 || len >= sizeof tmp)
		return 0;
	/* It checks as it goes: most numbers need no second look. */
	if (csv_number_short(s, len, out))
		return 1;
	if (s[i] == '+' || s[i] == '-')
		i++;
	while (i < len && isdigit((unsigned char)s[i]))
		i++, digits++;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && isdigit((unsigned char)s[i]))
			i++, digits++;
	}
	if (digits == 0)
		return 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t ed = 0;

		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < len && isdigit((unsigned char)s[i]))
			i++, ed++;
		if (ed == 0)
			return 0;
	}
	if (i != len)
		return 0;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	v = strtod(tmp, NULL);
	if (!isfinite(v))
		return 0;
	*out = v;
	return 1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (long)doe - 719468;
}

static void civil_from_days(long z, long *y, unsigned *m, unsigned *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long)yoe + era * 400 + (*m <= 2);
}

#define SERIAL_MAX 2958465 /* 9999-12-31 */

int sheet_io_date_parse(const char *s, size_t len, double *serial)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	long y;
	unsigned m, d;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return E_PARSE;
	for (size_t i = 0; i < len; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return E_PARSE;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
	d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return E_PARSE;
	if (m == 2 && d == 29 && y == 1900) {
		*serial = 60; /* Excel's 1900-02-29, kept for compatibility */
		return 0;
	}
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return E_PARSE;
	long days = days_from_civil(y, m, d);

	if (days < days_from_civil(1900, 3, 1))
		*serial = (double)(days - days_from_civil(1899, 12, 31));
	else
		*serial = (double)(days - days_from_civil(1899, 12, 30));
	return 0;
}

int sheet_io_date_text(double serial, char *buf, size_t n)
{
	long y;
	unsigned m, d;

	if (!(serial >= 1 && serial <= SERIAL_MAX) || serial != floor(serial))
		return E_RANGE;
	if (serial == 60) {
		snprintf(buf, n, "1900-02-29");
		return 0;
	}
	if (serial < 60)
		civil_from_days(days_from_civil(1899, 12, 31) + (long)serial, &y, &m, &d);
	else
		civil_from_days(days_from_civil(1899, 12, 30) + (long)serial, &y, &m, &d);
	snprintf(buf, n, "%04ld-%02u-%02u", y, m, d);
	return 0;
}

/* ---- input ------------------------------------------------------------- */

int sheet_file_input(struct sheet_file *f, uint32_t row, uint32_t col, const char *s, size_t len,
		     int quoted, int strict, struct err *e)
{
	struct sheet_note *note = note_find(f, NOTE_KEY(f->sheet, row, col));
	double v;
	int rc;

	if (note)
		note_clear(note);
	if (len > 1 && s[0] == '=') {
		char *src = xstrndup(s, len);
		struct err pe;

		err_clear(&pe);
		rc = sheet_set_formula_take(f->wb, f->sheet, row, col, &src, &pe);
		if (rc == E_PARSE && !strict) {
			note = note_get(f, NOTE_KEY(f->sheet, row, col));
			sheet_note_keep(note, src, pe.msg);
			free(src);
			return sheet_set_error(f->wb, f->sheet, row, col, SHEET_ERR_NAME);
		}
		free(src);
		if (rc != 0 && e)
			*e = pe;
		return rc;
	}
	if (len == 0)
		return sheet_clear(f->wb, f->sheet, row, col);
	if (!quoted) {
		if ((len == 4 && strncasecmp(s, "TRUE", 4) == 0) ||
		    (len == 5 && strncasecmp(s, "FALSE", 5) == 0))
			return sheet_set_bool(f->wb, f->sheet, row, col, len == 4);
		if (csv_number(s, len, &v))
			return sheet_set_number(f->wb, f->sheet, row, col, v);
		if (sheet_io_date_parse(s, len, &v) == 0) {
			note = note_get(f, NOTE_KEY(f->sheet, row, col));
			if (note->fmt && !note->date) /* a date replaces "0.00" */
				note->fmt = NULL;
			note->date = 1;
			return sheet_set_number(f->wb, f->sheet, row, col, v);
		}
	}
	if (len > SHEET_MAX_TEXT * 4)
		len = SHEET_MAX_TEXT * 4;
	char *t = xstrndup(s, len);

	rc = sheet_set_text(f->wb, f->sheet, row, col, t);
	free(t);
	return rc;
}

struct tick_ctx {
	sheet_tick_fn fn;
	void *arg;
};

static int recalc_tick(uint64_t done, uint64_t total, void *arg)
{
	const struct tick_ctx *tc = arg;

	return tc->fn(1, done, total, tc->arg);
}

int sheet_csv_load_tick(struct sheet_file *f, const char *data, size_t len, char delim,
			sheet_tick_fn tick, void *arg, struct err *e)
{
	struct csv_opts o = { delim, NULL };
	struct csv_reader r;
	struct csv_field fl;
	unsigned long fields = 0;
	double v;
	int rc;

	sheet_recalc_suspend(f->wb);
	sheet_compile_arena(f->wb, 1);
	sheet_deps_defer(f->wb);
	rc = csv_open(&r, data, len, &o, e);
	while (rc == 0 && (rc = csv_next(&r, &fl, e)) == 1) {
		uint32_t row = (uint32_t)fl.row, col = (uint32_t)fl.col;

		rc = 0;
		if (fl.row >= (long)SHEET_MAX_ROWS || fl.col >= (long)SHEET_MAX_COLS) {
			rc = err_set(e, E_RANGE, "line %ld: more than %u rows or %u columns",
				     fl.line, SHEET_MAX_ROWS, SHEET_MAX_COLS);
			break;
		}
		if (tick && (++fields & 4095) == 0 && (rc = tick(0, r.i, r.n, arg)) != 0)
			break;
		/* Most of a big file is plain decimals: straight into the cell
		 * (recalculation is suspended: sheet_set_number would only add
		 * calls), as sheet_file_input would store them. */
		if (!fl.quoted && fl.len > 0 && fl.len < 64 && fl.text[0] != '=' &&
		    csv_number_short(fl.text, fl.len, &v)) {
			if (f->nnotes > 0) {
				struct sheet_note *n = note_find(f, NOTE_KEY(f->sheet, row, col));

				if (n)
					note_clear(n);
			}
			sheet_cell_store(f->wb, f->sheet, row, col, CELL_NUM,
					 (union sheet_slot){ .num = v });
			continue;
		}
		rc = sheet_file_input(f, row, col, fl.text, fl.len, fl.quoted, 0, e);
	}
	if (rc == 0)
		f->delim = r.delim;
	sheet_compile_arena(f->wb, 0);
	csv_close(&r);
	if (tick == NULL) {
		sheet_recalc_resume(f->wb);
		return rc;
	}
	struct tick_ctx tc = { tick, arg };
	int rrc = sheet_recalc_resume_tick(f->wb, recalc_tick, &tc);

	return rc != 0 ? rc : rrc;
}

int sheet_csv_load(struct sheet_file *f, const char *data, size_t len, char delim,
		   struct err *e)
{
	return sheet_csv_load_tick(f, data, len, delim, NULL, NULL, e);
}

/* ---- output ------------------------------------------------------------ */

static void value_text(const struct sheet_file *f, uint32_t row, uint32_t col,
		       const struct sheet_value *v, struct buf *out)
{
	const struct sheet_note *n;
	char tmp[40];

	switch (v->type) {
	case SHEET_NUM:
		n = sheet_file_note(f, row, col);
		if (n && n->date && sheet_io_date_text(v->num, tmp, sizeof tmp) == 0) {
			buf_adds(out, tmp);
			break;
		}
		sheet_io_num(v->num, tmp, sizeof tmp);
		buf_adds(out, tmp);
		break;
	case SHEET_TEXT:
		buf_adds(out, v->str ? v->str : "");
		break;
	case SHEET_BOOL:
		buf_adds(out, v->num != 0 ? "TRUE" : "FALSE");
		break;
	case SHEET_ERROR:
		buf_adds(out, sheet_err_text(v->err));
		break;
	default:
		break;
	}
}

void sheet_file_value_text(const struct sheet_file *f, uint32_t row, uint32_t col,
			   struct buf *out)
{
	struct sheet_value v;

	sheet_get(f->wb, f->sheet, row, col, &v);
	value_text(f, row, col, &v, out);
}

/* Would this text read back as something other than text? */
static int text_retypes(const char *s, size_t len)
{
	double v;

	return (len == 4 && strncasecmp(s, "TRUE", 4) == 0) ||
	       (len == 5 && strncasecmp(s, "FALSE", 5) == 0) || csv_number(s, len, &v) ||
	       sheet_io_date_parse(s, len, &v) == 0;
}

static void write_quoted(struct buf *out, const char *s, size_t len)
{
	buf_addc(out, '"');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			buf_addc(out, '"');
		buf_addc(out, s[i]);
	}
	buf_addc(out, '"');
}

const char *sheet_file_formula_at(const struct sheet_file *f, int sheet, uint32_t row,
				  uint32_t col)
{
	const struct sheet_note *n = sheet_file_note_at(f, sheet, row, col);
	const struct sheet_block *b;
	size_t i;

	if (n && n->src)
		return n->src;
	if (!sheet_is_formula(f->wb, sheet, row, col))
		return NULL;
	b = sheet_block_at(f->wb, sheet, row, col);
	i = row % SHEET_BLOCK;
	return b ? sheet_formula_src(f->wb, (uint32_t)b->slot[i].u) : NULL;
}

const char *sheet_file_formula(const struct sheet_file *f, uint32_t row, uint32_t col)
{
	return sheet_file_formula_at(f, f->sheet, row, col);
}

/* One cell of sheet_csv_write, any kind. */
static void write_cell(const struct sheet_file *f, uint32_t r, uint32_t c, struct buf *out,
		       struct buf *cell, enum sheet_csv_mode mode)
{
	const char *src = mode == SHEET_CSV_FORMULAS ? sheet_file_formula(f, r, c) : NULL;
	struct sheet_value v;

	if (src) {
		if (src[0] == '=')
			csv_write_field(out, src, strlen(src), f->delim);
		else {
			buf_reset(cell);
			buf_addc(cell, '=');
			buf_adds(cell, src);
			csv_write_field(out, cell->data, cell->len, f->delim);
		}
		return;
	}
	sheet_get(f->wb, f->sheet, r, c, &v);
	buf_reset(cell);
	value_text(f, r, c, &v, cell);
	if (mode == SHEET_CSV_FORMULAS && v.type == SHEET_TEXT && text_retypes(cell->data, cell->len))
		write_quoted(out, cell->data, cell->len);
	else
		csv_write_field(out, cell->len ? cell->data : "", cell->len, f->delim);
}

/* Is the cell at i of b (NULL: no block) empty? A formula is when its
 * value is, as sheet_get tells. */
static int cell_empty(const struct sheet_book *wb, const struct sheet_block *b, uint32_t i)
{
	if (b == NULL || b->tag[i] == CELL_EMPTY)
		return 1;
	return b->tag[i] == CELL_FORMULA && wb->fs[b->slot[i].u].val.type == SHEET_EMPTY;
}

/* Rows r0 to r1 (exclusive), from the storage blocks of the current
 * band of SHEET_BLOCK rows (no lookup per cell); a plain number with no
 * note (no date, no kept source), typed or a formula's value, is
 * formatted straight into the output, which is most of a big file. Reads the workbook only. */
static void write_rows(const struct sheet_file *f, struct buf *out, enum sheet_csv_mode mode,
		       uint32_t r0, uint32_t r1, uint32_t cols)
{
	const struct sheet_book *wb = f->wb;
	const struct sheet_block **blk;
	struct buf cell;
	char num[40];
	int plain = f->nnotes == 0 && strchr("0123456789.-+eEinfINFaA", f->delim) == NULL;

	buf_init(&cell);
	blk = xcalloc(cols ? cols : 1, sizeof *blk);
	for (uint32_t r = r0; r < r1; r++) {
		uint32_t last = 0, i = r % SHEET_BLOCK; /* last: one past the last non-empty cell */

		if (i == 0 || r == r0)
			for (uint32_t c = 0; c < cols; c++)
				blk[c] = sheet_block_at(wb, f->sheet, r, c);
		for (uint32_t c = cols; c > 0; c--)
			if (!cell_empty(wb, blk[c - 1], i)) {
				last = c;
				break;
			}
		for (uint32_t c = 0; c < last; c++) {
			if (c > 0)
				buf_addc(out, f->delim);
			if (plain && blk[c] && blk[c]->tag[i] == CELL_NUM) {
				buf_add(out, num, io_num_len(blk[c]->slot[i].num, num));
			} else if (plain && mode == SHEET_CSV_VALUES && blk[c] &&
				   blk[c]->tag[i] == CELL_FORMULA &&
				   wb->fs[blk[c]->slot[i].u].val.type == SHEET_NUM) {
				/* a formula's number: written as write_cell would */
				buf_add(out, num, io_num_len(wb->fs[blk[c]->slot[i].u].val.num, num));
			} else if (!cell_empty(wb, blk[c], i) || mode == SHEET_CSV_FORMULAS) {
				write_cell(f, r, c, out, &cell, mode);
			}
		}
		buf_addc(out, '\n');
	}
	free(blk);
	buf_free(&cell);
}

struct write_part {
	const struct sheet_file *f;
	uint32_t r0, r1, cols;
	struct buf out;
};

static void *write_worker(void *arg)
{
	struct write_part *p = arg;

	write_rows(p->f, &p->out, SHEET_CSV_VALUES, p->r0, p->r1, p->cols);
	return NULL;
}

/* Cells from which a second thread writes the second half of the rows:
 * formatting numbers is most of a big convert, and the machine may have
 * another core. Values only: a formula's source may be spelt again as it
 * is read (sheet_formula_src), which is not for two threads. */
#define WRITE_SPLIT_CELLS (1u << 20)

void sheet_csv_write(const struct sheet_file *f, struct buf *out, enum sheet_csv_mode mode)
{
	struct write_part p;
	uint32_t rows, cols, mid;
	pthread_t t;

	sheet_extent(f->wb, f->sheet, &rows, &cols);
	mid = rows / 2 / SHEET_BLOCK * SHEET_BLOCK;
	if (mode != SHEET_CSV_VALUES || (uint64_t)rows * cols < WRITE_SPLIT_CELLS || mid == 0 ||
	    sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		write_rows(f, out, mode, 0, rows, cols);
		return;
	}
	p = (struct write_part){ f, mid, rows, cols, { 0 } };
	buf_init(&p.out);
	if (pthread_create(&t, NULL, write_worker, &p) != 0) {
		write_rows(f, out, mode, 0, rows, cols);
		return;
	}
	write_rows(f, out, mode, 0, mid, cols);
	pthread_join(t, NULL);
	buf_add(out, p.out.data, p.out.len);
	buf_free(&p.out);
}
