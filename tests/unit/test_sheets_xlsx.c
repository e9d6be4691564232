/*
 * test_sheets_xlsx.c - xlsx and ods in and out (io_xlsx.c, io_ods.c,
 * io_fx.c, io_zip.c): round trips in memory and through a temporary file
 * keeping several sheets, values, Chinese text, dates, formats, widths and
 * formulas; files made by hand as other writers make them (shared strings
 * with rich text and phonetic runs, absolute relationship targets, inline
 * strings, str/b/e cells, formulas with empty <v></v>, _xlfn. prefixes,
 * shared formulas, built-in date formats); malformed archives and XML
 * named in the error; and the formula conversions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "modules/sheets/io.h"
#include "modules/sheets/io_zip.h"

static struct sheet_value at(const struct sheet_file *f, int sheet, uint32_t row, uint32_t col)
{
	struct sheet_value v;

	sheet_get(f->wb, sheet, row, col, &v);
	return v;
}

static void input(struct sheet_file *f, uint32_t row, uint32_t col, const char *s)
{
	struct err e;

	assert_int_equal(sheet_file_input(f, row, col, s, strlen(s), 0, 1, &e), 0);
}

/* Two sheets: Data (numbers, Chinese text, a date, a bool, formats, a
 * width) and 汇总 (formulas across sheets, one with IFS). */
static void make_book(struct sheet_file *f)
{
	struct err e;

	sheet_file_init(f, "Data");
	input(f, 0, 0, "苹果");
	input(f, 0, 1, "1234.5");
	input(f, 1, 0, "梨子 and  spaces ");
	input(f, 1, 1, "0.25");
	input(f, 2, 0, "2024-01-15");
	input(f, 2, 1, "TRUE");
	input(f, 3, 0, "=1/0");
	sheet_file_set_format(f, 0, 0, 1, "#,##0.00");
	sheet_file_set_format(f, 0, 1, 1, "0%");
	sheet_file_set_col_width(f, 0, 0, 25);
	assert_int_equal(sheet_add(f->wb, "汇总", &e), 1);
	f->sheet = 1;
	input(f, 0, 0, "=SUM(Data!B1:B2)*2");
	input(f, 1, 0, "=IFS(A1>100,\"big\",TRUE,\"small\")");
	input(f, 2, 0, "=Data!A3+1");
	f->sheet = 0;
}

static void check_book(const struct sheet_file *f)
{
	struct sheet_value v;
	const struct sheet_note *n;

	assert_int_equal(sheet_count(f->wb), 2);
	assert_string_equal(sheet_name(f->wb, 0), "Data");
	assert_string_equal(sheet_name(f->wb, 1), "汇总");
	v = at(f, 0, 0, 0);
	assert_int_equal(v.type, SHEET_TEXT);
	assert_string_equal(v.str, "苹果");
	v = at(f, 0, 1, 0);
	assert_string_equal(v.str, "梨子 and  spaces ");
	v = at(f, 0, 0, 1);
	assert_true(v.type == SHEET_NUM && v.num == 1234.5);
	v = at(f, 0, 2, 0);
	assert_true(v.type == SHEET_NUM && v.num == 45306); /* 2024-01-15 */
	n = sheet_file_note_at(f, 0, 2, 0);
	assert_non_null(n);
	assert_true(n->date);
	v = at(f, 0, 2, 1);
	assert_true(v.type == SHEET_BOOL && v.num == 1);
	v = at(f, 0, 3, 0);
	assert_true(v.type == SHEET_ERROR && v.err == SHEET_ERR_DIV0);
	assert_string_equal(sheet_file_formula_at(f, 0, 3, 0), "=1/0");
	n = sheet_file_note_at(f, 0, 0, 1);
	assert_non_null(n);
	assert_string_equal(n->fmt, "#,##0.00");
	assert_false(n->date);
	assert_string_equal(sheet_file_note_at(f, 0, 1, 1)->fmt, "0%");
	assert_true(sheet_file_col_width(f, 0, 0) > 24.9 && sheet_file_col_width(f, 0, 0) < 25.1);
	assert_true(sheet_file_col_width(f, 0, 1) == 0);
	v = at(f, 1, 0, 0);
	assert_true(v.type == SHEET_NUM && v.num == 2469.5);
	assert_string_equal(sheet_file_formula_at(f, 1, 0, 0), "=SUM(Data!B1:B2)*2");
	v = at(f, 1, 1, 0);
	assert_int_equal(v.type, SHEET_TEXT);
	assert_string_equal(v.str, "big");
	assert_string_equal(sheet_file_formula_at(f, 1, 1, 0), "=IFS(A1>100,\"big\",TRUE,\"small\")");
	v = at(f, 1, 2, 0);
	assert_true(v.type == SHEET_NUM && v.num == 45307);
}

