/*
 * formula.c - the formula compiler: a lexer and a recursive-descent parser
 * that emit postfix code (struct sheet_code) for eval.c.
 *
 * Precedence, high to low, as Excel: references and ranges (the lexer reads
 * A1:B2 as one token), unary - and + (so =-2^2 is 4), postfix %, ^ (left
 * associative: =2^3^2 is 64), * /, + -, &, comparisons. Nesting is bounded
 * by SHEET_MAX_DEPTH so no input can exhaust the C stack. Errors say the
 * byte offset of the fault in the source text. Named ranges are resolved
 * when the formula is compiled; an unknown name or function evaluates to
 * #NAME?, a reference to a missing sheet to #REF!.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "modules/sheets/engine.h"
#include "modules/sheets/ops.h" /* sheet_formula_refs */

enum tok {
	T_END,
	T_NUM,
	T_STR,
	T_BOOL,
	T_ERR,
	T_REF,
	T_BADREF,
	T_NAME,
	T_FUNC,
	T_LP,
	T_RP,
	T_COMMA,
	T_OP,
	T_LBRACE, /* { of an array constant */
	T_RBRACE,
	T_BAD
};

/* A run of digits in a formula's text that spells the row of one side
 * (part 0 or 1) of reference ref. */
struct crun {
	uint32_t pos, len, ref;
	uint8_t part;
};

struct parser {
	struct sheet_book *wb;
	int sheet;
	const char *s;
	size_t len, pos;
	/* current token */
	enum tok t;
	size_t tpos, tlen;
	double num;
	char *str;
	struct sheet_ref ref;
	char op[3];
	int depth;
	int actx; /* in an array context: SHEET_INSTR_ARRAYCTX */
	int arr;  /* the expression just parsed may be an array */
	struct sheet_code *c;
	uint32_t capins, capstrs, caprefs;
	/* the code being compiled, its arrays here until they outgrow them
	 * (no allocation for most formulas; code_pack makes the result) */
	struct sheet_code code;
	struct sheet_instr ins0[32];
	struct sheet_ref refs0[8];
	char *strs0[4];
	int sp;
	struct err *e;
	int failed;
	/* for the compile cache (sheet_compile_col): where each reference
	 * token spells its rows, and whether the code may be reused at all */
	struct crun runs[32];
	uint32_t nruns, nreftok;
	int nocache;
};

static int fail(struct parser *p, size_t pos, const char *what)
{
	if (!p->failed) {
		p->failed = 1;
		err_set(p->e, E_PARSE, "formula: %s at %zu", what, pos);
	}
	return E_PARSE;
}

static int is_ident(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '\\' || c >= 0x80;
}

/* a's capacity *cap doubled; a may be the parser's own array inl */
static void *grow(void *a, const void *inl, uint32_t *cap, size_t size)
{
	void *b;

	if (a == inl) {
		b = xreallocarray(NULL, (size_t)*cap * 2, size);
		memcpy(b, a, *cap * size);
	} else {
		b = xreallocarray(a, (size_t)*cap * 2, size);
	}
	*cap *= 2;
	return b;
}

static void emit(struct parser *p, uint8_t op, uint32_t idx, double num, int effect)
{
	struct sheet_code *c = p->c;

	if (c->nins == p->capins)
		c->ins = grow(c->ins, p->ins0, &p->capins, sizeof(*c->ins));
	memset(&c->ins[c->nins], 0, sizeof(c->ins[0]));
	if ((op >= OP_NEG && op <= OP_GE) || op == OP_FUNC)
		idx = (uint32_t)p->actx | (p->arr ? SHEET_INSTR_ARRAY : 0);
	c->ins[c->nins].op = op;
	c->ins[c->nins].idx = idx;
	c->ins[c->nins].num = num;
	c->nins++;
	p->sp += effect;
	if (p->sp > (int)c->depth)
		c->depth = (uint32_t)p->sp;
}

static uint32_t add_str(struct parser *p, char *s)
{
	struct sheet_code *c = p->c;

	if (c->nstrs == p->capstrs)
		c->strs = grow(c->strs, p->strs0, &p->capstrs, sizeof(*c->strs));
	c->strs[c->nstrs] = s;
	return c->nstrs++;
}

static uint32_t add_ref(struct parser *p, const struct sheet_ref *r)
{
	struct sheet_code *c = p->c;

	if (c->nrefs == p->caprefs)
		c->refs = grow(c->refs, p->refs0, &p->caprefs, sizeof(*c->refs));
	c->refs[c->nrefs] = *r;
	return c->nrefs++;
}

