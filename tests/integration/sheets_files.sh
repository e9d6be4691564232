#!/bin/bash
# sheets_files.sh - xlsx and ods through the real binary and two outside
# programs: files atrium writes are opened by LibreOffice (headless, its own
# profile, set to recalculate on load) and give the same values; files
# written by python3-openpyxl and by LibreOffice are read by atrium. Also
# several sheets, --sheet, set on an xlsx keeping the other sheets, formats
# and widths, and malformed files named in the error with nothing written.
# Needs soffice and python3-openpyxl (mk/deps.sh check installs them): a
# missing one is a failure, never a silent skip.
set -u
cd "$(dirname "$0")/../.." || exit 1
ATRIUM_BIN=${ATRIUM_BIN:-$PWD/atrium}
T_DIR=$(mktemp -d /tmp/atrium-sheetfiles.XXXXXX)
trap 'rm -rf "$T_DIR"' EXIT
. tests/integration/tap.lib
PY=/usr/bin/python3

cfg=$T_DIR/config
"$ATRIUM_BIN" keygen "$T_DIR/store.key" >/dev/null
printf 'key_file = %s\n' "$T_DIR/store.key" > "$cfg"
chmod 600 "$cfg"
H=(--config "$cfg" --home "$T_DIR/home")

have_lo=1
if ! command -v soffice >/dev/null; then
	not_ok "soffice (LibreOffice) is not installed: run mk/deps.sh check"
	have_lo=0
fi
if ! "$PY" -c 'import openpyxl' 2>/dev/null; then
	not_ok "python3-openpyxl is not installed: run mk/deps.sh check"
fi

# LibreOffice with its own profile, recalculating every file it loads.
lo_profile() {
	mkdir -p "$T_DIR/lo/user"
	cat > "$T_DIR/lo/user/registrymodifications.xcu" <<'XCU'
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
XCU
}
lo_convert() { # IN FORMAT OUTDIR
	timeout 120 soffice -env:UserInstallation="file://$T_DIR/lo" --headless \
		--convert-to "$2" --outdir "$3" "$1" >"$T_DIR/lo.log" 2>&1
}
LO_CSV='csv:Text - txt - csv (StarCalc):44,34,76,1' # UTF-8
unquote() { tr -d '\r"' < "$1"; } # LibreOffice quotes text; ours has no quotes
lo_profile

# A workbook made by atrium from CSV: formulas (one with _xlfn.), Chinese,
# a date, a boolean, then a second sheet referring to the first.
src=$T_DIR/src.csv
printf '品名,数量,单价,金额\n苹果,3,1.5,=B2*C2\n梨子,2,0.25,=B3*C3\n合计,=SUM(B2:B3),,=SUM(D2:D3)\n日期,2024-01-15,TRUE,"=IFS(D4>4,""big"",TRUE,""small"")"\n' > "$src"
at "${H[@]}" sheets convert "$src" "$T_DIR/a.xlsx"
check "convert CSV to xlsx exits 0" test "$rc" = 0
at "${H[@]}" sheets convert "$src" "$T_DIR/a.ods"
check "convert CSV to ods exits 0" test "$rc" = 0
expect='品名,数量,单价,金额
苹果,3,1.5,4.5
梨子,2,0.25,0.5
合计,5,,5
日期,2024-01-15,TRUE,big'
at "${H[@]}" sheets convert "$T_DIR/a.xlsx" "$T_DIR/a-back.csv"
check "atrium reads its own xlsx back to the same values" test "$(cat "$T_DIR/a-back.csv")" = "$expect"
at "${H[@]}" sheets convert "$T_DIR/a.ods" "$T_DIR/a-back2.csv"
check "atrium reads its own ods back to the same values" test "$(cat "$T_DIR/a-back2.csv")" = "$expect"
check "the xlsx stores IFS as _xlfn.IFS" bash -c "unzip -p '$T_DIR/a.xlsx' xl/worksheets/sheet1.xml | grep -q '_xlfn.IFS'"
check "the ods starts with an uncompressed mimetype" \
	bash -c "head -c 100 '$T_DIR/a.ods' | grep -aq 'mimetypeapplication/vnd.oasis.opendocument.spreadsheet'"

if [ "$have_lo" = 1 ]; then
	mkdir -p "$T_DIR/lo-x" "$T_DIR/lo-o"
	lo_convert "$T_DIR/a.xlsx" "$LO_CSV" "$T_DIR/lo-x"
	# LibreOffice writes dates as the cell's format shows them: ours is yyyy-mm-dd.
	check "LibreOffice opens atrium's xlsx with the same values" \
		test "$(unquote "$T_DIR/lo-x/a.csv")" = "$expect"
	lo_convert "$T_DIR/a.ods" "$LO_CSV" "$T_DIR/lo-o"
	check "LibreOffice opens atrium's ods with the same values" \
		test "$(unquote "$T_DIR/lo-o/a.csv")" = "$expect"
	# and LibreOffice's own files read by atrium
	lo_convert "$T_DIR/a.xlsx" ods "$T_DIR/lo-x"
	at "${H[@]}" sheets convert "$T_DIR/lo-x/a.ods" "$T_DIR/lo-ods.csv"
	check "atrium reads an ods written by LibreOffice" \
		test "$rc" = 0 -a "$(cat "$T_DIR/lo-ods.csv")" = "$expect"
	lo_convert "$T_DIR/a.ods" xlsx "$T_DIR/lo-o"
	at "${H[@]}" sheets convert "$T_DIR/lo-o/a.xlsx" "$T_DIR/lo-xlsx.csv"
	check "atrium reads an xlsx written by LibreOffice" \
		test "$rc" = 0 -a "$(cat "$T_DIR/lo-xlsx.csv")" = "$expect"
