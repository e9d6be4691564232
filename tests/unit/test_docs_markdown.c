/*
 * test_docs_markdown.c - modules/docs/markdown.c: the highlighter's spans
 * for headings, emphasis and strong, code spans, fenced and indented code
 * blocks, list markers and task boxes, links and autolinks, tables and
 * block quotes; snake_case is not emphasis; the outline finds ATX and
 * setext headings but none inside code; paragraphs stop at list items and
 * blank lines; reflow keeps quote and list prefixes, joins Chinese
 * without spaces and breaks it by ICU's rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/core.h"
#include "i18n/i18n.h"
#include "modules/docs/buffer.h"
#include "modules/docs/markdown.h"

/* The spans of one line as "kind:text" joined by '|'. */
static const char *kind_name(enum md_kind k)
{
	switch (k) {
	case MD_MARK: return "mark";
	case MD_HEADING: return "h";
	case MD_EMPH: return "em";
	case MD_STRONG: return "strong";
	case MD_CODE: return "code";
	case MD_LINK: return "link";
	case MD_URL: return "url";
	}
	return "?";
}

static char *spans(struct md_state *st, const char *line)
{
	struct md_span sp[32];
	size_t n = md_line(st, line, strlen(line), sp, 32);
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < n; i++) {
		if (i > 0) {
			assert_true(sp[i].off >= sp[i - 1].off + sp[i - 1].len);
			buf_addc(&b, '|');
		}
		buf_printf(&b, "%s:%.*s", kind_name(sp[i].kind), (int)sp[i].len, line + sp[i].off);
	}
	buf_cstr(&b);
	return buf_detach(&b);
}

static void expect(struct md_state *st, const char *line, const char *want)
{
	char *got = spans(st, line);

	assert_string_equal(got, want);
	free(got);
}

static void test_headings_and_inline(void **state)
{
	struct md_state st = { 0 };

	expect(&st, "## Title `x`", "mark:##|h:Title |mark:`|code:x|mark:`");
	expect(&st, "", "");
	expect(&st, "Some *em* and **strong** text", "mark:*|em:em|mark:*|mark:**|strong:strong|mark:**");
	expect(&st, "a snake_case_name stays", "");
	expect(&st, "see [the docs](http://x.org/a) now", "mark:[|link:the docs|mark:](|url:http://x.org/a|mark:)");
	expect(&st, "mail <a@b.org>", "mark:<|url:a@b.org|mark:>");
	expect(&st, "`a ** b` is code", "mark:`|code:a ** b|mark:`");
	expect(&st, "an * alone and a `` lone", "");
}

static void test_code_blocks(void **state)
{
	struct md_state st = { 0 };

	expect(&st, "```c", "mark:```c");
	expect(&st, "# not a heading", "code:# not a heading");
	expect(&st, "``` ", "mark:``` ");
	expect(&st, "text", "");
	/* indented code needs a blank line before it */
	expect(&st, "    lazy continuation", "");
	expect(&st, "", "");
	expect(&st, "    code()", "code:    code()");
	expect(&st, "~~~~", "mark:~~~~");
	expect(&st, "~~~", "code:~~~"); /* shorter than the opening: still code */
	expect(&st, "~~~~~", "mark:~~~~~");
}

static void test_lists_quotes_tables(void **state)
{
	struct md_state st = { 0 };

	expect(&st, "- item *x*", "mark:-|mark:*|em:x|mark:*");
	expect(&st, "12. numbered", "mark:12.");
	expect(&st, "- [x] done", "mark:- [x]");
	expect(&st, "> quoted **b**", "mark:>|mark:**|strong:b|mark:**");
	expect(&st, "> > deep", "mark:>|mark:>");
	expect(&st, "", "");
	expect(&st, "| a | b |", "mark:||mark:||mark:|");
	expect(&st, "|---|:-:|", "mark:|---|:-:|");
	expect(&st, "| 1 | `|` |", "mark:||mark:||mark:`|code:||mark:`|mark:|");
	expect(&st, "", "");
	expect(&st, "***", "mark:***");
	expect(&st, "Para", "");
	expect(&st, "===", "mark:===");
}

static struct doc_buf *buf_of(const char *s)
{
	return doc_buf_new_text(xstrdup(s), strlen(s));
}

