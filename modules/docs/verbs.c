/*
 * verbs.c - the docs verbs about files and Markdown (verbs.h): `cat`,
 * `stats` and `replace FILE ...` work in batch mode on a file and its
 * recovery journal; `encoding`, `lineends`, `diff`, `outline` and
 * `reflow` act on the editor shown in the screen. docs.c hands them the
 * verbs it does not know.
 */
#include <stdlib.h>
#include <string.h>

#include "i18n/i18n.h"
#include "modules/docs/buffer.h"
#include "modules/docs/editor.h"
#include "modules/docs/file.h"
#include "modules/docs/find.h"
#include "modules/docs/markdown.h"
#include "modules/docs/recover.h"
#include "modules/docs/verbs.h"

static int usage(struct cmd_ctx *ctx, const char *use)
{
	char t[256];

	return err_set(ctx->err, E_USAGE, "%s", trf(t, sizeof t, "err.usage", TR_S(use)));
}

/* Open an existing file for a batch verb (a missing one is E_NOTFOUND). */
static int open_existing(struct editor *ed, const char *path, struct cmd_ctx *ctx)
{
	char t[600];
	int rc = editor_open(ed, path, ctx->err);

	if (rc == 0 && doc_buf_is_new(editor_buf(ed)))
		return err_set(ctx->err, E_NOTFOUND, "%s",
			       trf(t, sizeof t, "docs.err.no_file", TR_S(path)));
	return rc;
}

/* The text in UTF-8 with the file's own line ends. */
static int put_utf8(struct cmd_ctx *ctx, const struct doc_format *f, const char *text,
		    size_t len)
{
	struct doc_format u = { DOC_ENC_UTF8, 0, f->crlf };
	struct buf out;
	int rc;

	buf_init(&out);
	rc = doc_file_encode(text, len, &u, &out, ctx->err);
	if (rc == 0 && out.len)
		fwrite(out.data, 1, out.len, ctx->out);
	buf_free(&out);
	return rc;
}

static int cmd_cat(sqlite3 *db, const char *home, struct cmd_ctx *ctx, const char *path)
{
	struct editor *ed = editor_new();
	struct doc_journal j = { 0 };
	struct buf key, text;
	struct err je;
	int jrc, rc = open_existing(ed, path, ctx);

	buf_init(&key);
	buf_init(&text);
	if (rc != 0)
		goto out;
	doc_journal_key(ed, home, &key);
	err_clear(&je);
	jrc = db ? doc_journal_get(db, key.data, &j, &je) : E_NOTFOUND;
	if (jrc == 0) {
		rc = put_utf8(ctx, editor_format(ed), j.text ? j.text : "", j.len);
		doc_journal_clear(&j);
	} else {
		/* The text on disk, but never silently when unsaved edits exist
		 * that cannot be put back on it. */
		if (jrc == E_CONFLICT) {
			char t[512];

			fprintf(stderr, "atrium: %s\n",
				trf(t, sizeof t, "docs.recover.lost", TR_S(path),
				    TR_N(j.edits), TR_N(j.ops_bytes)));
			doc_journal_clear(&j);
		} else if (jrc != E_NOTFOUND) {
			fprintf(stderr, "atrium: %s\n", je.msg);
		}
		doc_buf_contents(editor_buf(ed), &text);
		rc = put_utf8(ctx, editor_format(ed), text.len ? text.data : "", text.len);
	}
out:
	buf_free(&key);
	buf_free(&text);
	editor_free(ed);
	return rc;
}

static void count_word(const char *s, size_t off, size_t len, void *arg)
{
}