static int lex_string(struct parser *p)
{
	struct buf b;
	size_t i = p->pos + 1;

	buf_init(&b);
	for (;;) {
		if (i >= p->len) {
			buf_free(&b);
			return fail(p, p->pos, "unterminated text");
		}
		if (p->s[i] == '"') {
			if (i + 1 < p->len && p->s[i + 1] == '"') {
				buf_addc(&b, '"');
				i += 2;
				continue;
			}
			i++;
			break;
		}
		buf_addc(&b, p->s[i++]);
	}
	p->str = b.len ? buf_detach(&b) : xstrdup("");
	buf_free(&b);
	p->t = T_STR;
	p->tlen = i - p->pos;
	p->pos = i;
	return 0;
}

static int lex_number(struct parser *p)
{
	size_t i = p->pos, digits = 0;
	char tmp[64];

	while (i < p->len && isdigit((unsigned char)p->s[i]))
		i++, digits++;
	if (i < p->len && p->s[i] == '.') {
		i++;
		while (i < p->len && isdigit((unsigned char)p->s[i]))
			i++, digits++;
	}
	if (digits == 0)
		return fail(p, p->pos, "unexpected '.'");
	if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
		size_t j = i + 1;

		if (j < p->len && (p->s[j] == '+' || p->s[j] == '-'))
			j++;
		if (j < p->len && isdigit((unsigned char)p->s[j])) {
			while (j < p->len && isdigit((unsigned char)p->s[j]))
				j++;
			i = j;
		}
	}
	if (i - p->pos >= sizeof(tmp))
		return fail(p, p->pos, "number too long");
	memcpy(tmp, p->s + p->pos, i - p->pos);
	tmp[i - p->pos] = '\0';
	p->num = strtod(tmp, NULL);
	if (!(p->num - p->num == 0))
		return fail(p, p->pos, "number out of range");
	p->t = T_NUM;
	p->tlen = i - p->pos;
	p->pos = i;
	return 0;
}

/* The row digits of the reference token s[pos..pos+len) (no sheet
 * prefix: its only digits are rows). */
static void note_runs(struct parser *p, size_t pos, size_t len)
{
	uint8_t part = 0;

	for (size_t i = pos; i < pos + len;) {
		if (p->s[i] == ':') {
			part = 1, i++;
			continue;
		}
		if (!isdigit((unsigned char)p->s[i])) {
			i++;
			continue;
		}
		if (p->nruns == nitems(p->runs)) {
			p->nocache = 1;
			return;
		}
		struct crun *r = &p->runs[p->nruns++];

		r->pos = (uint32_t)i, r->ref = p->nreftok, r->part = part;
		while (i < pos + len && isdigit((unsigned char)p->s[i]))
			i++;
		r->len = (uint32_t)(i - r->pos);
	}
	p->nreftok++;
}

/* Read the next token into p. */
static int lex(struct parser *p)
{
	const char *s = p->s;
	size_t used;
	int c, rc;

	while (p->pos < p->len &&
	       (s[p->pos] == ' ' || s[p->pos] == '\t' || s[p->pos] == '\n' || s[p->pos] == '\r'))
		p->pos++;
	p->tpos = p->pos;
	free(p->str);
	p->str = NULL;
	if (p->pos >= p->len) {
		p->t = T_END;
		return 0;
	}
	c = (unsigned char)s[p->pos];
	if (c == '"')
		return lex_string(p);
	if (c == '#') {
		enum sheet_err er = sheet_err_parse(s + p->pos, p->len - p->pos, &used);

		if (er == SHEET_ERR_NONE)
			return fail(p, p->pos, "unknown error value");
		p->t = T_ERR;
		p->num = er;
		p->pos += used;
		return 0;
	}
	if (isalpha(c) || c == '$' || c == '\'' || c == '_' || c >= 0x80 || isdigit(c)) {
		rc = sheet_ref_parse(p->wb, p->sheet, s + p->pos, p->len - p->pos, &p->ref, &used);
		if ((rc == 0 || rc == E_NOTFOUND) &&
		    (p->pos + used >= p->len ||
		     (!is_ident((unsigned char)s[p->pos + used]) && s[p->pos + used] != '(' &&
		      s[p->pos + used] != '!'))) {
			p->t = rc == 0 ? T_REF : T_BADREF;
			if (rc != 0 || (p->ref.flags & SHEET_REF_SHEET))
				p->nocache = 1; /* depends on the workbook's sheets */
			else
				note_runs(p, p->pos, used);
			p->pos += used;
			return 0;
		}
		if (c == '\'')
			return fail(p, p->pos, "bad sheet reference");
	}
	if (isdigit(c) || c == '.')
		return lex_number(p);
	if (isalpha(c) || c == '_' || c == '\\' || c >= 0x80) {
		size_t i = p->pos;

		while (i < p->len && is_ident((unsigned char)s[i]))
			i++;
		p->tlen = i - p->pos;
		p->pos = i;
		if (i < p->len && s[i] == '(') {
			p->t = T_FUNC;
			p->pos++;
		} else {
			p->t = T_NAME;
		}
		return 0;
	}
	p->pos++;
	p->op[0] = (char)c;
	p->op[1] = '\0';
	switch (c) {
	case '(':
		p->t = T_LP;
		return 0;
	case ')':
		p->t = T_RP;
		return 0;
	case '{':
		p->t = T_LBRACE;
		return 0;
	case '}':
		p->t = T_RBRACE;
		return 0;
	case ',':
	case ';':
		p->t = T_COMMA;
		return 0;
	case '<':
		if (p->pos < p->len && (s[p->pos] == '=' || s[p->pos] == '>'))
			p->op[1] = s[p->pos++], p->op[2] = '\0';
		p->t = T_OP;
		return 0;
	case '>':
		if (p->pos < p->len && s[p->pos] == '=')
			p->op[1] = s[p->pos++], p->op[2] = '\0';
		p->t = T_OP;
		return 0;
	case '+':
	case '-':
	case '*':
	case '/':
	case '^':
	case '&':
	case '%':
	case '=':
		p->t = T_OP;
		return 0;
	}
	p->pos--;
	if (c >= 0x20 && c < 0x7f) {
		char what[32];

		snprintf(what, sizeof(what), "unexpected '%c'", c);
		return fail(p, p->pos, what);
	}
	return fail(p, p->pos, "unexpected byte");
}

