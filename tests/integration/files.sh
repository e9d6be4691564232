#!/bin/bash
# files.sh - `atrium files ...` against the real loopback Apache WebDAV
# share, with curl (as bob) as a second client editing the same files:
# the verbs, offline queueing and its replay, three-way merges and
# conflicts, Apache's weak ETags, the TLS policy (CA file, pins, trust on
# first use, a changed certificate), network faults through
# tests/servers/netfault, an authenticating proxy, and pinned folders.
# Uses the shared test servers in $ATRIUM_TEST_SERVERS (tests/run starts
# them). Everything happens in a private folder files-test-PID/ on the
# share, removed at the end. Ports: the servers' port base +42 (netfault),
# +43 (authproxy).
set -u
cd "$(dirname "$0")/../.." || exit 1
ATRIUM_BIN=${ATRIUM_BIN:-$PWD/atrium}
S=${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}
T_DIR=$(mktemp -d /tmp/atrium-files.XXXXXX)
. tests/integration/tap.lib
. "$S/env"

NF_PORT=$((ATRIUM_PORT_BASE + 42))
AP_PORT=$((ATRIUM_PORT_BASE + 43))
CTL=$T_DIR/ctl
D=files-test-$$
ACCESS_LOG=$S/log/apache-access.log
NF_URL=https://127.0.0.1:$NF_PORT/dav/team/
pids=

cleanup() {
	local p
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	curl -sS --max-time 10 --cacert "$CA_FILE" -u "bob:$BOB_PASSWORD" -X DELETE \
		-o /dev/null "$DAV_URL$D/" 2>/dev/null
	rm -rf "$T_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
wait_file() {  # FILE : up to 5 s
	local n=0
	while [ ! -s "$1" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
	[ -s "$1" ]
}
nf() { tests/servers/netfault ctl "$CTL" "$@" >"$T_DIR/ctl.out" 2>&1; }
# A share path percent-encoded for curl.
enc() {
	local LC_ALL=C s=$1 i c o=
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[a-zA-Z0-9/._~-]) o+=$c ;;
		*) printf -v c '%%%02X' "'$c"; o+=$c ;;
		esac
	done
	echo "$o"
}

