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
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n/i18n.h"
#include "modules/sheets/csv.h"
#include "modules/sheets/grid.h"
#include "modules/sheets/io.h"
#include "store/store.h"

#define U_CONVERT "atrium sheets convert IN|- OUT|- [--sheet NAME] [--formatted]"
#define U_GET "atrium sheets get FILE|- CELL|RANGE [--json] [--formatted]"
#define U_SET "atrium sheets set FILE CELL VALUE|=FORMULA"
#define U_OPEN "sheets open FILE"
#define U_SAVE "sheets save [FILE]"
#define U_GOTO "sheets goto CELL"
#define U_SHEET "sheets sheet NAME | add [NAME] | rename NAME | delete [NAME] | next | prev"
#define U_WIDTH "sheets width N"
#define U_FORMAT "sheets format CODE|general|number|percent|currency|date"

/* Past this many cells a range is cut to the data (A:A, A1:XFD1048576). */
#define GET_MAX_CELLS (1u << 20)

static int usage(struct err *e, const char *use)
{
	return err_tr(e, E_USAGE, "err.usage", TR_S(use));
}

/* Split argv (argv[0] the verb) into positionals, --sheet and (where
 * formatted is not NULL) --formatted; any other argument starting with
 * "--" is an unknown option. */
static int parse_args(struct err *e, int argc, char **argv, int want, const char *use,
		      int allow_sheet, char **pos, int *formatted)
{
	int n = 0;

	if (formatted)
		*formatted = 0;

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
			continue; /* pick_sheet reads it; CSV has one sheet */
		}
		if (allow_sheet && strncmp(a, "--sheet=", 8) == 0 && a[8] != '\0')
			continue;
		if (formatted && strcmp(a, "--formatted") == 0) {
			*formatted = 1;
			continue;
		}
		return err_tr(e, E_USAGE, "err.sheets.option", TR_S(a), TR_S(argv[0]));
	}
	return n == want ? 0 : usage(e, use);
}

/* A workbook format by extension: 'x' .xlsx, 'o' .ods, 0 delimited text. */
static int path_kind(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash + 1 : path, '.');

	if (dot && strcasecmp(dot, ".xlsx") == 0)
		return 'x';
	if (dot && strcasecmp(dot, ".ods") == 0)
		return 'o';
	return 0;
}

/* The delimiter a path's extension asks for: 0 detect (input only);
 * xlsx and ods take ',' (used if written as CSV). */
static int path_delim(const char *path, int output, char *delim, struct err *e)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash + 1 : path, '.');

	if (path_kind(path)) {
		*delim = ',';
		return 0;
	}

	if (strcmp(path, "-") == 0) { /* stdin or stdout: CSV */
		*delim = output ? ',' : 0;
		return 0;
	}

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

/* The standard input ("-") of a batch verb, to its end. */
static int read_stdin(FILE *in, struct buf *out, struct err *e)
{
	char chunk[65536];
	size_t r;

	if (in == NULL)
		return err_tr(e, E_USAGE, "err.sheets.no_stdin", TR_S("-"));
	while ((r = fread(chunk, 1, sizeof chunk, in)) > 0)
		buf_add(out, chunk, r);
	if (ferror(in))
		return err_tr(e, E_IO, "err.sheets.read", TR_S("-"), TR_S(strerror(errno)));
	return 0;
}

/* ---- workbooks of the team share ------------------------------------------ */

/* The contents fetched from the share and not read yet, by path: the
 * loader's thread takes them through sheet_read_path. Never on disk. */
struct mem_file {
	char *path;
	struct buf data;
	struct mem_file *next;
};

static struct mem_file *mem_files;
static pthread_mutex_t mem_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct sheet_share_io *share_io;

int sheet_share_path(const char *path)
{
	return path && strncmp(path, SHEET_SHARE_PREFIX, strlen(SHEET_SHARE_PREFIX)) == 0;
}

/* A local name is a share path when neither it nor its folder exists
 * here: "/budget/2026.xlsx" on a machine without /budget. */
static int local_missing(const char *path)
{
	struct stat st;
	char *dir, *slash;
	int missing;

	if (path[0] != '/' || stat(path, &st) == 0)
		return 0;
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	missing = stat(dir, &st) != 0;
	free(dir);
	return missing;
}

