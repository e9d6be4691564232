/*
 * numfmt.c - Excel number format codes (see numfmt.h).
 *
 * A code compiles into up to four sections of tokens. Formatting a number
 * picks the section (by sign, or by the sections' conditions) and walks its
 * tokens. Numbers are rounded on their decimal digits, from the 15
 * significant digits Excel keeps, so 1.005 with "0.00" is "1.01" as in
 * Excel, not "1.00" as printf's binary rounding gives.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "modules/sheets/numfmt.h"

enum tok {
	T_LIT,	   /* literal text (lit) */
	T_DIG,	   /* digit placeholder: ch is '0', '#' or '?' */
	T_DOT,	   /* decimal point */
	T_COMMA,   /* thousands separator or scaling; resolved after parsing */
	T_PCT,	   /* percent: a literal '%' that also scales by 100 */
	T_EXP,	   /* E+ (ch '+') or E- (ch '-') */
	T_SLASH,   /* fraction bar */
	T_AT,	   /* the text */
	T_GENERAL, /* "General" */
	T_YEAR,	   /* n: letters */
	T_MONTH,
	T_DAY,
	T_HOUR,
	T_MIN,
	T_SEC,
	T_EHOUR, /* [h] elapsed */
	T_EMIN,
	T_ESEC,
	T_SUBSEC, /* .0, .00, .000 after seconds: n digits */
	T_AMPM,	  /* ch 'A' for AM/PM, 'a' for A/P; lit holds the case used */
};

struct token {
	enum tok t;
	char ch;
	int n;
	char *lit;
};

enum cond_op { C_NONE, C_LT, C_LE, C_GT, C_GE, C_EQ, C_NE };

struct section {
	struct token *tok;
	int ntok, cap;
	int color;
	enum cond_op cond;
	double cval;
	int is_date, is_num, has_at, has_general, has_time;
	int thousands, scale, pct, ampm;
	int subsec;
};

struct numfmt {
	struct section sec[4];
	int nsec;
	enum numfmt_kind kind;
};

static const char *const month_names[12] = {"January", "February", "March",	"April",
					    "May",     "June",	   "July",	"August",
					    "September", "October", "November", "December"};
static const char *const day_names[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
					 "Thursday", "Friday", "Saturday"};

static struct token *push(struct section *s, enum tok t, char ch, int n)
{
	if (s->ntok == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->tok = xreallocarray(s->tok, (size_t)s->cap, sizeof(*s->tok));
	}
	s->tok[s->ntok] = (struct token){t, ch, n, NULL};
	return &s->tok[s->ntok++];
}

/* Append literal bytes, merging with a literal just before. */
static void push_lit(struct section *s, const char *p, size_t n)
{
	struct token *t;

	if (n == 0)
		return;
	if (s->ntok > 0 && s->tok[s->ntok - 1].t == T_LIT) {
		t = &s->tok[s->ntok - 1];
		size_t old = strlen(t->lit);

		t->lit = xrealloc(t->lit, old + n + 1);
		memcpy(t->lit + old, p, n);
		t->lit[old + n] = '\0';
		return;
	}
	t = push(s, T_LIT, 0, 0);
	t->lit = xstrndup(p, n);
}

static int run(const char *p, char c)
{
	int n = 0;

	while (tolower((unsigned char)p[n]) == c)
		n++;
	return n;
}

static const char *const colors[] = {"black", "blue",	"cyan",	 "green",
				     "magenta", "red", "white", "yellow"};

/* A [...] item at p (after the '['); returns bytes used after '[' or -1. */
static int bracket(struct section *s, const char *p, struct err *e)
{
	const char *end = strchr(p, ']');
	size_t n;

	if (end == NULL)
		return err_set(e, E_PARSE, "number format: '[' without ']'"), -1;
	n = (size_t)(end - p);
	for (size_t i = 0; i < nitems(colors); i++)
		if (n == strlen(colors[i]) && strncasecmp(p, colors[i], n) == 0) {
			s->color = (int)i;
			return (int)n + 1;
		}
	if (n >= 5 && strncasecmp(p, "color", 5) == 0)
		return (int)n + 1; /* [Color12]: a palette index we do not map */
	if (n > 0 && (p[0] == '<' || p[0] == '>' || p[0] == '=')) {
		const char *q = p;
		char *num_end;

		if (strncmp(q, "<=", 2) == 0)
			s->cond = C_LE, q += 2;
		else if (strncmp(q, ">=", 2) == 0)
			s->cond = C_GE, q += 2;
		else if (strncmp(q, "<>", 2) == 0)
			s->cond = C_NE, q += 2;
		else if (*q == '<')
			s->cond = C_LT, q++;
		else if (*q == '>')
			s->cond = C_GT, q++;
		else
			s->cond = C_EQ, q++;
		s->cval = strtod(q, &num_end);
		if (num_end == q || num_end != end)
			return err_set(e, E_PARSE, "number format: bad condition"), -1;
		return (int)n + 1;
	}
	if (n > 0 && p[0] == '$') {
		/* [$sym-LCID]: a currency symbol; the locale part is ignored */
		const char *dash = memchr(p + 1, '-', n - 1);
		size_t sl = dash != NULL ? (size_t)(dash - p - 1) : n - 1;

		push_lit(s, p + 1, sl);
		return (int)n + 1;
	}
	if (n > 0 && (tolower((unsigned char)p[0]) == 'h' || tolower((unsigned char)p[0]) == 'm' ||
		      tolower((unsigned char)p[0]) == 's')) {
		char c = (char)tolower((unsigned char)p[0]);

		if ((size_t)run(p, c) != n)
			return err_set(e, E_PARSE, "number format: bad [%.*s]", (int)n, p), -1;
		push(s, c == 'h' ? T_EHOUR : c == 'm' ? T_EMIN : T_ESEC, c, (int)n);
		return (int)n + 1;
	}
	/* [DBNum1], [natural], ...: display variants we ignore */
	return (int)n + 1;
}

