#!/bin/bash
# sheets.sh - the Sheets tab's grid in a real terminal (tmux): an empty
# sheet with frozen headers, typing values and a formula that recalculates,
# the edit line showing the formula, ':' opening the command line while
# navigating, ':sheets open' with Chinese text, ':sheets save' writing the
# formulas back, ':sheets goto', Esc cancelling, undo, and the grid in the
# Chinese UI.
cd "$(dirname "$0")/../.." || exit 1
. tests/tui/tmux.lib

cfg=$T_DIR/config
"$ATRIUM_BIN" keygen "$T_DIR/store.key" >/dev/null
printf '%s\n' "key_file = $T_DIR/store.key" > "$cfg"
chmod 600 "$cfg"
run="$ATRIUM_BIN --config $cfg --home $T_DIR/home"
in=$T_DIR/在库.csv
out=$T_DIR/out.csv
printf '品名,数量,单价,金额\n苹果,3,1.5,=B2*C2\n梨子,2,0.25,=B3*C3\n' > "$in"

# The grid's row N (1-based) is screen row N + 2: tabs, edit line, headers.
grid_row() { row $(($1 + 2)); }
cell_row_has() { row_has $(($1 + 2)) "$2"; }
# Row N of the screen matches an extended regular expression (now).
row_matches() { row "$1" | grep -qE -- "$2"; }
row_lacks() { sleep 0.3; ! row "$1" | grep -qF -- "$2"; }
row_numbers() { row_matches 3 '^ +1( |$)' && row_matches 12 '^ +10( |$)'; }
far_cells() { sleep 0.3; row_matches 2 ' Z( |$)' && screen | grep -qE '^ *100( |$)'; }

t_session 80 24
keys "$run" Enter
wait_for "1 Mail  2 Chat  3 Docs  4 Sheets"
keys M-4
check "Alt-4 shows the column headers" row_has 2 "A          B          C"
check "... and the row numbers" row_numbers
check "the edit line shows the current cell" row_has 1 "A1"

type_text "2"; keys Enter
type_text "3"; keys Enter
type_text "=A1*A2"
check "the edit line shows what is typed" row_has 1 "=A1*A2"
keys Enter
check "a formula computes: 6 in A3" cell_row_has 3 "6"
keys Up
check "the edit line shows the formula of A3" row_has 1 "=A1*A2"
check "... and its address" row_has 1 "A3"
keys Up Up
type_text "10"; keys Tab
check "changing A1 recalculates A3" cell_row_has 3 "30"
check "Tab moves right" row_has 1 "B1"
type_text "x"
keys Escape
check "Esc cancels entering" row_lacks 3 x
keys C-z
check "Ctrl-Z undoes the last change" cell_row_has 3 "6"
keys C-y
check "Ctrl-Y redoes it" cell_row_has 3 "30"
keys C-s
check "Ctrl-S on an untitled sheet asks for a name" wait_for "use :sheets save FILE"

type_text ":"
check "':' opens the command line while navigating" wait_for ":"
type_text "sheets save $T_DIR/new.csv"; keys Enter
check "':sheets save FILE' saves an untitled sheet" wait_for_file "$T_DIR/new.csv"
check "... with the formula kept" grep -qx '=A1\*A2' "$T_DIR/new.csv"

type_text ":sheets open $in"; keys Enter
check "':sheets open FILE' shows Chinese text" cell_row_has 2 "苹果"
check "... and computed formulas" cell_row_has 2 "4.5"
check "... and the file's name" row_has 1 "在库.csv"
keys Down Right Right Right
check "the edit line shows the formula of D2" row_has 1 "=B2*C2"
keys Left Left
type_text "4"; keys Enter
check "a change recalculates the row" cell_row_has 2 "6"
type_text ":sheets save $out"; keys Enter
check "':sheets save FILE2' writes FILE2" wait_for_file "$out"
check "FILE2 holds the values and formulas" diff "$out" - <<'OUT'
品名,数量,单价,金额
苹果,4,1.5,=B2*C2
梨子,2,0.25,=B3*C3
OUT
check "the opened file is unchanged" grep -q '^苹果,3,' "$in"

type_text ":sheets goto C5"; keys Enter
check "':sheets goto C5' moves the cursor" row_has 1 "C5"
type_text ":sheets goto Z100"; keys Enter
check "goto scrolls to far cells" far_cells
keys C-q
atrium_gone

# ---- Chinese ---------------------------------------------------------------
t_session 80 24
keys "$run --lang zh_Hans" Enter
wait_for "表格"
keys M-4
check "the grid in the Chinese UI" row_has 2 "A          B          C"
check "... with the untitled name in Chinese" row_has 1 "未命名"
type_text "中文表格测试内容"; keys Enter
check "CJK text is clipped to the column (double width)" cell_row_has 1 "中文表格测"
check "... at 10 columns, 5 characters" row_lacks 3 中文表格测试
keys C-s
check "saving an untitled sheet asks for a name, in Chinese" wait_for "sheets save FILE"
keys C-q
check "Ctrl-Q with unsaved cells asks first" wait_for "未保存的更改"
keys y Enter
check "answering yes quits" atrium_gone

echo "1..$t_n"
t_done