char *sheet_share_resolve(const struct conf *conf, const char *path)
{
	struct buf b;
	char *out;

	if (sheet_share_path(path) || conf == NULL || !conf_get(conf, "files", "url") ||
	    !local_missing(path))
		return xstrdup(path);
	buf_init(&b);
	buf_adds(&b, SHEET_SHARE_PREFIX);
	buf_adds(&b, path);
	out = xstrndup(b.data, b.len);
	buf_free(&b);
	return out;
}

void sheet_mem_give(const char *path, struct buf *data)
{
	struct mem_file *m = xcalloc(1, sizeof *m);

	m->path = xstrdup(path);
	m->data = *data;
	buf_init(data);
	pthread_mutex_lock(&mem_lock);
	m->next = mem_files;
	mem_files = m;
	pthread_mutex_unlock(&mem_lock);
}

/* Unlink the first entry for path, or NULL. */
static struct mem_file *mem_take(const char *path)
{
	struct mem_file **p, *m = NULL;

	pthread_mutex_lock(&mem_lock);
	for (p = &mem_files; *p; p = &(*p)->next)
		if (strcmp((*p)->path, path) == 0) {
			m = *p;
			*p = m->next;
			break;
		}
	pthread_mutex_unlock(&mem_lock);
	return m;
}

static void mem_free(struct mem_file *m)
{
	if (m == NULL)
		return;
	/* What a workbook held is wiped, not just let go. */
	if (m->data.data)
		memset(m->data.data, 0, m->data.len);
	buf_free(&m->data);
	free(m->path);
	free(m);
}

void sheet_mem_drop(const char *path)
{
	struct mem_file *m;

	while ((m = mem_take(path)) != NULL)
		mem_free(m);
}

void sheet_share_set_io(const struct sheet_share_io *io)
{
	share_io = io;
}

/* A share path's content: handed over by sheet_mem_give (the screen), or
 * fetched now through the batch hooks. */
static int share_read(const char *path, struct buf *out, struct err *e)
{
	struct mem_file *m = mem_take(path);

	if (m) {
		if (out->len == 0) {
			buf_free(out);
			*out = m->data;
			buf_init(&m->data);
		} else {
			buf_add(out, m->data.data, m->data.len);
		}
		mem_free(m);
		return 0;
	}
	if (share_io && share_io->get)
		return share_io->get(path + strlen(SHEET_SHARE_PREFIX), out, e);
	return err_tr(e, E_USAGE, "err.sheets.share_none", TR_S(path));
}