/* Parse one section from *pp up to ';' or the end. */
static int parse_section(struct section *s, const char **pp, struct err *e)
{
	const char *p = *pp;

	s->color = NUMFMT_COLOR_NONE;
	while (*p && *p != ';') {
		unsigned char c = (unsigned char)*p;
		int lc = tolower(c), k;

		if (c == '"') {
			const char *q = strchr(p + 1, '"');

			if (q == NULL)
				return err_set(e, E_PARSE, "number format: unclosed quote");
			push_lit(s, p + 1, (size_t)(q - p - 1));
			p = q + 1;
		} else if (c == '\\' || c == '_' || c == '*') {
			size_t k2;
			unsigned cp;

			if (p[1] == '\0')
				return err_set(e, E_PARSE, "number format: '%c' at the end", c);
			k2 = utf8_decode(p + 1, strlen(p + 1), &cp);
			if (k2 == 0)
				k2 = 1;
			if (c == '\\')
				push_lit(s, p + 1, k2);
			else if (c == '_')
				push_lit(s, " ", 1); /* space the width of the next char */
			/* '*': fill to the cell's width; nothing in text */
			p += 1 + k2;
		} else if (c == '[') {
			if ((k = bracket(s, p + 1, e)) < 0)
				return E_PARSE;
			p += 1 + k;
		} else if (c == '0' || c == '#' || c == '?') {
			push(s, T_DIG, (char)c, 1);
			p++;
		} else if (c == '.') {
			int after_sec = s->ntok > 0 && (s->tok[s->ntok - 1].t == T_SEC ||
							s->tok[s->ntok - 1].t == T_ESEC);

			if (after_sec && p[1] == '0') {
				k = run(p + 1, '0');
				push(s, T_SUBSEC, 0, k > 3 ? 3 : k);
				p += 1 + k;
			} else {
				push(s, T_DOT, '.', 0);
				p++;
			}
		} else if (c == ',') {
			push(s, T_COMMA, ',', 0);
			p++;
		} else if (c == '%') {
			push(s, T_PCT, '%', 0);
			p++;
		} else if (c == '/') {
			push(s, T_SLASH, '/', 0);
			p++;
		} else if (c == '@') {
			push(s, T_AT, '@', 0);
			p++;
		} else if (lc == 'e' && (p[1] == '+' || p[1] == '-')) {
			push(s, T_EXP, p[1], 0);
			p += 2;
		} else if (strncasecmp(p, "general", 7) == 0) {
			push(s, T_GENERAL, 0, 0);
			p += 7;
		} else if (strncasecmp(p, "am/pm", 5) == 0 || strncasecmp(p, "a/p", 3) == 0) {
			size_t n = tolower((unsigned char)p[1]) == 'm' ? 5 : 3;
			struct token *t = push(s, T_AMPM, n == 5 ? 'A' : 'a', 0);

			t->lit = xstrndup(p, n);
			p += n;
		} else if (lc == 'y' || lc == 'm' || lc == 'd' || lc == 'h' || lc == 's') {
			k = run(p, (char)lc);
			push(s,
			     lc == 'y'	 ? T_YEAR
			     : lc == 'm' ? T_MONTH
			     : lc == 'd' ? T_DAY
			     : lc == 'h' ? T_HOUR
					 : T_SEC,
			     (char)lc, k);
			p += k;
		} else {
			size_t k2;
			unsigned cp;

			k2 = utf8_decode(p, strlen(p), &cp);
			push_lit(s, p, k2 ? k2 : 1);
			p += k2 ? k2 : 1;
		}
	}
	*pp = p;
	return 0;
}

static int is_time_tok(enum tok t)
{
	return t == T_HOUR || t == T_MIN || t == T_SEC || t == T_EHOUR || t == T_EMIN ||
	       t == T_ESEC || t == T_SUBSEC || t == T_AMPM;
}

static int is_dt_tok(enum tok t)
{
	return is_time_tok(t) || t == T_YEAR || t == T_MONTH || t == T_DAY;
}