static int unexpected(struct parser *p)
{
	char what[48];

	switch (p->t) {
	case T_END:
		return fail(p, p->tpos, "unexpected end of formula");
	case T_RP:
		return fail(p, p->tpos, "unexpected ')'");
	case T_LP:
		return fail(p, p->tpos, "unexpected '('");
	case T_LBRACE:
		return fail(p, p->tpos, "unexpected '{'");
	case T_RBRACE:
		return fail(p, p->tpos, "unexpected '}'");
	case T_COMMA:
		return fail(p, p->tpos, "unexpected ','");
	case T_OP:
		snprintf(what, sizeof(what), "unexpected '%s'", p->op);
		return fail(p, p->tpos, what);
	default:
		return fail(p, p->tpos, "unexpected operand");
	}
}

static int is_op(struct parser *p, const char *op)
{
	return p->t == T_OP && strcmp(p->op, op) == 0;
}

static int parse_expr(struct parser *p);

static int parse_call(struct parser *p)
{
	size_t name_pos = p->tpos, name_len = p->tlen;
	int fn = sheet_func_find(p->s + name_pos, name_len), argc = 0, rc;
	int outer = p->actx, flags = fn >= 0 ? sheet_func_at(fn)->flags : 0, any = 0;

	if ((rc = lex(p)) != 0)
		return rc;
	if (p->t != T_RP) {
		for (;;) {
			if (argc >= SHEET_MAX_ARGS)
				return fail(p, p->tpos, "too many arguments");
			/* arguments of array type are evaluated element by element,
			 * and so is all inside them */
			if ((flags & SHEET_FN_ARRAYCTX) || ((flags & SHEET_FN_ARRAYCTX1) && argc == 0) ||
			    ((flags & SHEET_FN_ARRAYCTX23) && (argc == 1 || argc == 2)))
				p->actx = SHEET_INSTR_ARRAYCTX;
			if (p->t == T_COMMA || p->t == T_RP) {
				emit(p, OP_MISSING, 0, 0, 1);
			} else if ((rc = parse_expr(p)) != 0) {
				return rc;
			} else {
				any |= p->arr;
			}
			p->actx = outer;
			argc++;
			if (p->t == T_RP)
				break;
			if (p->t != T_COMMA)
				return unexpected(p);
			if ((rc = lex(p)) != 0)
				return rc;
		}
	}
	if (fn >= 0) {
		const struct sheet_func *f = sheet_func_at(fn);
		char what[96];

		if (argc < f->min || argc > f->max) {
			snprintf(what, sizeof(what), "wrong number of arguments to %s", f->name);
			return fail(p, name_pos, what);
		}
		if (f->volatile_)
			p->c->volatile_ = 1;
	}
	p->arr = any; /* OP_FUNC's idx: whether it may have to lift */
	emit(p, OP_FUNC, 0, 0, 1 - argc);
	p->c->ins[p->c->nins - 1].argc = (uint8_t)argc;
	p->c->ins[p->c->nins - 1].fn = fn >= 0 ? (uint16_t)fn : UINT16_MAX;
	/* what may give an array: a lifted function of single values, and
	 * any other function (TRANSPOSE, INDEX, IF's chosen argument, ...) */
	if (flags & SHEET_FN_SCALAR)
		p->arr = any || outer;
	else
		p->arr = fn >= 0;
	return lex(p);
}