static void test_xlsx_round_trip_in_memory(void **state)
{
	struct sheet_file f, g;
	struct buf out;
	struct err e;

	make_book(&f);
	check_book(&f);
	buf_init(&out);
	assert_int_equal(sheet_xlsx_write(&f, &out, &e), 0);
	assert_true(out.len > 0 && memcmp(out.data, "PK", 2) == 0);
	sheet_file_init(&g, NULL);
	assert_int_equal(sheet_xlsx_load(&g, out.data, out.len, &e), 0);
	check_book(&g);
	sheet_file_free(&f);
	sheet_file_free(&g);
	buf_free(&out);
}

static void test_ods_round_trip_in_memory(void **state)
{
	struct sheet_file f, g;
	struct buf out;
	struct err e;

	make_book(&f);
	buf_init(&out);
	assert_int_equal(sheet_ods_write(&f, &out, &e), 0);
	/* the mimetype first, stored: its text right after the local header */
	assert_true(out.len > 80 && memcmp(out.data + 30, "mimetype", 8) == 0);
	assert_true(memcmp(out.data + 38, "application/vnd.oasis.opendocument.spreadsheet", 46) == 0);
	sheet_file_init(&g, NULL);
	assert_int_equal(sheet_ods_load(&g, out.data, out.len, &e), 0);
	check_book(&g);
	sheet_file_free(&f);
	sheet_file_free(&g);
	buf_free(&out);
}

static void test_round_trip_through_temp_files(void **state)
{
	char path[] = "/tmp/atrium-xlsx-XXXXXX";
	struct sheet_file f, g;
	struct buf out, in;
	struct err e;
	char chunk[4096];
	ssize_t r;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	make_book(&f);
	buf_init(&out);
	buf_init(&in);
	assert_int_equal(sheet_xlsx_write(&f, &out, &e), 0);
	assert_int_equal(write(fd, out.data, out.len), (ssize_t)out.len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	while ((r = read(fd, chunk, sizeof chunk)) > 0)
		buf_add(&in, chunk, (size_t)r);
	close(fd);
	unlink(path);
	sheet_file_init(&g, NULL);
	assert_int_equal(sheet_xlsx_load(&g, in.data, in.len, &e), 0);
	check_book(&g);
	/* and from that xlsx to ods and back */
	buf_reset(&out);
	assert_int_equal(sheet_ods_write(&g, &out, &e), 0);
	sheet_file_free(&g);
	sheet_file_init(&g, NULL);
	assert_int_equal(sheet_ods_load(&g, out.data, out.len, &e), 0);
	check_book(&g);
	sheet_file_free(&f);
	sheet_file_free(&g);
	buf_free(&out);
	buf_free(&in);
}

/* ---- files as other programs write them ------------------------------------ */

static void add(struct xz_writer *w, const char *name, const char *text)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, text);
	xz_w_add(w, name, &b, 0);
}

#define MAIN "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " \
	     "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
#define PKG "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\""
#define RT "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

/* An xlsx as openpyxl writes it (absolute targets), with sheet1's XML
 * given. */
