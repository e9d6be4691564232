/*
 * cmd.c - the sheets verbs that work on files: convert, get, set; and the
 * verbs of the grid on the Sheets tab: open, save (w), goto, which need the
 * screen. The status verb is the account's (account.c); sheets.c routes to
 * all of them.
 *
 * Only delimited text (CSV, TSV) is read and written in this version; the
 * format follows the extension (.tsv: TAB; .csv, .txt: detected on input,
 * ',' on output). Opening never writes the user's file; set saves it
 * atomically, keeping its mode and its formulas.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n/i18n.h"
#include "modules/sheets/grid.h"
#include "modules/sheets/io.h"
#include "store/store.h"

#define U_CONVERT "atrium sheets convert IN OUT [--sheet NAME]"
#define U_GET "atrium sheets get FILE CELL|RANGE [--json]"
#define U_SET "atrium sheets set FILE CELL VALUE|=FORMULA"
#define U_OPEN "sheets open FILE"
#define U_SAVE "sheets save [FILE]"
#define U_GOTO "sheets goto CELL"

/* Past this many cells a range is cut to the data (A:A, A1:XFD1048576). */
#define GET_MAX_CELLS (1u << 20)

/* As app/app.h's: a message from the catalogs (at least one argument). */
#ifndef err_tr
#define err_tr(e, code, key, ...) \
	err_set((e), (code), "%s", trf((char[512]){ 0 }, 512, (key), __VA_ARGS__))
#endif

static int usage(struct err *e, const char *use)
{
	return err_tr(e, E_USAGE, "err.usage", TR_S(use));
}

/* Split argv (argv[0] the verb) into positionals and --sheet; any other
 * argument starting with "--" is an unknown option. */
static int parse_args(struct err *e, int argc, char **argv, int want, const char *use,
		      int allow_sheet, char **pos)
{
	int n = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			if (n == want)
				return usage(e, use);
			pos[n++] = argv[i];
			continue;
		}
		if (allow_sheet && strcmp(a, "--sheet") == 0) {
			if (++i >= argc || argv[i][0] == '\0')
				return usage(e, use);
			continue; /* CSV has one sheet: nothing to choose */
		}
		if (allow_sheet && strncmp(a, "--sheet=", 8) == 0 && a[8] != '\0')
			continue;
		return err_tr(e, E_USAGE, "err.sheets.option", TR_S(a), TR_S(argv[0]));
	}
	return n == want ? 0 : usage(e, use);
}

/* The delimiter a path's extension asks for: 0 detect (input only). */
static int path_delim(const char *path, int output, char *delim, struct err *e)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash + 1 : path, '.');

	if (dot && (strcasecmp(dot, ".tsv") == 0 || strcasecmp(dot, ".tab") == 0)) {
		*delim = '\t';
		return 0;
	}
	if (dot && (strcasecmp(dot, ".csv") == 0 || strcasecmp(dot, ".txt") == 0)) {
		*delim = output ? ',' : 0;
		return 0;
	}
	return err_tr(e, E_USAGE, "err.sheets.format", TR_S(path));
}

static int read_all(const char *path, struct buf *out, struct err *e)
{
	char chunk[65536];
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return err_tr(e, E_NOTFOUND, "err.sheets.notfound", TR_S(path));
		return err_tr(e, errno == EACCES ? E_PERM : E_IO, "err.sheets.read", TR_S(path),
			       TR_S(strerror(errno)));
	}
	for (;;) {
		r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;

			close(fd);
			return err_tr(e, E_IO, "err.sheets.read", TR_S(path),
				       TR_S(strerror(saved)));
		}
		if (r == 0)
			break;
		buf_add(out, chunk, (size_t)r);
	}
	close(fd);
	return 0;
}

/* Load a CSV/TSV file into f (initialised here; free it in any case). */
static int load(const char *path, char delim, struct sheet_file *f, struct err *e)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	const char *dot = strrchr(base, '.');
	char *name = xstrndup(base, dot && dot > base ? (size_t)(dot - base) : strlen(base));
	struct buf data;
	struct err pe;
	int rc;

	if (strlen(name) > 31) /* Excel's limit on sheet names */
		name[31] = '\0';
	sheet_file_init(f, name);
	free(name);
	buf_init(&data);
	rc = read_all(path, &data, e);
	if (rc == 0) {
		err_clear(&pe);
		rc = sheet_csv_load(f, data.data ? data.data : "", data.len, delim, &pe);
		if (rc != 0)
			err_tr(e, rc, "err.sheets.csv", TR_S(path), TR_S(pe.msg));
	}
	buf_free(&data);
	return rc;
}