# --- bob, the other client (curl straight to Apache) -------------------------------
bcurl() { curl -sS --max-time 10 --cacert "$CA_FILE" -u "bob:$BOB_PASSWORD" "$@"; }
# bput FILE PATH : store FILE at PATH (HTTP status on stdout)
bput() { bcurl -T "$1" -o /dev/null -w '%{http_code}' "$DAV_URL$(enc "$2")"; }
bmkcol() { bcurl -X MKCOL -o /dev/null "$DAV_URL$(enc "$1")/"; }
bdel() { bcurl -X DELETE -o /dev/null -w '%{http_code}' "$DAV_URL$(enc "$1")"; }
# srv PATH : the server's bytes of PATH into $T_DIR/srv; status in $scode
srv() {
	rm -f "$T_DIR/srv"
	scode=$(bcurl -o "$T_DIR/srv" -w '%{http_code}' "$DAV_URL$(enc "$1")")
}
# srv_is PATH FILE : the server holds exactly FILE's bytes at PATH
srv_is() { srv "$1" && [ "$scode" = 200 ] && cmp -s "$T_DIR/srv" "$2"; }
srv_gone() { srv "$1"; [ "$scode" = 404 ]; }
srv_etag() { bcurl -I "$DAV_URL$(enc "$1")" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p'; }
# puts PATH : how many PUTs of PATH Apache has logged as done (2xx)
puts() { grep -cE "\"PUT /dav/team/$(enc "$1") HTTP/[0-9.]+\" 20" "$ACCESS_LOG"; }
gets() { grep -cE "\"GET /dav/team/$(enc "$1") HTTP/[0-9.]+\" 200" "$ACCESS_LOG"; }

# --- alice's configurations -------------------------------------------------------
KEY_LINE=$(grep '^key_file' "$ALICE_CONFIG")
# mkcfg NAME URL [extra [files] lines...] : a config file, printed
mkcfg() {
	local f=$T_DIR/$1.conf url=$2 l
	shift 2
	{
		echo "$KEY_LINE"
		echo
		echo "[files]"
		echo "url = $url"
		echo "user = $ALICE_DAV_USER"
		echo "password = $ALICE_PASSWORD"
		[ -n "$TIMEOUT_LINE" ] && echo "$TIMEOUT_LINE"
		for l in "$@"; do echo "$l"; done
	} >"$f"
	chmod 600 "$f"
	echo "$f"
}
newhome() { mktemp -d "$T_DIR/home.XXXXXX"; }
# [files] timeout (seconds for connect and stall detection) keeps the fault
# tests short; without it they would wait libcurl's 15/30 s defaults.
TIMEOUT_LINE="timeout = 3"
at --config "$(mkcfg timeout "$DAV_URL" "ca_file = $CA_FILE")" --home "$(mktemp -d "$T_DIR/home.XXXXXX")" \
	files status --json
check "[files] timeout = 3 is accepted by the configuration (exit $rc: $errout)" test "$rc" = 0
[ "$rc" = 0 ] || TIMEOUT_LINE=
CFG=$(mkcfg alice "$DAV_URL" "ca_file = $CA_FILE")
HOME_A=$(newhome)
A=(--config "$CFG" --home "$HOME_A")

# JSON checks: py 'python expression on j' <<< JSON
py() { python3 -c "import json, sys; j = json.load(sys.stdin); sys.exit(0 if ($1) else 1)" 2>/dev/null; }
# pending_state PATH : the state `files status --json` gives PATH ("" if none)
pending_state() {
	python3 -c 'import json, sys
j = json.load(sys.stdin)
print("".join(p["state"] for p in j["pending"] if p["path"] == sys.argv[1]))' "$1" <<<"$out" 2>/dev/null
}

# --- setup ------------------------------------------------------------------------
for p in $NF_PORT $AP_PORT; do
	port_open "$p" && { echo "not ok 1 - port $p (base +42/+43) is already in use"; exit 1; }
done
check "the share answers bob (MKCOL $D/)" test "$(bcurl -X MKCOL -o /dev/null -w '%{http_code}' "$DAV_URL$D/")" = 201

# === 1. the verbs ===================================================================
printf 'hello from alice\n第二行\n' >"$T_DIR/hello.txt"
at "${A[@]}" files put "$T_DIR/hello.txt" "$D/sub/deep/hello.txt"
check "put into missing folders exits 0 ($rc: $errout)" test "$rc" = 0
check "... the server has the bytes, folders made" srv_is "$D/sub/deep/hello.txt" "$T_DIR/hello.txt"
etag=$(srv_etag "$D/sub/deep/hello.txt")
at "${A[@]}" files ls "$D/sub/deep" --json
check "ls --json exits 0" test "$rc" = 0
check "ls --json: an array of {path,name,type,size,modified,etag,state}" py \
	"isinstance(j, list) and len(j) == 1 and sorted(j[0]) == sorted(['path','name','type','size','modified','etag','state'])" <<<"$out"
check "... with this file's values (ETag $etag)" py \
	"j[0]['path'] == '$D/sub/deep/hello.txt' and j[0]['name'] == 'hello.txt' and j[0]['type'] == 'file' and j[0]['size'] == $(stat -c %s "$T_DIR/hello.txt") and j[0]['state'] == 'synced' and j[0]['etag'].strip('\"') == '$etag'.replace('W/', '').strip('\"') and __import__('re').fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', j[0]['modified'])" <<<"$out"
at "${A[@]}" files ls "$D" --json
check "ls --json of a folder lists the subfolder as a dir" py \
	"[(e['path'], e['type']) for e in j] == [('$D/sub', 'dir')]" <<<"$out"
at "${A[@]}" files ls "$D/sub/deep"
check "ls (plain) shows type, size, state and path" \
	grep -qE "^file +$(stat -c %s "$T_DIR/hello.txt") +[0-9T:Z-]+ +synced +$D/sub/deep/hello.txt\$" <<<"$out"
# '_' and '%' in names are names, not patterns
at "${A[@]}" files put "$T_DIR/hello.txt" "$D/a_b%/one.txt"
at "${A[@]}" files put "$T_DIR/hello.txt" "$D/axb%/two.txt"
at "${A[@]}" --offline files ls "$D/a_b%" --json
check "the cached listing of a_b% holds its own file only" py \
	"[e['name'] for e in j] == ['one.txt']" <<<"$out"
"$ATRIUM_BIN" "${A[@]}" files get "$D/sub/deep/hello.txt" >"$T_DIR/got" 2>"$T_DIR/stderr" && rc=0 || rc=$?
check "get to stdout: the same bytes (exit $rc)" cmp -s "$T_DIR/got" "$T_DIR/hello.txt"
at "${A[@]}" files get "/$D/sub/deep/hello.txt" -o "$T_DIR/got2"
check "get -o FILE (a leading / is the same path): the same bytes" \
	eval 'test "$rc" = 0 && cmp -s "$T_DIR/got2" "$T_DIR/hello.txt"'

head -c 300000 /dev/urandom >"$T_DIR/bin.dat"
printf '\0\0\r\n\377' >>"$T_DIR/bin.dat"
at "${A[@]}" files put "$T_DIR/bin.dat" "$D/bin.dat"
check "put of a binary file (exit $rc)" srv_is "$D/bin.dat" "$T_DIR/bin.dat"
rm -rf "$HOME_A"; HOME_A=$(newhome); A=(--config "$CFG" --home "$HOME_A")
at "${A[@]}" files get "$D/bin.dat" -o "$T_DIR/bin.got"
check "get of it by a fresh client: identical bytes (exit $rc)" cmp -s "$T_DIR/bin.got" "$T_DIR/bin.dat"

ZH="$D/报告/第三季度 总结.md"
printf '# 第三季度\n收入增长 12%%。\n' >"$T_DIR/zh.md"
at "${A[@]}" files put "$T_DIR/zh.md" "$ZH"
check "put of a Chinese file name with a space (exit $rc)" srv_is "$ZH" "$T_DIR/zh.md"
at "${A[@]}" files ls "$D/报告" --json
check "... ls names it" py "[e['name'] for e in j] == ['第三季度 总结.md']" <<<"$out"
printf '# 第三季度\n鲍勃改过。\n' >"$T_DIR/zh2.md"
bput "$T_DIR/zh2.md" "$ZH" >/dev/null
at "${A[@]}" files get "$ZH" -o "$T_DIR/zh.got"
check "... get gives bob's newer version of it" cmp -s "$T_DIR/zh.got" "$T_DIR/zh2.md"

at "${A[@]}" files mkdir "$D/made/inner"
check "mkdir (with a missing parent) exits 0" test "$rc" = 0
check "... the folder is on the server" \
	test "$(bcurl -X PROPFIND -H 'Depth: 0' -o /dev/null -w '%{http_code}' "$DAV_URL$D/made/inner/")" = 207
at "${A[@]}" files mv "$D/sub/deep/hello.txt" "$D/made/hello2.txt"
check "mv exits 0 ($rc: $errout)" test "$rc" = 0
check "... the old name is gone" srv_gone "$D/sub/deep/hello.txt"
check "... the new one has the bytes" srv_is "$D/made/hello2.txt" "$T_DIR/hello.txt"
at "${A[@]}" files cp "$D/made/hello2.txt" "$D/copy.txt"
check "cp exits 0" test "$rc" = 0
check "... both are there" eval 'srv_is "$D/copy.txt" "$T_DIR/hello.txt" && srv_is "$D/made/hello2.txt" "$T_DIR/hello.txt"'
# files_move makes missing parents (as put does) when the server says so
at "${A[@]}" files mv "$D/made/hello2.txt" "$D/moved/hello3.txt"
check "mv into a missing folder exits 0 ($rc: $errout)" \
	eval 'test "$rc" = 0 && srv_is "$D/moved/hello3.txt" "$T_DIR/hello.txt"'
at "${A[@]}" files rm "$D/copy.txt"
check "rm without --yes fails (exit $rc) and says --yes" eval 'test "$rc" != 0 && grep -q -- --yes <<<"$errout"'
check "... and the file is still there" srv_is "$D/copy.txt" "$T_DIR/hello.txt"
at "${A[@]}" files rm "$D/copy.txt" --yes
check "rm --yes exits 0 and the file is gone" eval 'test "$rc" = 0 && srv_gone "$D/copy.txt"'
at "${A[@]}" files status --json
check "status --json: url, state online, nothing pending" py \
	"j['url'] == '$DAV_URL' and j['state'] == 'online' and j['reason'] is None and j['pending'] == []" <<<"$out"

# === 2. offline ======================================================================
printf 'made offline\n' >"$T_DIR/new.txt"
printf 'line 1\nline 2\n' >"$T_DIR/e0.txt"
bput "$T_DIR/e0.txt" "$D/edit.txt" >/dev/null
at "${A[@]}" files get "$D/edit.txt" -o "$T_DIR/e.got"
printf 'line 1\nline 2 edited offline\n' >"$T_DIR/e1.txt"
at "${A[@]}" --offline files put "$T_DIR/new.txt" "$D/off/new.txt"
check "--offline put of a new file exits 3 (queued)" test "$rc" = 3
at "${A[@]}" --offline files put "$T_DIR/e1.txt" "$D/edit.txt"
check "--offline put of an edit of a fetched file exits 3" test "$rc" = 3
check "... nothing reached the server" eval 'srv_gone "$D/off/new.txt" && srv_is "$D/edit.txt" "$T_DIR/e0.txt"'
at "${A[@]}" --offline files status --json
check "status --json (offline): state offline" py "j['state'] == 'offline'" <<<"$out"
check "... the new file is offline-only" test "$(pending_state "$D/off/new.txt")" = offline-only
check "... the edit is queued" test "$(pending_state "$D/edit.txt")" = queued
at "${A[@]}" --offline files get "$D/off/new.txt"
check "--offline get of the new file gives the local version" test "$rc" = 0 -a "$out" = "made offline"
at "${A[@]}" --offline files get "$D/edit.txt" -o "$T_DIR/e.got"
check "--offline get of the edit gives the local version" cmp -s "$T_DIR/e.got" "$T_DIR/e1.txt"
at "${A[@]}" files sync
check "sync online exits 0 ($rc: $errout)" test "$rc" = 0
check "... the new file is on the server" srv_is "$D/off/new.txt" "$T_DIR/new.txt"
check "... and the edit" srv_is "$D/edit.txt" "$T_DIR/e1.txt"
check "... each uploaded exactly once ($(puts "$D/off/new.txt"), $(puts "$D/edit.txt") PUTs; 1 was bob's)" \
	test "$(puts "$D/off/new.txt")" = 1 -a "$(puts "$D/edit.txt")" = 2
at "${A[@]}" files status --json
check "... nothing pending" py "j['pending'] == []" <<<"$out"
at "${A[@]}" files sync
check "a second sync uploads nothing again" \
	test "$rc" = 0 -a "$(puts "$D/off/new.txt")" = 1 -a "$(puts "$D/edit.txt")" = 2

# === 3. a verb that reaches the server sends the queue first =======================
printf 'replayed by ls\n' >"$T_DIR/r.txt"
at "${A[@]}" --offline files put "$T_DIR/r.txt" "$D/replay.txt"
check "queued offline (exit $rc)" test "$rc" = 3
at "${A[@]}" files ls "$D"
check "files ls online exits 0" test "$rc" = 0
check "... and the queued file is on the server" srv_is "$D/replay.txt" "$T_DIR/r.txt"
check "... listed as synced" grep -qE "synced +$D/replay.txt\$" <<<"$out"


# === 4. conflicts and merges =========================================================
lines() { printf '%s\n' "$@"; }
lines one two three four five six >"$T_DIR/c0"
bput "$T_DIR/c0" "$D/c.txt" >/dev/null
at "${A[@]}" files get "$D/c.txt" -o "$T_DIR/c.got"
lines one "two by bob" three four five six >"$T_DIR/c.bob"
bput "$T_DIR/c.bob" "$D/c.txt" >/dev/null
lines one two three "four by alice" five six >"$T_DIR/c.alice"
at "${A[@]}" files put "$T_DIR/c.alice" "$D/c.txt"
lines one "two by bob" three "four by alice" five six >"$T_DIR/c.both"
check "different lines changed on both sides: put merges (exit $rc: $errout)" test "$rc" = 0
check "... the server has both changes" srv_is "$D/c.txt" "$T_DIR/c.both"

lines one "two by bob" "three by bob" "four by alice" five six >"$T_DIR/c.bob"
bput "$T_DIR/c.bob" "$D/c.txt" >/dev/null
lines one "two by bob" "three by alice" "four by alice" five six >"$T_DIR/c.alice"
at "${A[@]}" files put "$T_DIR/c.alice" "$D/c.txt"
check "the same line changed on both sides: exit 5 ($rc)" test "$rc" = 5
check "... the message says how to resolve" grep -q 'resolve' <<<"$errout"
at "${A[@]}" files status --json
check "... status shows the conflict" test "$(pending_state "$D/c.txt")" = conflict
check "... the server keeps bob's version" srv_is "$D/c.txt" "$T_DIR/c.bob"
at "${A[@]}" files get "$D/c.txt" -o "$T_DIR/c.got"
check "... files get gives alice's" cmp -s "$T_DIR/c.got" "$T_DIR/c.alice"
at "${A[@]}" files resolve "$D/c.txt" --take local
check "resolve --take local exits 0 ($rc: $errout)" test "$rc" = 0
check "... the server has alice's version" srv_is "$D/c.txt" "$T_DIR/c.alice"
at "${A[@]}" files status --json
check "... and nothing is pending" py "j['pending'] == []" <<<"$out"

lines one "two by bob" "three by alice" "four by alice" "five by bob" six >"$T_DIR/c.bob"
bput "$T_DIR/c.bob" "$D/c.txt" >/dev/null
lines one "two by bob" "three by alice" "four by alice" "five by alice" six >"$T_DIR/c.alice"
at "${A[@]}" files put "$T_DIR/c.alice" "$D/c.txt"
check "another conflict (exit $rc)" test "$rc" = 5
n0=$(puts "$D/c.txt")
at "${A[@]}" files resolve "$D/c.txt" --take remote
check "resolve --take remote exits 0 ($rc: $errout)" test "$rc" = 0
check "... the server keeps bob's version" srv_is "$D/c.txt" "$T_DIR/c.bob"
at "${A[@]}" files get "$D/c.txt" -o "$T_DIR/c.got"
check "... and files get now gives bob's" cmp -s "$T_DIR/c.got" "$T_DIR/c.bob"
check "... nothing was uploaded for it" test "$(puts "$D/c.txt")" = "$n0"

lines one "two by bob" "three by alice" "four by alice" "five by bob" "six by bob" >"$T_DIR/c.bob"
bput "$T_DIR/c.bob" "$D/c.txt" >/dev/null
lines one "two by bob" "three by alice" "four by alice" "five by bob" "six by alice" >"$T_DIR/c.alice"
at "${A[@]}" files put "$T_DIR/c.alice" "$D/c.txt"
check "a third conflict (exit $rc)" test "$rc" = 5
lines one two three four five "six by both" >"$T_DIR/c.mine"
at "${A[@]}" files resolve "$D/c.txt" --take "$T_DIR/c.mine"
check "resolve --take FILE exits 0 ($rc: $errout)" test "$rc" = 0
check "... the server has that file's content" srv_is "$D/c.txt" "$T_DIR/c.mine"
at "${A[@]}" files get "$D/c.txt" -o "$T_DIR/c.got"
check "... and so does files get" cmp -s "$T_DIR/c.got" "$T_DIR/c.mine"

printf 'name,qty,price\napple,3,1.5\npear,2,0.25\n' >"$T_DIR/t0.csv"
bput "$T_DIR/t0.csv" "$D/t.csv" >/dev/null
at "${A[@]}" files get "$D/t.csv" -o "$T_DIR/t.got"
printf 'name,qty,price\napple,30,1.5\npear,2,0.25\n' >"$T_DIR/t.bob"
bput "$T_DIR/t.bob" "$D/t.csv" >/dev/null
printf 'name,qty,price\napple,3,1.75\npear,2,0.25\n' >"$T_DIR/t.alice"
at "${A[@]}" files put "$T_DIR/t.alice" "$D/t.csv"
check "a CSV with other cells of the same row changed on both sides merges (exit $rc: $errout)" test "$rc" = 0
printf 'name,qty,price\napple,30,1.75\npear,2,0.25\n' >"$T_DIR/t.both"
srv "$D/t.csv"
check "... cell by cell: the server has both ($(tr '\n' '|' <"$T_DIR/srv"))" cmp -s "$T_DIR/srv" "$T_DIR/t.both"

printf 'to be deleted\n' >"$T_DIR/d0"
bput "$T_DIR/d0" "$D/del.txt" >/dev/null
at "${A[@]}" files get "$D/del.txt" -o "$T_DIR/d.got"
bdel "$D/del.txt" >/dev/null
printf 'edited by alice meanwhile\n' >"$T_DIR/d.alice"
at "${A[@]}" files put "$T_DIR/d.alice" "$D/del.txt"
check "deleted on the server while edited here: put exits 5 ($rc)" test "$rc" = 5
check "... nothing was written to the server" srv_gone "$D/del.txt"
at "${A[@]}" files status --json
check "... status shows a conflict saying deleted" py \
	"[(p['state'], 'deleted' in (p['error'] or '')) for p in j['pending'] if p['path'] == '$D/del.txt'] == [('conflict', True)]" <<<"$out"
at "${A[@]}" files get "$D/del.txt" -o "$T_DIR/d.got"
check "... alice's version is kept" cmp -s "$T_DIR/d.got" "$T_DIR/d.alice"
at "${A[@]}" files resolve "$D/del.txt" --take local
check "... resolve --take local puts it back (exit $rc)" srv_is "$D/del.txt" "$T_DIR/d.alice"

# === 5. Apache's weak ETags ============================================================
printf 'version 1\n' >"$T_DIR/w1"
printf 'version 2\n' >"$T_DIR/w2"
printf 'version 3\n' >"$T_DIR/w3"
at "${A[@]}" files put "$T_DIR/w1" "$D/weak.txt"
rc1=$rc
t0=$(now_ms)
at "${A[@]}" files put "$T_DIR/w2" "$D/weak.txt"
rc2=$rc
at "${A[@]}" files put "$T_DIR/w3" "$D/weak.txt"
ms=$(($(now_ms) - t0))
check "three puts of one file within a second or two all succeed ($rc1 $rc2 $rc, ${ms} ms)" \
	test "$rc1$rc2$rc" = 000
check "... the server has the last" srv_is "$D/weak.txt" "$T_DIR/w3"
echo "# Apache refused $(grep -cE "\"LOCK /dav/team/$D/weak.txt HTTP/[0-9.]+\" 412" "$ACCESS_LOG") LOCKs of weak.txt while its ETag was weak"
at "${A[@]}" files status --json
check "... no conflict left behind" py "j['pending'] == []" <<<"$out"