static void hand_xlsx(struct buf *out, const char *sheet1)
{
	struct xz_writer w;
	struct err e;

	xz_w_init(&w);
	add(&w, "_rels/.rels", "<Relationships " PKG "><Relationship Id=\"rId1\" Type=\"" RT
			       "officeDocument\" Target=\"/xl/workbook.xml\"/></Relationships>");
	add(&w, "xl/workbook.xml",
	    "<workbook " MAIN "><sheets><sheet name=\"Main\" sheetId=\"1\" r:id=\"rId1\"/>"
	    "<sheet name=\"Other\" sheetId=\"2\" r:id=\"rId2\"/></sheets>"
	    "<definedNames><definedName name=\"Rate\">Other!$A$1</definedName></definedNames>"
	    "</workbook>");
	add(&w, "xl/_rels/workbook.xml.rels",
	    "<Relationships " PKG ">"
	    "<Relationship Id=\"rId1\" Type=\"" RT "worksheet\" Target=\"/xl/worksheets/sheet1.xml\"/>"
	    "<Relationship Id=\"rId2\" Type=\"" RT "worksheet\" Target=\"worksheets/../worksheets/s2.xml\"/>"
	    "<Relationship Id=\"rId3\" Type=\"" RT "sharedStrings\" Target=\"/xl/sharedStrings.xml\"/>"
	    "<Relationship Id=\"rId4\" Type=\"" RT "styles\" Target=\"styles.xml\"/>"
	    "</Relationships>");
	add(&w, "xl/sharedStrings.xml",
	    "<sst " MAIN "><si><t>plain</t></si>"
	    "<si><r><rPr><b/></rPr><t>rich </t></r><r><t xml:space=\"preserve\">中文</t></r>"
	    "<rPh sb=\"0\" eb=\"1\"><t>ふりがな</t></rPh></si>"
	    "<si><t>tab_x0009_here</t></si></sst>");
	add(&w, "xl/styles.xml",
	    "<styleSheet " MAIN "><numFmts count=\"1\"><numFmt numFmtId=\"164\" "
	    "formatCode=\"yyyy\\-mm\\-dd hh:mm\"/></numFmts><cellXfs count=\"4\">"
	    "<xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/>"
	    "<xf numFmtId=\"10\"/></cellXfs></styleSheet>");
	add(&w, "xl/worksheets/sheet1.xml", sheet1);
	add(&w, "xl/worksheets/s2.xml",
	    "<worksheet " MAIN "><sheetData><row r=\"1\"><c r=\"A1\"><v>0.5</v></c></row>"
	    "</sheetData></worksheet>");
	assert_int_equal(xz_w_finish(&w, out, &e), 0);
}

static void test_xlsx_cells_as_other_writers_make_them(void **state)
{
	struct sheet_file f;
	struct buf x;
	struct err e;
	struct sheet_value v;

	buf_init(&x);
	hand_xlsx(&x,
		  "<worksheet " MAIN "><cols><col min=\"2\" max=\"3\" width=\"12.5\" "
		  "customWidth=\"1\"/></cols><sheetData>"
		  "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
		  "<c r=\"C1\" t=\"inlineStr\"><is><t>inline 文字</t></is></c>"
		  "<c t=\"s\"><v>2</v></c></row>"
		  "<row r=\"3\"><c r=\"A3\" s=\"1\"><v>45306</v></c>"
		  "<c r=\"B3\" s=\"2\"><v>45306.5</v></c><c r=\"C3\" s=\"3\"><v>0.125</v></c>"
		  "<c r=\"D3\" t=\"b\"><v>0</v></c><c r=\"E3\" t=\"e\"><v>#N/A</v></c></row>"
		  "<row r=\"4\"><c r=\"A4\"><f>_xlfn.STDEV.S(A5:A6)</f><v></v></c>"
		  "<c r=\"B4\" t=\"str\"><f>_xlfn.CONCAT(\"a\",A1)</f><v>stale</v></c>"
		  "<c r=\"C4\"><f>Rate*4</f><v>0</v></c>"
		  "<c r=\"D4\"><f>SUMX(1)</f><v>7</v></c></row>"
		  "<row r=\"5\"><c r=\"A5\"><v>2</v></c><c r=\"B5\"><f t=\"shared\" ref=\"B5:B6\" "
		  "si=\"0\">A5*10+$A$5</f><v>0</v></c></row>"
		  "<row r=\"6\"><c r=\"A6\"><v>4</v></c><c r=\"B6\"><f t=\"shared\" si=\"0\"/>"
		  "<v>0</v></c></row>"
		  "</sheetData></worksheet>");
	sheet_file_init(&f, NULL);
	assert_int_equal(sheet_xlsx_load(&f, x.data, x.len, &e), 0);
	assert_int_equal(sheet_count(f.wb), 2);
	assert_string_equal(at(&f, 0, 0, 0).str, "plain");
	assert_string_equal(at(&f, 0, 0, 1).str, "rich 中文"); /* no phonetic run */
	assert_string_equal(at(&f, 0, 0, 2).str, "inline 文字");
	assert_string_equal(at(&f, 0, 0, 3).str, "tab\there"); /* _x0009_ */
	/* built-in id 14 and a custom code are dates; 10 is 0.00% */
	assert_true(sheet_file_note_at(&f, 0, 2, 0)->date);
	assert_string_equal(sheet_file_note_at(&f, 0, 2, 0)->fmt, "m/d/yyyy");
	assert_true(sheet_file_note_at(&f, 0, 2, 1)->date);
	assert_false(sheet_file_note_at(&f, 0, 2, 2)->date);
	assert_string_equal(sheet_file_note_at(&f, 0, 2, 2)->fmt, "0.00%");
	v = at(&f, 0, 2, 3);
	assert_true(v.type == SHEET_BOOL && v.num == 0);
	v = at(&f, 0, 2, 4);
	assert_true(v.type == SHEET_ERROR && v.err == SHEET_ERR_NA);
	/* formulas: _xlfn. stripped and computed, not the cached values */
	assert_string_equal(sheet_file_formula_at(&f, 0, 3, 0), "=STDEV.S(A5:A6)");
	v = at(&f, 0, 3, 0);
	assert_true(v.type == SHEET_NUM && v.num > 1.414 && v.num < 1.415);
	assert_string_equal(at(&f, 0, 3, 1).str, "aplain");
	v = at(&f, 0, 3, 2); /* a defined name to the other sheet */
	assert_true(v.type == SHEET_NUM && v.num == 2);
	/* an unknown function: #NAME? as Excel shows it */
	v = at(&f, 0, 3, 3);
	assert_true(v.type == SHEET_ERROR && v.err == SHEET_ERR_NAME);
	/* a shared formula moved one row: A6*10+$A$5 */
	assert_string_equal(sheet_file_formula_at(&f, 0, 5, 1), "=A6*10+$A$5");
	v = at(&f, 0, 5, 1);
	assert_true(v.type == SHEET_NUM && v.num == 42);
	assert_true(sheet_file_col_width(&f, 0, 1) == 12.5 && sheet_file_col_width(&f, 0, 2) == 12.5);
	assert_true(sheet_file_col_width(&f, 0, 3) == 0);
	sheet_file_free(&f);
	buf_free(&x);
}