/* m after h or before s is minutes; commas are thousands or scaling. */
static void resolve(struct section *s)
{
	int seen_dot = 0, seen_exp = 0, scaling = 0;

	for (int i = 0; i < s->ntok; i++) {
		struct token *t = &s->tok[i];

		if (t->t == T_MONTH && t->n <= 2) {
			int j;

			for (j = i - 1; j >= 0 && !is_dt_tok(s->tok[j].t); j--)
				;
			int minute = j >= 0 && (s->tok[j].t == T_HOUR || s->tok[j].t == T_EHOUR);

			for (j = i + 1; !minute && j < s->ntok && !is_dt_tok(s->tok[j].t); j++)
				;
			if (!minute && j < s->ntok &&
			    (s->tok[j].t == T_SEC || s->tok[j].t == T_ESEC))
				minute = 1;
			if (minute)
				t->t = T_MIN;
		}
	}
	for (int i = 0; i < s->ntok; i++) {
		struct token *t = &s->tok[i];

		if (is_dt_tok(t->t))
			s->is_date = 1;
		if (is_time_tok(t->t))
			s->has_time = 1;
		if (t->t == T_AMPM)
			s->ampm = 1;
		if (t->t == T_SUBSEC && t->n > s->subsec)
			s->subsec = t->n;
		if (t->t == T_DIG)
			s->is_num = 1;
		if (t->t == T_AT)
			s->has_at = 1;
		if (t->t == T_GENERAL)
			s->has_general = 1;
	}
	for (int i = 0; i < s->ntok; i++) {
		struct token *t = &s->tok[i];

		if (t->t == T_DOT)
			seen_dot = 1;
		if (t->t == T_EXP)
			seen_exp = 1;
		if (t->t == T_PCT)
			s->pct++;
		if (t->t != T_COMMA) {
			scaling = 0;
			continue;
		}
		int prev = i > 0 && s->tok[i - 1].t == T_DIG, next_dig = 0, j;

		for (j = i + 1; j < s->ntok && s->tok[j].t == T_COMMA; j++)
			;
		next_dig = j < s->ntok && s->tok[j].t == T_DIG;
		if (s->is_date || seen_exp) {
			t->t = T_LIT, t->lit = xstrdup(",");
		} else if (prev && next_dig && !seen_dot) {
			s->thousands = 1;
			t->t = T_LIT, t->lit = xstrdup(""); /* placed by the digits */
		} else if (i > 0 && (s->tok[i - 1].t == T_DIG || scaling) && !next_dig) {
			scaling = 1;
			s->scale++;
			t->t = T_LIT, t->lit = xstrdup("");
		} else {
			t->t = T_LIT, t->lit = xstrdup(",");
		}
	}
	if (s->is_date) /* digits in a date section are literal */
		for (int i = 0; i < s->ntok; i++)
			if (s->tok[i].t == T_DIG || s->tok[i].t == T_DOT || s->tok[i].t == T_PCT ||
			    s->tok[i].t == T_SLASH) {
				char ch = s->tok[i].ch;

				s->tok[i].t = T_LIT;
				s->tok[i].lit = xstrndup(&ch, 1);
			}
	if (s->is_date)
		s->is_num = 0;
	if (!s->is_date && !s->is_num) /* a '/' among literals is a literal */
		for (int i = 0; i < s->ntok; i++)
			if (s->tok[i].t == T_SLASH || s->tok[i].t == T_DOT || s->tok[i].t == T_EXP) {
				char lit[3] = {s->tok[i].t == T_EXP ? 'E' : s->tok[i].ch,
					       s->tok[i].t == T_EXP ? s->tok[i].ch : 0, 0};

				s->tok[i].t = T_LIT;
				s->tok[i].lit = xstrdup(lit);
			}
}

static void section_free(struct section *s)
{
	for (int i = 0; i < s->ntok; i++)
		free(s->tok[i].lit);
	free(s->tok);
}

void numfmt_free(struct numfmt *f)
{
	if (f == NULL)
		return;
	for (int i = 0; i < f->nsec; i++)
		section_free(&f->sec[i]);
	free(f);
}

static enum numfmt_kind kind_of(const struct section *s)
{
	int date = 0, time = 0, cur = 0;

	if (s->ntok == 0 || s->has_general)
		return NUMFMT_GENERAL;
	for (int i = 0; i < s->ntok; i++) {
		const struct token *t = &s->tok[i];

		if (t->t == T_YEAR || t->t == T_MONTH || t->t == T_DAY)
			date = 1;
		else if (is_time_tok(t->t))
			time = 1;
		else if (t->t == T_LIT &&
			 (strchr(t->lit, '$') != NULL || strstr(t->lit, "\xc2\xa5") != NULL ||
			  strstr(t->lit, "\xe2\x82\xac") != NULL || strstr(t->lit, "\xc2\xa3") != NULL))
			cur = 1;
	}
	if (date && time)
		return NUMFMT_DATETIME;
	if (date)
		return NUMFMT_DATE;
	if (time)
		return NUMFMT_TIME;
	if (s->is_num && s->pct)
		return NUMFMT_PERCENT;
	if (s->is_num && cur)
		return NUMFMT_CURRENCY;
	if (s->is_num)
		return NUMFMT_NUMBER;
	if (s->has_at)
		return NUMFMT_TEXT;
	return NUMFMT_GENERAL;
}

int numfmt_compile(const char *code, struct numfmt **out, struct err *e)
{
	struct numfmt *f = xcalloc(1, sizeof(*f));
	const char *p = code;

	*out = NULL;
	for (;;) {
		if (f->nsec == 4) {
			numfmt_free(f);
			return err_set(e, E_PARSE, "number format: more than four sections");
		}
		if (parse_section(&f->sec[f->nsec++], &p, e) != 0) {
			numfmt_free(f);
			return E_PARSE;
		}
		resolve(&f->sec[f->nsec - 1]);
		if (*p != ';')
			break;
		p++;
	}
	f->kind = kind_of(&f->sec[0]);
	*out = f;
	return 0;
}

