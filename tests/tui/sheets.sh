#!/bin/bash
# sheets.sh - the Sheets tab's grid in a real terminal (tmux): an empty
# sheet with frozen headers, typing values and a formula that recalculates,
# the edit line showing the formula, ':' opening the command line while
# navigating, ':sheets open' with Chinese text, ':sheets save' writing the
# formulas back, ':sheets goto', Esc cancelling, undo, and the grid in the
# Chinese UI, and sheet operations undone.
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

# ---- editing operations: select, copy, paste, fill, insert, sort, filter,
# find and replace, each one undo step ----------------------------------------
ops=$T_DIR/ops.csv
printf 'city,sales\nShanghai,5\nBeijing,150\nGuangzhou,120\n' > "$ops"
t_session 100 24
keys "$run" Enter
wait_for "4 Sheets"
keys M-4
type_text ":sheets open $ops"; keys Enter
check "a table to edit" cell_row_has 4 "Guangzhou"
type_text ":sheets goto C2"; keys Enter
type_text "=B2*2"; keys Enter Up
keys S-Down S-Down
check "Shift+arrows select; the edit line shows C2:C4" row_has 1 "C2:C4"
keys C-d
check "Ctrl-D fills the formula down, references adjusted" cell_row_has 4 "240"
keys C-c
type_text ":sheets goto D2"; keys Enter
keys C-v
check "Ctrl-V pastes the copy with relative references moved" row_has 1 "=C2*2"
check "... and computes" cell_row_has 3 "600"
type_text ":sheets goto A3"; keys Enter
keys F8 Right
check "F8 then arrows select too" row_has 1 "A3:B3"
keys Escape
check "Esc ends the selection" row_lacks 1 "A3:B3"
type_text ":sheets insert rows"; keys Enter
check "':sheets insert rows' inserts above the cursor" cell_row_has 4 "Beijing"
type_text ":sheets goto D5"; keys Enter
check "... and formulas below follow" row_has 1 "=C5*2"
keys C-z
check "one Ctrl-Z undoes the insert" cell_row_has 3 "Beijing"
type_text ":sheets goto B3"; keys Enter
type_text ":sheets sort B desc"; keys Enter
check "':sheets sort B desc' sorts the table under its header" cell_row_has 2 "Beijing"
check "... the smallest last" cell_row_has 4 "Shanghai"
check "... the header stays" cell_row_has 1 "city"
check "... formulas move with their rows" cell_row_has 2 "600"
type_text ":sheets filter B >100"; keys Enter
check "':sheets filter B >100' says how many rows are shown" wait_for "2 rows shown"
check "... and hides the others" row_lacks 6 "Shanghai"
check "... keeping the header" cell_row_has 1 "city"
type_text ":sheets filter"; keys Enter
check "':sheets filter' alone shows every row" cell_row_has 4 "Shanghai"
type_text ":sheets find guang"; keys Enter
check "':sheets find' goes to the match (case-insensitive)" row_has 1 "A3 "
type_text ":sheets replace zhou ZHOU"; keys Enter
check "':sheets replace' counts the cells changed" wait_for "1 cell changed"
check "... and changes them" cell_row_has 3 "GuangZHOU"
keys C-z
check "Ctrl-Z undoes the replace" cell_row_has 3 "Guangzhou"
keys C-z
check "the next Ctrl-Z undoes the whole sort" cell_row_has 2 "Shanghai"
keys C-y
check "Ctrl-Y redoes it" cell_row_has 2 "Beijing"
type_text ":sheets save $T_DIR/ops-out.csv"; keys Enter
check "the edited table saves with its formulas" wait_for_file "$T_DIR/ops-out.csv"
check "... exactly" diff "$T_DIR/ops-out.csv" - <<'OUT'
city,sales
Beijing,150,=B2*2,=C2*2
Guangzhou,120,=B3*2,=C3*2
Shanghai,5,=B4*2,=C4*2
OUT
keys C-q
keys y Enter
atrium_gone