static void test_outline(void **state)
{
	struct doc_buf *b = buf_of("# One\ntext\n```\n# in code\n```\nSetext two\n---\n\n"
				   "### Three ###\n    # indented code\n#nospace\n");
	struct md_heading *h;
	size_t n = md_outline(b, &h);

	assert_int_equal(n, 3);
	assert_int_equal(h[0].level, 1);
	assert_string_equal(h[0].text, "One");
	assert_int_equal(h[0].line, 0);
	assert_int_equal(h[1].level, 2);
	assert_string_equal(h[1].text, "Setext two");
	assert_int_equal(h[1].line, 5);
	assert_int_equal(h[2].level, 3);
	assert_string_equal(h[2].text, "Three");
	assert_int_equal(h[2].line, 8);
	md_outline_free(h, n);
	doc_buf_free(b);
}

static void test_paragraph_bounds(void **state)
{
	struct doc_buf *b = buf_of("# H\nfirst line\nsecond line\n\n- item one\n  continues\n"
				   "- item two\n> q1\n> q2\n");
	size_t f, l;

	assert_int_equal(md_paragraph(b, 0, &f, &l), E_NOTFOUND);
	assert_int_equal(md_paragraph(b, 2, &f, &l), 0);
	assert_int_equal(f, 1);
	assert_int_equal(l, 2);
	assert_int_equal(md_paragraph(b, 3, &f, &l), E_NOTFOUND);
	assert_int_equal(md_paragraph(b, 5, &f, &l), 0);
	assert_int_equal(f, 4);
	assert_int_equal(l, 5);
	assert_int_equal(md_paragraph(b, 6, &f, &l), 0);
	assert_int_equal(f, 6);
	assert_int_equal(l, 6);
	assert_int_equal(md_paragraph(b, 8, &f, &l), 0);
	assert_int_equal(f, 7);
	assert_int_equal(l, 8);
	doc_buf_free(b);
}

static char *reflow(const char *text, size_t width)
{
	struct buf out;

	buf_init(&out);
	md_reflow(text, strlen(text), width, &out);
	buf_cstr(&out);
	return buf_detach(&out);
}

static void test_reflow_english_with_prefixes(void **state)
{
	char *r = reflow("one two\nthree four five six seven", 16);

	assert_string_equal(r, "one two three\nfour five six\nseven");
	free(r);
	r = reflow("- alpha beta gamma delta epsilon", 16);
	assert_string_equal(r, "- alpha beta\n  gamma delta\n  epsilon");
	free(r);
	r = reflow("> quoted words here\n> and more words", 14);
	assert_string_equal(r, "> quoted words\n> here and\n> more words");
	free(r);
	/* a hard break stays */
	r = reflow("line one  \nline two", 40);
	assert_string_equal(r, "line one  \nline two");
	free(r);
}

static void test_reflow_chinese(void **state)
{
	/* joined without a space; no row starts with ， or 。 */
	char *r = reflow("中文段落的第一行，\n接着第二行。然后继续写更多的文字。", 12);
	const char *p = r;

	assert_null(strstr(r, " "));
	for (;;) {
		const char *nl = strchr(p, '\n');

		assert_true(txt_width(p, nl ? (size_t)(nl - p) : strlen(p)) <= 12);
		assert_false(strncmp(p, "，", 3) == 0 || strncmp(p, "。", 3) == 0);
		if (!nl)
			break;
		p = nl + 1;
	}
	{
		/* the text itself is unchanged but for the line breaks */
		struct buf j;

		buf_init(&j);
		for (const char *q = r; *q; q++)
			if (*q != '\n')
				buf_addc(&j, *q);
		buf_cstr(&j);
		assert_string_equal(j.data, "中文段落的第一行，接着第二行。然后继续写更多的文字。");
		buf_free(&j);
	}
	free(r);
	/* English then Chinese across a line end: one space */
	r = reflow("word\n中文", 40);
	assert_string_equal(r, "word 中文");
	free(r);
}

static void test_markdown_paths(void **state)
{
	assert_true(md_is_markdown_path("a/README.md"));
	assert_true(md_is_markdown_path("notes.Markdown"));
	assert_false(md_is_markdown_path("a.md/file.txt"));
	assert_false(md_is_markdown_path("plain"));
	assert_false(md_is_markdown_path(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headings_and_inline),
		cmocka_unit_test(test_code_blocks),
		cmocka_unit_test(test_lists_quotes_tables),
		cmocka_unit_test(test_outline),
		cmocka_unit_test(test_paragraph_bounds),
		cmocka_unit_test(test_reflow_english_with_prefixes),
		cmocka_unit_test(test_reflow_chinese),
		cmocka_unit_test(test_markdown_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
