#!/bin/bash
# sheets.sh - the sheets file verbs through the real binary: convert a CSV
# with formulas and Chinese text, get a cell and a range (plain and
# --json), set then get, exit codes, and the verbs in `atrium help sheets`
# in English and Chinese. No servers: the verbs work on local files.
set -u
cd "$(dirname "$0")/../.." || exit 1
ATRIUM_BIN=${ATRIUM_BIN:-$PWD/atrium}
T_DIR=$(mktemp -d /tmp/atrium-sheets.XXXXXX)
trap 'rm -rf "$T_DIR"' EXIT
. tests/integration/tap.lib

cfg=$T_DIR/config
"$ATRIUM_BIN" keygen "$T_DIR/store.key" >/dev/null
printf 'key_file = %s\n' "$T_DIR/store.key" > "$cfg"
chmod 600 "$cfg"
H=(--config "$cfg" --home "$T_DIR/home")

in=$T_DIR/在库.csv
printf '品名,数量,单价,金额\n苹果,3,1.5,=B2*C2\n"梨子",2,0.25,=B3*C3\n合计,,,=SUM(D2:D3)\n日期,2024-01-15,TRUE,=1/0\n' > "$in"
cp "$in" "$T_DIR/orig.csv"

at "${H[@]}" sheets convert "$in" "$T_DIR/out.csv"
check "convert exits 0 even with an error value in a cell" test "$rc" = 0
check "convert writes computed values, Chinese text and dates as they were" \
	diff "$T_DIR/out.csv" - <<'OUT'
品名,数量,单价,金额
苹果,3,1.5,4.5
梨子,2,0.25,0.5
合计,,,5
日期,2024-01-15,TRUE,#DIV/0!
OUT
check "convert leaves the input untouched" cmp -s "$in" "$T_DIR/orig.csv"
at "${H[@]}" sheets convert "$in" "$T_DIR/out.tsv" --sheet Ignored
check "convert to .tsv writes tabs (--sheet is accepted for CSV)" \
	grep -qP '^苹果\t3\t1.5\t4.5$' "$T_DIR/out.tsv"

at "${H[@]}" sheets get "$in" D4
check "get prints one cell's value" test "$rc" = 0 -a "$out" = 5
at "${H[@]}" sheets get "$in" A2:B3
check "get prints a range as rows of tab-separated values" test "$out" = "$(printf '苹果\t3\n梨子\t2')"
at "${H[@]}" sheets get "$in" D2 --json
check "get --json gives value, type and formula" \
	test "$out" = '{"cell":"D2","value":4.5,"type":"number","text":"4.5","formula":"=B2*C2"}'
at "${H[@]}" sheets get "$in" A1:B2 --json
check "get --json on a range gives rows" \
	test "$out" = '{"range":"A1:B2","rows":[["品名","数量"],["苹果",3]]}'
at "${H[@]}" sheets get "$in" Z100 --json
check "a cell outside the data is empty" grep -q '"type":"empty"' <<<"$out"
at "${H[@]}" sheets get "$in" A1
check "get leaves the input untouched" cmp -s "$in" "$T_DIR/orig.csv"

chmod 640 "$in"
at "${H[@]}" sheets set "$in" B2 10
check "set prints the new value" test "$rc" = 0 -a "$out" = 10
at "${H[@]}" sheets get "$in" D4
check "set recalculates what depends on the cell" test "$out" = 15.5
check "set keeps the file's mode" test "$(stat -c %a "$in")" = 640
check "set keeps the formulas in the file" grep -q '^苹果,10,1.5,=B2\*C2$' "$in"
at "${H[@]}" sheets set "$in" E1 '=SUM(B2:B3)*2' --json
check "set --json reports the formula's value" grep -q '"value":24,.*"formula":"=SUM(B2:B3)\*2"' <<<"$out"
cp "$in" "$T_DIR/before.csv"
at "${H[@]}" sheets set "$in" E2 '=SUM(B2:B3'
check "a formula that does not parse fails with exit 8" test "$rc" = 8
check "... and leaves the file unchanged" cmp -s "$in" "$T_DIR/before.csv"

at "${H[@]}" sheets get "$in" NOTACELL
check "a bad reference exits 1" test "$rc" = 1
at "${H[@]}" sheets get "$in" A1 --frobnicate
check "an unknown option exits 1" test "$rc" = 1
at "${H[@]}" sheets convert "$in" "$T_DIR/out.pdf"
check "an unknown format is a usage error" test "$rc" = 1
check "... listing the formats known" grep -q ".xlsx, .ods" <<<"$errout"
at "${H[@]}" sheets get "$T_DIR/missing.csv" A1
check "a missing file exits 2" test "$rc" = 2
check "... naming it" grep -q "missing.csv" <<<"$errout"
printf 'a,"b\nc\n' > "$T_DIR/bad.csv"
at "${H[@]}" sheets convert "$T_DIR/bad.csv" "$T_DIR/bad-out.csv"
check "a malformed CSV names its line" grep -q "line 1" <<<"$errout"
check "... and writes no output" test ! -e "$T_DIR/bad-out.csv"
at "${H[@]}" --json sheets get "$in" X
check "--json failure is a document" grep -q '"kind":"usage"' <<<"$out"

at "${H[@]}" sheets status
check "sheets status still shows the account panel text" grep -q "Sheets" <<<"$out"
at "${H[@]}" help sheets
check "help lists the verbs" bash -c 'for v in status convert get set; do grep -q "atrium sheets $v" <<<"$1" || exit 1; done' _ "$out"
check "... described in English" grep -q "Print the value of a cell" <<<"$out"
at "${H[@]}" --lang zh_Hans help sheets
check "help in Chinese" grep -q "显示一个单元格或区域中各单元格的值" <<<"$out"
t_done