/* One element of an array constant into v: a number (maybe signed), a
 * text, TRUE or FALSE, or an error value. */
static int array_elem(struct parser *p, struct sheet_value *v)
{
	int neg = 0, rc;

	memset(v, 0, sizeof(*v));
	while (is_op(p, "-") || is_op(p, "+")) {
		neg ^= p->op[0] == '-';
		if ((rc = lex(p)) != 0)
			return rc;
		if (p->t != T_NUM)
			return fail(p, p->tpos, "a sign before a non-number in an array");
	}
	switch (p->t) {
	case T_NUM:
		v->type = SHEET_NUM;
		v->num = neg ? -p->num : p->num;
		break;
	case T_STR:
		v->type = SHEET_TEXT;
		v->str = p->str;
		p->str = NULL;
		break;
	case T_ERR:
		v->type = SHEET_ERROR;
		v->err = (enum sheet_err)p->num;
		break;
	case T_NAME:
		if (p->tlen == 4 && strncasecmp(p->s + p->tpos, "TRUE", 4) == 0) {
			v->type = SHEET_BOOL, v->num = 1;
			break;
		}
		if (p->tlen == 5 && strncasecmp(p->s + p->tpos, "FALSE", 5) == 0) {
			v->type = SHEET_BOOL;
			break;
		}
		return fail(p, p->tpos, "only constants go in an array");
	default:
		return fail(p, p->tpos, "only constants go in an array");
	}
	return lex(p);
}

/* {1,2,3;4,5,6}: ',' separates columns, ';' rows; rows of one length. */
static int parse_array(struct parser *p)
{
	struct sheet_value *vals = NULL;
	struct sheet_array *a;
	size_t n = 0, cap = 0;
	uint32_t cols = 0, col = 0, rows = 1;
	size_t start = p->tpos;
	int rc;

	if ((rc = lex(p)) != 0)
		return rc;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			vals = xreallocarray(vals, cap, sizeof(*vals));
		}
		if ((rc = array_elem(p, &vals[n])) != 0)
			goto out;
		n++, col++;
		if (p->t == T_COMMA && p->op[0] == ';') {
			if (cols != 0 && col != cols) {
				rc = fail(p, p->tpos, "array rows of different lengths");
				goto out;
			}
			cols = col, col = 0, rows++;
		} else if (p->t == T_RBRACE) {
			if (cols != 0 && col != cols) {
				rc = fail(p, p->tpos, "array rows of different lengths");
				goto out;
			}
			cols = col;
			break;
		} else if (p->t != T_COMMA) {
			rc = p->t == T_END ? fail(p, start, "unterminated array") : unexpected(p);
			goto out;
		}
		if ((rc = lex(p)) != 0)
			goto out;
	}
	p->nocache = 1; /* its block is not a plain text to copy */
	a = sheet_array_new(rows, cols);
	if (a == NULL) {
		rc = fail(p, start, "array too big");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		sheet_array_set(&a, (uint32_t)i, &vals[i]);
	/* kept with the formula's texts: one block, freed the same way */
	emit(p, OP_ARRAY, add_str(p, (char *)a), 0, 1);
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(vals[i].str);
	free(vals);
	return rc;
}