static void test_malformed_files_name_the_part(void **state)
{
	struct sheet_file f;
	struct buf x;
	struct err e;

	sheet_file_init(&f, NULL);
	assert_int_equal(sheet_xlsx_load(&f, "PK\3\4garbage", 11, &e), E_PARSE);
	assert_non_null(strstr(e.msg, "not a zip"));
	assert_int_equal(sheet_count(f.wb), 1); /* an empty book, usable */
	sheet_file_free(&f);

	buf_init(&x);
	hand_xlsx(&x, "<worksheet " MAIN "><sheetData>\n<row r=\"1\">\n<c r=\"A1\"><v>1</c>"
		      "</row></sheetData></worksheet>");
	sheet_file_init(&f, NULL);
	assert_int_equal(sheet_xlsx_load(&f, x.data, x.len, &e), E_PARSE);
	assert_non_null(strstr(e.msg, "xl/worksheets/sheet1.xml: line 3: mismatched tag"));
	sheet_file_free(&f);
	buf_reset(&x);
	hand_xlsx(&x, "<worksheet " MAIN "><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>9</v>"
		      "</c></row></sheetData></worksheet>");
	sheet_file_init(&f, NULL);
	assert_int_equal(sheet_xlsx_load(&f, x.data, x.len, &e), E_PARSE);
	assert_non_null(strstr(e.msg, "sheet1.xml: line 1: no shared string"));
	sheet_file_free(&f);
	buf_reset(&x);
	hand_xlsx(&x, "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><worksheet " MAIN "/>");
	sheet_file_init(&f, NULL);
	assert_int_equal(sheet_xlsx_load(&f, x.data, x.len, &e), E_PARSE);
	assert_non_null(strstr(e.msg, "DOCTYPE"));
	sheet_file_free(&f);
	buf_reset(&x);
	hand_xlsx(&x, "<worksheet " MAIN "><sheetData><row r=\"1\"><c r=\"ZZZZ1\"><v>1</v></c>"
		      "</row></sheetData></worksheet>");
	sheet_file_init(&f, NULL);
	assert_int_equal(sheet_xlsx_load(&f, x.data, x.len, &e), E_PARSE);
	assert_non_null(strstr(e.msg, "bad cell reference"));
	sheet_file_free(&f);
	/* an ods without content.xml, and one of another kind */
	{
		struct xz_writer w;

		buf_reset(&x);
		xz_w_init(&w);
		add(&w, "mimetype", "application/vnd.oasis.opendocument.text");
		assert_int_equal(xz_w_finish(&w, &x, &e), 0);
		sheet_file_init(&f, NULL);
		assert_int_equal(sheet_ods_load(&f, x.data, x.len, &e), E_PARSE);
		assert_non_null(strstr(e.msg, "mimetype"));
		sheet_file_free(&f);
	}
	buf_free(&x);
}

