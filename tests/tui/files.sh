#!/bin/bash
# files.sh - the Files tab (Alt-5) against the loopback WebDAV share
# ($ATRIUM_TEST_SERVERS, started by tests/run) as alice, with private
# configs and homes made here: the root lists a private folder, Enter
# lists its files with their sizes, Backspace goes back up, the state at the
# top right is Online (and 在线 in the Chinese UI); Enter on a .md opens the
# Docs tab and on a .csv the Sheets tab; the answer of a verb run from the
# command line stays on the tab; ':offline' keeps the listing from
# the cache; trust on first use asks about a certificate nothing vouches for
# once, and a changed key behind the same address is refused without a
# question; a conflict made with batch commands shows in the tab and R takes
# the server's version; a stalled network never stalls the keys.
cd "$(dirname "$0")/../.." || exit 1
. tests/tui/tmux.lib
S=${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}
. "$S/env"

D=files-tui-$$
W=100
H=30
cfg=$T_DIR/config
cp "$ALICE_CONFIG" "$cfg"
chmod 600 "$cfg"
home=$T_DIR/home
run="$ATRIUM_BIN --config $cfg --home $home"
NF_TRUST=$((ATRIUM_PORT_BASE + 48)) # netfault: a fixed address, the server behind it switched
NF_STALL=$((ATRIUM_PORT_BASE + 49)) # netfault: a share that answers nothing
nf_pids=()

acurl() { curl -sS --max-time 10 --cacert "$CA_FILE" -u "alice:$ALICE_PASSWORD" "$@"; }
bcurl() { curl -sS --max-time 10 --cacert "$CA_FILE" -u "bob:$BOB_PASSWORD" "$@"; }
put() { acurl -T "$1" -o /dev/null -w '%{http_code}' "$DAV_URL$2"; }
get() { acurl "$DAV_URL$1"; }
cleanup() {
	acurl -X DELETE -o /dev/null "$DAV_URL$D/" 2>/dev/null
	local p
	for p in "${nf_pids[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	t_cleanup
}
trap cleanup EXIT

# A config for alice's share at URL; without ca_file when the 3rd argument
# is "nocafile" (the test CA is no system CA: nothing vouches for the server).
write_config() { # FILE URL [nocafile]
	local f=$1 url=$2
	{
		echo "key_file = $S/alice/store.key"
		echo "[files]"
		echo "url = $url"
		echo "user = alice"
		echo "password = $ALICE_PASSWORD"
		[ "${3:-}" = nocafile ] || echo "ca_file = $CA_FILE"
	} >"$f"
	chmod 600 "$f"
}

# netfault in the background on 127.0.0.1:PORT towards TARGET, control SOCK.
netfault_start() { # PORT TARGET SOCK
	tests/servers/netfault --listen "127.0.0.1:$1" --target "$2" --control "$3" \
		--pidfile "$3.pid" >"$3.log" 2>&1 &
	nf_pids+=($!)
	wait_for_file "$3.pid" 10
}
nf() { tests/servers/netfault ctl "$@" >/dev/null; }