# === 6. TLS ================================================================================
spki_pin() {
	echo "sha256//$(openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64)"
}
SERVER_PIN=$(spki_pin "$S/ca/server.pem")
ROGUE_PIN=$(spki_pin "$S/ca/rogue.pem")
at --config "$(mkcfg rogueca "$DAV_URL" "ca_file = $S/ca/rogue.pem")" --home "$(newhome)" files ls "$D"
check "a CA file that does not sign the server's certificate: exit 4 ($rc)" test "$rc" = 4
check "... the message names the server's key ($SERVER_PIN)" grep -qF "$SERVER_PIN" <<<"$errout"
TOFU=(--config "$(mkcfg tofu "$DAV_URL")" --home "$(newhome)")
at "${TOFU[@]}" files ls "$D"
check "no CA file, no pin (the test CA is not the system's): exit 4 ($rc)" test "$rc" = 4
check "... the message holds the sha256// pin to trust" grep -qF "$SERVER_PIN" <<<"$errout"
at "${TOFU[@]}" files trust
check "trust without --yes shows the server's pin" test "$rc" = 0 -a "$(head -1 <<<"$out")" = "$SERVER_PIN"
at "${TOFU[@]}" files ls "$D"
check "... and trusts nothing (still exit 4: $rc)" test "$rc" = 4
at "${TOFU[@]}" files trust --yes
check "trust --yes exits 0 and prints the pin it stored" test "$rc" = 0 -a "$(head -1 <<<"$out")" = "$SERVER_PIN"
at "${TOFU[@]}" files ls "$D" --json
check "... now the share is reachable with that pin (exit $rc)" py "'$D/c.txt' in [e['path'] for e in j]" <<<"$out"
at --config "$(mkcfg wrongpin "$DAV_URL" "pin = $ROGUE_PIN")" --home "$(newhome)" files ls "$D"
check "a wrong pin: exit 4 ($rc)" test "$rc" = 4
at --config "$(mkcfg rightpin "$DAV_URL" "pin = $SERVER_PIN")" --home "$(newhome)" files get "$D/c.txt" -o "$T_DIR/pin.got"
check "the right pin and no CA file: works (exit $rc: $errout)" \
	eval 'test "$rc" = 0 && cmp -s "$T_DIR/pin.got" "$T_DIR/c.mine"'