static void test_ods_as_libreoffice_writes_it(void **state)
{
	struct xz_writer w;
	struct sheet_file f;
	struct buf x;
	struct err e;
	struct sheet_value v;

	buf_init(&x);
	xz_w_init(&w);
	add(&w, "mimetype", "application/vnd.oasis.opendocument.spreadsheet");
	add(&w, "content.xml",
	    "<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
	    "xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" "
	    "xmlns:t=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" "
	    "xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" "
	    "xmlns:number=\"urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0\" "
	    "xmlns:calcext=\"urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0\">"
	    "<office:automatic-styles>"
	    "<number:number-style style:name=\"N4\"><number:number number:decimal-places=\"2\" "
	    "number:min-integer-digits=\"1\" number:grouping=\"true\"/></number:number-style>"
	    "<number:percentage-style style:name=\"N10\"><number:number number:decimal-places=\"1\" "
	    "number:min-integer-digits=\"1\"/><number:text>%</number:text></number:percentage-style>"
	    "<style:style style:name=\"ce1\" style:family=\"table-cell\" style:data-style-name=\"N4\"/>"
	    "<style:style style:name=\"ce2\" style:family=\"table-cell\" style:data-style-name=\"N10\"/>"
	    "</office:automatic-styles><office:body><office:spreadsheet>"
	    "<table:table table:name=\"S1\"><table:table-column table:default-cell-style-name=\"ce2\"/>"
	    "<table:table-row table:number-rows-repeated=\"2\">"
	    "<table:table-cell office:value-type=\"float\" office:value=\"1000\" table:style-name=\"ce1\"/>"
	    "<table:table-cell table:number-columns-repeated=\"2\" office:value-type=\"string\">"
	    "<t:p>a<t:s t:c=\"2\"/>b</t:p><t:p>第二行</t:p></table:table-cell></table:table-row>"
	    "<table:table-row><table:table-cell office:value-type=\"float\" office:value=\"0.5\"/>"
	    "<table:table-cell table:formula=\"of:=SUM([.A1:.A2];[$S2.A1])\" "
	    "office:value-type=\"float\" office:value=\"0\"/>"
	    "<table:table-cell table:formula=\"of:=COM.MICROSOFT.IFS([.A3]&gt;1;1;TRUE();2)\" "
	    "office:value-type=\"float\" office:value=\"0\"/>"
	    "<table:table-cell office:value-type=\"date\" office:date-value=\"2024-01-15T12:00:00\"/>"
	    "<table:table-cell table:formula=\"of:=1/0\" office:value-type=\"float\" "
	    "office:value=\"0\" calcext:value-type=\"error\"><t:p>#DIV/0!</t:p></table:table-cell>"
	    "</table:table-row>"
	    "<table:table-row table:number-rows-repeated=\"1048570\"><table:table-cell "
	    "table:number-columns-repeated=\"1024\"/></table:table-row></table:table>"
	    "<table:table table:name=\"S2\"><table:table-row><table:table-cell "
	    "office:value-type=\"boolean\" office:boolean-value=\"true\"/></table:table-row>"
	    "</table:table></office:spreadsheet></office:body></office:document-content>");
	assert_int_equal(xz_w_finish(&w, &x, &e), 0);
	sheet_file_init(&f, NULL);
	assert_int_equal(sheet_ods_load(&f, x.data, x.len, &e), 0);
	assert_int_equal(sheet_count(f.wb), 2);
	v = at(&f, 0, 1, 0); /* the repeated row */
	assert_true(v.type == SHEET_NUM && v.num == 1000);
	assert_string_equal(sheet_file_note_at(&f, 0, 1, 0)->fmt, "#,##0.00");
	assert_string_equal(at(&f, 0, 1, 2).str, "a  b\n第二行");
	assert_string_equal(sheet_file_note_at(&f, 0, 2, 0)->fmt, "0.0%"); /* column default */
	v = at(&f, 0, 2, 1); /* 1000 + 1000; SUM skips S2's referenced TRUE */
	assert_true(v.type == SHEET_NUM && v.num == 2000);
	assert_string_equal(sheet_file_formula_at(&f, 0, 2, 1), "=SUM(A1:A2,'S2'!A1)"); /* S2 is also a cell */
	assert_string_equal(sheet_file_formula_at(&f, 0, 2, 2), "=IFS(A3>1,1,TRUE,2)");
	v = at(&f, 0, 2, 3);
	assert_true(v.type == SHEET_NUM && v.num == 45306.5);
	assert_true(sheet_file_note_at(&f, 0, 2, 3)->date);
	v = at(&f, 0, 2, 4);
	assert_true(v.type == SHEET_ERROR && v.err == SHEET_ERR_DIV0);
	sheet_file_free(&f);
	buf_free(&x);
}

