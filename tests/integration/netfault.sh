#!/bin/bash
# netfault.sh - the fault-injection tools in tests/servers, exercised with
# curl against the real Apache WebDAV share: tests/servers/netfault (a TCP
# proxy whose mode is switched at run time: pass, stall, drop, drop-after,
# delay, refuse, target, stats, quit), the rogue certificate on
# ROGUE_DAV_PORT, and tests/servers/authproxy.py (CONNECT proxy demanding
# Basic proxy authentication, logging each CONNECT).
# Uses the shared test servers in $ATRIUM_TEST_SERVERS (tests/run starts
# them). Ports: the servers' port base +40 (netfault), +41 (authproxy).
set -u
cd "$(dirname "$0")/../.." || exit 1
S=${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}
T_DIR=$(mktemp -d /tmp/atrium-netfault.XXXXXX)
. tests/integration/tap.lib
. "$S/env"

NF_PORT=$((ATRIUM_PORT_BASE + 40))
AP_PORT=$((ATRIUM_PORT_BASE + 41))
CTL=$T_DIR/ctl
ROGUE_CA=$S/ca/rogue.pem
NAME=netfault-test-$$.txt
URL=${DAV_URL}$NAME                                  # straight to Apache
NF_URL=https://127.0.0.1:$NF_PORT/dav/team/$NAME     # through netfault
pids=

