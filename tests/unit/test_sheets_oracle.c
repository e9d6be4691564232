/*
 * test_sheets_oracle.c - the sheets engine against LibreOffice and Excel.
 *
 * tests/sheets/input.txt is the input sheet, tests/sheets/cases.txt the
 * formulas (case N goes in Z<N>, as tests/sheets/lo-expected placed it for
 * LibreOffice), tests/sheets/expected.txt what LibreOffice computed and
 * tests/sheets/excel-overrides.txt Excel's answer where LibreOffice departs
 * from it. Every case is evaluated and compared: numbers within a relative
 * tolerance (1e-12 unless the case says tol=), text exactly, booleans and
 * error codes exactly. Cases calling a function the engine does not have
 * are reported as skipped, not failed. Every mismatch is printed with its
 * case; any mismatch fails the test.
 *
 * The files are found under $ATRIUM_SRC_DIR (tests/run sets it), else
 * relative to this source file's path as compiled (the repository root
 * when make builds from there).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <math.h>
#include <cmocka.h>

#include "modules/sheets/engine.h"

#define CASE_COL 25 /* Z */

/* A value as the data files write it: n:1.5 s:text b:TRUE e:#N/A. */
struct want {
	char kind; /* n s b e; 'x' an error only LibreOffice has (Err:NNN) */
	double num;
	char *str;
	enum sheet_err err;
	const char *src; /* the text after the type, for messages */
};

struct tcase {
	char *formula;
	double tol;
	struct want lo, xl;
	int has_lo, has_xl;
};

static struct tcase *cases;
static size_t ncases;
static char *input_txt, *cases_txt, *expected_txt, *overrides_txt;
static int nstale; /* lines of expected.txt or excel-overrides.txt naming no case */

static const char *root(void)
{
	static char buf[4096];
	const char *env = getenv("ATRIUM_SRC_DIR");
	const char *f = __FILE__, *end;

	if (env && *env)
		return env;
	/* __FILE__ is ".../tests/unit/test_sheets_oracle.c" */
	end = strstr(f, "tests/unit/");
	if (!end || end == f)
		return ".";
	snprintf(buf, sizeof(buf), "%.*s", (int)(end - f), f);
	return buf;
}

static char *slurp(const char *name)
{
	char path[4096];
	FILE *fp;
	long n;
	char *s;

	snprintf(path, sizeof(path), "%s/tests/sheets/%s", root(), name);
	fp = fopen(path, "rb");
	if (!fp)
		fail_msg("cannot open %s (run from the repository root or set ATRIUM_SRC_DIR)",
			 path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
	s[n] = '\0';
	fclose(fp);
	return s;
}

/* The next line of *p (NUL-terminated in place), NULL at the end. */
static char *next_line(char **p)
{
	char *s = *p, *nl;

	if (!*s)
		return NULL;
	nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = s + strlen(s);
	}
	return s;
}

static int skip_line(const char *s)
{
	return s[0] == '#' || s[strspn(s, " \t")] == '\0';
}

/* Undo the escapes \t \n \\ \xNN, in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s != '\\' || !s[1]) {
			*o++ = *s;
			continue;
		}
		s++;
		if (*s == 't')
			*o++ = '\t';
		else if (*s == 'n')
			*o++ = '\n';
		else if (*s == 'x' && isxdigit((unsigned char)s[1]) &&
			 isxdigit((unsigned char)s[2])) {
			char hex[3] = {s[1], s[2], 0};

			*o++ = (char)strtol(hex, NULL, 16);
			s += 2;
		} else
			*o++ = *s;
	}
	*o = '\0';
}

static void parse_want(char *s, struct want *w, const char *where)
{
	size_t used;

	memset(w, 0, sizeof(*w));
	if (strlen(s) < 2 || s[1] != ':')
		fail_msg("%s: bad value '%s'", where, s);
	w->kind = s[0];
	w->src = s + 2;
	switch (s[0]) {
	case 'n':
		w->num = strtod(s + 2, NULL);
		break;
	case 's':
		unescape(s + 2);
		w->str = s + 2;
		break;
	case 'b':
		w->num = strcmp(s + 2, "TRUE") == 0;
		break;
	case 'e':
		if (strncmp(s + 2, "Err:", 4) == 0) {
			w->kind = 'x';
			break;
		}
		w->err = sheet_err_parse(s + 2, strlen(s + 2), &used);
		if (w->err == SHEET_ERR_NONE)
			fail_msg("%s: unknown error '%s'", where, s + 2);
		break;
	default:
		fail_msg("%s: bad value '%s'", where, s);
	}
}

static struct tcase *find_case(const char *formula)
{
	for (size_t i = 0; i < ncases; i++)
		if (strcmp(cases[i].formula, formula) == 0)
			return &cases[i];
	return NULL;
}

static void load_cases(void)
{
	char *p = cases_txt, *line, *opt;
	size_t cap = 0;

	while ((line = next_line(&p))) {
		if (skip_line(line))
			continue;
		if (ncases == cap) {
			cap = cap ? cap * 2 : 256;
			cases = realloc(cases, cap * sizeof(*cases));
			assert_non_null(cases);
		}
		memset(&cases[ncases], 0, sizeof(cases[0]));
		cases[ncases].tol = 1e-12;
		opt = strchr(line, '\t');
		if (opt) {
			*opt++ = '\0';
			if (strncmp(opt, "tol=", 4) == 0)
				cases[ncases].tol = strtod(opt + 4, NULL);
		}
		cases[ncases++].formula = line;
	}
}

/* expected.txt and excel-overrides.txt: CASE<TAB>VALUE[<TAB>why].
 * Returns how many lines name no case (stale files). */