static int parse_primary(struct parser *p)
{
	int rc;

	p->arr = p->t == T_LBRACE; /* calls and parentheses set their own */
	switch (p->t) {
	case T_NUM:
		emit(p, OP_NUM, 0, p->num, 1);
		break;
	case T_STR:
		emit(p, OP_STR, add_str(p, p->str), 0, 1);
		p->str = NULL;
		break;
	case T_ERR:
		emit(p, OP_ERR, (uint32_t)p->num, 0, 1);
		break;
	case T_REF:
		emit(p, OP_REF, add_ref(p, &p->ref), 0, 1);
		break;
	case T_BADREF:
		emit(p, OP_ERR, SHEET_ERR_REF, 0, 1);
		break;
	case T_NAME: {
		const char *n = p->s + p->tpos;
		size_t i;

		if (p->tlen == 4 && strncasecmp(n, "TRUE", 4) == 0) {
			emit(p, OP_BOOL, 1, 0, 1);
			break;
		}
		if (p->tlen == 5 && strncasecmp(n, "FALSE", 5) == 0) {
			emit(p, OP_BOOL, 0, 0, 1);
			break;
		}
		p->nocache = 1; /* resolved by wb->names */
		for (i = 0; i < p->wb->nnames; i++)
			if (strlen(p->wb->names[i].name) == p->tlen &&
			    strncasecmp(p->wb->names[i].name, n, p->tlen) == 0)
				break;
		if (i < p->wb->nnames && p->wb->names[i].ref.sheet < 0)
			emit(p, OP_ERR, SHEET_ERR_REF, 0, 1); /* its cells were deleted */
		else if (i < p->wb->nnames)
			emit(p, OP_REF, add_ref(p, &p->wb->names[i].ref), 0, 1);
		else
			emit(p, OP_ERR, SHEET_ERR_NAME, 0, 1);
		break;
	}
	case T_FUNC:
		if (++p->depth > SHEET_MAX_DEPTH)
			return fail(p, p->tpos, "formula nested too deeply");
		rc = parse_call(p);
		p->depth--;
		return rc;
	case T_LBRACE:
		if ((rc = parse_array(p)) != 0)
			return rc;
		break;
	case T_LP:
		if (++p->depth > SHEET_MAX_DEPTH)
			return fail(p, p->tpos, "formula nested too deeply");
		if ((rc = lex(p)) != 0 || (rc = parse_expr(p)) != 0)
			return rc;
		if (p->t != T_RP)
			return unexpected(p);
		p->depth--;
		break;
	default:
		return unexpected(p);
	}
	return lex(p);
}

static int parse_unary(struct parser *p)
{
	int rc, neg = 0, minus = 0, n = 0;

	/* A run of signs is a loop, not recursion: "----1" cannot overflow. */
	while (is_op(p, "-") || is_op(p, "+")) {
		if (p->op[0] == '-')
			neg = !neg, minus = 1;
		n++;
		if ((rc = lex(p)) != 0)
			return rc;
	}
	if ((rc = parse_primary(p)) != 0)
		return rc;
	if (neg) {
		emit(p, OP_NEG, 0, 0, 0);
	} else if (minus) { /* --TRUE is 1: an even run of minus makes a number */
		emit(p, OP_NEG, 0, 0, 0);
		emit(p, OP_NEG, 0, 0, 0);
	} else if (n > 0) {
		emit(p, OP_PLUS, 0, 0, 0);
	}
	return 0;
}

static int parse_pct(struct parser *p)
{
	int rc = parse_unary(p);

	while (rc == 0 && is_op(p, "%")) {
		emit(p, OP_PCT, 0, 0, 0);
		rc = lex(p);
	}
	return rc;
}

static int parse_pow(struct parser *p)
{
	int rc = parse_pct(p);

	while (rc == 0 && is_op(p, "^")) {
		int left = p->arr;

		if ((rc = lex(p)) != 0 || (rc = parse_pct(p)) != 0)
			return rc;
		p->arr |= left;
		emit(p, OP_POW, 0, 0, -1);
	}
	return rc;
}

static int parse_mul(struct parser *p)
{
	int rc = parse_pow(p);

	while (rc == 0 && (is_op(p, "*") || is_op(p, "/"))) {
		uint8_t op = p->op[0] == '*' ? OP_MUL : OP_DIV;
		int left = p->arr;

		if ((rc = lex(p)) != 0 || (rc = parse_pow(p)) != 0)
			return rc;
		p->arr |= left;
		emit(p, op, 0, 0, -1);
	}
	return rc;
}

static int parse_add(struct parser *p)
{
	int rc = parse_mul(p);

	while (rc == 0 && (is_op(p, "+") || is_op(p, "-"))) {
		uint8_t op = p->op[0] == '+' ? OP_ADD : OP_SUB;
		int left = p->arr;

		if ((rc = lex(p)) != 0 || (rc = parse_mul(p)) != 0)
			return rc;
		p->arr |= left;
		emit(p, op, 0, 0, -1);
	}
	return rc;
}

static int parse_cat(struct parser *p)
{
	int rc = parse_add(p);

	while (rc == 0 && is_op(p, "&")) {
		int left = p->arr;

		if ((rc = lex(p)) != 0 || (rc = parse_add(p)) != 0)
			return rc;
		p->arr |= left;
		emit(p, OP_CAT, 0, 0, -1);
	}
	return rc;
}

static int cmp_op(struct parser *p)
{
	static const struct {
		const char *s;
		uint8_t op;
	} ops[] = {{"=", OP_EQ}, {"<>", OP_NE}, {"<", OP_LT},
		   {">", OP_GT}, {"<=", OP_LE}, {">=", OP_GE}};

	if (p->t != T_OP)
		return -1;
	for (size_t i = 0; i < nitems(ops); i++)
		if (strcmp(p->op, ops[i].s) == 0)
			return ops[i].op;
	return -1;
}

