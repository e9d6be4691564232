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
 * The finished code in one allocation of its exact size: the struct, then
 * its instructions, text pointers and references. A workbook holds a
 * million of these; the parser's doubling arrays (16 instructions, 4
 * references) cost several times what a short formula needs, and four
 * allocations each to make and to free. The texts stay their own blocks.
 */
static struct sheet_code *code_pack(struct parser *p)
{
	struct sheet_code *c = p->c;
	size_t ins = c->nins * sizeof(*c->ins), strs = c->nstrs * sizeof(*c->strs);
	struct sheet_code *k = xmalloc(sizeof(*k) + ins + strs + c->nrefs * sizeof(*c->refs));
	char *q = (char *)(k + 1);

	*k = *c;
	k->ins = (struct sheet_instr *)q;
	k->strs = (char **)(q + ins);
	k->refs = (struct sheet_ref *)(q + ins + strs);
	if (ins)
		memcpy(k->ins, c->ins, ins);
	if (strs)
		memcpy(k->strs, c->strs, strs);
	if (c->nrefs)
		memcpy(k->refs, c->refs, c->nrefs * sizeof(*c->refs));
	parser_free_arrays(p);
	return k;
}

void sheet_code_free(struct sheet_code *c)
{
	if (c == NULL)
		return;
	for (uint32_t i = 0; i < c->nstrs; i++)
		free(c->strs[i]);
	free(c);
}

int sheet_compile(struct sheet_book *wb, int sheet, const char *src, struct sheet_code **out,
		  struct err *e)
{
	struct parser p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.wb = wb;
	p.sheet = sheet;
	p.s = src;
	p.len = strlen(src);
	p.e = e;
	p.c = &p.code;
	p.c->ins = p.ins0, p.capins = nitems(p.ins0);
	p.c->refs = p.refs0, p.caprefs = nitems(p.refs0);
	p.c->strs = p.strs0, p.capstrs = nitems(p.strs0);
	if (p.len > 0 && src[0] == '=')
		p.pos = 1;
	rc = lex(&p);
	if (rc == 0 && p.t == T_END)
		rc = fail(&p, p.tpos, "empty formula");
	if (rc == 0)
		rc = parse_expr(&p);
	if (rc == 0 && p.t != T_END)
		rc = unexpected(&p);
	free(p.str);
	if (rc != 0) {
		for (uint32_t i = 0; i < p.c->nstrs; i++)
			free(p.c->strs[i]);
		parser_free_arrays(&p);
		*out = NULL;
		return rc;
	}
	*out = code_pack(&p);
	return 0;
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