enum numfmt_kind numfmt_kind(const struct numfmt *f)
{
	return f->kind;
}

/* ---- numbers ---------------------------------------------------------------- */

/*
 * Decimal digits of a >= 0 rounded to nfrac decimals (half away from zero)
 * from its 15 significant digits: ip gets the integer digits without
 * leading zeros ("" for 0), fp exactly nfrac digits.
 */
static void decimal(double a, int nfrac, struct buf *ip, struct buf *fp)
{
	char tmp[40], dig[32];
	int ex, nd = 15, keep;

	buf_reset(ip);
	buf_reset(fp);
	if (a > 0) {
		snprintf(tmp, sizeof(tmp), "%.14e", a);
		dig[0] = tmp[0];
		memcpy(dig + 1, tmp + 2, 14);
		ex = atoi(strchr(tmp, 'e') + 1);
		/* the decimal point falls after ex + 1 digits */
		keep = ex + 1 + nfrac;
		if (keep < 0) {
			nd = 0;
		} else if (keep < nd) {
			int up = dig[keep] >= '5';

			nd = keep;
			for (int i = nd - 1; up && i >= 0; i--) {
				if (dig[i] == '9') {
					dig[i] = '0';
				} else {
					dig[i]++;
					up = 0;
				}
			}
			if (up) { /* 999.9 -> 1000 */
				memmove(dig + 1, dig, (size_t)nd);
				dig[0] = '1';
				nd++;
				ex++;
			}
		}
		for (int i = 0; i <= ex; i++) /* integer digits */
			buf_addc(ip, i < nd ? dig[i] : '0');
		for (int i = 0; i < nfrac; i++) {
			int at = ex + 1 + i;

			buf_addc(fp, at >= 0 && at < nd ? dig[at] : '0');
		}
		/* strip leading zeros of the integer part (after rounding 0.9 -> 1 none) */
		size_t z = 0;

		while (z < ip->len && ip->data[z] == '0')
			z++;
		if (z > 0) {
			memmove(ip->data, ip->data + z, ip->len - z);
			ip->len -= z;
		}
	} else {
		for (int i = 0; i < nfrac; i++)
			buf_addc(fp, '0');
	}
	buf_cstr(ip);
	buf_cstr(fp);
}

static void reverse(char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n - i; i++) {
		char c = s[i];

		s[i] = s[n - 1 - i];
		s[n - 1 - i] = c;
	}
}

/*
 * Emit tokens [from, to) that hold integer digit placeholders, filling them
 * right to left with the digits of ip; the leftmost takes any extra digits.
 */
static void emit_int(const struct section *s, int from, int to, const char *ip, int thousands,
		     struct buf *out)
{
	struct buf r;
	long idx = (long)strlen(ip) - 1;
	int g = 0, first = -1;

	buf_init(&r);
	for (int i = from; i < to; i++)
		if (s->tok[i].t == T_DIG) {
			first = i;
			break;
		}
	for (int i = to - 1; i >= from; i--) {
		const struct token *t = &s->tok[i];

		if (t->t == T_LIT) {
			size_t n = strlen(t->lit);

			for (size_t k = n; k-- > 0;)
				buf_addc(&r, t->lit[k]);
			continue;
		}
		if (t->t != T_DIG)
			continue;
		do {
			char c;

			if (idx >= 0)
				c = ip[idx--];
			else if (t->ch == '0')
				c = '0';
			else if (t->ch == '?')
				c = ' ';
			else
				break;
			if (thousands && g > 0 && g % 3 == 0 && c != ' ')
				buf_addc(&r, ',');
			buf_addc(&r, c);
			g++;
		} while (i == first && idx >= 0);
	}
	reverse(r.data != NULL ? r.data : (char *)"", r.len);
	buf_add(out, r.data != NULL ? r.data : "", r.len);
	buf_free(&r);
}

static int count_dig(const struct section *s, int from, int to, char only)
{
	int n = 0;

	for (int i = from; i < to; i++)
		if (s->tok[i].t == T_DIG && (only == 0 || s->tok[i].ch == only))
			n++;
	return n;
}

static int find_tok(const struct section *s, enum tok t)
{
	for (int i = 0; i < s->ntok; i++)
		if (s->tok[i].t == t)
			return i;
	return -1;
}

static void emit_lits(const struct section *s, int from, int to, struct buf *out)
{
	for (int i = from; i < to; i++)
		if (s->tok[i].t == T_LIT)
			buf_adds(out, s->tok[i].lit);
		else if (s->tok[i].t == T_PCT)
			buf_addc(out, '%');
}

