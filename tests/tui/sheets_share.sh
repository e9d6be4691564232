#!/bin/bash
# sheets_share.sh - workbooks of the team share in the Sheets tab, against
# the loopback WebDAV server (tests/run starts it; $ATRIUM_TEST_SERVERS/env
# names it), with curl as a second client: `atrium sheets open share:/…`
# opens a CSV and shows computed values and the share path; a change saved
# with Ctrl-S is on the server; an xlsx made by openpyxl opens with its
# formulas computed, and saved back it still computes (checked through
# `atrium sheets convert` of the server's copy); "/dir/file" without such a
# local folder means the share; offline, Ctrl-S queues and `atrium files
# sync` uploads; no plaintext copy of the workbooks lands on disk; with no
# [files] section a share path is a clear error.
cd "$(dirname "$0")/../.." || exit 1
. tests/tui/tmux.lib

. "${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}/env" || exit 1
cfg=$T_DIR/config
cp "$ALICE_CONFIG" "$cfg"
chmod 600 "$cfg"
home=$T_DIR/home
run="$ATRIUM_BIN --config $cfg --home $home"
dir=sheets-tui-$$-$RANDOM
dav() { curl -sS --cacert "$CA_FILE" -u "$ALICE_DAV_USER:$ALICE_PASSWORD" "$@"; }

# The server's files, put there by another client.
dav -X MKCOL "$DAV_URL$dir/" -o /dev/null
printf 'item,qty,price,total\napple,3,1.5,=B2*C2\npear,2,0.25,=B3*C3\n' > "$T_DIR/a.csv"
touch "$T_DIR/start"
dav -T "$T_DIR/a.csv" "$DAV_URL$dir/a.csv" -o /dev/null
/usr/bin/python3 tests/servers/make_budget.py "$T_DIR/budget.xlsx" "$T_DIR/budget.csv" ||
	not_ok "make_budget.py (python3-openpyxl) failed"
dav -T "$T_DIR/budget.xlsx" "$DAV_URL$dir/budget.xlsx" -o /dev/null
rm -f "$T_DIR/a.csv"

# The grid's row N (1-based) is screen row N + 2: tabs, edit line, headers.
cell_row_has() { row_has $(($1 + 2)) "$2" "${3:-5}"; }
server_is() { # path expected-content
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(dav "$DAV_URL$dir/$1")" = "$2" ] && return 0
		sleep 0.05
	done
	echo "# server has: $(dav "$DAV_URL$dir/$1")"
	return 1
}

t_session 100 24
keys "$run sheets open share:/$dir/a.csv" Enter
check "'atrium sheets open share:/…' shows the share's CSV" cell_row_has 2 "apple" 10
check "... with its formulas computed" cell_row_has 2 "4.5"
check "... and the share path as its name" row_has 1 "share:/$dir/a.csv"
keys Down Right
type_text "4"; keys Enter
check "a change recalculates" cell_row_has 2 "6"
check "... and marks the workbook changed" row_has 1 "[modified]"
keys C-s
check "Ctrl-S says it saved to the share" wait_for "Saved share:/$dir/a.csv" 10
check "... and the workbook is no longer marked changed" wait_gone "[modified]"
check "the server's copy has the change and the formulas" server_is a.csv \
	"$(printf 'item,qty,price,total\napple,4,1.5,=B2*C2\npear,2,0.25,=B3*C3')"

# An xlsx of the share: formulas computed on opening; saved back as xlsx.
type_text ":sheets open share:/$dir/budget.xlsx"; keys Enter
check "':sheets open share:/….xlsx' opens the workbook" cell_row_has 2 "Salaries" 10
check "... with the row total computed and formatted" cell_row_has 2 "49,000"
check "... and the grand total (a SUM of SUMs)" cell_row_has 7 "57,160"
check "... named by its share path" row_has 1 "share:/$dir/budget.xlsx"
keys Down Right
type_text "13000"; keys Enter
check "a change recalculates the row total" cell_row_has 2 "50,000"
check "... and the grand total" cell_row_has 7 "58,160"
type_text ":sheets w"; keys Enter
check "':sheets w' saves to the share" wait_for "Saved share:/$dir/budget.xlsx" 10
dav -o "$T_DIR/back.xlsx" "$DAV_URL$dir/budget.xlsx"
check "the server's copy is an xlsx" bash -c "unzip -l '$T_DIR/back.xlsx' | grep -q xl/workbook.xml"
$ATRIUM_BIN --config "$cfg" --home "$T_DIR/home2" sheets convert "$T_DIR/back.xlsx" \
	"$T_DIR/back.csv" >/dev/null 2>&1
check "... with the new value and its totals recomputed" \
	grep -qx 'Salaries / 工资,13000,12000,12500,12500,50000' "$T_DIR/back.csv"
check "... and the grand total" grep -q '^Total / 合计,.*,58160$' "$T_DIR/back.csv"
check "... and its formulas kept" bash -c "unzip -p '$T_DIR/back.xlsx' xl/worksheets/sheet1.xml | grep -q 'SUM(B2:E2)'"

# "/dir/a.csv" with no such local folder is the share's.
type_text ":sheets open /$dir/a.csv"; keys Enter
check "':sheets open /dir/file' without a local /dir opens the share's" cell_row_has 2 "apple" 10
check "... named share:/dir/file" row_has 1 "share:/$dir/a.csv"
check "... the latest version" cell_row_has 2 "6"