# ---- tabs, widths, formats, background load, sheets open ---------------------
big=$T_DIR/big.csv
# A million rows (the first thousand with formulas): a second or more to load.
awk 'BEGIN { for (i = 1; i <= 1000000; i++)
	if (i <= 1000) printf "%d,%d,=A%d*2,%d.5,%d,%d\n", i, i % 97, i, i, i * 3, i % 7
	else printf "%d,%d,%d,%d.5,%d,%d\n", i, i % 97, i * 2, i, i * 3, i % 7 }' > "$big"
small=$T_DIR/small.csv
printf 'x\n' > "$small"
t_session 80 24
keys "$run sheets open $small" Enter
check "'atrium sheets open FILE' starts on the Sheets tab with the file" row_has 1 "small.csv"
check "... showing its cells" cell_row_has 1 "x"
check "the tab row names the sheet" row_has 21 "small"
type_text ":sheets sheet add 销售"; keys Enter
check "':sheets sheet add' adds a tab and shows it" row_has 21 "销售"
type_text "中文表格测试内容很长"; keys Enter
keys M-w
check "Alt-w fits the column to Chinese text (double width)" cell_row_has 1 "中文表格测试内容很长"
check "... and column B moves right" row_matches 2 "A {15,}B"
keys Up; keys C-PgUp
check "Ctrl-PgUp goes to the previous sheet" cell_row_has 1 "x"
keys Escape PgDn
check "Esc then PgDn (Alt-PgDn) goes to the next sheet" cell_row_has 1 "中文"
keys Down
type_text "1234.5"; keys Enter Up
type_text ':sheets format "#,##0.00"'; keys Enter
check "':sheets format' shows the number formatted" cell_row_has 2 "1,234.50"
keys C-z
check "Ctrl-Z undoes the format" cell_row_has 2 "1234.5"
keys Down; type_text "0.25"; keys Enter Up Up S-Down
type_text ':sheets format "0.0%"'; keys Enter
check "':sheets format' on a selection formats each cell" cell_row_has 3 "25.0%"
check "... the first one too" cell_row_has 2 "123450.0%"
keys C-z
check "... and one Ctrl-Z undoes it for the whole selection" cell_row_has 3 "0.25"
keys Escape Up
type_text ":sheets width 4"; keys Enter
check "':sheets width 4' shows ### for a number that does not fit" cell_row_has 2 "####"
type_text ":sheets open $big"; keys Enter
keys y Enter
check "opening a million-row CSV says it is loading" wait_for "Loading "
keys Escape
check "Esc cancels the load" wait_for "Loading cancelled"
check "... and keeps the sheet shown" cell_row_has 1 "中文"
type_text ":sheets open $big"; keys Enter
keys y Enter
check "... with progress in the status line" wait_for "%" 10
check "the big file loads in the background" wait_for "Opened" 60
check "... with its formulas computed" cell_row_has 3 "6"
keys C-q
keys y Enter
atrium_gone

# ---- sheet operations are undo steps --------------------------------------------
t_session 80 24
keys "$run sheets open $small" Enter
check "a file opens for the sheet operations" cell_row_has 1 "x"
type_text ":sheets sheet add Q3"; keys Enter
type_text "77"; keys Enter
keys C-z C-z
check "Ctrl-Z undoes the cell, then adding the sheet" row_lacks 21 "Q3"
keys C-y C-y
check "Ctrl-Y adds the sheet back with its cell" cell_row_has 1 "77"
type_text ":sheets sheet delete"; keys Enter
keys y Enter
check "':sheets sheet delete' removes the tab" row_lacks 21 "Q3"
keys C-z
check "Ctrl-Z brings the deleted sheet back with its cells" cell_row_has 1 "77"
keys C-q
keys y Enter
atrium_gone

echo "1..$t_n"
t_done
