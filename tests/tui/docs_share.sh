#!/bin/bash
# docs_share.sh - documents of the team share in the Docs tab, against the
# loopback WebDAV share ($ATRIUM_TEST_SERVERS, started by tests/run) with
# alice's configuration and a fresh --home: `atrium docs open share:/...`
# opens the screen at the file, typing and Ctrl-S upload it (checked with
# curl); offline (--offline) a save is queued and `atrium files sync`
# sends it; a file never opened is not available offline; GB18030 with
# CR LF and UTF-8 with a BOM come back byte for byte apart from the edit;
# ':docs open share:/...' and a /PATH that does not exist here open the
# share; unsaved text of a share file comes back after a crash; nothing
# readable is left in the home.
cd "$(dirname "$0")/../.." || exit 1
. tests/tui/tmux.lib
S=${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}
. "$S/env"

D=docs-share-$$
cfg=$T_DIR/config
cp "$ALICE_CONFIG" "$cfg"
chmod 600 "$cfg"
home=$T_DIR/home
run="$ATRIUM_BIN --config $cfg --home $home"

acurl() { curl -sS --max-time 10 --cacert "$CA_FILE" -u "alice:$ALICE_PASSWORD" "$@"; }
# put LOCALFILE PATH ; get PATH > stdout
put() { acurl -T "$1" -o /dev/null -w '%{http_code}' "$DAV_URL$2"; }
get() { acurl "$DAV_URL$1"; }
cleanup_share() { acurl -X DELETE -o /dev/null "$DAV_URL$D/" 2>/dev/null; }
nf_pid=
trap '[ -n "$nf_pid" ] && kill "$nf_pid" 2>/dev/null; cleanup_share; t_cleanup' EXIT

# The server holds exactly the bytes printf FORMAT gives.
srv_is() { # PATH printf-format
	get "$1" >"$T_DIR/srv" || return 1
	printf "$2" >"$T_DIR/want"
	cmp -s "$T_DIR/srv" "$T_DIR/want"
}
wait_srv() { # PATH printf-format : up to 5 s
	local i
	for ((i = 0; i < 50; i++)); do
		srv_is "$1" "$2" && return 0
		sleep 0.1
	done
	return 1
}
quit() {
	keys C-q
	atrium_gone
}

acurl -X MKCOL -o /dev/null "$DAV_URL$D/"
printf 'hello\n' >"$T_DIR/a.md"
check "curl as alice creates the test file" test "$(put "$T_DIR/a.md" "$D/a.md")" = 201

t_session 100 24
# --- online: open, type, save ------------------------------------------------
keys "$run docs open share:/$D/a.md" Enter
check "'atrium docs open share:/...' shows the share's text" wait_for "hello" 10
check "the title names the share file" row_has 1 "share:/$D/a.md"
keys End
type_text " world"
check "typing marks the buffer modified" row_has 1 "[modified]"
keys C-s
check "Ctrl-S says it saved to the share" wait_for "Saved share:/$D/a.md" 10
check "the modified mark goes" wait_gone "[modified]"
check "the server holds the edit" wait_srv "$D/a.md" 'hello world\n'
quit

# --- offline: a cached file opens; a save is queued; sync sends it -------------
keys "$run --offline docs open share:/$D/a.md" Enter
check "offline, a file opened before comes from the cache" wait_for "hello world" 10
keys End
type_text "!"
keys C-s
check "offline, Ctrl-S says queued" wait_for "Saved share:/$D/a.md; queued" 10
check "a queued save is not modified" wait_gone "[modified]"
check "the server does not have it yet" srv_is "$D/a.md" 'hello world\n'
keys C-e
type_text "docs open share:/$D/never.md"; keys Enter
check "offline, a file never opened is said not available offline" wait_for "not available offline" 10
quit
$run files sync >"$T_DIR/sync.out" 2>&1
check "atrium files sync uploads the queued save" srv_is "$D/a.md" 'hello world!\n'

# --- Chinese files round-trip byte for byte -------------------------------------
# 报告 / 第三季度 in GB18030 with CR LF line ends
printf '\xb1\xa8\xb8\xe6\r\n\xb5\xda\xc8\xfd\xbc\xbe\xb6\xc8\r\n' >"$T_DIR/gb.txt"
put "$T_DIR/gb.txt" "$D/gb.txt" >/dev/null
keys "$run docs open share:/$D/gb.txt" Enter
check "a GB18030 file shows as Chinese" wait_for "第三季度" 10
keys C-e
type_text "docs encoding"; keys Enter
check "':docs encoding' names its form" wait_for "GB18030"
keys End
type_text "增长"
keys C-s
check "Ctrl-S saves the GB18030 file" wait_for "Saved share:/$D/gb.txt" 10
# 报告增长: 增 D4 F6, 长 B3 A4
check "GB18030 and CR LF round-trip apart from the edit" \
	wait_srv "$D/gb.txt" '\xb1\xa8\xb8\xe6\xd4\xf6\xb3\xa4\r\n\xb5\xda\xc8\xfd\xbc\xbe\xb6\xc8\r\n'

printf '\xef\xbb\xbf# 标题\r\n内容\r\n' >"$T_DIR/bom.md"
put "$T_DIR/bom.md" "$D/bom.md" >/dev/null
keys C-e
type_text "docs open share:/$D/bom.md"; keys Enter
check "':docs open share:/...' opens a second buffer" wait_for "内容" 10
check "the second buffer is named for the share" row_has 1 "share:/$D/bom.md"
keys Down End
type_text "。"
keys C-e
type_text "docs w"; keys Enter
check "':docs w' saves a share buffer" wait_for "Saved share:/$D/bom.md" 10
check "UTF-8 with a BOM and CR LF round-trip apart from the edit" \
	wait_srv "$D/bom.md" '\xef\xbb\xbf# 标题\r\n内容。\r\n'