static int parse_expr(struct parser *p)
{
	int rc = parse_cat(p), op;

	while (rc == 0 && (op = cmp_op(p)) >= 0) {
		int left = p->arr;

		if ((rc = lex(p)) != 0 || (rc = parse_cat(p)) != 0)
			return rc;
		p->arr |= left;
		emit(p, (uint8_t)op, 0, 0, -1);
	}
	return rc;
}

/* The parser's arrays, when they outgrew its own. */
static void parser_free_arrays(struct parser *p)
{
	if (p->c->strs != p->strs0)
		free(p->c->strs);
	if (p->c->ins != p->ins0)
		free(p->c->ins);
	if (p->c->refs != p->refs0)
		free(p->c->refs);
}

/*
 * The finished code in two allocations of their exact sizes: the body
 * (instructions and text pointers, read-only once compiled) and the
 * struct with the references (ops.c moves those in place). A workbook
 * holds a million of these; the parser's doubling arrays cost several
 * times what a short formula needs. Formulas that differ only in their
 * references share one body (the compile cache below), counted by refs.
 */
struct sheet_body {
	uint64_t refs; /* codes using it; 8 bytes keep the instructions aligned */
};

static struct sheet_body *code_body(const struct sheet_code *c)
{
	return (struct sheet_body *)c->ins - 1;
}

/* A new struct for c's body (shared, one more user) with a copy of its
 * references, at mem (from the arena, big enough) or allocated. */
static struct sheet_code *code_share(const struct sheet_code *c, void *mem)
{
	struct sheet_code *k = mem ? mem : xmalloc(sizeof(*k) + c->nrefs * sizeof(*c->refs));

	*k = *c;
	k->inarena = mem != NULL;
	k->refs = (struct sheet_ref *)(k + 1);
	if (c->nrefs)
		memcpy(k->refs, c->refs, c->nrefs * sizeof(*c->refs));
	code_body(c)->refs++;
	return k;
}

static struct sheet_code *code_pack(struct parser *p)
{
	struct sheet_code *c = p->c, *k;
	size_t ins = c->nins * sizeof(*c->ins), strs = c->nstrs * sizeof(*c->strs);
	struct sheet_body *b = xmalloc(sizeof(*b) + ins + strs);

	b->refs = 0;
	k = xmalloc(sizeof(*k) + c->nrefs * sizeof(*c->refs));
	*k = *c;
	k->inarena = 0;
	k->ins = (struct sheet_instr *)(b + 1);
	k->strs = (char **)((char *)(b + 1) + ins);
	k->refs = (struct sheet_ref *)(k + 1);
	if (ins)
		memcpy(k->ins, c->ins, ins);
	if (strs)
		memcpy(k->strs, c->strs, strs);
	if (c->nrefs)
		memcpy(k->refs, c->refs, c->nrefs * sizeof(*c->refs));
	b->refs = 1;
	parser_free_arrays(p);
	return k;
}

void sheet_code_free(struct sheet_code *c)
{
	struct sheet_body *b;

	if (c == NULL)
		return;
	b = code_body(c);
	if (--b->refs == 0) {
		for (uint32_t i = 0; i < c->nstrs; i++)
			free(c->strs[i]);
		free(b);
	}
	if (!c->inarena)
		free(c);
}

static int compile(struct parser *p, struct sheet_book *wb, int sheet, const char *src,
		   struct sheet_code **out, struct err *e)
{
	int rc;

	memset(p, 0, offsetof(struct parser, runs));
	p->nruns = p->nreftok = 0;
	p->nocache = 0;
	p->wb = wb;
	p->sheet = sheet;
	p->s = src;
	p->len = strlen(src);
	p->e = e;
	p->c = &p->code;
	p->c->ins = p->ins0, p->capins = nitems(p->ins0);
	p->c->refs = p->refs0, p->caprefs = nitems(p->refs0);
	p->c->strs = p->strs0, p->capstrs = nitems(p->strs0);
	if (p->len > 0 && src[0] == '=')
		p->pos = 1;
	rc = lex(p);
	if (rc == 0 && p->t == T_END)
		rc = fail(p, p->tpos, "empty formula");
	if (rc == 0)
		rc = parse_expr(p);
	if (rc == 0 && p->t != T_END)
		rc = unexpected(p);
	free(p->str);
	if (rc != 0) {
		for (uint32_t i = 0; i < p->c->nstrs; i++)
			free(p->c->strs[i]);
		parser_free_arrays(p);
		*out = NULL;
		return rc;
	}
	*out = code_pack(p);
	return 0;
}