static int cmd_stats(struct cmd_ctx *ctx, const char *path)
{
	struct editor *ed = editor_new();
	struct buf text;
	size_t lines = 0, words, chars = 0;
	char t[256], n[32];
	int rc = open_existing(ed, path, ctx);

	buf_init(&text);
	if (rc != 0)
		goto out;
	doc_buf_contents(editor_buf(ed), &text);
	/* lines as people count them: "a\nb" and "a\nb\n" both have two */
	for (size_t i = 0; i < text.len; i++)
		lines += text.data[i] == '\n';
	if (text.len > 0 && text.data[text.len - 1] != '\n')
		lines++;
	words = txt_words(text.len ? text.data : "", text.len, count_word, NULL);
	for (size_t off = 0; off < text.len; chars++)
		off += txt_next_grapheme(text.data + off, text.len - off);
	if (ctx->json) {
		json_obj_begin(ctx->json);
		json_key(ctx->json, "file");
		json_str(ctx->json, path);
		json_key(ctx->json, "lines");
		json_int(ctx->json, (long long)lines);
		json_key(ctx->json, "words");
		json_int(ctx->json, (long long)words);
		json_key(ctx->json, "characters");
		json_int(ctx->json, (long long)chars);
		json_key(ctx->json, "bytes");
		json_int(ctx->json, (long long)text.len);
		json_key(ctx->json, "encoding");
		json_str(ctx->json, doc_format_name(editor_format(ed)));
		json_obj_end(ctx->json);
	} else {
		/* plain numbers: scripts may cut them */
		snprintf(n, sizeof n, "%zu", lines);
		fprintf(ctx->out, "%s\n", trf(t, sizeof t, "docs.stats.lines", TR_S(n)));
		snprintf(n, sizeof n, "%zu", words);
		fprintf(ctx->out, "%s\n", trf(t, sizeof t, "docs.stats.words", TR_S(n)));
		snprintf(n, sizeof n, "%zu", chars);
		fprintf(ctx->out, "%s\n", trf(t, sizeof t, "docs.stats.chars", TR_S(n)));
		snprintf(n, sizeof n, "%zu", text.len);
		fprintf(ctx->out, "%s\n", trf(t, sizeof t, "docs.stats.bytes", TR_S(n)));
	}
out:
	buf_free(&text);
	editor_free(ed);
	return rc;
}

/* replace FILE PATTERN REPLACEMENT [--regex] [--dry-run] */
static int cmd_replace_file(struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *use = "atrium docs replace FILE PATTERN REPLACEMENT [--regex] [--dry-run]";
	const char *pos[3];
	int npos = 0, regex = 0, dry = 0, rc;
	struct doc_pattern p;
	struct editor *ed;
	struct doc_buf *nb;
	struct doc_stamp st;
	struct buf out;
	size_t count = 0;
	char t[600];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--regex") == 0)
			regex = 1;
		else if (strcmp(argv[i], "--dry-run") == 0)
			dry = 1;
		else if (npos < 3)
			pos[npos++] = argv[i];
		else
			return usage(ctx, use);
	}
	if (npos != 3)
		return usage(ctx, use);
	memset(&p, 0, sizeof p);
	p.text = pos[1];
	p.len = strlen(pos[1]);
	p.regex = regex;
	p.cas = DOC_CASE_EXACT;
	ed = editor_new();
	buf_init(&out);
	rc = open_existing(ed, pos[0], ctx);
	if (rc == 0 && !dry && editor_readonly(ed) != DOC_RW)
		rc = err_set(ctx->err, E_PERM, "%s",
			     trf(t, sizeof t, editor_ro_key(ed), TR_S(pos[0])));
	if (rc == 0)
		rc = doc_replace_buf(&p, editor_buf(ed), pos[2], strlen(pos[2]), &out, &count,
				     ctx->err);
	if (rc == 0 && !dry && count > 0) {
		/* the same form as the file: charset, BOM, line ends */
		nb = doc_buf_new_text(buf_detach(&out), out.len);
		rc = doc_file_save(nb, pos[0], editor_format(ed), &st, ctx->err);
		doc_buf_free(nb);
	}
	if (rc == 0 && ctx->json) {
		json_obj_begin(ctx->json);
		json_key(ctx->json, "file");
		json_str(ctx->json, pos[0]);
		json_key(ctx->json, "count");
		json_int(ctx->json, (long long)count);
		json_key(ctx->json, "dry_run");
		json_bool(ctx->json, dry);
		json_obj_end(ctx->json);
	} else if (rc == 0) {
		fprintf(ctx->out, "%s\n",
			trf(t, sizeof t, dry ? "docs.replace_dry" : "docs.replaced", TR_N(count),
			    TR_S(pos[0])));
	}
	buf_free(&out);
	editor_free(ed);
	return rc;
}