/* Emit fraction digits fp into the placeholders of [from, to). */
static void emit_frac(const struct section *s, int from, int to, const char *fp, struct buf *out)
{
	int n = (int)strlen(fp), cut = n, k = 0;
	int ph[64], np = 0;

	for (int i = from; i < to && np < 64; i++)
		if (s->tok[i].t == T_DIG)
			ph[np++] = s->tok[i].ch;
	/* trailing zeros: '#' drops them, '?' shows a space */
	while (cut > 0 && fp[cut - 1] == '0' && ph[cut - 1] != '0')
		cut--;
	for (int i = from; i < to; i++) {
		const struct token *t = &s->tok[i];

		if (t->t == T_DIG) {
			if (k < cut)
				buf_addc(out, fp[k]);
			else if (t->ch == '?')
				buf_addc(out, ' ');
			k++;
		} else if (t->t == T_LIT) {
			buf_adds(out, t->lit);
		} else if (t->t == T_PCT) {
			buf_addc(out, '%');
		}
	}
}

static void fmt_plain(const struct section *s, double a, struct buf *out)
{
	int dot = find_tok(s, T_DOT), end = s->ntok;
	int first = -1, last = -1, nfrac;
	struct buf ip, fp;

	for (int i = 0; i < (dot >= 0 ? dot : end); i++)
		if (s->tok[i].t == T_DIG) {
			if (first < 0)
				first = i;
			last = i;
		}
	nfrac = dot >= 0 ? count_dig(s, dot, end, 0) : 0;
	buf_init(&ip);
	buf_init(&fp);
	decimal(a, nfrac, &ip, &fp);
	if (first < 0) { /* no integer placeholders: ".00" */
		int upto = dot >= 0 ? dot : end;

		emit_lits(s, 0, upto, out);
		if (ip.len > 0 && dot >= 0) /* the integer digits still show */
			buf_adds(out, buf_cstr(&ip));
	} else {
		emit_lits(s, 0, first, out);
		emit_int(s, first, last + 1, buf_cstr(&ip), s->thousands, out);
		emit_lits(s, last + 1, dot >= 0 ? dot : end, out);
	}
	if (dot >= 0) {
		buf_addc(out, '.');
		emit_frac(s, dot + 1, end, buf_cstr(&fp), out);
	}
	buf_free(&ip);
	buf_free(&fp);
}

static void fmt_exp(const struct section *s, double a, struct buf *out)
{
	int ex = find_tok(s, T_EXP), dot = find_tok(s, T_DOT);
	int intend = dot >= 0 && dot < ex ? dot : ex;
	int nint = count_dig(s, 0, intend, 0), nzero = count_dig(s, 0, intend, '0');
	int nfrac = dot >= 0 && dot < ex ? count_dig(s, dot, ex, 0) : 0;
	int e10 = 0, mind = count_dig(s, ex, s->ntok, '0') + count_dig(s, ex, s->ntok, '#');
	struct buf ip, fp, tmp;
	char eb[16];

	if (nint < 1)
		nint = 1;
	if (a > 0) {
		e10 = (int)floor(log10(a));
		if (a / pow(10, e10) >= 10) /* log10 rounding */
			e10++;
		if (nint > 1 && nzero < nint)
			e10 = (int)floor((double)e10 / nint) * nint; /* engineering */
		else
			e10 -= (nzero > 0 ? nzero : 1) - 1;
	}
	buf_init(&ip);
	buf_init(&fp);
	decimal(a / pow(10, e10), nfrac, &ip, &fp);
	if (nint == 1 && ip.len > 1 && !(nzero < nint)) { /* 9.99 rounded to 10.0 */
		e10++;
		decimal(a / pow(10, e10), nfrac, &ip, &fp);
	}
	buf_init(&tmp);
	int first = -1, last = -1;

	for (int i = 0; i < intend; i++)
		if (s->tok[i].t == T_DIG) {
			if (first < 0)
				first = i;
			last = i;
		}
	if (first >= 0) {
		emit_lits(s, 0, first, out);
		emit_int(s, first, last + 1, buf_cstr(&ip), 0, out);
		emit_lits(s, last + 1, intend, out);
	} else {
		emit_lits(s, 0, intend, out);
	}
	if (dot >= 0 && dot < ex) {
		buf_addc(out, '.');
		emit_frac(s, dot + 1, ex, buf_cstr(&fp), out);
	}
	buf_addc(out, 'E');
	if (e10 < 0)
		buf_addc(out, '-');
	else if (s->tok[ex].ch == '+')
		buf_addc(out, '+');
	mind = mind < 1 ? 1 : mind > 5 ? 5 : mind;
	snprintf(eb, sizeof(eb), "%0*d", mind, abs(e10) % 100000);
	buf_adds(out, eb);
	for (int i = ex + 1; i < s->ntok; i++)
		if (s->tok[i].t == T_LIT)
			buf_adds(out, s->tok[i].lit);
	buf_free(&ip);
	buf_free(&fp);
	buf_free(&tmp);
}

/* Best n/d for x in [0,1) with d <= maxd (the smallest d among ties). */
static void approx(double x, long maxd, long *num, long *den)
{
	double best = 2;

	*num = 0, *den = 1;
	for (long d = 1; d <= maxd; d++) {
		long n = lround(x * (double)d);
		double err = fabs(x - (double)n / (double)d);

		if (err < best - 1e-12) {
			best = err;
			*num = n, *den = d;
		}
	}
}