# ---- reading the browser -------------------------------------------------------
# The list's rows: name (folders end in /), size, modified, state.
# The screen row (0-based) of the entry NAME, and of the selected entry
# (drawn black on white: ESC[47m then the two columns of indent).
name_row() { screen | awk -v n="$1" 'NR > 2 && $1 == n { print NR - 1; exit }'; }
sel_row() {
	tmx capture-pane -p -e -t t | grep -n $'\e\\[47m  [^ ]' |
		awk -F: '$1 > 2 { print $1 - 1; exit }'
}
# Move the cursor (j/k) onto NAME, waiting for each step to be drawn.
select_item() { # name
	local i j n s s2
	for ((i = 0; i < 80; i++)); do
		n=$(name_row "$1")
		s=$(sel_row)
		if [ -n "$n" ] && [ -n "$s" ]; then
			[ "$n" = "$s" ] && return 0
			if [ "$s" -lt "$n" ]; then keys j; else keys k; fi
			for ((j = 0; j < 50; j++)); do
				s2=$(sel_row)
				[ -n "$s2" ] && [ "$s2" != "$s" ] && break
				sleep 0.02
			done
		else
			sleep 0.05
		fi
	done
	return 1
}
# Wait until the entry NAME shows FIELD (2: size, 4: state) equal to VALUE.
entry_is() { # name field value [seconds]
	local i limit=$(( ${4:-5} * 50 ))
	for ((i = 0; i < limit; i++)); do
		screen | awk -v n="$1" -v f="$2" -v v="$3" \
			'NR > 2 && $1 == n && $f == v { ok = 1 } END { exit !ok }' && return 0
		sleep 0.02
	done
	return 1
}
# Wait until the entry NAME is listed with no state (synced).
entry_clear() { # name [seconds]
	local i limit=$(( ${2:-5} * 50 ))
	for ((i = 0; i < limit; i++)); do
		screen | awk -v n="$1" 'NR > 2 && $1 == n && NF == 3 { ok = 1 } END { exit !ok }' &&
			return 0
		sleep 0.02
	done
	return 1
}
# The state at the top right of the tab (row 1) is TEXT.
state_is() { # text [seconds]
	local i limit=$(( ${2:-5} * 50 ))
	for ((i = 0; i < limit; i++)); do
		row 1 | grep -qE -- " $1 *\$" && return 0
		sleep 0.02
	done
	return 1
}
# The title (row 1) is the share's URL with no folder after it.
at_root() { row_has 1 "${DAV_URL} " && ! row 1 | grep -qF -- "$D"; }
# The tab's note (its last row) shows TEXT within 3 s, still 1 s later.
note_stays() { # text
	row_has $((H - 3)) "$1" 3 && sleep 1 && row "$((H - 3))" | grep -qF -- "$1"
}
lacks() { sleep 0.3; ! screen | grep -qF -- "$1"; }
quit() {
	keys C-q
	atrium_gone
}
# Milliseconds since the epoch.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ---- the test folder -------------------------------------------------------------
printf '# Files tab\n\nhello from the files test\n' >"$T_DIR/a.md"
printf 'fruit,qty\napple,4217\npear,33\n' >"$T_DIR/t.csv"
printf 'one\ntwo\nthree\n' >"$T_DIR/c.txt"
acurl -X MKCOL -o /dev/null "$DAV_URL$D/"
check "curl as alice makes the test folder with three files" \
	test "$(put "$T_DIR/a.md" "$D/a.md")$(put "$T_DIR/t.csv" "$D/t.csv")$(put "$T_DIR/c.txt" "$D/c.txt")" = 201201201
amd_size=$(wc -c <"$T_DIR/a.md")
csv_size=$(wc -c <"$T_DIR/t.csv")

# ---- 1. browsing -------------------------------------------------------------------
t_session $W $H
keys "$run" Enter
wait_for "5 Files" 10
keys M-5
check "Alt-5 lists the share's root with the test folder" entry_is "$D/" 2 - 10
check "the title is the share's URL" at_root
check "the state at the top right is Online" state_is Online
check "the bottom line names the keys" row_has $((H - 3)) "Enter open · Backspace up · r refresh"
check "the cursor moves onto the test folder (j/k)" select_item "$D/"
keys Enter
check "Enter on the folder lists its files" entry_is a.md 2 "$amd_size" 10
check "... with their sizes" entry_is t.csv 2 "$csv_size"
check "... and the title names the folder" row_has 1 "$DAV_URL$D/"
keys BSpace
check "Backspace goes back up to the root" entry_is "$D/" 2 -
check "... and the title is the root's again" at_root
keys C-e
type_text "files rm $D/no-such-file --yes"
keys Enter
check "':files rm' says it works on it" wait_for "the answer appears on the Files tab"
check "... and its answer stays on the tab: not on the server" note_stays "$D/no-such-file: not on the server"

# ---- 2. opening files ----------------------------------------------------------------
select_item "$D/"
keys Enter
entry_is a.md 2 "$amd_size" 10
select_item a.md
keys Enter
check "Enter on a .md opens it on the Docs tab (title share:/...)" row_has 1 "share:/$D/a.md" 10
check "... with its text" wait_for "hello from the files test" 10
keys M-5
check "Alt-5 goes back to the folder" entry_is t.csv 2 "$csv_size" 10
select_item t.csv
keys Enter
check "Enter on a .csv opens it on the Sheets tab" row_has 1 "t.csv" 10
check "... with its values" wait_for "4217" 10
check "... in the grid" row_has 4 "apple"
keys M-5