static int load_values(char *text, int override, const char *name)
{
	char *p = text, *line, *val, *why;
	int stale = 0;
	struct tcase *c;

	while ((line = next_line(&p))) {
		if (skip_line(line))
			continue;
		val = strchr(line, '\t');
		if (!val)
			fail_msg("%s: no value in '%s'", name, line);
		*val++ = '\0';
		why = strchr(val, '\t');
		if (why)
			*why = '\0';
		c = find_case(line);
		if (!c) {
			print_message("%s: '%s' is not in cases.txt\n", name, line);
			stale++;
			continue;
		}
		if (override) {
			parse_want(val, &c->xl, name);
			c->has_xl = 1;
		} else {
			parse_want(val, &c->lo, name);
			c->has_lo = 1;
		}
	}
	return stale;
}

static void load_input(struct sheet_book *wb)
{
	char *p = input_txt, *line, *val;
	struct sheet_ref ref;
	struct err e;
	size_t used;

	while ((line = next_line(&p))) {
		if (skip_line(line))
			continue;
		val = strchr(line, '\t');
		if (!val || sheet_ref_parse(wb, 0, line, (size_t)(val - line), &ref, &used) != 0)
			fail_msg("input.txt: bad line '%s'", line);
		*val++ = '\0';
		if (strlen(val) < 2 || val[1] != ':')
			fail_msg("input.txt: bad value in '%s'", line);
		switch (val[0]) {
		case 'n':
			sheet_set_number(wb, 0, ref.r1, ref.c1, strtod(val + 2, NULL));
			break;
		case 's':
			unescape(val + 2);
			sheet_set_text(wb, 0, ref.r1, ref.c1, val + 2);
			break;
		case 'b':
			sheet_set_bool(wb, 0, ref.r1, ref.c1, strcmp(val + 2, "TRUE") == 0);
			break;
		case 'e':
			sheet_set_error(wb, 0, ref.r1, ref.c1,
					sheet_err_parse(val + 2, strlen(val + 2), &used));
			break;
		case 'f':
			if (sheet_set_formula(wb, 0, ref.r1, ref.c1, val + 2, &e) != 0)
				fail_msg("input.txt: %s: %s", line, e.msg);
			break;
		default:
			fail_msg("input.txt: bad value in '%s'", line);
		}
	}
}

static int setup(void **state)
{
	input_txt = slurp("input.txt");
	cases_txt = slurp("cases.txt");
	expected_txt = slurp("expected.txt");
	overrides_txt = slurp("excel-overrides.txt");
	load_cases();
	nstale = load_values(expected_txt, 0, "expected.txt") +
		load_values(overrides_txt, 1, "excel-overrides.txt");
	return 0;
}

static int teardown(void **state)
{
	free(cases);
	free(input_txt);
	free(cases_txt);
	free(expected_txt);
	free(overrides_txt);
	return 0;
}

/* The first function called in f that the engine does not have, or NULL.
 * Names are letters, digits, '.' and '_' followed by '('; text in quotes
 * is skipped. */
static const char *unknown_function(const char *f, size_t *len)
{
	const char *s = f;

	while (*s) {
		if (*s == '"') {
			for (s++; *s && !(*s == '"' && s[1] != '"'); s++)
				if (*s == '"')
					s++;
			if (*s)
				s++;
			continue;
		}
		if (isalpha((unsigned char)*s) && (s == f || !(isalnum((unsigned char)s[-1]) ||
							      s[-1] == '.' || s[-1] == '_'))) {
			const char *b = s;

			while (isalnum((unsigned char)*s) || *s == '.' || *s == '_')
				s++;
			if (*s == '(' && sheet_func_find(b, (size_t)(s - b)) < 0) {
				*len = (size_t)(s - b);
				return b;
			}
			continue;
		}
		s++;
	}
	return NULL;
}