static void fmt_fraction(const struct section *s, double a, struct buf *out)
{
	int sl = find_tok(s, T_SLASH), ns, ne, ds, de, is = -1, ie = -1;
	long num, den, fixed = 0, ip = 0;
	char nb[32];

	/* numerator: the digit run just before '/' (literals may sit between) */
	ne = sl;
	while (ne > 0 && s->tok[ne - 1].t != T_DIG)
		ne--;
	ns = ne;
	while (ns > 0 && s->tok[ns - 1].t == T_DIG)
		ns--;
	/* an integer part: digits before the numerator */
	for (int i = 0; i < ns; i++)
		if (s->tok[i].t == T_DIG) {
			if (is < 0)
				is = i;
			ie = i + 1;
		}
	ds = sl + 1;
	de = ds;
	while (de < s->ntok && s->tok[de].t == T_DIG)
		de++;
	if (de == ds && ds < s->ntok && s->tok[ds].t == T_LIT && isdigit((unsigned char)s->tok[ds].lit[0]))
		fixed = strtol(s->tok[ds].lit, NULL, 10);
	double x = a;

	if (is >= 0) {
		ip = (long)floor(a);
		x = a - (double)ip;
	}
	if (fixed > 0) {
		num = lround(x * (double)fixed);
		den = fixed;
	} else {
		long maxd = 1;

		for (int i = ds; i < de && maxd < 100000; i++)
			maxd *= 10;
		approx(x, maxd - 1 > 0 ? maxd - 1 : 1, &num, &den);
	}
	if (is >= 0 && num == den) {
		ip++;
		num = 0;
	}
	if (is >= 0) {
		emit_lits(s, 0, is, out);
		snprintf(nb, sizeof(nb), "%ld", ip);
		emit_int(s, is, ie, ip == 0 ? "" : nb, s->thousands, out);
		if (num == 0 && ip != 0) { /* "1    ": blanks for the fraction */
			struct buf tmp;

			buf_init(&tmp);
			emit_lits(s, ie, ns, &tmp);
			size_t w = tmp.len + (size_t)(ne - ns) + 1 + (size_t)(de - ds);

			for (size_t k = 0; k < w; k++)
				buf_addc(out, ' ');
			buf_free(&tmp);
			emit_lits(s, fixed ? ds + 1 : de, s->ntok, out);
			return;
		}
		emit_lits(s, ie, ns, out);
	} else {
		emit_lits(s, 0, ns, out);
	}
	snprintf(nb, sizeof(nb), "%ld", num);
	emit_int(s, ns, ne, nb, 0, out);
	emit_lits(s, ne, sl, out);
	buf_addc(out, '/');
	snprintf(nb, sizeof(nb), "%ld", den);
	if (fixed) {
		buf_adds(out, nb);
		emit_lits(s, ds + 1, s->ntok, out);
	} else {
		/* the denominator is left-aligned: pad after it */
		size_t dl = strlen(nb);

		buf_adds(out, nb);
		for (int i = ds + (int)dl; i < de; i++)
			if (s->tok[i].ch == '?')
				buf_addc(out, ' ');
			else if (s->tok[i].ch == '0')
				buf_addc(out, '0');
		emit_lits(s, de, s->ntok, out);
	}
}

static void fmt_general(double a, struct buf *out)
{
	char b[40], *e;

	snprintf(b, sizeof(b), "%.15g", a);
	if (strchr(b, 'e') != NULL) { /* Excel: 1.23E+20, never e */
		double m;
		int x;

		x = (int)floor(log10(a));
		m = a / pow(10, x);
		snprintf(b, sizeof(b), "%.14g", m);
		if (strchr(b, '.') != NULL) {
			e = b + strlen(b);
			while (e[-1] == '0')
				*--e = '\0';
		}
		snprintf(b + strlen(b), sizeof(b) - strlen(b), "E%c%02d", x < 0 ? '-' : '+', abs(x));
	}
	buf_adds(out, b);
}