/* ---- formula syntax ------------------------------------------------------------ */

static void fx_case(void (*fn)(const char *, struct buf *), const char *in, const char *want)
{
	struct buf b;

	buf_init(&b);
	fn(in, &b);
	assert_string_equal(buf_cstr(&b), want);
	buf_free(&b);
}

static void from_of(const char *in, struct buf *b)
{
	assert_int_equal(sheet_fx_from_of(in, b), 0);
}

static void from_xlsx(const char *in, struct buf *b)
{
	sheet_fx_from_xlsx(in, strlen(in), b);
}

static void shift_1_2(const char *in, struct buf *b)
{
	sheet_fx_shift(in, 1, 2, b);
}

static void test_formula_conversions(void **state)
{
	fx_case(sheet_fx_to_xlsx, "=IFS(A1>1;\"a,b\";TRUE;STDEV.S(B:B))",
		"_xlfn.IFS(A1>1,\"a,b\",TRUE,_xlfn.STDEV.S(B:B))");
	fx_case(sheet_fx_to_xlsx, "=_xlfn.CONCAT(\"IFS(\")&SUM(1:3)", "_xlfn.CONCAT(\"IFS(\")&SUM(1:3)");
	fx_case(from_xlsx, "_xlfn.XLOOKUP(1,A1:A3,'My sheet'!B1:B3)",
		"=XLOOKUP(1,A1:A3,'My sheet'!B1:B3)");
	fx_case(sheet_fx_to_of, "=SUM(A1:B2,Sheet2!$C$3,'It''s'!A:A,3:3)+LOG10(2)&\"A1\"",
		"of:=SUM([.A1:.B2];[$Sheet2.$C$3];[$'It''s'.A:.A];[.3:.3])+LOG10(2)&\"A1\"");
	fx_case(sheet_fx_to_of, "=IF(TRUE,CEILING(2.5,1),#N/A)",
		"of:=IF(TRUE();COM.MICROSOFT.CEILING(2.5;1);#N/A)");
	fx_case(from_of, "of:=SUM([.A1:.B2];[$Sheet2.$C$3];[$'It''s'.A:.A])",
		"=SUM(A1:B2,Sheet2!$C$3,'It''s'!A:A)");
	fx_case(from_of, "of:=COM.MICROSOFT.TEXTJOIN(\";\";1;[.A1:.A3])&[$汇总.B1]",
		"=TEXTJOIN(\";\",1,A1:A3)&汇总!B1");
	fx_case(from_of, "of:=[.#REF!]+1", "=#REF!+1");
	fx_case(from_of, "msoxl:=_xlfn.IFS(A1,1)", "=IFS(A1,1)");
	fx_case(shift_1_2, "=A1+$A$1+A$1+$A1+SUM(B:B)+Sheet2!C3", "=C2+$A$1+C$1+$A2+SUM(D:D)+Sheet2!E4");
	fx_case(shift_1_2, "=SUM(1:2)&\"A1\"", "=SUM(2:3)&\"A1\"");
	{
		struct buf b;

		buf_init(&b);
		sheet_fx_shift("=XFD1+A1", 0, 1, &b);
		assert_string_equal(buf_cstr(&b), "=#REF!+B1");
		buf_free(&b);
	}
}

static void test_formats_and_dates(void **state)
{
	assert_true(sheet_io_format_is_date("yyyy-mm-dd"));
	assert_true(sheet_io_format_is_date("[h]:mm:ss"));
	assert_true(sheet_io_format_is_date("[$-409]d-mmm-yy;@"));
	assert_false(sheet_io_format_is_date("#,##0.00"));
	assert_false(sheet_io_format_is_date("[Red]0.00;\"day\"0"));
	assert_false(sheet_io_format_is_date("0.00E+00"));
	assert_false(sheet_io_format_is_date("General"));
	assert_false(sheet_io_format_is_date("\\d0"));
}