int sheet_read_path(const char *path, struct buf *out, struct err *e)
{
	char chunk[65536];
	ssize_t r;
	int fd;

	if (sheet_share_path(path))
		return share_read(path, out, e);
	fd = open(path, O_RDONLY | O_CLOEXEC);

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

/* The standard input of the running verb, for "-" (NULL in the TUI). */
static FILE *cmd_in;

/* Load a CSV/TSV file ("-": CSV from cmd_in) into f (initialised here;
 * free it in any case). */
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
	sheet_file_init(f, strcmp(path, "-") == 0 ? NULL : name);
	free(name);
	buf_init(&data);
	if (strcmp(path, "-") == 0)
		rc = read_stdin(cmd_in, &data, e);
	else
		rc = sheet_read_path(path, &data, e);
	if (rc == 0 && path_kind(path)) {
		err_clear(&pe);
		rc = path_kind(path) == 'x' ? sheet_xlsx_load(f, data.data, data.len, &pe)
					    : sheet_ods_load(f, data.data, data.len, &pe);
		if (rc != 0)
			err_tr(e, rc, "err.sheets.file", TR_S(path), TR_S(pe.msg));
	} else if (rc == 0) {
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

/* The file's bytes in the format of path's extension, into out. */
static int write_bytes(const char *path, const struct sheet_file *f, enum sheet_csv_mode mode,
		       struct buf *out, struct err *e)
{
	struct err we;
	int rc = 0;

	err_clear(&we);
	if (path_kind(path) == 'x')
		rc = sheet_xlsx_write(f, out, &we);
	else if (path_kind(path) == 'o')
		rc = sheet_ods_write(f, out, &we);
	else
		sheet_csv_write(f, out, mode);
	if (rc != 0)
		err_tr(e, rc, "err.sheets.write", TR_S(path), TR_S(we.msg));
	return rc;
}

/* Bytes to path: a local file atomically, or the share (batch hooks). */
static int put_bytes(const char *path, const struct buf *b, struct err *e)
{
	if (!sheet_share_path(path))
		return store_write_atomic(path, b->data ? b->data : "", b->len, new_file_mode(),
					  e);
	if (share_io && share_io->put)
		return share_io->put(path + strlen(SHEET_SHARE_PREFIX), b->data ? b->data : "",
				     b->len, e);
	return err_tr(e, E_USAGE, "err.sheets.share_none", TR_S(path));
}

static int save(const char *path, const struct sheet_file *f, enum sheet_csv_mode mode,
		struct err *e)
{
	struct buf out;
	int rc;

	buf_init(&out);
	rc = write_bytes(path, f, mode, &out, e);
	if (rc == 0)
		rc = put_bytes(path, &out, e);
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

/* sheets get --formatted: values as shown. */
static int get_formatted;

static void cell_text(const struct sheet_file *f, uint32_t row, uint32_t col, struct buf *out)
{
	int numeric;

	if (!get_formatted)
		sheet_file_value_text(f, row, col, out);
	else if (grid_format_value(f, f->sheet, row, col, out, &numeric) != 0)
		buf_adds(out, "###");
}

static void print_cell(struct cmd_ctx *ctx, const struct sheet_file *f, const struct sheet_ref *ref)
{
	struct sheet_value v;
	struct buf t;
	char name[64];

	buf_init(&t);
	sheet_get(f->wb, f->sheet, ref->r1, ref->c1, &v);
	cell_text(f, ref->r1, ref->c1, &t);
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
		if (n && sheet_note_msg(n)) {
			json_key(ctx->json, "message");
			json_str(ctx->json, sheet_note_msg(n));
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
			cell_text(f, row, col, &t);
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

/* The sheet as CSV of the values as the grid shows them (formats). */
static void write_formatted(const struct sheet_file *f, struct buf *out)
{
	uint32_t rows, cols;
	struct buf cell;

	buf_init(&cell);
	sheet_extent(f->wb, f->sheet, &rows, &cols);
	for (uint32_t r = 0; r < rows; r++) {
		uint32_t last = 0;
		int numeric;

		for (uint32_t c = 0; c < cols; c++) {
			struct sheet_value v;

			sheet_get(f->wb, f->sheet, r, c, &v);
			if (v.type != SHEET_EMPTY)
				last = c + 1;
		}
		for (uint32_t c = 0; c < last; c++) {
			if (c > 0)
				buf_addc(out, f->delim);
			buf_reset(&cell);
			if (grid_format_value(f, f->sheet, r, c, &cell, &numeric) != 0)
				buf_adds(&cell, "###");
			csv_write_field(out, cell.len ? cell.data : "", cell.len, f->delim);
		}
		buf_addc(out, '\n');
	}
	buf_free(&cell);
}

/* Write f to path, or to out for "-". */
static int write_out(const char *path, const struct sheet_file *f, int formatted, FILE *out,
		     struct err *e)
{
	struct buf b;
	int rc = 0;

	if (!formatted && strcmp(path, "-") != 0)
		return save(path, f, SHEET_CSV_VALUES, e);
	buf_init(&b);
	if (formatted)
		write_formatted(f, &b);
	else
		sheet_csv_write(f, &b, SHEET_CSV_VALUES);
	if (strcmp(path, "-") == 0) {
		if (b.len && fwrite(b.data, 1, b.len, out) != b.len)
			rc = err_tr(e, E_IO, "err.sheets.write", TR_S("-"), TR_S(strerror(errno)));
	} else {
		rc = put_bytes(path, &b, e);
	}
	buf_free(&b);
	return rc;
}

/* Make the sheet named by --sheet (if given) the one written as CSV. */
static int pick_sheet(struct sheet_file *f, const char *path, int argc, char **argv,
		      struct err *e)
{
	const char *name = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--sheet") == 0 && i + 1 < argc)
			name = argv[++i];
		else if (strncmp(argv[i], "--sheet=", 8) == 0)
			name = argv[i] + 8;
	}
	if (name == NULL)
		return 0;
	i = sheet_find(f->wb, name, strlen(name));
	if (i < 0)
		return err_tr(e, E_NOTFOUND, "err.sheets.no_sheet", TR_S(path), TR_S(name));
	f->sheet = i;
	return 0;
}

static int cmd_convert(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct sheet_file f;
	char *pos[2];
	char din, dout;
	int rc, formatted;

	if ((rc = parse_args(ctx->err, argc, argv, 2, U_CONVERT, 1, pos, &formatted)) != 0 ||
	    (rc = path_delim(pos[0], 0, &din, ctx->err)) != 0 ||
	    (rc = path_delim(pos[1], 1, &dout, ctx->err)) != 0)
		return rc;
	cmd_in = ctx->in;
	rc = load(pos[0], din, &f, ctx->err);
	if (rc == 0 && path_kind(pos[0]))
		rc = pick_sheet(&f, pos[0], argc, argv, ctx->err);
	if (rc == 0) {
		f.delim = dout;
		rc = write_out(pos[1], &f, formatted, ctx->out, ctx->err);
	}
	if (rc == 0 && ctx->json && strcmp(pos[1], "-") != 0) {
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

	if ((rc = parse_args(ctx->err, argc, argv, 2, U_GET, 0, pos, &get_formatted)) != 0 ||
	    (rc = path_delim(pos[0], 0, &delim, ctx->err)) != 0)
		return rc;
	cmd_in = ctx->in;
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

	get_formatted = 0;
	if ((rc = parse_args(ctx->err, argc, argv, 3, U_SET, 0, pos, NULL)) != 0 ||
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

int sheet_path_bytes(const char *path, struct sheet_file *f, int as_new, struct buf *out,
		     struct err *e)
{
	char delim;
	int rc = path_delim(path, 1, &delim, e);

	if (rc != 0)
		return rc;
	if (as_new)
		f->delim = delim;
	return write_bytes(path, f, SHEET_CSV_FORMULAS, out, e);
}

int sheet_cmd_is_grid(const char *verb)
{
	static const char *const verbs[] = { "open", "save", "w", "goto", "sheet",
					     "width", "autofit", "format", "recalc" };

	for (size_t i = 0; i < nitems(verbs); i++)
		if (strcmp(verb, verbs[i]) == 0)
			return 1;
	return 0;
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

/* A sheet by name, or the current one when name is NULL. */
static int sheet_arg(struct grid *g, struct cmd_ctx *ctx, const char *name)
{
	int i;

	if (name == NULL)
		return grid_sheet(g);
	i = sheet_find(grid_file(g)->wb, name, strlen(name));
	if (i < 0)
		return err_tr(ctx->err, E_NOTFOUND, "err.sheets.sheet_none", TR_S(name));
	return i;
}

/* sheet NAME | add [NAME] | rename NAME | delete [NAME] | next | prev */
static int grid_sheet_cmd(struct grid *g, struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : NULL;
	struct sheet_file *f = grid_file(g);
	char t[600];
	int i;

	if (sub == NULL || argc > 3)
		return usage(ctx->err, U_SHEET);
	if (strcmp(sub, "add") == 0) {
		i = grid_sheet_add(g, argc == 3 ? argv[2] : NULL, ctx->err);
		return i < 0 ? i : 0;
	}
	if (strcmp(sub, "rename") == 0)
		return argc == 3 ? grid_sheet_rename(g, grid_sheet(g), argv[2], ctx->err)
				 : usage(ctx->err, U_SHEET);
	if (strcmp(sub, "delete") == 0) {
		if ((i = sheet_arg(g, ctx, argc == 3 ? argv[2] : NULL)) < 0)
			return i;
		trf(t, sizeof t, "sheets.confirm_delete", TR_S(sheet_name(f->wb, i)));
		if (ctx->confirm == NULL || ctx->confirm(t) != 1)
			return err_set(ctx->err, E_CANCELLED, "%s", tr("sheets.kept"));
		return grid_sheet_delete(g, i, ctx->err);
	}
	if (argc != 2)
		return usage(ctx->err, U_SHEET);
	if (strcmp(sub, "next") == 0 || strcmp(sub, "prev") == 0) {
		grid_set_sheet(g, grid_sheet(g) + (sub[0] == 'n' ? 1 : -1));
		return 0;
	}
	if ((i = sheet_arg(g, ctx, sub)) < 0)
		return i;
	grid_set_sheet(g, i);
	return 0;
}

static int grid_width_cmd(struct grid *g, struct cmd_ctx *ctx, int argc, char **argv)
{
	uint32_t row, col;
	char *end;
	long n;

	if (argc != 2)
		return usage(ctx->err, U_WIDTH);
	n = strtol(argv[1], &end, 10);
	if (*end != '\0' || end == argv[1] || n < 0 || n > GRID_COL_MAX)
		return err_tr(ctx->err, E_USAGE, "err.sheets.width", TR_S(argv[1]),
			      TR_N(GRID_COL_MAX));
	grid_cursor(g, &row, &col);
	grid_set_col_width(g, col, (int)n);
	return 0;
}

/* Words for common formats; the currency follows the UI language. */
static const char *format_alias(const char *w)
{
	static const struct {
		const char *word, *code;
	} alias[] = {
		{ "general", "General" },	 { "number", "#,##0.00" },
		{ "integer", "#,##0" },		 { "percent", "0.00%" },
		{ "date", "yyyy-mm-dd" },	 { "datetime", "yyyy-mm-dd hh:mm" },
		{ "time", "hh:mm:ss" },		 { "text", "@" },
		{ "scientific", "0.00E+00" },
	};

	if (strcasecmp(w, "currency") == 0)
		return tr("sheets.currency_format");
	for (size_t i = 0; i < nitems(alias); i++)
		if (strcasecmp(w, alias[i].word) == 0)
			return alias[i].code;
	return w;
}

static int grid_format_cmd(struct grid *g, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct sheet_rect r;
	struct err pe;
	int rc;

	if (argc != 2)
		return usage(ctx->err, U_FORMAT);
	grid_selection(g, &r); /* the selection, or the cursor's cell */
	err_clear(&pe);
	rc = grid_set_format(g, r.r1, r.c1, r.r2, r.c2, format_alias(argv[1]), &pe);
	if (rc != 0)
		return err_tr(ctx->err, rc, "err.sheets.format_code", TR_S(argv[1]), TR_S(pe.msg));
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
	if (strcmp(verb, "sheet") == 0)
		return grid_sheet_cmd(g, ctx, argc, argv);
	if (strcmp(verb, "width") == 0)
		return grid_width_cmd(g, ctx, argc, argv);
	if (strcmp(verb, "format") == 0)
		return grid_format_cmd(g, ctx, argc, argv);
	if (strcmp(verb, "autofit") == 0) {
		uint32_t row, col;

		if (argc != 1)
			return usage(ctx->err, "sheets autofit");
		grid_cursor(g, &row, &col);
		grid_autofit(g, col);
		return 0;
	}
	if (strcmp(verb, "recalc") == 0) {
		if (argc != 1)
			return usage(ctx->err, "sheets recalc");
		grid_recalc_all(g);
		grid_recalc_run(g, 30, NULL);
		return 0;
	}
	return argc == 2 ? grid_goto_cmd(g, ctx, argv[1]) : usage(ctx->err, U_GOTO);
}

const struct module_verb sheet_verbs[] = {
	{ "status", "", "verb.status" },
	{ "convert", "IN|- OUT|- [--sheet NAME] [--formatted]", "verb.sheets.convert" },
	{ "get", "FILE|- CELL|RANGE [--json] [--formatted]", "verb.sheets.get" },
	{ "set", "FILE CELL VALUE|=FORMULA", "verb.sheets.set" },
	{ "open", "FILE|share:/PATH", "verb.sheets.open" },
	{ "save", "[FILE|share:/PATH]", "verb.sheets.save" },
	{ "share", "JID|ROOM", "verb.sheets.share" },
	{ "w", "[FILE|share:/PATH]", "verb.sheets.save" },
	{ "goto", "CELL", "verb.sheets.goto" },
	{ "sheet", "NAME|add [NAME]|rename NAME|delete [NAME]|next|prev", "verb.sheets.sheet" },
	{ "width", "N", "verb.sheets.width" },
	{ "autofit", "", "verb.sheets.autofit" },
	{ "format", "CODE", "verb.sheets.format" },
	{ "recalc", "", "verb.sheets.recalc" },
	{ "sort", "COLUMN [asc|desc], ...", "verb.sheets.sort" },
	{ "filter", "[COLUMN CRITERION]", "verb.sheets.filter" },
	{ "find", "TEXT", "verb.sheets.find" },
	{ "replace", "FROM TO", "verb.sheets.replace" },
	{ "insert", "rows|columns", "verb.sheets.insert" },
	{ "delete", "rows|columns", "verb.sheets.delete" },
	{ NULL, NULL, NULL },
};