cleanup() {
	local p
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	curl -sS --max-time 5 --cacert "$CA_FILE" -u "alice:$ALICE_PASSWORD" -X DELETE \
		-o /dev/null "$URL" 2>/dev/null
	rm -rf "$T_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
nf() { tests/servers/netfault ctl "$CTL" "$@" >"$T_DIR/ctl.out" 2>&1; }
stat_of() { tests/servers/netfault ctl "$CTL" stats | tr ' ' '\n' | sed -n "s/^$1=//p"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
wait_file() {  # FILE : up to 5 s
	local n=0
	while [ ! -s "$1" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
	[ -s "$1" ]
}
# get URL [curl args...] : GET as alice into $T_DIR/got; sets $crc (curl's
# exit status) and $ms (how long it took).
get() {
	local url=$1 t0
	shift
	rm -f "$T_DIR/got"
	t0=$(now_ms)
	curl -sS -u "alice:$ALICE_PASSWORD" -o "$T_DIR/got" "$@" "$url" 2>"$T_DIR/curl.err" && crc=0 || crc=$?
	ms=$(($(now_ms) - t0))
}
# wait_active N : until netfault holds at least N connections (up to 3 s).
# In stall, a connection the client gave up on still counts: netfault reads
# nothing then, so it sees the close only once data moves again.
wait_active() {
	local end=$(($(now_ms) + 3000))
	while [ "$(stat_of active)" -lt "$1" ]; do
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.05
	done
}
got_file() { cmp -s "$T_DIR/got" "$T_DIR/content"; }

# --- setup ------------------------------------------------------------------
for p in $NF_PORT $AP_PORT; do
	port_open "$p" && { echo "not ok 1 - port $p (base +40/+41) is already in use"; exit 1; }
done
check "the rogue WebDAV port $ROGUE_DAV_PORT accepts connections (else: tests/servers/down $S; up again)" \
	port_open "$ROGUE_DAV_PORT"
printf 'netfault test %s\n第三季度\n' "$$" >"$T_DIR/content"
code=$(curl -sS --max-time 10 --cacert "$CA_FILE" -u "alice:$ALICE_PASSWORD" -T "$T_DIR/content" \
	-o /dev/null -w '%{http_code}' "$URL")
check "a test file is stored on the share directly (PUT $code)" test "$code" = 201

tests/servers/netfault --listen "127.0.0.1:$NF_PORT" --target "127.0.0.1:$DAV_PORT" \
	--control "$CTL" --pidfile "$T_DIR/nf.pid" 2>"$T_DIR/nf.err" &
nf_pid=$!
pids="$pids $nf_pid"
check "netfault writes its pid file once ready" wait_file "$T_DIR/nf.pid"
check "... naming itself" test "$(cat "$T_DIR/nf.pid")" = "$nf_pid"

# --- pass ---------------------------------------------------------------------
get "$NF_URL" --max-time 10 --cacert "$CA_FILE"
check "pass: a GET of the share through netfault works (TLS verified)" got_file
check "stats count the connection and bytes both ways" \
	test "$(stat_of connections)" -ge 1 -a "$(stat_of bytes_up)" -gt 0 -a "$(stat_of bytes_down)" -gt 0
check "stats show mode pass and the target" grep -q "mode=pass target=127.0.0.1:$DAV_PORT" \
	<(tests/servers/netfault ctl "$CTL" stats)
pass_ms=$ms

# --- stall --------------------------------------------------------------------
check "stall answers ok" nf stall
get "$NF_URL" --max-time 2 --cacert "$CA_FILE"
check "stall: curl --max-time 2 times out (exit $crc, ${ms} ms)" test "$crc" = 28 -a "$ms" -ge 1900
check "... and the connection was accepted (held, not refused)" grep -q 'timed out' "$T_DIR/curl.err"
active0=$(stat_of active)
curl -sS --max-time 10 --cacert "$CA_FILE" -u "alice:$ALICE_PASSWORD" -o "$T_DIR/held" "$NF_URL" \
	2>/dev/null &
held=$!
check "stall holds a new connection (one more active)" wait_active $((active0 + 1))
down0=$(stat_of bytes_down)
sleep 0.3
check "... forwarding nothing" test "$(stat_of bytes_down)" = "$down0"
nf pass
wait "$held" && hrc=0 || hrc=$?
check "a connection held by stall goes on after pass (exit $hrc)" \
	cmp -s "$T_DIR/held" "$T_DIR/content"

# --- drop ---------------------------------------------------------------------
nf stall
curl -sS --max-time 10 --cacert "$CA_FILE" -u "alice:$ALICE_PASSWORD" -o /dev/null "$NF_URL" \
	2>/dev/null &
held=$!
wait_active 1
t0=$(now_ms)
check "drop answers ok" nf drop
wait "$held" && hrc=0 || hrc=$?
ms=$(($(now_ms) - t0))
check "drop: an existing (held) connection fails at once (exit $hrc, ${ms} ms)" \
	test "$hrc" != 0 -a "$hrc" != 28 -a "$ms" -lt 1000
get "$NF_URL" --max-time 5 --cacert "$CA_FILE"
check "drop: a new connection fails fast (exit $crc, ${ms} ms)" \
	test "$crc" != 0 -a "$crc" != 28 -a "$ms" -lt 1000
check "... and its stats say 0 active connections" test "$(stat_of active)" = 0

# --- refuse -----------------------------------------------------------------------
check "refuse answers ok" nf refuse
check "refuse: the port no longer accepts connections" eval '! port_open "$NF_PORT"'
get "$NF_URL" --max-time 5 --cacert "$CA_FILE"
check "refuse: curl fails fast with 'connection refused' (exit $crc, ${ms} ms)" \
	test "$crc" = 7 -a "$ms" -lt 1000
nf pass
get "$NF_URL" --max-time 10 --cacert "$CA_FILE"
check "pass after refuse listens again on the same port" got_file

# --- drop-after -----------------------------------------------------------------
down0=$(stat_of bytes_down)
check "drop-after 300 answers ok" nf drop-after 300
get "$NF_URL" --max-time 5 --cacert "$CA_FILE"
down1=$(stat_of bytes_down)
check "drop-after 300: the TLS handshake is cut (exit $crc, ${ms} ms)" \
	test "$crc" != 0 -a "$crc" != 28 -a "$ms" -lt 1000
check "... after exactly 300 bytes from the server ($((down1 - down0)))" test $((down1 - down0)) = 300

# --- delay ------------------------------------------------------------------------
check "delay 300 answers ok" nf delay 300
get "$NF_URL" --max-time 20 --cacert "$CA_FILE"
check "delay 300: the GET still works" got_file
check "... and takes at least 300 ms (${ms} ms; ${pass_ms} ms in pass mode)" test "$ms" -ge 300
nf pass

# --- target: the server's certificate changed ----------------------------------
check "target to the rogue port answers ok" nf target "127.0.0.1:$ROGUE_DAV_PORT"
get "$NF_URL" --max-time 10 --cacert "$CA_FILE"
check "changed certificate: curl with the test CA refuses it (exit $crc)" test "$crc" = 60
get "$NF_URL" --max-time 10 --cacert "$ROGUE_CA"
check "... curl trusting rogue.pem gets the same share through the same address" got_file
check "stats name the new target" grep -q "target=127.0.0.1:$ROGUE_DAV_PORT" \
	<(tests/servers/netfault ctl "$CTL" stats)
nf target "127.0.0.1:$DAV_PORT"
get "$NF_URL" --max-time 10 --cacert "$CA_FILE"
check "target back to the real server: the test CA works again" got_file
get "$NF_URL" --max-time 10 --cacert "$ROGUE_CA"
check "... and rogue.pem does not (exit $crc)" test "$crc" = 60

# --- ctl errors -------------------------------------------------------------------
check "an unknown command fails (exit 1) and says so" \
	eval '! nf frobnicate && grep -q "unknown command" "$T_DIR/ctl.out"'
check "delay without a number fails" eval '! nf delay soon'
check "a target without a port fails" eval '! nf target 127.0.0.1'
check "ctl on a missing socket fails" eval '! tests/servers/netfault ctl "$T_DIR/nothing" stats 2>/dev/null'

# --- authproxy ------------------------------------------------------------------
tests/servers/authproxy.py --listen "127.0.0.1:$AP_PORT" --user proxyuser --password 'proxy pw:1' \
	--log "$T_DIR/proxy.log" --pidfile "$T_DIR/ap.pid" 2>"$T_DIR/ap.err" &
ap_pid=$!
pids="$pids $ap_pid"
check "authproxy writes its pid file once ready" wait_file "$T_DIR/ap.pid"
PX=(-x "http://127.0.0.1:$AP_PORT" --cacert "$CA_FILE" --max-time 10)
get "$URL" "${PX[@]}" -D "$T_DIR/hdr" -w '%{http_connect}' >"$T_DIR/code"
check "authproxy: no credentials gives 407 (exit $crc, CONNECT $(cat "$T_DIR/code"))" \
	test "$crc" = 56 -a "$(cat "$T_DIR/code")" = 407
check "... with Proxy-Authenticate: Basic realm=\"atrium-test\"" \
	grep -qi '^Proxy-Authenticate: Basic realm="atrium-test"' "$T_DIR/hdr"
check "... and logs the CONNECT as not authorised" \
	grep -q "client=127.0.0.1:[0-9]* target=127.0.0.1:$DAV_PORT authorised=no\$" "$T_DIR/proxy.log"
get "$URL" "${PX[@]}" -U 'proxyuser:wrong' -w '%{http_connect}' >"$T_DIR/code"
check "a wrong password gives 407 too" test "$(cat "$T_DIR/code")" = 407
check "... logged with the user name" grep -q "authorised=no user=proxyuser\$" "$T_DIR/proxy.log"
get "$URL" "${PX[@]}" -U 'proxyuser:proxy pw:1'
check "the right credentials open the tunnel: the GET works (exit $crc)" got_file
check "... and the log says so" \
	grep -q "target=127.0.0.1:$DAV_PORT authorised=yes user=proxyuser\$" "$T_DIR/proxy.log"
check "one log line per CONNECT (3)" test "$(wc -l <"$T_DIR/proxy.log")" = 3
get "http://127.0.0.1:$DAV_PORT/" -x "http://127.0.0.1:$AP_PORT" -U 'proxyuser:proxy pw:1' \
	--max-time 5 -w '%{http_code}' >"$T_DIR/code"
check "a plain proxied GET (not CONNECT) is refused with 405" test "$(cat "$T_DIR/code")" = 405
# Both tools together: authproxy -> netfault -> Apache, then a fault.
get "$NF_URL" "${PX[@]}" -U 'proxyuser:proxy pw:1'
check "authproxy to netfault to Apache works" got_file
nf stall
get "$NF_URL" "${PX[@]}" -U 'proxyuser:proxy pw:1' --max-time 2
check "... and stall behind the proxy times out (exit $crc)" test "$crc" = 28
nf pass

# --- shutdown ---------------------------------------------------------------------
check "quit answers ok" nf quit
wait "$nf_pid" && st=0 || st=$?
check "netfault exits 0 after quit (exit $st)" test "$st" = 0
check "... and removes its control socket and pid file" test ! -e "$CTL" -a ! -e "$T_DIR/nf.pid"
check "... and its port is closed" eval '! port_open "$NF_PORT"'
kill "$ap_pid"
wait "$ap_pid" && st=0 || st=$?
check "authproxy exits 0 on SIGTERM (exit $st) and removes its pid file" \
	test "$st" = 0 -a ! -e "$T_DIR/ap.pid"
check "neither tool wrote to stderr" test ! -s "$T_DIR/nf.err" -a ! -s "$T_DIR/ap.err"
[ -s "$T_DIR/nf.err" ] && sed 's/^/# netfault: /' "$T_DIR/nf.err" | head -5
[ -s "$T_DIR/ap.err" ] && sed 's/^/# authproxy: /' "$T_DIR/ap.err" | head -5
pids=

t_done
