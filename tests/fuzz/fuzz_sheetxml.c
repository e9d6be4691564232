/*
 * fuzz_sheetxml.c - the XML readers of xlsx and ods behind a valid zip.
 * fuzz_xlsx hands the readers raw bytes, which rarely get past the zip
 * layer; here the first input byte picks one part of a small, well-formed
 * package and the rest of the input becomes that part, so the fuzzer
 * spends its time in the worksheet, shared strings, workbook, styles and
 * relationship readers of xlsx and in content.xml and styles.xml of ods.
 * Never a crash; a package that loads is written again and reloads with
 * as many sheets, and a failed load leaves one empty sheet.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modules/sheets/io.h"
#include "modules/sheets/io_zip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NS_MAIN "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define NS_PKG "http://schemas.openxmlformats.org/package/2006/relationships"
#define XML_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

/* The parts of the xlsx package; the fuzzed one is replaced. */
static const struct {
	const char *name, *text;
} xlsx_parts[] = {
	{ "_rels/.rels",
	  XML_HEAD "<Relationships xmlns=\"" NS_PKG "\"><Relationship Id=\"rId1\" Type=\"" NS_REL
		   "/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>" },
	{ "xl/workbook.xml",
	  XML_HEAD "<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\"><sheets>"
		   "<sheet name=\"One\" sheetId=\"1\" r:id=\"rId1\"/>"
		   "<sheet name=\"Two\" sheetId=\"2\" r:id=\"rId2\"/></sheets>"
		   "<definedNames><definedName name=\"total\">One!$A$1:$B$2</definedName>"
		   "</definedNames></workbook>" },
	{ "xl/_rels/workbook.xml.rels",
	  XML_HEAD "<Relationships xmlns=\"" NS_PKG "\">"
		   "<Relationship Id=\"rId1\" Type=\"" NS_REL "/worksheet\" "
		   "Target=\"worksheets/sheet1.xml\"/>"
		   "<Relationship Id=\"rId2\" Type=\"" NS_REL "/worksheet\" "
		   "Target=\"/xl/worksheets/sheet2.xml\"/>"
		   "<Relationship Id=\"rId3\" Type=\"" NS_REL "/styles\" Target=\"styles.xml\"/>"
		   "<Relationship Id=\"rId4\" Type=\"" NS_REL "/sharedStrings\" "
		   "Target=\"sharedStrings.xml\"/></Relationships>" },
	{ "xl/worksheets/sheet1.xml",
	  XML_HEAD "<worksheet xmlns=\"" NS_MAIN "\"><cols><col min=\"1\" max=\"2\" width=\"12\"/>"
		   "</cols><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c>"
		   "<c r=\"B1\" s=\"1\"><v>45000.5</v></c><c r=\"C1\" t=\"s\"><v>1</v></c></row>"
		   "<row r=\"2\"><c r=\"A2\" s=\"2\"><f>B1*2</f><v>90001</v></c>"
		   "<c r=\"B2\"><f t=\"shared\" ref=\"B2:B3\" si=\"0\">A2+1</f><v>1</v></c>"
		   "<c r=\"C2\" t=\"b\"><v>1</v></c></row><row r=\"3\">"
		   "<c r=\"B3\"><f t=\"shared\" si=\"0\"/><v>2</v></c>"
		   "<c r=\"C3\" t=\"inlineStr\"><is><t>in_x000D_line</t></is></c>"
		   "<c r=\"D3\" t=\"e\"><v>#DIV/0!</v></c></row></sheetData></worksheet>" },
	{ "xl/worksheets/sheet2.xml",
	  XML_HEAD "<worksheet xmlns=\"" NS_MAIN "\"><sheetData><row r=\"1\">"
		   "<c r=\"A1\"><f>One!B1+total</f></c><c r=\"B1\" t=\"d\"><v>2024-01-15</v></c>"
		   "</row></sheetData></worksheet>" },
	{ "xl/sharedStrings.xml",
	  XML_HEAD "<sst xmlns=\"" NS_MAIN "\" count=\"2\" uniqueCount=\"2\"><si><t>text</t></si>"
		   "<si><r><t>rich </t></r><r><t>run</t></r><rPh><t>x</t></rPh></si></sst>" },
	{ "xl/styles.xml",
	  XML_HEAD "<styleSheet xmlns=\"" NS_MAIN "\"><numFmts count=\"1\">"
		   "<numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd hh:mm\"/></numFmts>"
		   "<cellXfs count=\"3\"><xf numFmtId=\"0\"/><xf numFmtId=\"164\"/>"
		   "<xf numFmtId=\"10\"/></cellXfs></styleSheet>" },
};
#define NXLSX (sizeof xlsx_parts / sizeof xlsx_parts[0])

#define ODS_NS \
	"xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" " \
	"xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" " \
	"xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" " \
	"xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" " \
	"xmlns:number=\"urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0\""