fi

# openpyxl's budget (absolute relationship targets, number formats, widths)
"$PY" tests/servers/make_budget.py "$T_DIR/budget.xlsx" "$T_DIR/budget.csv"
at "${H[@]}" sheets convert "$T_DIR/budget.xlsx" "$T_DIR/budget-out.csv"
check "the openpyxl budget converts" test "$rc" = 0
check "... with the totals its formulas compute" \
	diff <(head -7 "$T_DIR/budget-out.csv") <(tr -d '\r' < "$T_DIR/budget.csv")
at "${H[@]}" sheets get "$T_DIR/budget.xlsx" F8
check "get on an xlsx computes the average" test "$out" = 14290
cp "$T_DIR/budget.xlsx" "$T_DIR/budget-orig.xlsx"
check "reading leaves the xlsx untouched" cmp -s "$T_DIR/budget.xlsx" "$T_DIR/budget-orig.xlsx"

# several sheets: made with openpyxl, one sheet chosen with --sheet
"$PY" - "$T_DIR/multi.xlsx" <<'PY'
import sys, datetime
from openpyxl import Workbook
wb = Workbook()
a = wb.active
a.title = "Data"
a.append(["x", 1]); a.append(["y", 2])
a["C1"] = datetime.date(2024, 1, 15)
a["C1"].number_format = "yyyy-mm-dd"
a["D1"] = 0.25
a["D1"].number_format = "0.00%"
a.column_dimensions["A"].width = 25
b = wb.create_sheet("汇总 Sum")
b["A1"] = "=SUM(Data!B1:B2)*10"
b["A2"] = '=_xlfn.CONCAT("a","b")'
wb.save(sys.argv[1])
PY
at "${H[@]}" sheets convert "$T_DIR/multi.xlsx" "$T_DIR/m1.csv"
check "without --sheet the first sheet is written" \
	test "$(cat "$T_DIR/m1.csv")" = "$(printf 'x,1,2024-01-15,0.25\ny,2')"
at "${H[@]}" sheets convert "$T_DIR/multi.xlsx" "$T_DIR/m2.csv" --sheet '汇总 Sum'
check "--sheet picks a sheet by name, its formulas across sheets computed" \
	test "$(cat "$T_DIR/m2.csv")" = "$(printf '30\nab')"
at "${H[@]}" sheets convert "$T_DIR/multi.xlsx" "$T_DIR/m3.csv" --sheet Nope
check "an unknown --sheet fails naming it" grep -q "Nope" <<<"$errout"
check "... and writes nothing" test ! -e "$T_DIR/m3.csv"

at "${H[@]}" sheets set "$T_DIR/multi.xlsx" B2 40
check "set on an xlsx saves" test "$rc" = 0 -a "$out" = 40
"$PY" - "$T_DIR/multi.xlsx" > "$T_DIR/multi.txt" <<'PY'
import sys
from openpyxl import load_workbook
wb = load_workbook(sys.argv[1])
a, b = wb["Data"], wb["汇总 Sum"]
print(wb.sheetnames, a["B2"].value, a["C1"].number_format, a["D1"].number_format,
      round(a.column_dimensions["A"].width), b["A1"].value)
wb2 = load_workbook(sys.argv[1], data_only=True)
print(wb2["汇总 Sum"]["A1"].value)
PY
check "openpyxl reads the saved xlsx: sheets, value, formats, width, formula" \
	test "$(head -1 "$T_DIR/multi.txt")" = "['Data', '汇总 Sum'] 40 yyyy-mm-dd 0.00% 25 =SUM(Data!B1:B2)*10"
check "... and the formula's cached result is the new one" test "$(tail -1 "$T_DIR/multi.txt")" = 410

# malformed files: the part is named, nothing is written
printf 'not a zip' > "$T_DIR/bad.xlsx"
at "${H[@]}" sheets convert "$T_DIR/bad.xlsx" "$T_DIR/bad.csv"
check "a file that is not a zip fails clearly" grep -q "not a zip" <<<"$errout"
check "... writing nothing" test ! -e "$T_DIR/bad.csv"
mkdir -p "$T_DIR/broken" && (cd "$T_DIR/broken" && unzip -q "$T_DIR/multi.xlsx" &&
	printf '<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></row>' > xl/worksheets/sheet2.xml &&
	zip -qr "$T_DIR/broken.xlsx" .)
cp "$T_DIR/broken.xlsx" "$T_DIR/broken-orig.xlsx"
at "${H[@]}" sheets set "$T_DIR/broken.xlsx" A1 5
check "malformed XML names the part and line" grep -q "xl/worksheets/sheet2.xml: line 1" <<<"$errout"
check "... and set leaves the file as it was" cmp -s "$T_DIR/broken.xlsx" "$T_DIR/broken-orig.xlsx"
t_done