/* ---- on the editor shown -------------------------------------------------------- */

static int cmd_encoding(struct editor *ed, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct doc_format f = *editor_format(ed);
	const char *name = editor_path(ed) ? editor_path(ed) : tr("docs.untitled");
	char t[600];

	if (argc == 1) {
		fprintf(ctx->out, "%s\n",
			trf(t, sizeof t, "docs.encoding.is", TR_S(doc_format_name(&f)),
			    TR_S(f.crlf ? "CRLF" : "LF")));
		return 0;
	}
	if (argc != 2)
		return usage(ctx, "docs encoding [utf-8|utf-8-bom|gb18030|utf-16le|utf-16be]");
	if (doc_format_parse(argv[1], &f) != 0)
		return err_set(ctx->err, E_USAGE, "%s",
			       trf(t, sizeof t, "docs.err.encoding", TR_S(argv[1])));
	editor_set_format(ed, &f);
	fprintf(ctx->out, "%s\n",
		trf(t, sizeof t, "docs.encoding.set", TR_S(name), TR_S(doc_format_name(&f))));
	return 0;
}

static int cmd_lineends(struct editor *ed, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct doc_format f = *editor_format(ed);
	const char *name = editor_path(ed) ? editor_path(ed) : tr("docs.untitled");
	char t[600];

	if (argc != 2)
		return usage(ctx, "docs lineends lf|crlf");
	if (strcasecmp(argv[1], "lf") == 0)
		f.crlf = 0;
	else if (strcasecmp(argv[1], "crlf") == 0)
		f.crlf = 1;
	else
		return err_set(ctx->err, E_USAGE, "%s",
			       trf(t, sizeof t, "docs.err.lineends", TR_S(argv[1])));
	editor_set_format(ed, &f);
	fprintf(ctx->out, "%s\n",
		trf(t, sizeof t, "docs.encoding.set", TR_S(name),
		    TR_S(f.crlf ? "CRLF" : "LF")));
	return 0;
}

int docs_diff_text(struct editor *ed, struct buf *out, struct err *e)
{
	if (editor_path(ed) == NULL)
		return err_set(e, E_USAGE, "%s", tr("docs.err.no_name"));
	if (editor_remote(ed)) {
		/* against the share's bytes it was opened or last saved as */
		const char *p;
		size_t n;

		editor_mem_base(ed, &p, &n);
		doc_bytes_diff(p, n, tr("docs.diff.share"), editor_buf(ed), out);
		return 0;
	}
	return doc_file_diff(editor_path(ed), editor_buf(ed), out, e);
}

static int cmd_diff(struct editor *ed, struct cmd_ctx *ctx)
{
	struct buf d;
	int rc;

	buf_init(&d);
	rc = docs_diff_text(ed, &d, ctx->err);
	if (rc == 0) {
		if (d.len == 0)
			fprintf(ctx->out, "%s\n",
				tr(editor_remote(ed) ? "docs.diff.same_share" : "docs.diff.same"));
		else
			fwrite(d.data, 1, d.len, ctx->out);
	}
	buf_free(&d);
	return rc;
}