static const struct {
	const char *name, *text;
} ods_parts[] = {
	{ "mimetype", "application/vnd.oasis.opendocument.spreadsheet" },
	{ "styles.xml",
	  XML_HEAD "<office:document-styles " ODS_NS "><office:styles>"
		   "<number:number-style style:name=\"N2\"><number:number "
		   "number:decimal-places=\"2\" number:grouping=\"true\"/></number:number-style>"
		   "<style:style style:name=\"money\" style:family=\"table-cell\" "
		   "style:data-style-name=\"N2\"/></office:styles></office:document-styles>" },
	{ "content.xml",
	  XML_HEAD "<office:document-content " ODS_NS "><office:automatic-styles>"
		   "<number:date-style style:name=\"D1\"><number:year number:style=\"long\"/>"
		   "<number:text>-</number:text><number:month/></number:date-style>"
		   "<style:style style:name=\"ce1\" style:family=\"table-cell\" "
		   "style:data-style-name=\"D1\"/></office:automatic-styles><office:body>"
		   "<office:spreadsheet><table:table table:name=\"One\">"
		   "<table:table-column table:number-columns-repeated=\"2\"/>"
		   "<table:table-row table:number-rows-repeated=\"2\"><table:table-cell "
		   "office:value-type=\"float\" office:value=\"1.5\" table:style-name=\"money\"/>"
		   "<table:table-cell table:formula=\"of:=[.A1]*2\" office:value-type=\"float\" "
		   "office:value=\"3\"/><table:table-cell office:value-type=\"string\">"
		   "<text:p>a<text:s text:c=\"2\"/>b</text:p><text:p>c</text:p></table:table-cell>"
		   "</table:table-row><table:table-row><table:table-cell "
		   "office:value-type=\"date\" office:date-value=\"2024-01-15T10:30:00\" "
		   "table:style-name=\"ce1\"/><table:table-cell office:value-type=\"boolean\" "
		   "office:boolean-value=\"true\"/></table:table-row></table:table>"
		   "<table:table table:name=\"Two\"><table:table-row><table:table-cell "
		   "table:formula=\"of:=SUM([$One.A1:.B2])\"/></table:table-row></table:table>"
		   "</office:spreadsheet></office:body></office:document-content>" },
};
#define NODS (sizeof ods_parts / sizeof ods_parts[0])

/* Which part the input replaces, by its first byte. */
static const struct {
	int ods;
	const char *part;
} targets[] = {
	{ 0, "xl/worksheets/sheet1.xml" }, { 0, "xl/sharedStrings.xml" },
	{ 0, "xl/workbook.xml" },          { 0, "xl/styles.xml" },
	{ 0, "xl/_rels/workbook.xml.rels" }, { 0, "_rels/.rels" },
	{ 1, "content.xml" },              { 1, "styles.xml" },
};
#define NTARGETS (sizeof targets / sizeof targets[0])

static void package(int ods, const char *fuzzed, const uint8_t *data, size_t size,
		    struct buf *zip)
{
	struct xz_writer w;
	struct buf part;
	struct err e;
	size_t n = ods ? NODS : NXLSX;

	xz_w_init(&w);
	buf_init(&part);
	for (size_t i = 0; i < n; i++) {
		const char *name = ods ? ods_parts[i].name : xlsx_parts[i].name;
		const char *text = ods ? ods_parts[i].text : xlsx_parts[i].text;

		if (strcmp(name, fuzzed) == 0)
			buf_add(&part, data, size);
		else
			buf_adds(&part, text);
		xz_w_add(&w, name, &part, 1); /* stored: cheaper, and the same to the readers */
	}
	buf_free(&part);
	if (xz_w_finish(&w, zip, &e) != 0)
		abort(); /* building a zip in memory cannot fail */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sheet_file f, g;
	struct buf zip, out;
	struct err e;
	int ods, rc;

	if (size < 1)
		return 0;
	ods = targets[data[0] % NTARGETS].ods;
	buf_init(&zip);
	package(ods, targets[data[0] % NTARGETS].part, data + 1, size - 1, &zip);
	sheet_file_init(&f, NULL);
	rc = ods ? sheet_ods_load(&f, zip.data, zip.len, &e)
		 : sheet_xlsx_load(&f, zip.data, zip.len, &e);
	if (rc == 0) {
		buf_init(&out);
		if ((ods ? sheet_ods_write(&f, &out, &e) : sheet_xlsx_write(&f, &out, &e)) != 0)
			abort();
		sheet_file_init(&g, NULL);
		rc = ods ? sheet_ods_load(&g, out.data, out.len, &e)
			 : sheet_xlsx_load(&g, out.data, out.len, &e);
		if (rc != 0 || sheet_count(g.wb) != sheet_count(f.wb))
			abort();
		sheet_file_free(&g);
		buf_free(&out);
	} else if (sheet_count(f.wb) != 1) {
		abort();
	}
	sheet_file_free(&f);
	buf_free(&zip);
	return 0;
}