# ---- 3. offline ----------------------------------------------------------------------
entry_is a.md 2 "$amd_size" 10
keys C-e
type_text "offline"
keys Enter
check "':offline' shows Offline at the top right" state_is Offline
check "... and keeps the listing" entry_is a.md 2 "$amd_size"
keys r
check "r offline says the folder is as last seen" wait_for "Offline: the folder as last seen" 10
check "... and lists it from the cache" entry_is t.csv 2 "$csv_size"
keys C-e
type_text "online"
keys Enter
check "':online' shows Online again" state_is Online 10
quit

# ---- Chinese -------------------------------------------------------------------------
t_session $W $H
keys "$run --lang zh_Hans" Enter
wait_for "5 " 10
keys M-5
check "the Chinese UI lists the root" entry_is "$D/" 2 - 10
check "... with 在线 at the top right" state_is 在线
check "... and the keys line in Chinese" row_has $((H - 3)) "Enter 打开 · Backspace 上一级 · r 刷新"
keys C-e
type_text "offline"
keys Enter
keys r
check "offline: 离线 at the top right" state_is 离线
check "... and the cached listing's note in Chinese" wait_for "离线：显示上次看到的文件夹内容" 10
quit

# ---- 4. trust on first use --------------------------------------------------------------
tcfg=$T_DIR/trust.config
thome=$T_DIR/trust-home
nf_trust=$T_DIR/nf-trust
netfault_start "$NF_TRUST" "127.0.0.1:$DAV_PORT" "$nf_trust"
write_config "$tcfg" "https://127.0.0.1:$NF_TRUST/dav/team/" nocafile
trun="$ATRIUM_BIN --config $tcfg --home $thome"
t_session $W $H
keys "$trun" Enter
wait_for "5 Files" 10
keys M-5
check "no CA vouches for the server: a question with its sha256// key on the bottom line" \
	row_has $((H - 1)) "sha256//" 10
check "... saying nothing vouches for it" row_has $((H - 1)) "shows a certificate nothing vouches for"
keys y Enter
check "answering y lists the share" entry_is "$D/" 2 - 10
check "... Online" state_is Online
quit
keys "$trun" Enter
wait_for "5 Files" 10
keys M-5
check "a second start with the same home lists the share" entry_is "$D/" 2 - 10
check "... without asking (the pin is stored)" lacks "sha256//"
quit
nf "$nf_trust" target "127.0.0.1:$ROGUE_DAV_PORT"
keys "$trun" Enter
wait_for "5 Files" 10
keys M-5
check "another key behind the same address: an error state" state_is Error 10
check "... no question" lacks "nothing vouches for"
check "... and nothing listed" lacks "$D/"
quit
# The rogue server on its own port is another share: its key is asked
# about (never taken for the one trusted), and a no sends nothing.
write_config "$tcfg" "https://127.0.0.1:$ROGUE_DAV_PORT/dav/team/" nocafile
keys "$trun" Enter
wait_for "5 Files" 10
keys M-5
check "another server (the rogue port) is asked about, not trusted by the stored pin" \
	row_has $((H - 1)) "sha256//" 10
keys n Enter
check "... a no: not trusted" wait_for "Not trusted" 10
check "... and nothing listed" lacks "$D/"
quit

# ---- 5. a conflict ----------------------------------------------------------------------
printf 'one\nTWO by alice\nthree\n' >"$T_DIR/c-alice1.txt"
printf 'one\ntwo by alice again\nthree\n' >"$T_DIR/c-alice2.txt"
printf 'one\ntwo by bob\nthree\n' >"$T_DIR/c-bob.txt"
$run files get "$D/c.txt" -o "$T_DIR/c-got.txt" >"$T_DIR/b.out" 2>&1
check "atrium files get fetches the file" cmp -s "$T_DIR/c-got.txt" "$T_DIR/c.txt"
$run files put "$T_DIR/c-alice1.txt" "$D/c.txt" >>"$T_DIR/b.out" 2>&1
check "atrium files put uploads alice's change" cmp -s <(get "$D/c.txt") "$T_DIR/c-alice1.txt"
check "bob changes the same line (curl)" \
	test "$(bcurl -T "$T_DIR/c-bob.txt" -o /dev/null -w '%{http_code}' "$DAV_URL$D/c.txt")" = 204