static int new_file_mode(void)
{
	mode_t m = umask(0);

	umask(m);
	return 0666 & ~(int)m;
}

static int save(const char *path, const struct sheet_file *f, enum sheet_csv_mode mode,
		struct err *e)
{
	struct buf out;
	int rc;

	buf_init(&out);
	sheet_csv_write(f, &out, mode);
	rc = store_write_atomic(path, out.data ? out.data : "", out.len, new_file_mode(), e);
	buf_free(&out);
	return rc;
}

/* Parse a reference typed by the user; the whole text must be one. */
static int user_ref(const struct sheet_file *f, const char *s, struct sheet_ref *ref,
		    struct err *e)
{
	size_t used;

	if (sheet_ref_parse(f->wb, f->sheet, s, strlen(s), ref, &used) != 0 ||
	    used != strlen(s) || ref->sheet != f->sheet)
		return err_tr(e, E_USAGE, "err.sheets.ref", TR_S(s));
	return 0;
}

/* The reference written back without $ and without the sheet. */
static void ref_name(const struct sheet_file *f, const struct sheet_ref *ref, char *buf,
		     size_t n)
{
	struct sheet_ref r = *ref;

	r.flags &= ~(unsigned)(SHEET_REF_ABS_C1 | SHEET_REF_ABS_R1 | SHEET_REF_ABS_C2 |
			       SHEET_REF_ABS_R2 | SHEET_REF_SHEET);
	sheet_ref_format(f->wb, &r, buf, n);
}

/* Plain output: no control characters reach the terminal (C0, DEL, C1). */
static void put_plain(FILE *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			fputc(' ', out);
		} else if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
			   (unsigned char)s[i + 1] <= 0x9f) {
			fputc(' ', out);
			i++;
		} else {
			fputc(c, out);
		}
	}
}

static const char *type_name(enum sheet_type t)
{
	switch (t) {
	case SHEET_NUM: return "number";
	case SHEET_TEXT: return "text";
	case SHEET_BOOL: return "boolean";
	case SHEET_ERROR: return "error";
	default: return "empty";
	}
}

static void json_value(struct json *j, const struct sheet_value *v)
{
	switch (v->type) {
	case SHEET_NUM: json_num(j, v->num); break;
	case SHEET_TEXT: json_str(j, v->str ? v->str : ""); break;
	case SHEET_BOOL: json_bool(j, v->num != 0); break;
	case SHEET_ERROR: json_str(j, sheet_err_text(v->err)); break;
	default: json_null(j); break;
	}
}

static void print_cell(struct cmd_ctx *ctx, const struct sheet_file *f, const struct sheet_ref *ref)
{
	struct sheet_value v;
	struct buf t;
	char name[64];

	buf_init(&t);
	sheet_get(f->wb, f->sheet, ref->r1, ref->c1, &v);
	sheet_file_value_text(f, ref->r1, ref->c1, &t);
	if (ctx->json) {
		const char *src = sheet_file_formula(f, ref->r1, ref->c1);
		const struct sheet_note *n = sheet_file_note(f, ref->r1, ref->c1);

		ref_name(f, ref, name, sizeof name);
		json_obj_begin(ctx->json);
		json_key(ctx->json, "cell");
		json_str(ctx->json, name);
		json_key(ctx->json, "value");
		json_value(ctx->json, &v);
		json_key(ctx->json, "type");
		json_str(ctx->json, type_name(v.type));
		json_key(ctx->json, "text");
		json_strn(ctx->json, t.data ? t.data : "", t.len);
		if (src) {
			json_key(ctx->json, "formula");
			json_str(ctx->json, src);
		}
		if (n && n->msg) {
			json_key(ctx->json, "message");
			json_str(ctx->json, n->msg);
		}
		json_obj_end(ctx->json);
	} else {
		put_plain(ctx->out, t.data ? t.data : "", t.len);
		fputc('\n', ctx->out);
	}
	buf_free(&t);
}