# Saving as a new share file from a local one.
printf 'x,y\n1,=A2*10\n' > "$T_DIR/local.csv"
type_text ":sheets open $T_DIR/local.csv"; keys Enter
check "a local file still opens" cell_row_has 2 "10"
type_text ":sheets save share:/$dir/new.csv"; keys Enter
check "':sheets save share:/new.csv' uploads a new file" wait_for "Saved share:/$dir/new.csv" 10
check "... holding the formula" server_is new.csv "$(printf 'x,y\n1,=A2*10')"
# Changed on the server too: merged cell by cell; the grid shows the merge.
printf 'k,v\na,1\nb,2\nc,3\n' > "$T_DIR/m.csv"
dav -T "$T_DIR/m.csv" "$DAV_URL$dir/m.csv" -o /dev/null
type_text ":sheets open share:/$dir/m.csv"; keys Enter
check "another file of the share opens" cell_row_has 4 "c" 10
printf 'k,v\na,1\nb,20\nc,3\n' > "$T_DIR/m.csv"
dav -T "$T_DIR/m.csv" "$DAV_URL$dir/m.csv" -o /dev/null
keys Down Right
type_text "10"; keys Enter
keys C-s
check "saving after a change on the server merges" wait_for "merged with the changes made on the server" 10
check "... the grid shows the server's change" cell_row_has 3 "20"
check "... and keeps ours" cell_row_has 2 "10"
check "... and the cursor" row_has 1 "B3"
check "the server has both changes" server_is m.csv "$(printf 'k,v\na,10\nb,20\nc,3')"
# The same cell changed on both sides: kept for resolve, nothing lost.
printf 'k,v\na,10\nb,20\nc,30\n' > "$T_DIR/m.csv"
dav -T "$T_DIR/m.csv" "$DAV_URL$dir/m.csv" -o /dev/null
keys Down
type_text "300"; keys Enter
keys C-s
check "a cell changed on both sides: the notice says the server's copy changed too" \
	wait_for "the server's copy changed too" 10
check "... and the workbook counts as saved" wait_gone "[modified]"
check "... the server's value stays until resolved" server_is m.csv "$(printf 'k,v\na,10\nb,20\nc,30')"
out=$($ATRIUM_BIN --config "$cfg" --home "$home" files status 2>&1)
check "'atrium files status' lists the conflict" grep -q "m.csv" <<<"$out"

keys C-q
check "atrium quits" atrium_gone

# Offline: the save is queued (from the cached copy), sync sends it.
keys "$run --offline sheets open share:/$dir/a.csv" Enter
check "offline, the cached copy opens" cell_row_has 2 "apple" 10
keys Down Down Right
type_text "7"; keys Enter
check "... and recalculates" cell_row_has 3 "1.75"
keys C-s
check "offline Ctrl-S says queued" wait_for "queued: it goes up when the server is back" 10
check "... and the workbook counts as saved" wait_gone "[modified]"
check "the server does not have it yet" server_is a.csv \
	"$(printf 'item,qty,price,total\napple,4,1.5,=B2*C2\npear,2,0.25,=B3*C3')"
keys C-q
check "atrium quits without asking" atrium_gone
$ATRIUM_BIN --config "$cfg" --home "$home" files sync >/dev/null 2>&1
check "'atrium files sync' uploads the queued workbook" server_is a.csv \
	"$(printf 'item,qty,price,total\napple,4,1.5,=B2*C2\npear,7,0.25,=B3*C3')"

# Nothing readable of the workbooks was written to disk: the text of the
# CSV saved offline is in no file made since the start, but the server's.
check "no plaintext of the workbooks under --home" \
	bash -c "! grep -rqaE 'apple|pear' '$home'"
leaks=$(find /tmp "$T_DIR" -xdev -newer "$T_DIR/start" -type f -size -20M \
	-not -path "$ATRIUM_SERVERS_DIR/*" 2>/dev/null |
	xargs -r grep -laF 'pear,7,0.25,=B3*C3' 2>/dev/null)
check "... nor under \$HOME (~/.cache) or /tmp" test -z "$leaks"
[ -z "$leaks" ] || echo "# found in: $leaks"

# Batch get reads the share too.
out=$($ATRIUM_BIN --config "$cfg" --home "$home" sheets get "share:/$dir/a.csv" D3 2>&1)
check "'atrium sheets get share:/… D3' computes from the share's copy" test "$out" = "1.75"
out=$($ATRIUM_BIN --config "$cfg" --home "$home" sheets set "/$dir/a.csv" C3 1 2>&1)
check "'atrium sheets set /dir/file' (no local /dir) sets the share's" test "$out" = "1"
check "... uploaded" server_is a.csv \
	"$(printf 'item,qty,price,total\napple,4,1.5,=B2*C2\npear,7,1,=B3*C3')"
$ATRIUM_BIN --config "$cfg" --home "$home" sheets convert "share:/$dir/budget.xlsx" \
	"$T_DIR/b2.csv" >/dev/null 2>&1
check "'atrium sheets convert share:/….xlsx' reads the share's workbook" \
	grep -qx 'Salaries / 工资,13000,12000,12500,12500,50000' "$T_DIR/b2.csv"

# No [files]: a share path is a clear error, the old sheet stays.
printf 'key_file = %s\n' "$(sed -n 's/^key_file = //p' "$cfg")" > "$T_DIR/nofiles"
chmod 600 "$T_DIR/nofiles"
keys "$ATRIUM_BIN --config $T_DIR/nofiles --home $T_DIR/home3" Enter
wait_for "Sheets" 10
keys M-4
type_text ":sheets open share:/$dir/a.csv"; keys Enter
check "without [files], opening a share path says the share is not configured" \
	wait_for "not configured" 10
keys C-q
atrium_gone

dav -X DELETE "$DAV_URL$dir/" -o /dev/null
echo "1..$t_n"
t_done