tests/servers/netfault --listen "127.0.0.1:$NF_PORT" --target "127.0.0.1:$DAV_PORT" \
	--control "$CTL" --pidfile "$T_DIR/nf.pid" 2>"$T_DIR/nf.err" &
nf_pid=$!
pids="$pids $nf_pid"
check "netfault runs on port base+42" wait_file "$T_DIR/nf.pid"
NFC=$(mkcfg nf "$NF_URL" "ca_file = $CA_FILE")
N=(--config "$NFC" --home "$(newhome)")
at "${N[@]}" files get "$D/edit.txt" -o "$T_DIR/e.got"
check "through netfault (pass): get works" cmp -s "$T_DIR/e.got" "$T_DIR/e1.txt"
printf 'queued before the certificate changed\n' >"$T_DIR/q1"
printf 'line 1\nedited while the certificate changed\n' >"$T_DIR/q2"
at "${N[@]}" --offline files put "$T_DIR/q1" "$D/tls/q1.txt"
nf target "127.0.0.1:$ROGUE_DAV_PORT"
at "${N[@]}" files put "$T_DIR/q2" "$D/edit.txt"
check "changed certificate: put exits 4 ($rc)" test "$rc" = 4
check "... the message names the new key ($ROGUE_PIN)" grep -qF "$ROGUE_PIN" <<<"$errout"
at "${N[@]}" files sync
check "... sync exits 4 too ($rc)" test "$rc" = 4
check "... nothing reached the server" eval 'srv_gone "$D/tls/q1.txt" && srv_is "$D/edit.txt" "$T_DIR/e1.txt"'
at "${N[@]}" --offline files status --json
check "... both changes are still pending" \
	test "$(pending_state "$D/tls/q1.txt") $(pending_state "$D/edit.txt")" = "offline-only queued"