static void print_range(struct cmd_ctx *ctx, const struct sheet_file *f, struct sheet_ref r)
{
	uint32_t rows, cols;
	struct buf t;
	char name[96];

	sheet_extent(f->wb, f->sheet, &rows, &cols);
	if ((uint64_t)(r.r2 - r.r1 + 1) * (r.c2 - r.c1 + 1) > GET_MAX_CELLS) {
		/* Cut to the data, keeping at least the first cell. */
		if (r.r2 >= rows)
			r.r2 = rows > r.r1 ? rows - 1 : r.r1;
		if (r.c2 >= cols)
			r.c2 = cols > r.c1 ? cols - 1 : r.c1;
	}
	buf_init(&t);
	if (ctx->json) {
		ref_name(f, &r, name, sizeof name);
		json_obj_begin(ctx->json);
		json_key(ctx->json, "range");
		json_str(ctx->json, name);
		json_key(ctx->json, "rows");
		json_arr_begin(ctx->json);
	}
	for (uint32_t row = r.r1; row <= r.r2; row++) {
		if (ctx->json)
			json_arr_begin(ctx->json);
		for (uint32_t col = r.c1; col <= r.c2; col++) {
			struct sheet_value v;

			if (ctx->json) {
				sheet_get(f->wb, f->sheet, row, col, &v);
				json_value(ctx->json, &v);
				continue;
			}
			buf_reset(&t);
			sheet_file_value_text(f, row, col, &t);
			if (col > r.c1)
				fputc('\t', ctx->out);
			put_plain(ctx->out, t.data ? t.data : "", t.len);
		}
		if (ctx->json)
			json_arr_end(ctx->json);
		else
			fputc('\n', ctx->out);
	}
	if (ctx->json) {
		json_arr_end(ctx->json);
		json_obj_end(ctx->json);
	}
	buf_free(&t);
}

static int cmd_convert(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct sheet_file f;
	char *pos[2];
	char din, dout;
	int rc;

	if ((rc = parse_args(ctx->err, argc, argv, 2, U_CONVERT, 1, pos)) != 0 ||
	    (rc = path_delim(pos[0], 0, &din, ctx->err)) != 0 ||
	    (rc = path_delim(pos[1], 1, &dout, ctx->err)) != 0)
		return rc;
	rc = load(pos[0], din, &f, ctx->err);
	if (rc == 0) {
		f.delim = dout;
		rc = save(pos[1], &f, SHEET_CSV_VALUES, ctx->err);
	}
	if (rc == 0 && ctx->json) {
		uint32_t rows, cols;

		sheet_extent(f.wb, f.sheet, &rows, &cols);
		json_obj_begin(ctx->json);
		json_key(ctx->json, "input");
		json_str(ctx->json, pos[0]);
		json_key(ctx->json, "output");
		json_str(ctx->json, pos[1]);
		json_key(ctx->json, "rows");
		json_int(ctx->json, rows);
		json_key(ctx->json, "columns");
		json_int(ctx->json, cols);
		json_obj_end(ctx->json);
	}
	sheet_file_free(&f);
	return rc;
}

static int cmd_get(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct sheet_file f;
	struct sheet_ref ref;
	char *pos[2];
	char delim;
	int rc;

	if ((rc = parse_args(ctx->err, argc, argv, 2, U_GET, 0, pos)) != 0 ||
	    (rc = path_delim(pos[0], 0, &delim, ctx->err)) != 0)
		return rc;
	rc = load(pos[0], delim, &f, ctx->err);
	if (rc == 0)
		rc = user_ref(&f, pos[1], &ref, ctx->err);
	if (rc == 0) {
		if (ref.flags & SHEET_REF_RANGE)
			print_range(ctx, &f, ref);
		else
			print_cell(ctx, &f, &ref);
	}
	sheet_file_free(&f);
	return rc;
}

static int cmd_set(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct sheet_file f;
	struct sheet_ref ref;
	struct err pe;
	char *pos[3];
	char delim;
	int rc;

	if ((rc = parse_args(ctx->err, argc, argv, 3, U_SET, 0, pos)) != 0 ||
	    (rc = path_delim(pos[0], 0, &delim, ctx->err)) != 0)
		return rc;
	rc = load(pos[0], delim, &f, ctx->err);
	if (rc == 0)
		rc = user_ref(&f, pos[1], &ref, ctx->err);
	if (rc == 0 && (ref.flags & SHEET_REF_RANGE))
		rc = err_tr(ctx->err, E_USAGE, "err.sheets.one_cell", TR_S(pos[1]));
	if (rc == 0) {
		err_clear(&pe);
		rc = sheet_file_input(&f, ref.r1, ref.c1, pos[2], strlen(pos[2]), 0, 1, &pe);
		if (rc != 0)
			err_tr(ctx->err, rc, "err.sheets.formula", TR_S(pos[1]), TR_S(pe.msg));
	}
	if (rc == 0)
		rc = save(pos[0], &f, SHEET_CSV_FORMULAS, ctx->err);
	if (rc == 0)
		print_cell(ctx, &f, &ref);
	sheet_file_free(&f);
	return rc;
}

int sheet_cmd(struct cmd_ctx *ctx, int argc, char **argv)
{
	if (strcmp(argv[0], "convert") == 0)
		return cmd_convert(ctx, argc, argv);
	if (strcmp(argv[0], "get") == 0)
		return cmd_get(ctx, argc, argv);
	if (strcmp(argv[0], "set") == 0)
		return cmd_set(ctx, argc, argv);
	return err_tr(ctx->err, E_USAGE, "err.unknown_verb", TR_S(argv[0]), TR_S("sheets"));
}