# --- /PATH that does not exist here is the share's ------------------------------
keys C-e
type_text "docs open /$D/new.md"; keys Enter
check "/PATH with no such local folder opens the share file" row_has 1 "share:/$D/new.md" 10
check "a file not on the share is new" wait_for "(new file)" 10
type_text "新文件"
keys C-s
check "saving creates it on the share" wait_srv "$D/new.md" '新文件'
check "nothing was written locally" test ! -e "/$D"
keys End
type_text "!"
keys C-e
type_text "docs wq"; keys Enter
check "':docs wq' uploads the share buffer" wait_srv "$D/new.md" '新文件!'
check "... and closes it once the share has it" row_has 1 "share:/$D/bom.md"
keys C-e
type_text "docs q"; keys Enter
check "':docs q' closes a saved share buffer" row_has 1 "share:/$D/gb.txt"
keys C-e
type_text "docs q"; keys Enter
check "atrium quits: nothing unsaved" atrium_gone

# --- the server changed meanwhile: the save merges, the editor shows the merge ---
printf 'one\ntwo\nthree\n' >"$T_DIR/m.md"
check "curl as alice creates a file to merge" test "$(put "$T_DIR/m.md" "$D/m.md")" = 201
keys "$run docs open share:/$D/m.md" Enter
wait_for "three" 10
printf 'ONE by bob\ntwo\nthree\n' >"$T_DIR/m-bob.md"
check "bob changes line 1 on the server (curl)" test "$(acurl -T "$T_DIR/m-bob.md" -o /dev/null -w '%{http_code}' "$DAV_URL$D/m.md")" = 204
keys Down Down End
type_text " alice"
keys C-s
check "the save says the server's changes were merged in" wait_for "its changes are merged in" 10
check "... the editor shows bob's line" wait_for "ONE by bob" 5
check "... and alice's" wait_for "three alice" 5
check "... saved (not modified)" wait_gone "[modified]"
check "the server holds both" wait_srv "$D/m.md" 'ONE by bob\ntwo\nthree alice\n'
keys C-s
check "saving again changes nothing on the server" wait_srv "$D/m.md" 'ONE by bob\ntwo\nthree alice\n'
quit

# --- unsaved text comes back after a crash --------------------------------------
keys "$run docs open share:/$D/a.md" Enter
check "the file opens again" wait_for "hello world!" 10
keys End
type_text " unsaved"
sleep 1.6 # the journal's tick
kill -9 "$(atrium_pid)"
check "atrium was killed" atrium_gone
keys "reset" Enter
sleep 0.3
keys "$run docs open share:/$D/a.md" Enter
check "reopening offers the journalled text" wait_for "Recovered unsaved changes" 10
check "the journalled text is shown" wait_for "hello world! unsaved"
check "the server was not touched by the crash" srv_is "$D/a.md" 'hello world!\n'
keys C-d
check "Ctrl-D discards it: the share's text again" wait_gone "unsaved"
check "the text is the share's" row_has 2 "hello world!"

# --- the server's copy changed too: a conflict, nothing lost --------------------
keys End
type_text " alice"
printf 'hello world! bob\n' >"$T_DIR/bob.md"
put "$T_DIR/bob.md" "$D/a.md" >/dev/null
keys C-s
check "a save over a changed server copy says so" wait_for "changed too" 10
check "the buffer counts as saved (the outbox holds it)" wait_gone "[modified]"
$run files status >"$T_DIR/status.out" 2>&1
check "files status lists the conflict" grep -q "conflict.*$D/a.md" "$T_DIR/status.out"
quit

# --- a slow server: the screen stays live, the buffer takes no text yet --------
NF_PORT=$((ATRIUM_PORT_BASE + 46))
tests/servers/netfault --listen "127.0.0.1:$NF_PORT" --target "127.0.0.1:$DAV_PORT" \
	--control "$T_DIR/nf.ctl" --pidfile "$T_DIR/nf.pid" 2>"$T_DIR/nf.err" &
nf_pid=$!
check "netfault runs on port base+46" wait_for_file "$T_DIR/nf.pid"
tests/servers/netfault ctl "$T_DIR/nf.ctl" delay 1000 >/dev/null
sed "s|^url = .*|url = https://127.0.0.1:$NF_PORT/dav/team/|" "$cfg" >"$T_DIR/slow.cfg"
chmod 600 "$T_DIR/slow.cfg"
keys "$ATRIUM_BIN --config $T_DIR/slow.cfg --home $T_DIR/home2 docs open share:/$D/gb.txt" Enter
check "the buffer says it is opening" wait_for "Opening share:/$D/gb.txt" 10
type_text "zz"
sleep 0.3
still_opening_no_zz() { screen | grep -qF "Opening share:/$D/gb.txt" && ! screen | grep -q zz; }
check "text typed while it is on the way goes nowhere" still_opening_no_zz
keys C-e
type_text "version"; keys Enter
check "the command line answers meanwhile" wait_for "atrium 0.1.0"
check "the content comes" wait_for "报告增长" 20
check "the text is the share's alone" bash -c "! tmux -L $T_SOCK -f /dev/null capture-pane -p -t t | grep -q zz"
quit
kill "$nf_pid" 2>/dev/null
wait "$nf_pid" 2>/dev/null

# --- nothing readable in the home -----------------------------------------------
check "no plaintext of the share files in the homes" \
	bash -c "! grep -rqa -e 'hello world' -e '新文件' '$home' '$T_DIR/home2'"
t_done