int sheet_compile(struct sheet_book *wb, int sheet, const char *src, struct sheet_code **out,
		  struct err *e)
{
	struct parser p;

	return compile(&p, wb, sheet, src, out, e);
}

/* ---- the compile cache ----------------------------------------------------
 *
 * The formulas of a column usually differ only in the rows they name
 * (B2 =A2*2, B3 =A3*2, ...). Per column slot the cache keeps the last
 * formula compiled there: its text, its code (a struct of its own on the
 * shared body) and where the text spells the rows of its references. A
 * new text that matches it everywhere else gets a copy of that code with
 * the rows read from its own digits, without lexing or parsing; the copy
 * shares the instructions and texts (the body) and has its own
 * references. What a copy cannot get
 * right is never cached: names (wb->names may change), references to
 * other sheets (the sheet list may change), array constants. Each cell
 * still owns its references, so editing operations (ops.c) adjust them
 * in place as before, and a code compiled again replaces only its own.
 */
#define CCACHE_SLOTS 64u

struct ccache_ent {
	char *src;
	size_t len;
	int sheet;
	struct sheet_code *code; /* NULL: empty slot */
	struct crun runs[32];
	uint32_t nruns;
};

#define ARENA_BLOCK (1u << 20)

struct arena_block {
	struct arena_block *next;
	size_t used;
	uint64_t data[]; /* aligned for a struct sheet_code */
};

struct sheet_ccache {
	struct ccache_ent e[CCACHE_SLOTS];
	int arena; /* sheet_compile_arena */
	struct arena_block *blocks;
};

/* n bytes (a multiple of 8) from the arena. */
static void *arena_get(struct sheet_ccache *cc, size_t n)
{
	struct arena_block *b = cc->blocks;
	size_t cap = ARENA_BLOCK - sizeof(*b);

	if (n > cap)
		return NULL;
	if (b == NULL || cap - b->used < n) {
		b = xmalloc(ARENA_BLOCK);
		b->next = cc->blocks;
		b->used = 0;
		cc->blocks = b;
	}
	b->used += n;
	return (char *)b->data + b->used - n;
}

void sheet_compile_arena(struct sheet_book *wb, int on)
{
	if (wb->ccache == NULL)
		wb->ccache = xcalloc(1, sizeof(*wb->ccache));
	wb->ccache->arena = on;
}

/* Set the rows of refs from the row numbers rows[2 * k + part]; 0 where
 * a part had no digits. Returns -1 when a reference would not be the
 * one the compiler reads (no digits where it needs them, reversed). */
static int runs_apply(struct sheet_ref *refs, uint32_t nrefs, const uint32_t *rows)
{
	for (uint32_t k = 0; k < nrefs; k++) {
		uint32_t a = rows[2 * k], b = rows[2 * k + 1];

		if (a == 0 && b == 0)
			continue; /* A:A, or no rows spelt */
		if (a == 0)
			return -1;
		if (b == 0) {
			if (refs[k].flags & SHEET_REF_RANGE)
				return -1;
			b = a;
		} else if (!(refs[k].flags & SHEET_REF_RANGE) || a > b) {
			return -1;
		}
		refs[k].r1 = a - 1;
		refs[k].r2 = b - 1;
	}
	return 0;
}

/* The row numbers ent's runs spell in src (matching ent->src elsewhere)
 * into rows (2 per reference); -1 when src does not match. */
static int ccache_match(const struct ccache_ent *ent, const char *src, size_t len,
			uint32_t *rows)
{
	const char *c = ent->src;
	size_t i = 0, j = 0;
	uint32_t k = 0;

	memset(rows, 0, 2 * ent->code->nrefs * sizeof(*rows));
	for (;;) {
		size_t to = k < ent->nruns ? ent->runs[k].pos : ent->len;

		/* the text up to the next run is the same */
		if (to > i) {
			if (to - i > len - j || memcmp(c + i, src + j, to - i) != 0)
				return -1;
			j += to - i;
			i = to;
		}
		if (k < ent->nruns) {
			uint32_t v = 0, n = 0;

			while (j < len && src[j] >= '0' && src[j] <= '9' && n < 8)
				v = v * 10 + (uint32_t)(src[j++] - '0'), n++;
			if (n == 0 || n > 7 || v == 0 || v > SHEET_MAX_ROWS)
				return -1;
			rows[2 * ent->runs[k].ref + ent->runs[k].part] = v;
			i += ent->runs[k].len;
			k++;
			continue;
		}
		return j == len ? 0 : -1;
	}
}

static void ccache_clear(struct ccache_ent *ent)
{
	free(ent->src);
	ent->src = NULL;
	sheet_code_free(ent->code);
	ent->code = NULL;
}