at "${N[@]}" --offline files get "$D/edit.txt" -o "$T_DIR/q.got"
check "... and files get gives the local version" cmp -s "$T_DIR/q.got" "$T_DIR/q2"
nf target "127.0.0.1:$DAV_PORT"
at "${N[@]}" files sync
check "the real server back: sync exits 0 ($rc: $errout)" test "$rc" = 0
check "... and uploads both" eval 'srv_is "$D/tls/q1.txt" "$T_DIR/q1" && srv_is "$D/edit.txt" "$T_DIR/q2"'
if [ "$rc" != 0 ]; then
	at "${N[@]}" files status
	sed 's/^/# status: /' <<<"$out"
fi

# === 7. network faults between atrium and Apache (netfault) ==============================
F=(--config "$NFC" --home "$(newhome)")
nf pass
at "${F[@]}" files mkdir "$D/nf"
printf 'refused\n' >"$T_DIR/f1"
check "refuse answers ok" nf refuse
t0=$(now_ms)
at "${F[@]}" files put "$T_DIR/f1" "$D/nf/refused.txt"
ms=$(($(now_ms) - t0))
check "refuse: put exits 3, queued (exit $rc, ${ms} ms)" test "$rc" = 3
at "${F[@]}" files status --json
check "... status says offline-only and gives a reason" py \
	"j['reason'] and [p['state'] for p in j['pending']] == ['offline-only']" <<<"$out"