static void test_notes_are_per_sheet(void **state)
{
	struct sheet_file f;
	struct err e;

	sheet_file_init(&f, "One");
	assert_int_equal(sheet_add(f.wb, "Two", &e), 1);
	input(&f, 0, 0, "2024-01-15");
	f.sheet = 1;
	input(&f, 0, 0, "45306");
	assert_null(sheet_file_note(&f, 0, 0));
	assert_true(sheet_file_note_at(&f, 0, 0, 0)->date);
	/* a format stays when the value changes, as in Excel */
	sheet_file_set_format(&f, 1, 0, 0, "0.0");
	input(&f, 0, 0, "7");
	assert_string_equal(sheet_file_note(&f, 0, 0)->fmt, "0.0");
	sheet_file_set_format(&f, 1, 0, 0, "General");
	assert_null(sheet_file_note(&f, 0, 0));
	sheet_file_free(&f);
}

/* Namespaces are bound by the file, not by fixed prefixes: another
 * prefix for SpreadsheetML reads the same, a default namespace declared
 * inside counts, and elements of a foreign namespace are not cells. */
static void test_namespace_prefixes_are_the_files_own(void **state)
{
	struct sheet_file f;
	struct buf x;
	struct err e;
	struct sheet_value v;

	buf_init(&x);
	hand_xlsx(&x,
		  "<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
		  "<x:sheetData><x:row r=\"1\"><x:c r=\"A1\"><x:v>1.5</x:v></x:c>"
		  "<o:c xmlns:o=\"urn:example:other\" r=\"B1\"><o:v>9</o:v></o:c>"
		  "<c xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" r=\"C1\">"
		  "<v>2</v></c><c xmlns=\"urn:example:other\" r=\"D1\"><v>3</v></c>"
		  "<x:c r=\"E1\" x:t=\"s\" t=\"s\"><x:v>0</x:v></x:c></x:row></x:sheetData>"
		  "</x:worksheet>");
	sheet_file_init(&f, NULL);
	assert_int_equal(sheet_xlsx_load(&f, x.data, x.len, &e), 0);
	v = at(&f, 0, 0, 0);
	assert_true(v.type == SHEET_NUM && v.num == 1.5);
	assert_int_equal(at(&f, 0, 0, 1).type, SHEET_EMPTY);
	v = at(&f, 0, 0, 2);
	assert_true(v.type == SHEET_NUM && v.num == 2);
	assert_int_equal(at(&f, 0, 0, 3).type, SHEET_EMPTY);
	assert_string_equal(at(&f, 0, 0, 4).str, "plain");
	sheet_file_free(&f);
	buf_free(&x);
}

/* The readers' number parsing gives exactly what strtod gives. */
static void test_numbers_read_as_strtod_reads_them(void **state)
{
	static const char *const ok[] = {
		"0", "-0.5", "123.45", "1e5", " 7 ", "1.7976931348623157e308", "0.1", "1.",
		".5", "+3", "123456789012345678", "9007199254740993", "0.000001234",
		"2.2250738585072014E-308", "999999999999999.9",
	};
	static const char *const bad[] = { "", "abc", "1e999", "12a", ".", "-", "1 2", "nan" };
	char tmp[40];
	double v;

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		assert_int_equal(xz_num(ok[i], strlen(ok[i]), &v), 0);
		assert_true(v == strtod(ok[i], NULL));
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(xz_num(bad[i], strlen(bad[i]), &v), -1);
	srand(7);
	for (int i = 0; i < 20000; i++) {
		long long m = ((long long)rand() << 20 ^ rand()) % 1000000000000000LL;
		int k = rand() % 16;

		snprintf(tmp, sizeof tmp, "%s%lld", rand() % 2 ? "-" : "", m);
		if (k > 0 && (size_t)k < strlen(tmp)) { /* a point k digits from the end */
			size_t n = strlen(tmp);

			memmove(tmp + n - k + 1, tmp + n - k, (size_t)k + 1);
			tmp[n - k] = '.';
		}
		assert_int_equal(xz_num(tmp, strlen(tmp), &v), 0);
		if (v != strtod(tmp, NULL))
			fail_msg("%s: %.17g, strtod %.17g", tmp, v, strtod(tmp, NULL));
	}
}

/* Parts are streamed into the zip in pieces: a book larger than one
 * piece, with shared strings and formats met along the way, comes back
 * whole from both formats. */