static void describe(const struct sheet_value *v, char *buf, size_t n)
{
	switch (v->type) {
	case SHEET_NUM:
		snprintf(buf, n, "n:%.17g", v->num);
		break;
	case SHEET_TEXT:
		snprintf(buf, n, "s:%s", v->str ? v->str : "");
		break;
	case SHEET_BOOL:
		snprintf(buf, n, "b:%s", v->num != 0 ? "TRUE" : "FALSE");
		break;
	case SHEET_ERROR:
		snprintf(buf, n, "e:%s", sheet_err_text(v->err));
		break;
	default:
		snprintf(buf, n, "(type %d)", v->type);
	}
}

static int matches(const struct sheet_value *v, const struct want *w, double tol)
{
	switch (w->kind) {
	case 'n':
		if (v->type != SHEET_NUM)
			return 0;
		return v->num == w->num ||
		       fabs(v->num - w->num) <= tol * fmax(fabs(v->num), fabs(w->num));
	case 's':
		return v->type == SHEET_TEXT && strcmp(v->str ? v->str : "", w->str) == 0;
	case 'b':
		return v->type == SHEET_BOOL && (v->num != 0) == (w->num != 0);
	case 'e':
		return v->type == SHEET_ERROR && v->err == w->err;
	}
	return 0;
}

static void test_every_case_matches(void **state)
{
	struct sheet_book *wb = sheet_book_new();
	struct err e;
	size_t pass = 0, fail = 0, skip = 0;

	assert_int_equal(sheet_add(wb, "Sheet1", &e), 0);
	load_input(wb);
	for (size_t i = 0; i < ncases; i++) {
		struct tcase *c = &cases[i];
		const struct want *w = c->has_xl ? &c->xl : &c->lo;
		const char *from = c->has_xl ? "Excel" : "LibreOffice";
		struct sheet_value v;
		size_t len;
		const char *fn = unknown_function(c->formula, &len);
		char got[256];

		if (fn) {
			print_message("skip Z%zu %s: no %.*s yet\n", i + 1, c->formula, (int)len, fn);
			skip++;
			continue;
		}
		if (!c->has_lo && !c->has_xl) {
			print_message("FAIL Z%zu %s: not in expected.txt (run tests/sheets/lo-expected)\n",
				      i + 1, c->formula);
			fail++;
			continue;
		}
		if (w->kind == 'x') {
			print_message("FAIL Z%zu %s: LibreOffice answers e:%s, which Excel has not: "
				      "give Excel's answer in excel-overrides.txt\n",
				      i + 1, c->formula, w->src);
			fail++;
			continue;
		}
		if (sheet_set_formula(wb, 0, (uint32_t)i, CASE_COL, c->formula, &e) != 0) {
			print_message("FAIL Z%zu %s: %s\n", i + 1, c->formula, e.msg);
			fail++;
			continue;
		}
		sheet_get(wb, 0, (uint32_t)i, CASE_COL, &v);
		if (matches(&v, w, c->tol)) {
			pass++;
			continue;
		}
		describe(&v, got, sizeof(got));
		print_message("FAIL Z%zu %s: got %s, want %c:%s (%s)\n", i + 1, c->formula, got,
			      w->kind, w->src, from);
		fail++;
	}
	print_message("%zu cases: %zu pass, %zu fail, %zu skipped (functions not in the "
		      "engine yet)\n",
		      ncases, pass, fail, skip);
	sheet_book_free(wb);
	assert_true(ncases > 0);
	assert_int_equal(fail, 0);
}

/* Does formula f call the function name? */
static int calls(const char *f, const char *name)
{
	size_t n = strlen(name);

	for (const char *s = f + 1; *s; s++)
		if (strncasecmp(s, name, n) == 0 && s[n] == '(' &&
		    !(isalnum((unsigned char)s[-1]) || s[-1] == '.' || s[-1] == '_'))
			return 1;
	return 0;
}

/* Each function of the engine's table is called by at least one case. */
static void test_every_function_has_a_case(void **state)
{
	const struct sheet_func *f;
	int missing = 0;

	for (int i = 0; (f = sheet_func_at(i)); i++) {
		int found = 0;

		for (size_t k = 0; k < ncases && !found; k++)
			found = calls(cases[k].formula, f->name);
		if (!found) {
			print_message("no case calls %s\n", f->name);
			missing++;
		}
	}
	assert_int_equal(missing, 0);
}

/* The data files agree: every case has an expected value and every
 * expected value or override names a case. */
static void test_data_files_agree(void **state)
{
	int missing = 0;

	for (size_t i = 0; i < ncases; i++)
		if (!cases[i].has_lo) {
			print_message("cases.txt: '%s' has no expected value (run "
				      "tests/sheets/lo-expected)\n",
				      cases[i].formula);
			missing++;
		}
	assert_int_equal(nstale, 0);
	assert_int_equal(missing, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_data_files_agree),
	    cmocka_unit_test(test_every_function_has_a_case),
	    cmocka_unit_test(test_every_case_matches),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