nf pass
at "${F[@]}" files sync
check "pass: sync exits 0 ($rc: $errout)" test "$rc" = 0
check "... the file is on the server, uploaded once ($(puts "$D/nf/refused.txt") PUTs)" \
	eval 'srv_is "$D/nf/refused.txt" "$T_DIR/f1" && test "$(puts "$D/nf/refused.txt")" = 1'

head -c 2000000 /dev/urandom >"$T_DIR/big.bin"
head -c 1500000 /dev/urandom >"$T_DIR/big2.bin"
stat_of() { tests/servers/netfault ctl "$CTL" stats | tr ' ' '\n' | sed -n "s/^$1=//p"; }
if [ -n "$TIMEOUT_LINE" ]; then
	nf stall
	printf 'stalled\n' >"$T_DIR/f2"
	t0=$(now_ms)
	at "${F[@]}" files put "$T_DIR/f2" "$D/nf/stalled.txt"
	ms=$(($(now_ms) - t0))
	check "stall before the put: exit 3 within about the timeout of 3 s (exit $rc, ${ms} ms)" \
		test "$rc" = 3 -a "$ms" -ge 2500 -a "$ms" -le 6000
	# a slow link, so the upload is surely under way when it stalls
	nf delay 100
	up0=$(stat_of bytes_up)
	"$ATRIUM_BIN" "${F[@]}" files put "$T_DIR/big2.bin" "$D/nf/stalled.bin" \
		>"$T_DIR/bg.out" 2>"$T_DIR/bg.err" &
	bg=$!
	pids="$pids $bg"
	end=$(($(now_ms) + 10000))
	while [ $(($(stat_of bytes_up) - up0)) -lt 100000 ] && [ "$(now_ms)" -lt "$end" ]; do sleep 0.05; done
	nf stall
	t0=$(now_ms)
	up=$(($(stat_of bytes_up) - up0))
	wait "$bg" && rc=0 || rc=$?
	pids=${pids% $bg}
	ms=$(($(now_ms) - t0))
	check "stall during a put ($up bytes sent): exit 3 within about the timeout of 3 s (exit $rc, ${ms} ms: $(cat "$T_DIR/bg.err"))" \
		test "$rc" = 3 -a "$up" -ge 100000 -a "$up" -lt 1500000 -a "$ms" -ge 2000 -a "$ms" -le 6000
	at "${F[@]}" --offline files get "$D/nf/stalled.bin" -o "$T_DIR/st.got"
	check "... the data is kept" cmp -s "$T_DIR/st.got" "$T_DIR/big2.bin"
	nf pass
	at "${F[@]}" files sync
	check "... pass: sync uploads both once (exit $rc, $(puts "$D/nf/stalled.bin") and $(puts "$D/nf/stalled.txt") PUTs)" \
		eval 'srv_is "$D/nf/stalled.bin" "$T_DIR/big2.bin" && test "$(puts "$D/nf/stalled.bin")" = 1 &&
		srv_is "$D/nf/stalled.txt" "$T_DIR/f2" && test "$(puts "$D/nf/stalled.txt")" = 1'