/* Keep what p just compiled (code) in ent, if a copy can be trusted: the
 * runs must spell exactly the rows the compiler read. */
static void ccache_keep(struct ccache_ent *ent, const struct parser *p, int sheet,
			const char *src, const struct sheet_code *code)
{
	uint32_t rows[64];
	struct sheet_ref refs[32];

	ccache_clear(ent);
	if (p->nocache || p->nreftok != code->nrefs || code->nrefs > nitems(refs))
		return;
	memset(rows, 0, 2 * code->nrefs * sizeof(*rows));
	for (uint32_t k = 0; k < p->nruns; k++) {
		const struct crun *r = &p->runs[k];
		uint32_t v = 0;

		if (rows[2 * r->ref + r->part] != 0 || r->len > 7)
			return; /* two runs for one part: not a shape we know */
		for (uint32_t i = r->pos; i < r->pos + r->len; i++)
			v = v * 10 + (uint32_t)(src[i] - '0');
		rows[2 * r->ref + r->part] = v;
	}
	memcpy(refs, code->refs, code->nrefs * sizeof(*refs));
	if (runs_apply(refs, code->nrefs, rows) != 0 ||
	    memcmp(refs, code->refs, code->nrefs * sizeof(*refs)) != 0)
		return;
	ent->len = strlen(src);
	ent->src = xstrndup(src, ent->len);
	ent->sheet = sheet;
	ent->code = code_share(code, NULL);
	memcpy(ent->runs, p->runs, p->nruns * sizeof(*p->runs));
	ent->nruns = p->nruns;
}

int sheet_compile_col(struct sheet_book *wb, int sheet, uint32_t col, const char *src,
		      struct sheet_code **out, struct err *e)
{
	struct ccache_ent *ent;
	struct parser p;
	int rc;

	if (wb->ccache == NULL)
		wb->ccache = xcalloc(1, sizeof(*wb->ccache));
	ent = &wb->ccache->e[col % CCACHE_SLOTS];
	if (ent->code != NULL && ent->sheet == sheet) {
		uint32_t rows[64];
		size_t len = strlen(src);

		if (ccache_match(ent, src, len, rows) == 0) {
			struct sheet_ref refs[32];
			const struct sheet_code *c = ent->code;

			memcpy(refs, c->refs, c->nrefs * sizeof(*refs));
			if (runs_apply(refs, c->nrefs, rows) == 0) {
				size_t n = sizeof(*c) + c->nrefs * sizeof(*c->refs);
				void *mem = wb->ccache->arena ? arena_get(wb->ccache, n) : NULL;
				struct sheet_code *k = code_share(c, mem);

				memcpy(k->refs, refs, c->nrefs * sizeof(*refs));
				*out = k;
				return 0;
			}
		}
	}
	rc = compile(&p, wb, sheet, src, out, e);
	if (rc == 0)
		ccache_keep(ent, &p, sheet, src, *out);
	return rc;
}

void sheet_ccache_free(struct sheet_book *wb)
{
	if (wb->ccache == NULL)
		return;
	for (uint32_t i = 0; i < CCACHE_SLOTS; i++)
		ccache_clear(&wb->ccache->e[i]);
	while (wb->ccache->blocks) {
		struct arena_block *b = wb->ccache->blocks;

		wb->ccache->blocks = b->next;
		free(b);
	}
	free(wb->ccache);
	wb->ccache = NULL;
}

/*
 * For ops.c (reference adjustment): run the lexer over src and call fn for
 * each reference token with its byte offset and length in src, the parsed
 * reference, and whether its sheet is missing. The lexer is the compiler's,
 * so what counts as a reference (not a function name, not the exponent of
 * 1E3, not inside a string) is exactly what the compiler sees. Returns 0,
 * fn's non-zero value, or E_PARSE where the lexer stops.
 */
int sheet_formula_refs(struct sheet_book *wb, int sheet, const char *src,
		       int (*fn)(size_t pos, size_t len, const struct sheet_ref *r, int missing,
				 void *arg),
		       void *arg)
{
	struct parser p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.wb = wb;
	p.sheet = sheet;
	p.s = src;
	p.len = strlen(src);
	if (p.len > 0 && src[0] == '=')
		p.pos = 1;
	for (;;) {
		rc = lex(&p);
		if (rc != 0 || p.t == T_END)
			break;
		if (p.t == T_REF || p.t == T_BADREF) {
			rc = fn(p.tpos, p.pos - p.tpos, &p.ref, p.t == T_BADREF, arg);
			if (rc != 0)
				break;
		}
	}
	free(p.str);
	return rc;
}