/* ---- dates ---------------------------------------------------------------- */

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian) and back. */
static long days_from_civil(long y, long m, long d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;

	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static void civil_from_days(long z, long *y, long *m, long *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

/* Excel's 1900 serial day to y-m-d (60 is 1900-02-29, 0 is 1900-01-00). */
static void serial_civil(long s, long *y, long *m, long *d)
{
	long base = days_from_civil(1899, 12, 30);

	if (s == 60)
		*y = 1900, *m = 2, *d = 29;
	else if (s == 0)
		*y = 1900, *m = 1, *d = 0;
	else
		civil_from_days(base + s + (s < 60 ? 1 : 0), y, m, d);
}

static int fmt_date(const struct section *s, double v, struct buf *out)
{
	double scale = pow(10, s->subsec), unit = 86400 * scale;
	long long total, day, sub;
	long y, mo, d, hh, mi, ss, frac;
	char b[32];

	if (v < 0 || v >= 2958466)
		return -1;
	if (s->has_time) {
		total = (long long)llround(v * unit);
	} else {
		total = (long long)floor(v) * (long long)unit;
	}
	day = total / (long long)unit;
	sub = total - day * (long long)unit;
	frac = (long)(sub % (long long)scale);
	sub /= (long long)scale; /* whole seconds in the day */
	hh = (long)(sub / 3600);
	mi = (long)(sub / 60 % 60);
	ss = (long)(sub % 60);
	serial_civil((long)day, &y, &mo, &d);
	for (int i = 0; i < s->ntok; i++) {
		const struct token *t = &s->tok[i];
		int n = t->n;

		switch (t->t) {
		case T_LIT:
			buf_adds(out, t->lit);
			break;
		case T_YEAR:
			snprintf(b, sizeof(b), n <= 2 ? "%02ld" : "%04ld", n <= 2 ? y % 100 : y);
			buf_adds(out, b);
			break;
		case T_MONTH:
			if (n == 1 || n == 2)
				snprintf(b, sizeof(b), n == 1 ? "%ld" : "%02ld", mo);
			else if (n == 3)
				snprintf(b, sizeof(b), "%.3s", month_names[mo - 1]);
			else if (n == 5)
				snprintf(b, sizeof(b), "%.1s", month_names[mo - 1]);
			else
				snprintf(b, sizeof(b), "%s", month_names[mo - 1]);
			buf_adds(out, b);
			break;
		case T_DAY:
			if (n <= 2)
				snprintf(b, sizeof(b), n == 1 ? "%ld" : "%02ld", d);
			else
				snprintf(b, sizeof(b), n == 3 ? "%.3s" : "%s",
					 day_names[(day + 6) % 7]);
			buf_adds(out, b);
			break;
		case T_HOUR: {
			long h = hh;

			if (s->ampm)
				h = h % 12 == 0 ? 12 : h % 12;
			snprintf(b, sizeof(b), n == 1 ? "%ld" : "%02ld", h);
			buf_adds(out, b);
			break;
		}
		case T_MIN:
			snprintf(b, sizeof(b), n == 1 ? "%ld" : "%02ld", mi);
			buf_adds(out, b);
			break;
		case T_SEC:
			snprintf(b, sizeof(b), n == 1 ? "%ld" : "%02ld", ss);
			buf_adds(out, b);
			break;
		case T_EHOUR:
		case T_EMIN:
		case T_ESEC: {
			long long all = day * 86400 + (long long)sub;
			long long x = t->t == T_EHOUR  ? all / 3600
				      : t->t == T_EMIN ? all / 60
						       : all;

			/* after [h], minutes are those of the hour */
			snprintf(b, sizeof(b), "%0*lld", n, x);
			buf_adds(out, b);
			break;
		}
		case T_SUBSEC:
			snprintf(b, sizeof(b), ".%0*ld", s->subsec, frac);
			b[1 + n] = '\0';
			buf_adds(out, b);
			break;
		case T_AMPM: {
			int pm = hh >= 12;

			if (t->ch == 'A') {
				const char *txt = pm ? "PM" : "AM";

				if (islower((unsigned char)t->lit[0]))
					txt = pm ? "pm" : "am";
				buf_adds(out, txt);
			} else {
				char c = pm ? t->lit[2] : t->lit[0];

				buf_addc(out, c);
			}
			break;
		}
		default:
			break;
		}
	}
	return 0;
}

/* ---- choosing a section ------------------------------------------------------ */

static int cond_true(const struct section *s, double v)
{
	switch (s->cond) {
	case C_LT:
		return v < s->cval;
	case C_LE:
		return v <= s->cval;
	case C_GT:
		return v > s->cval;
	case C_GE:
		return v >= s->cval;
	case C_EQ:
		return v == s->cval;
	case C_NE:
		return v != s->cval;
	default:
		return 1;
	}
}

/* The numeric sections: all but a text section (one that has '@' only). */
static int num_sections(const struct numfmt *f)
{
	int n = f->nsec;

	if (n == 4)
		return 3;
	if (n > 1 && f->sec[n - 1].has_at && !f->sec[n - 1].is_num)
		return n - 1;
	return n;
}

/* Pick the section for v; *sign is 1 when the output needs a '-'. */
static const struct section *pick(const struct numfmt *f, double v, int *sign)
{
	int n = num_sections(f);
	int conds = f->sec[0].cond != C_NONE || (n > 1 && f->sec[1].cond != C_NONE);

	*sign = 0;
	if (conds) {
		for (int i = 0; i < n; i++) {
			const struct section *c = &f->sec[i];

			if (c->cond != C_NONE && !cond_true(c, v))
				continue;
			/* a section for negatives ([<0], or the second without a
			 * condition) writes its own sign */
			if (c->cond == C_LT || c->cond == C_LE)
				*sign = v < 0 && c->cval > 0;
			else
				*sign = v < 0 && !(c->cond == C_NONE && i == 1);
			return c;
		}
		return NULL; /* no section: Excel shows #### */
	}
	if (n == 1 || v > 0 || (v == 0 && n < 3)) {
		*sign = v < 0;
		return &f->sec[0];
	}
	if (v < 0)
		return &f->sec[1];
	return &f->sec[2];
}

static int finish(struct buf *b, char *out, size_t n)
{
	const char *s = buf_cstr(b);
	int len = (int)b->len;

	if (n > 0)
		snprintf(out, n, "%s", s);
	buf_free(b);
	return len;
}

int numfmt_format(const struct numfmt *f, double v, char *out, size_t n, int *color)
{
	const struct section *s;
	struct buf b;
	int sign, rc = 0;

	if (n > 0)
		out[0] = '\0';
	if (color != NULL)
		*color = NUMFMT_COLOR_NONE;
	if (!isfinite(v))
		return -1;
	if (f->nsec == 1 && !f->sec[0].is_num && !f->sec[0].is_date && f->sec[0].has_at)
		s = NULL, sign = v < 0; /* "@" shows numbers as General */
	else if ((s = pick(f, v, &sign)) == NULL)
		return -1;
	buf_init(&b);
	if (color != NULL && s != NULL)
		*color = s->color;
	if (s != NULL && s->is_date) {
		rc = fmt_date(s, v, &b);
		if (rc < 0) {
			buf_free(&b);
			return -1;
		}
		return finish(&b, out, n);
	}
	double a = fabs(v);

	if (sign)
		buf_addc(&b, '-');
	if (s == NULL || (s->has_general && !s->is_num)) {
		if (s != NULL) {
			for (int i = 0; i < s->ntok; i++)
				if (s->tok[i].t == T_LIT)
					buf_adds(&b, s->tok[i].lit);
				else if (s->tok[i].t == T_GENERAL)
					fmt_general(a, &b);
		} else {
			fmt_general(a, &b);
		}
		return finish(&b, out, n);
	}
	if (s->ntok == 0 && f->nsec == 1) { /* "" is General */
		fmt_general(a, &b);
		return finish(&b, out, n);
	}
	a = a * pow(100, s->pct) / pow(1000, s->scale);
	if (!s->is_num)
		emit_lits(s, 0, s->ntok, &b);
	else if (find_tok(s, T_EXP) >= 0)
		fmt_exp(s, a, &b);
	else if (find_tok(s, T_SLASH) >= 0)
		fmt_fraction(s, a, &b);
	else
		fmt_plain(s, a, &b);
	return finish(&b, out, n);
}

int numfmt_format_text(const struct numfmt *f, const char *text, char *out, size_t n, int *color)
{
	const struct section *s = NULL;
	struct buf b;

	if (color != NULL)
		*color = NUMFMT_COLOR_NONE;
	if (f->nsec == 4)
		s = &f->sec[3];
	else if (f->sec[f->nsec - 1].has_at && !f->sec[f->nsec - 1].is_num &&
		 !f->sec[f->nsec - 1].is_date)
		s = &f->sec[f->nsec - 1];
	buf_init(&b);
	if (s == NULL) {
		buf_adds(&b, text);
		return finish(&b, out, n);
	}
	if (color != NULL)
		*color = s->color;
	for (int i = 0; i < s->ntok; i++)
		if (s->tok[i].t == T_AT)
			buf_adds(&b, text);
		else if (s->tok[i].t == T_LIT)
			buf_adds(&b, s->tok[i].lit);
	return finish(&b, out, n);
}

char *numfmt_apply(const char *code, double v)
{
	struct numfmt *f;
	struct err e;
	char small[128], *r;
	int len;

	if (numfmt_compile(code, &f, &e) != 0)
		return NULL;
	len = numfmt_format(f, v, small, sizeof(small), NULL);
	if (len < 0) {
		numfmt_free(f);
		return NULL;
	}
	if ((size_t)len < sizeof(small)) {
		r = xstrdup(small);
	} else {
		r = xmalloc((size_t)len + 1);
		numfmt_format(f, v, r, (size_t)len + 1, NULL);
	}
	numfmt_free(f);
	return r;
}

/* ---- built-in formats ------------------------------------------------------- */

const char *numfmt_builtin(unsigned id)
{
	static const char *const codes[50] = {
	    [0] = "General",
	    [1] = "0",
	    [2] = "0.00",
	    [3] = "#,##0",
	    [4] = "#,##0.00",
	    [5] = "$#,##0_);($#,##0)",
	    [6] = "$#,##0_);[Red]($#,##0)",
	    [7] = "$#,##0.00_);($#,##0.00)",
	    [8] = "$#,##0.00_);[Red]($#,##0.00)",
	    [9] = "0%",
	    [10] = "0.00%",
	    [11] = "0.00E+00",
	    [12] = "# ?/?",
	    [13] = "# ?\?/?\?",
	    [14] = "m/d/yyyy",
	    [15] = "d-mmm-yy",
	    [16] = "d-mmm",
	    [17] = "mmm-yy",
	    [18] = "h:mm AM/PM",
	    [19] = "h:mm:ss AM/PM",
	    [20] = "h:mm",
	    [21] = "h:mm:ss",
	    [22] = "m/d/yyyy h:mm",
	    [37] = "#,##0_);(#,##0)",
	    [38] = "#,##0_);[Red](#,##0)",
	    [39] = "#,##0.00_);(#,##0.00)",
	    [40] = "#,##0.00_);[Red](#,##0.00)",
	    [41] = "_(* #,##0_);_(* (#,##0);_(* \"-\"_);_(@_)",
	    [42] = "_($* #,##0_);_($* (#,##0);_($* \"-\"_);_(@_)",
	    [43] = "_(* #,##0.00_);_(* (#,##0.00);_(* \"-\"??_);_(@_)",
	    [44] = "_($* #,##0.00_);_($* (#,##0.00);_($* \"-\"??_);_(@_)",
	    [45] = "mm:ss",
	    [46] = "[h]:mm:ss",
	    [47] = "mmss.0",
	    [48] = "##0.0E+0",
	    [49] = "@",
	};

	return id < nitems(codes) ? codes[id] : NULL;
}