else
	not_ok "stall: not run, [files] timeout is refused (it would wait libcurl's defaults)"
fi

up0=$(stat_of bytes_up)
nf drop-after 2000
at "${F[@]}" files put "$T_DIR/big.bin" "$D/nf/big.bin"
up=$(($(stat_of bytes_up) - up0))
check "drop-after 2000 mid-upload of 2 MB: exit 3, queued (exit $rc, $up bytes sent)" \
	test "$rc" = 3 -a "$up" -gt 50000 -a "$up" -lt 2000000
check "... no upload was completed on the server" test "$(puts "$D/nf/big.bin")" = 0
nf pass
at "${F[@]}" files sync
check "pass: sync exits 0 ($rc: $errout)" test "$rc" = 0
check "... the server's bytes are identical, uploaded once ($(puts "$D/nf/big.bin") PUTs)" \
	eval 'srv_is "$D/nf/big.bin" "$T_DIR/big.bin" && test "$(puts "$D/nf/big.bin")" = 1'

# A read whose connection is cut is tried again on a new one (a fresh home:
# no cached copy to fall back on). The first connection is reset after 500
# bytes; the proxy passes again before the retry, 0.5 s later.
H=$(newhome)
G=(--config "$NFC" --home "$H")
c0=$(stat_of connections)
nf drop-after 500
"$ATRIUM_BIN" "${G[@]}" files get "$D/nf/big.bin" -o "$T_DIR/again.got" \
	>"$T_DIR/ag.out" 2>"$T_DIR/ag.err" &
bg=$!
pids="$pids $bg"
end=$(($(now_ms) + 10000))
while [ "$(stat_of connections)" -le "$c0" ] && [ "$(now_ms)" -lt "$end" ]; do sleep 0.02; done
nf pass
wait "$bg" && rc=0 || rc=$?
pids=${pids% $bg}
check "a GET cut by a reset is tried again: exit 0, the bytes whole (exit $rc: $(head -c 300 "$T_DIR/ag.err"))" \
	eval 'test "$rc" = 0 && cmp -s "$T_DIR/again.got" "$T_DIR/big.bin"'
check "... on a second connection ($(($(stat_of connections) - c0)) made), the log says so" \
	eval 'test "$(($(stat_of connections) - c0))" -ge 2 && grep -q "again in 500 ms" "$H/atrium.log"'

nf delay 200
printf 'slow link\n' >"$T_DIR/f3"
at "${F[@]}" files put "$T_DIR/f3" "$D/nf/slow.txt"
check "delay 200: put still works (exit $rc)" eval 'test "$rc" = 0 && srv_is "$D/nf/slow.txt" "$T_DIR/f3"'
at "${F[@]}" files get "$D/nf/big.bin" -o "$T_DIR/big.got"
check "... and so does a get of 2 MB (exit $rc)" cmp -s "$T_DIR/big.got" "$T_DIR/big.bin"
nf pass

# === 8. an HTTP proxy demanding credentials ================================================
tests/servers/authproxy.py --listen "127.0.0.1:$AP_PORT" --user pxuser --password pxpw1 \
	--log "$T_DIR/proxy.log" --pidfile "$T_DIR/ap.pid" 2>"$T_DIR/ap.err" &