$run files put "$T_DIR/c-alice2.txt" "$D/c.txt" >>"$T_DIR/b.out" 2>&1
check "another put over bob's change exits 5 (conflict)" test $? -eq 5
check "... and did not overwrite bob's version" cmp -s <(get "$D/c.txt") "$T_DIR/c-bob.txt"
t_session $W $H
keys "$run" Enter
wait_for "5 Files" 10
keys M-5
entry_is "$D/" 2 - 10
select_item "$D/"
keys Enter
check "the tab shows the file in conflict" entry_is c.txt 4 conflict 10
select_item c.txt
keys R
check "R takes the server's version: the conflict clears" entry_clear c.txt 10
check "... and says it is done (the note stays until a key)" note_stays "Done."
check "... the server still holds bob's version" cmp -s <(get "$D/c.txt") "$T_DIR/c-bob.txt"
keys r
check "... and after r the file is still without a state" entry_clear c.txt 10
quit
$run files status >"$T_DIR/status.out" 2>&1
check "files status lists nothing in conflict" bash -c "! grep -q 'conflict' '$T_DIR/status.out'"
# a verb that reaches the server sends what is queued first: alice's
# change must not be waiting any more
$run files get "$D/c.txt" -o "$T_DIR/c-after.txt" >>"$T_DIR/b.out" 2>&1
check "files get afterwards gives bob's version" cmp -s "$T_DIR/c-after.txt" "$T_DIR/c-bob.txt"
check "... and nothing queued overwrote the server" cmp -s <(get "$D/c.txt") "$T_DIR/c-bob.txt"

# ---- 5b. a workbook in conflict: a side per disputed cell ----------------------------------
printf 'a,b\n1,2\n3,4\n' >"$T_DIR/w-base.csv"
printf 'a,b\n1,20\n3,40\n' >"$T_DIR/w-bob.csv"
printf 'a,b\n1,200\n3,400\n' >"$T_DIR/w-alice.csv"
$run files put "$T_DIR/w-base.csv" "$D/w.csv" >>"$T_DIR/b.out" 2>&1
check "bob changes B2 and B3 of the workbook (curl)" \
	test "$(bcurl -T "$T_DIR/w-bob.csv" -o /dev/null -w '%{http_code}' "$DAV_URL$D/w.csv")" = 204
$run files put "$T_DIR/w-alice.csv" "$D/w.csv" >>"$T_DIR/b.out" 2>&1
check "alice's change of the same cells exits 5 (conflict)" test $? -eq 5
t_session $W $H
keys "$run" Enter
wait_for "5 Files" 10
keys M-5
entry_is "$D/" 2 - 10
select_item "$D/"
keys Enter
entry_is w.csv 4 conflict 10
select_item w.csv
keys Enter
check "Enter on the workbook lists its disputed cells with both sides" \
	wait_for "w!B2  base: 2  yours: 200  server: 20" 10
check "... each with the side it takes (yours at first)" wait_for "→ yours"
keys r Enter
check "r then Enter: the merge goes up" note_stays "Done."
check "... B2 is the server's, B3 yours" \
	bash -c "diff <(printf 'a,b\n1,20\n3,400\n') <(curl -sS --cacert '$CA_FILE' -u 'alice:$ALICE_PASSWORD' '$DAV_URL$D/w.csv')"
quit

# ---- 6. a stalled network ------------------------------------------------------------------
nf_stall=$T_DIR/nf-stall
netfault_start "$NF_STALL" "127.0.0.1:$DAV_PORT" "$nf_stall"
nf "$nf_stall" stall
scfg=$T_DIR/stall.config
write_config "$scfg" "https://127.0.0.1:$NF_STALL/dav/team/"
t_session $W $H
keys "$ATRIUM_BIN --config $scfg --home $T_DIR/stall-home" Enter
wait_for "5 Files" 10
keys M-5
check "stalled: the listing waits" wait_for "Loading…" 5
t0=$(now_ms)
keys M-3
row_has 1 "Ln 1, Col 1" 3
t1=$(now_ms)
check "Alt-3 switches to Docs within 1 s while the listing waits ($((t1 - t0)) ms)" \
	test $((t1 - t0)) -lt 1000
keys M-5
check "Alt-5 shows the tab again, still waiting" wait_for "Loading…" 2
t0=$(now_ms)
keys C-e
type_text "offline"
keys Enter
state_is Offline 3
t1=$(now_ms)
check "':offline' answers within 1 s while stalled ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 1000
t0=$(now_ms)
keys C-q
atrium_gone
t1=$(now_ms)
check "Ctrl-Q quits within 2 s while stalled ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 2000

echo "1..$t_n"
t_done