static int cmd_outline(struct editor *ed, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct md_heading *h;
	size_t n = md_outline(editor_buf(ed), &h);
	char t[128];
	int rc = 0;

	if (argc == 2) {
		char *end;
		unsigned long k = strtoul(argv[1], &end, 10);

		if (*end || k == 0 || k > n) {
			rc = err_set(ctx->err, E_USAGE, "%s",
				     trf(t, sizeof t, "docs.err.line", TR_S(argv[1])));
		} else {
			editor_set_cursor(ed, doc_buf_line_start(editor_buf(ed), h[k - 1].line));
		}
	} else if (argc != 1) {
		rc = usage(ctx, "docs outline [N]");
	} else if (n == 0) {
		fprintf(ctx->out, "%s\n", tr("docs.outline.none"));
	} else {
		/* "N. ## Title (line L)", indented by level: one per line, so the
		 * screen shows them in its pager */
		for (size_t i = 0; i < n; i++)
			fprintf(ctx->out, "%3zu %*s%s  :%zu\n", i + 1, (h[i].level - 1) * 2, "",
				h[i].text, h[i].line + 1);
	}
	md_outline_free(h, n);
	return rc;
}

int docs_reflow(struct editor *ed, size_t width, struct err *e)
{
	const struct doc_buf *b = editor_buf(ed);
	size_t first, last, a, z;
	struct buf text, out;
	char *tmp;

	if (md_paragraph(b, editor_cursor_line(ed), &first, &last) != 0)
		return err_set(e, E_NOTFOUND, "%s", tr("docs.reflow.none"));
	a = doc_buf_line_start(b, first);
	z = last + 1 < doc_buf_lines(b) ? doc_buf_line_start(b, last + 1) - 1 : doc_buf_len(b);
	buf_init(&text);
	buf_init(&out);
	tmp = xmalloc(z - a + 1);
	buf_add(&text, tmp, doc_buf_read(b, a, z - a, tmp));
	free(tmp);
	md_reflow(text.len ? text.data : "", text.len, width, &out);
	if (out.len != text.len || memcmp(out.data, text.data, text.len) != 0)
		editor_replace_range(ed, a, z - a, out.len ? out.data : "", out.len);
	buf_free(&text);
	buf_free(&out);
	return 0;
}

int docs_file_verb(struct editor *ed, sqlite3 *db, const char *home, int width,
		   struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *verb = argv[0];

	if (strcmp(verb, "cat") == 0) {
		if (argc != 2)
			return usage(ctx, "atrium docs cat FILE");
		return cmd_cat(db, home, ctx, argv[1]);
	}
	if (strcmp(verb, "stats") == 0) {
		if (argc != 2)
			return usage(ctx, "atrium docs stats FILE [--json]");
		return cmd_stats(ctx, argv[1]);
	}
	if (strcmp(verb, "replace") == 0)
		return cmd_replace_file(ctx, argc, argv);
	if (ed == NULL)
		return DOCS_VERB_UNKNOWN;
	if (strcmp(verb, "encoding") == 0)
		return cmd_encoding(ed, ctx, argc, argv);
	if (strcmp(verb, "lineends") == 0)
		return cmd_lineends(ed, ctx, argc, argv);
	if (strcmp(verb, "diff") == 0) {
		if (argc != 1)
			return usage(ctx, "docs diff");
		return cmd_diff(ed, ctx);
	}
	if (strcmp(verb, "outline") == 0)
		return cmd_outline(ed, ctx, argc, argv);
	if (strcmp(verb, "reflow") == 0) {
		if (argc != 1)
			return usage(ctx, "docs reflow");
		return docs_reflow(ed, (size_t)(width > 8 ? width : 72), ctx->err);
	}
	return DOCS_VERB_UNKNOWN;
}

int docs_screen_file_verb(const char *verb)
{
	static const char *const v[] = { "encoding", "lineends", "diff", "outline", "reflow" };

	for (size_t i = 0; i < nitems(v); i++)
		if (strcmp(verb, v[i]) == 0)
			return 1;
	return 0;
}