pids="$pids $!"
check "authproxy runs on port base+43" wait_file "$T_DIR/ap.pid"
PX=(--config "$(mkcfg px "$DAV_URL" "ca_file = $CA_FILE" "proxy = http://pxuser:pxpw1@127.0.0.1:$AP_PORT")" --home "$(newhome)")
at "${PX[@]}" files get "$D/c.txt" -o "$T_DIR/px.got"
check "proxy with user and password: get works (exit $rc: $errout)" cmp -s "$T_DIR/px.got" "$T_DIR/c.mine"
check "... and the proxy logged the CONNECT, authorised" \
	grep -q "target=127.0.0.1:$DAV_PORT authorised=yes user=pxuser\$" "$T_DIR/proxy.log"
PXW=(--config "$(mkcfg pxw "$DAV_URL" "ca_file = $CA_FILE" "proxy = http://pxuser:wrong@127.0.0.1:$AP_PORT")" --home "$(newhome)")
at "${PXW[@]}" files ls "$D"
check "a wrong proxy password fails (exit $rc)" test "$rc" != 0
check "... with a message about the proxy (exit $rc: $errout)" grep -qi 'proxy' <<<"$errout"
check "... the proxy refused it" grep -q "authorised=no user=pxuser\$" "$T_DIR/proxy.log"
# the environment's proxy when the configuration names none; NO_PROXY wins
PXE=(--config "$(mkcfg pxe "$DAV_URL" "ca_file = $CA_FILE")" --home "$(newhome)")
n_before=$(grep -c "authorised=yes" "$T_DIR/proxy.log")
HTTPS_PROXY="http://pxuser:pxpw1@127.0.0.1:$AP_PORT" NO_PROXY= at "${PXE[@]}" files get "$D/c.txt" -o "$T_DIR/pxe.got"
check "HTTPS_PROXY from the environment: get works (exit $rc: $errout)" cmp -s "$T_DIR/pxe.got" "$T_DIR/c.mine"
check "... through the proxy" test "$(grep -c "authorised=yes" "$T_DIR/proxy.log")" -gt "$n_before"
n_before=$(grep -c "CONNECT\|target=" "$T_DIR/proxy.log")
HTTPS_PROXY="http://pxuser:pxpw1@127.0.0.1:$AP_PORT" NO_PROXY=127.0.0.1 at "${PXE[@]}" files get "$D/c.txt" -o "$T_DIR/pxn.got"
check "NO_PROXY=127.0.0.1: get works without the proxy (exit $rc)" cmp -s "$T_DIR/pxn.got" "$T_DIR/c.mine"
check "... which saw nothing" test "$(grep -c "CONNECT\|target=" "$T_DIR/proxy.log")" = "$n_before"

# === 9. a folder kept offline ================================================================
bmkcol "$D/pin"
bmkcol "$D/pin/子目录"
printf 'a\n' >"$T_DIR/p1"
head -c 5000 /dev/urandom >"$T_DIR/p2"
printf '离线\n' >"$T_DIR/p3"
bput "$T_DIR/p1" "$D/pin/a.txt" >/dev/null
bput "$T_DIR/p2" "$D/pin/b.bin" >/dev/null
bput "$T_DIR/p3" "$D/pin/子目录/c.md" >/dev/null
P=(--config "$CFG" --home "$(newhome)")
at "${P[@]}" files pin "$D/pin"
check "pin exits 0" test "$rc" = 0
at "${P[@]}" files sync
check "sync exits 0 ($rc: $errout)" test "$rc" = 0
check "... and fetches every file of the pinned folder" \
	test "$(grep -c "^fetched $D/pin/" <<<"$out")" = 3 -a "$(grep -c '^3 fetched for offline use$' <<<"$out")" = 1
ok_all=1
for f in "a.txt p1" "b.bin p2" "子目录/c.md p3"; do
	set -- $f
	at "${P[@]}" --offline files get "$D/pin/$1" -o "$T_DIR/pg"
	cmp -s "$T_DIR/pg" "$T_DIR/$2" || { ok_all=0; echo "# --offline get $1: exit $rc $errout"; }
done
check "--offline get of each gives the server's bytes" test "$ok_all" = 1
g0=$(($(gets "$D/pin/a.txt") + $(gets "$D/pin/b.bin") + $(gets "$D/pin/子目录/c.md")))
at "${P[@]}" files sync
g1=$(($(gets "$D/pin/a.txt") + $(gets "$D/pin/b.bin") + $(gets "$D/pin/子目录/c.md")))
check "a sync with no change fetches nothing (exit $rc, $((g1 - g0)) GETs)" \
	eval 'test "$rc" = 0 -a "$g1" = "$g0" && grep -q "^0 fetched for offline use$" <<<"$out"'
printf 'a, changed by bob\n' >"$T_DIR/p1"
bput "$T_DIR/p1" "$D/pin/a.txt" >/dev/null
at "${P[@]}" files sync
check "after bob changes one file, sync fetches only that one" \
	eval 'test "$rc" = 0 && test "$(grep "^fetched" <<<"$out")" = "fetched $D/pin/a.txt"'
at "${P[@]}" --offline files get "$D/pin/a.txt" -o "$T_DIR/pg"
check "... and --offline get gives bob's new version" cmp -s "$T_DIR/pg" "$T_DIR/p1"

check "netfault and authproxy wrote nothing to stderr" test ! -s "$T_DIR/nf.err" -a ! -s "$T_DIR/ap.err"
echo "# files.sh: ${SECONDS}s"
t_done