static void test_large_book_streams_through_both_writers(void **state)
{
	struct sheet_file f, g;
	struct buf out;
	struct err e;
	char s[32];

	sheet_file_init(&f, "Big");
	assert_int_equal(sheet_add(f.wb, "Small", &e), 1);
	for (uint32_t r = 0; r < 3000; r++)
		for (uint32_t c = 0; c < 4; c++) {
			snprintf(s, sizeof s, c == 3 ? "w%u" : "%u.25", r * 4 + c);
			input(&f, r, c, s);
			if (c == 1)
				sheet_file_set_format(&f, 0, r, c, r % 2 ? "0.00" : "#,##0.0");
		}
	f.sheet = 1;
	input(&f, 0, 0, "=SUM(Big!A1:A3000)");
	f.sheet = 0;
	for (int ods = 0; ods < 2; ods++) {
		buf_init(&out);
		assert_int_equal(ods ? sheet_ods_write(&f, &out, &e) : sheet_xlsx_write(&f, &out, &e), 0);
		sheet_file_init(&g, NULL);
		assert_int_equal(ods ? sheet_ods_load(&g, out.data, out.len, &e)
				     : sheet_xlsx_load(&g, out.data, out.len, &e), 0);
		assert_int_equal(sheet_count(g.wb), 2);
		for (uint32_t r = 0; r < 3000; r += 7) {
			struct sheet_value v = at(&g, 0, r, 0);

			assert_true(v.type == SHEET_NUM && v.num == r * 4 + 0.25);
			snprintf(s, sizeof s, "w%u", r * 4 + 3);
			assert_string_equal(at(&g, 0, r, 3).str, s);
			assert_string_equal(sheet_file_note_at(&g, 0, r, 1)->fmt,
					    r % 2 ? "0.00" : "#,##0.0");
		}
		struct sheet_value t = at(&g, 1, 0, 0);

		assert_true(t.type == SHEET_NUM && t.num == 3000 * 2999 * 2 + 750);
		sheet_file_free(&g);
		buf_free(&out);
	}
	sheet_file_free(&f);
}

/* A table-column after a row (columns count again from the row's start)
 * keeps the default styles of the columns already declared: found by
 * fuzz_sheetxml as a read past the end of the column table. */
static void test_ods_column_after_a_row_keeps_column_styles(void **state)
{
	struct xz_writer w;
	struct sheet_file f;
	struct buf x;
	struct err e;

	buf_init(&x);
	xz_w_init(&w);
	add(&w, "mimetype", "application/vnd.oasis.opendocument.spreadsheet");
	add(&w, "content.xml",
	    "<office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
	    "xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" "
	    "xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" "
	    "xmlns:number=\"urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0\">"
	    "<office:automatic-styles><number:percentage-style style:name=\"P\"><number:number "
	    "number:decimal-places=\"0\"/><number:text>%</number:text></number:percentage-style>"
	    "<style:style style:name=\"pc\" style:family=\"table-cell\" style:data-style-name=\"P\"/>"
	    "</office:automatic-styles><office:body><office:spreadsheet><table:table table:name=\"T\">"
	    "<table:table-column table:number-columns-repeated=\"4\" "
	    "table:default-cell-style-name=\"pc\"/><table:table-row><table:table-cell/></table:table-row>"
	    "<table:table-column table:default-cell-style-name=\"pc\"/>"
	    "<table:table-row><table:table-cell table:number-columns-repeated=\"3\"/>"
	    "<table:table-cell office:value-type=\"float\" office:value=\"0.5\"/></table:table-row>"
	    "</table:table></office:spreadsheet></office:body></office:document-content>");
	assert_int_equal(xz_w_finish(&w, &x, &e), 0);
	sheet_file_init(&f, NULL);
	assert_int_equal(sheet_ods_load(&f, x.data, x.len, &e), 0);
	assert_true(at(&f, 0, 1, 3).num == 0.5);
	assert_string_equal(sheet_file_note_at(&f, 0, 1, 3)->fmt, "0%");
	sheet_file_free(&f);
	buf_free(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xlsx_round_trip_in_memory),
		cmocka_unit_test(test_ods_round_trip_in_memory),
		cmocka_unit_test(test_round_trip_through_temp_files),
		cmocka_unit_test(test_xlsx_cells_as_other_writers_make_them),
		cmocka_unit_test(test_malformed_files_name_the_part),
		cmocka_unit_test(test_ods_as_libreoffice_writes_it),
		cmocka_unit_test(test_formula_conversions),
		cmocka_unit_test(test_formats_and_dates),
		cmocka_unit_test(test_notes_are_per_sheet),
		cmocka_unit_test(test_namespace_prefixes_are_the_files_own),
		cmocka_unit_test(test_numbers_read_as_strtod_reads_them),
		cmocka_unit_test(test_large_book_streams_through_both_writers),
		cmocka_unit_test(test_ods_column_after_a_row_keeps_column_styles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