/* ---- the grid's verbs ------------------------------------------------------ */

int sheet_path_load(const char *path, struct sheet_file *f, struct err *e)
{
	char delim;
	int rc = path_delim(path, 0, &delim, e);

	if (rc != 0) {
		sheet_file_init(f, NULL);
		return rc;
	}
	return load(path, delim, f, e);
}

int sheet_path_save(const char *path, struct sheet_file *f, int as_new, struct err *e)
{
	char delim;
	int rc = path_delim(path, 1, &delim, e);

	if (rc != 0)
		return rc;
	if (as_new)
		f->delim = delim;
	return save(path, f, SHEET_CSV_FORMULAS, e);
}

int sheet_cmd_is_grid(const char *verb)
{
	return strcmp(verb, "open") == 0 || strcmp(verb, "save") == 0 ||
	       strcmp(verb, "w") == 0 || strcmp(verb, "goto") == 0;
}

static int grid_open(struct grid *g, struct cmd_ctx *ctx, const char *path)
{
	struct sheet_file f;
	char t[600];
	int rc;

	if (grid_modified(g)) {
		const char *name = grid_path(g) ? grid_path(g) : tr("sheets.untitled");

		trf(t, sizeof t, "sheets.confirm_discard", TR_S(name));
		if (ctx->confirm == NULL || ctx->confirm(t) != 1)
			return err_set(ctx->err, E_CANCELLED, "%s", tr("sheets.kept"));
	}
	rc = sheet_path_load(path, &f, ctx->err);
	if (rc != 0) {
		sheet_file_free(&f);
		return rc;
	}
	grid_replace(g, &f, path);
	fprintf(ctx->out, "%s\n", trf(t, sizeof t, "sheets.opened", TR_S(path)));
	return 0;
}

static int grid_save(struct grid *g, struct cmd_ctx *ctx, const char *path)
{
	char t[600];
	int as_new = path != NULL && (grid_path(g) == NULL || strcmp(path, grid_path(g)) != 0);
	int rc;

	if (path == NULL)
		path = grid_path(g);
	if (path == NULL)
		return err_set(ctx->err, E_USAGE, "%s", tr("sheets.err.no_name"));
	rc = sheet_path_save(path, grid_file(g), as_new, ctx->err);
	if (rc != 0)
		return rc;
	grid_saved(g, path);
	fprintf(ctx->out, "%s\n", trf(t, sizeof t, "sheets.saved", TR_S(path)));
	return 0;
}

static int grid_goto_cmd(struct grid *g, struct cmd_ctx *ctx, const char *cell)
{
	struct sheet_ref ref;
	int rc = user_ref(grid_file(g), cell, &ref, ctx->err);

	if (rc != 0)
		return rc;
	if (ref.flags & SHEET_REF_RANGE)
		return err_tr(ctx->err, E_USAGE, "err.sheets.one_cell", TR_S(cell));
	if (grid_editing(g))
		grid_edit_cancel(g);
	grid_goto(g, ref.r1, ref.c1);
	return 0;
}

int sheet_cmd_grid(struct grid *g, struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *verb = argv[0];

	if (!ctx->interactive || g == NULL)
		return err_tr(ctx->err, E_USAGE, "sheets.err.needs_screen", TR_S(verb));
	if (strcmp(verb, "open") == 0)
		return argc == 2 ? grid_open(g, ctx, argv[1]) : usage(ctx->err, U_OPEN);
	if (strcmp(verb, "save") == 0 || strcmp(verb, "w") == 0)
		return argc <= 2 ? grid_save(g, ctx, argc == 2 ? argv[1] : NULL)
				 : usage(ctx->err, U_SAVE);
	return argc == 2 ? grid_goto_cmd(g, ctx, argv[1]) : usage(ctx->err, U_GOTO);
}

const struct module_verb sheet_verbs[] = {
	{ "status", "", "verb.status" },
	{ "convert", "IN OUT [--sheet NAME]", "verb.sheets.convert" },
	{ "get", "FILE CELL|RANGE [--json]", "verb.sheets.get" },
	{ "set", "FILE CELL VALUE|=FORMULA", "verb.sheets.set" },
	{ "open", "FILE", "verb.sheets.open" },
	{ "save", "[FILE]", "verb.sheets.save" },
	{ "w", "[FILE]", "verb.sheets.save" },
	{ "goto", "CELL", "verb.sheets.goto" },
	{ NULL, NULL, NULL },
};
