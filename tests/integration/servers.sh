#!/bin/bash
# tests/integration/servers.sh - check the loopback test-server harness
# (tests/servers/up, down, seed) end to end; TAP output, one line per check,
# exit status 1 if any check failed.
#
# Every service is exercised over TLS verified with the test CA, the way
# atrium talks to them: IMAP (implicit TLS and STARTTLS), submission with AUTH
# and delivery through OpenSMTPD and LMTP, WebDAV, XMPP (direct TLS and
# STARTTLS, plus login, messages, upload and MUC archive via xmpp_check.py).
# Then: a second `up` is a no-op, `down` leaves no process and no open port,
# and the whole up/down cycle runs twice. The second round also checks that
# the restart is ready within 5 s (ATRIUM_UP_MAX_SECONDS), that data survived
# it, and runs `up --demo` to check the seeded demo content.
#
# Runs in a private DIR under /tmp with ATRIUM_PORT_BASE=17300 (override with
# ATRIUM_TEST_PORT_BASE), so it does not collide with the default demo
# servers' ports. OpenSMTPD can run only once per machine (its spool is
# compiled in): if another DIR's smtpd runs - e.g. the demo servers in
# /tmp/atrium-servers - the test bails out and names the `down` command to
# run first. Needs root, like the servers.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SERVERS=$ROOT/tests/servers
export ATRIUM_PORT_BASE=${ATRIUM_TEST_PORT_BASE:-17300}
UP_MAX_SECONDS=${ATRIUM_UP_MAX_SECONDS:-5}
DIR=$(mktemp -d /tmp/atrium-servers-test.XXXXXX)
chmod 0755 "$DIR"   # mktemp's 0700 would lock out Dovecot's auth process

n=0
failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
note() { sed 's/^/# /' | tail -n "${1:-20}"; }

# check DESCRIPTION COMMAND... : one TAP line; the output of a failure as comments.
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then pass "$desc"; else fail "$desc"; printf '%s\n' "$out" | note; fi
}

cleanup() {
	"$SERVERS/down" "$DIR" >/dev/null 2>&1
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- helpers: each succeeds only if the service really did its job --------
xcurl() { curl -sS --max-time 20 "$@"; }
imap() {  # USER URL-PATH [curl args...] : IMAP over implicit TLS
	local user=$1 path=$2
	shift 2
	xcurl --cacert "$CA_FILE" -u "$user:$(pw "$user")" "imaps://$IMAP_HOST:$IMAPS_PORT/$path" "$@"
}
pw() { case $1 in alice*) echo "$ALICE_PASSWORD" ;; bob*) echo "$BOB_PASSWORD" ;; carol*) echo "$CAROL_PASSWORD" ;; esac; }

imap_list_ok() {  # LIST over implicit TLS shows INBOX and every special-use folder
	local out f
	out=$(imap "$ALICE_EMAIL" "") || return 1
	echo "$out"
	echo "$out" | grep -q ' INBOX' || return 1
	for f in Drafts Sent Trash Junk Archive; do echo "$out" | grep -q "\\\\$f) \"/\" $f" || return 1; done
	imap "$ALICE_EMAIL" "" -X 'STATUS INBOX (MESSAGES)' | grep -q 'STATUS INBOX (MESSAGES [0-9]'
}

imap_starttls_ok() {
	xcurl --cacert "$CA_FILE" --ssl-reqd -u "$ALICE_EMAIL:$ALICE_PASSWORD" \
		"imap://$IMAP_HOST:$IMAP_PORT/" | grep ' INBOX'
}

fails() { ! "$@"; }   # for checks that something is refused

# send FROM TO SUBJECT URL [curl args...] : submit a mail with AUTH as FROM
send() {
	local from=$1 to=$2 subject=$3 url=$4
	shift 4
	printf 'From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@example.test>\r\n\r\nTest body.\r\n' \
		"$from" "$to" "$subject" "$(date -R)" "$subject" |
		xcurl --cacert "$CA_FILE" -u "$from:$(pw "$from")" --mail-from "$from" --mail-rcpt "$to" \
			-T - "$url" "$@"
}

arrived() {  # USER SUBJECT : the mail shows up in USER's INBOX within 10 s
	local tries
	for tries in $(seq 100); do
		imap "$1" "INBOX?SUBJECT%20$2" | grep -q '^\* SEARCH [0-9]' && return 0
		sleep 0.1
	done
	echo "no mail with subject $2 in $1's INBOX after 10 s (logs: $DIR/log/smtpd.log, dovecot.log)"
	return 1
}

dav() {  # USER [curl args...] URL : prints the HTTP status
	local user=$1
	shift
	xcurl --cacert "$CA_FILE" -u "$user:$(pw "$user")" -o "$DIR/dav.out" -w '%{http_code}' "$@"
}
dav_propfind_ok() {
	[ "$(dav alice -X PROPFIND -H 'Depth: 1' "$DAV_URL")" = 207 ] && grep -q '<D:href>/dav/team/</D:href>' "$DIR/dav.out"
}
dav_roundtrip_ok() {  # PUT as bob, GET back as bob and as carol
	local body
	body="round trip $1 $(date +%s%N) 你好"
	[ "$(printf '%s' "$body" | dav bob -T - "${DAV_URL}check-$1.txt")" = 201 ] || return 1
	[ "$(dav bob "${DAV_URL}check-$1.txt")" = 200 ] && [ "$(cat "$DIR/dav.out")" = "$body" ] || return 1
	[ "$(dav carol "${DAV_URL}check-$1.txt")" = 200 ] && [ "$(cat "$DIR/dav.out")" = "$body" ]
}
dav_badpw_refused() {
	[ "$(xcurl --cacert "$CA_FILE" -u alice:wrong -o /dev/null -w '%{http_code}' "$DAV_URL")" = 401 ]
}

xmpp_tls_ok() {  # direct TLS (XEP-0368): handshake and verified host name
	openssl s_client -connect "$XMPP_HOST:$XMPP_TLS_PORT" -servername "$XMPP_DOMAIN" \
		-verify_return_error -verify_hostname "$XMPP_DOMAIN" -CAfile "$CA_FILE" </dev/null 2>&1 |
		grep 'Verify return code: 0 (ok)'
	[ "${PIPESTATUS[0]}" = 0 ]
}
xmpp_starttls_ok() {
	openssl s_client -starttls xmpp -xmpphost "$XMPP_DOMAIN" -connect "$XMPP_HOST:$XMPP_PORT" \
		-verify_return_error -verify_hostname "$XMPP_DOMAIN" -CAfile "$CA_FILE" </dev/null 2>&1 |
		grep 'Verify return code: 0 (ok)'
	[ "${PIPESTATUS[0]}" = 0 ]
}

all_ports() {
	echo "$IMAP_PORT $IMAPS_PORT $SUBMISSION_PORT $SUBMISSIONS_PORT $LMTP_PORT $SMTP_RELAY_PORT" \
		"$XMPP_PORT $XMPP_TLS_PORT $UPLOAD_PORT $DAV_PORT"
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ports_closed() {
	local p bad=
	for p in $(all_ports); do port_open "$p" && bad="$bad $p"; done
	[ -z "$bad" ] || { echo "still accepting connections:$bad"; return 1; }
}
pids_of_dir() { cat "$DIR"/run/*.pid 2>/dev/null; }
pids_gone() {  # PIDS... : none of them exists any more
	local p bad=
	for p; do kill -0 "$p" 2>/dev/null && bad="$bad $p"; done
	[ -z "$bad" ] || { echo "still running:$bad"; return 1; }
}

# run_up ROUND [ARGS] : run up, time it, report; bail out if smtpd is taken
run_up() {
	local round=$1 start end rc
	shift
	start=$(date +%s%N)
	"$SERVERS/up" "$@" "$DIR" >"$DIR/up.out" 2>&1
	rc=$?
	end=$(date +%s%N)
	UP_MS=$(((end - start) / 1000000))
	if [ $rc = 3 ]; then
		note <"$DIR/up.out"
		echo "Bail out! another OpenSMTPD is running; stop it first (see above)"
		exit 1
	fi
	if [ $rc = 0 ]; then pass "round $round: up exits 0"; else fail "round $round: up exits 0 (exit $rc)"; fi
	note 30 <"$DIR/up.out"
	if [ $rc != 0 ]; then
		echo "Bail out! up failed; server logs are in $DIR/log (kept until exit)"
		for f in "$DIR"/log/*.log; do echo "# == $f"; note 10 <"$f"; done
		exit 1
	fi
}

# ===========================================================================
echo "# state in $DIR, ATRIUM_PORT_BASE=$ATRIUM_PORT_BASE"
[ "$(id -u)" = 0 ] || { echo "Bail out! must run as root (OpenSMTPD needs it)"; exit 1; }

# --- round 1 ---------------------------------------------------------------
run_up 1
echo "# up took $UP_MS ms (first start: also creates the CA and the accounts)"
check "round 1: up started dovecot, smtpd, prosody, apache" \
	test "$(grep -c ': started (pid [0-9]*)' "$DIR/up.out")" = 4

check "env file exists" test -s "$DIR/env"
. "$DIR/env"
env_complete() {
	local v bad=
	for v in CA_FILE IMAP_HOST IMAP_PORT IMAPS_PORT SUBMISSION_PORT SUBMISSIONS_PORT XMPP_DOMAIN \
			XMPP_PORT XMPP_TLS_PORT MUC_DOMAIN UPLOAD_URL DAV_URL ALICE_EMAIL ALICE_JID ALICE_PASSWORD \
			BOB_EMAIL BOB_JID BOB_PASSWORD CAROL_EMAIL CAROL_JID CAROL_PASSWORD; do
		[ -n "${!v:-}" ] || bad="$bad $v"
	done
	[ -z "$bad" ] || { echo "missing:$bad"; return 1; }
	case $DAV_URL in */) ;; *) echo "DAV_URL must end in /"; return 1 ;; esac
	[ "$IMAPS_PORT" = $((ATRIUM_PORT_BASE + 1)) ] || { echo "ports ignore ATRIUM_PORT_BASE"; return 1; }
}
check "env file sets every variable, ports follow ATRIUM_PORT_BASE" env_complete

user_files_ok() {  # USER
	local c=$DIR/$1/config k=$DIR/$1/store.key
	[ "$(stat -c %a "$c")" = 600 ] && [ "$(stat -c %a "$k")" = 600 ] || { echo "modes not 0600"; return 1; }
	grep -Eqx '[0-9a-f]{64}' "$k" || { echo "store.key is not 64 hex digits"; return 1; }
	grep -qx "imap = imaps://127.0.0.1:$IMAPS_PORT" "$c" &&
	grep -qx "smtp = smtps://127.0.0.1:$SUBMISSIONS_PORT" "$c" &&
	grep -qx "user = $1@example.test" "$c" &&
	grep -qx "server = 127.0.0.1:$XMPP_PORT" "$c" &&
	grep -qx "url = $DAV_URL" "$c" &&
	grep -qx "ca_file = $CA_FILE" "$c" &&
	grep -qx "key_file = $k" "$c" || { echo "unexpected content:"; cat "$c"; return 1; }
}
for u in alice bob carol; do check "$u: config and store.key written, mode 0600" user_files_ok $u; done
cp "$DIR/alice/store.key" "$DIR/alice-key.before"

san_ok() {
	local san
	san=$(openssl x509 -in "$DIR/ca/server.pem" -noout -ext subjectAltName) || return 1
	for n in 'IP Address:127.0.0.1' DNS:localhost DNS:example.test DNS:mail.example.test \
			DNS:conference.example.test DNS:upload.example.test; do
		echo "$san" | grep -q "$n" || { echo "no $n in: $san"; return 1; }
	done
	openssl verify -CAfile "$CA_FILE" "$DIR/ca/server.pem"
}
check "server certificate is signed by the CA and names every host" san_ok

check "IMAPS: alice logs in, LIST shows INBOX and special-use folders" imap_list_ok
check "IMAPS: a wrong password is refused" fails xcurl --cacert "$CA_FILE" -u "$ALICE_EMAIL:wrong" "imaps://$IMAP_HOST:$IMAPS_PORT/"
check "IMAPS: certificate is not trusted without CA_FILE" \
	fails xcurl --cacert /etc/ssl/certs/ca-certificates.crt -u "$ALICE_EMAIL:$ALICE_PASSWORD" "imaps://$IMAP_HOST:$IMAPS_PORT/"
check "IMAP STARTTLS: alice logs in with --ssl-reqd, LIST shows INBOX" imap_starttls_ok
# Dovecot counts a client on the server's own address as secure and would
# allow plaintext there, so this client connects from 127.0.0.2.
imap_plaintext_refused() {
	local out
	out=$(xcurl -v --interface 127.0.0.2 -u "$ALICE_EMAIL:$ALICE_PASSWORD" "imap://$IMAP_HOST:$IMAP_PORT/" 2>&1)
	echo "$out"
	echo "$out" | grep -q '^< .*CAPABILITY .*LOGINDISABLED' && echo "$out" | grep -q 'Login denied'
}
check "IMAP: login without TLS is refused (LOGINDISABLED)" imap_plaintext_refused

subj1=smtps-$$-$RANDOM
check "SMTPS submission: alice sends to bob with AUTH" send "$ALICE_EMAIL" "$BOB_EMAIL" "$subj1" "smtps://$IMAP_HOST:$SUBMISSIONS_PORT"
check "SMTPS mail arrives in bob's INBOX (OpenSMTPD -> LMTP)" arrived "$BOB_EMAIL" "$subj1"
subj2=starttls-$$-$RANDOM
check "submission STARTTLS: bob sends to carol with AUTH" \
	send "$BOB_EMAIL" "$CAROL_EMAIL" "$subj2" "smtp://$IMAP_HOST:$SUBMISSION_PORT" --ssl-reqd
check "STARTTLS mail arrives in carol's INBOX" arrived "$CAROL_EMAIL" "$subj2"
submission_needs_auth() {  # the server answers MAIL FROM without AUTH with 530
	xcurl -v --cacert "$CA_FILE" --mail-from "$ALICE_EMAIL" --mail-rcpt "$BOB_EMAIL" -T /dev/null \
		"smtps://$IMAP_HOST:$SUBMISSIONS_PORT" 2>&1 | tee /dev/stderr | grep -q '^< 530'
}
check "submission without AUTH is refused (530)" submission_needs_auth

check "WebDAV: PROPFIND depth 1 on the team share as alice" dav_propfind_ok
check "WebDAV: PUT/GET round trip as bob, carol reads it too" dav_roundtrip_ok 1
check "WebDAV: a wrong password gets 401" dav_badpw_refused

# libetpan and libcurl in atrium use GnuTLS: check it accepts the chain too.
gnutls_ok() {
	local p
	for p in $IMAPS_PORT $SUBMISSIONS_PORT $DAV_PORT; do
		gnutls-cli --x509cafile="$CA_FILE" -p "$p" "$IMAP_HOST" </dev/null 2>&1 |
			grep -q 'Status: The certificate is trusted' || { echo "GnuTLS rejects port $p"; return 1; }
	done
}
if command -v gnutls-cli >/dev/null; then
	check "GnuTLS trusts IMAPS, SMTPS and WebDAV certificates" gnutls_ok
else
	n=$((n + 1)); echo "ok $n - GnuTLS trusts the certificates # SKIP gnutls-cli (gnutls-bin) not installed"
fi
check "XMPP direct TLS: handshake verified for example.test" xmpp_tls_ok
check "XMPP STARTTLS: handshake verified for example.test" xmpp_starttls_ok

xmpp_checks() {  # ROUND [--seeded] : xmpp_check.py's results as TAP lines
	local round=$1 line
	shift
	/usr/bin/python3 -B "$SERVERS/xmpp_check.py" "$DIR" "$@" >"$DIR/xmpp.out" 2>"$DIR/xmpp.err"
	local rc=$?
	while read -r line; do
		case $line in
			"PASS "*) pass "round $round: XMPP ${line#PASS }" ;;
			"FAIL "*) fail "round $round: XMPP ${line#FAIL }" ;;
		esac
	done <"$DIR/xmpp.out"
	if [ $rc != 0 ] || ! grep -q '^PASS muc-archive' "$DIR/xmpp.out"; then
		fail "round $round: xmpp_check.py completed (exit $rc)"
		note <"$DIR/xmpp.err"
	fi
}
xmpp_checks 1

pids1=$(pids_of_dir)
run_up 1b
check "second up starts nothing and reports 4 running services" \
	sh -c "! grep -q started '$DIR/up.out' && test \$(grep -c ': running (pid [0-9]*)' '$DIR/up.out') = 4"
check "second up leaves the same pids" test "$(pids_of_dir)" = "$pids1"
check "second up keeps store.key" cmp "$DIR/alice-key.before" "$DIR/alice/store.key"

check "round 1: down exits 0" "$SERVERS/down" "$DIR"
check "round 1: no server process is left" pids_gone $pids1
check "round 1: no port accepts connections" ports_closed
check "round 1: pid files are removed" test -z "$(pids_of_dir)"
check "second down is a no-op" sh -c "'$SERVERS/down' '$DIR' | grep -c 'not running' | grep -qx 4"

# --- round 2: again, with demo content ---------------------------------------
run_up 2
echo "# up took $UP_MS ms (restart)"
check "round 2: up started all 4 services again" test "$(grep -c ': started (pid [0-9]*)' "$DIR/up.out")" = 4
# The time limit is checked on this restart; a busy machine may need
# ATRIUM_UP_MAX_SECONDS raised.
check "round 2: up was ready within $UP_MAX_SECONDS s" test "$UP_MS" -lt $((UP_MAX_SECONDS * 1000))
run_up 2b --demo
echo "# up --demo took $UP_MS ms (seeding)"
check "up --demo on running servers starts nothing and seeds" \
	sh -c "! grep -q started '$DIR/up.out' && grep -q '^mail: 6 messages delivered' '$DIR/up.out'"
check "round 2: mail from round 1 survived the restart" arrived "$BOB_EMAIL" "$subj1"
check "round 2: WebDAV file from round 1 survived, round trip works" dav_roundtrip_ok 2
seeded_mail_ok() {  # all six arrived; the GBK one kept its encoded subject
	local n
	imap "$ALICE_EMAIL" "INBOX?HEADER%20Message-ID%20seed-" | tr -d '\r' | grep -x '\* SEARCH 1 2 3 4 5 6' || return 1
	n=$(imap "$ALICE_EMAIL" "INBOX?HEADER%20Message-ID%20seed-3@" | tr -d '\r' | sed -n 's/^\* SEARCH \([0-9]*\)$/\1/p')
	[ -n "$n" ] && imap "$ALICE_EMAIL" "INBOX;MAILINDEX=$n;SECTION=HEADER.FIELDS%20(SUBJECT%20CONTENT-TYPE)" |
		tee /dev/stderr | grep -q 'Subject: =?GBK?B?'
}
check "seed: 6 demo mails (one GBK-encoded) in alice's INBOX" seeded_mail_ok
seeded_files_ok() {
	[ "$(dav alice "${DAV_URL}reports/q3.md")" = 200 ] && grep -q 第三季度报告 "$DIR/dav.out" &&
	[ "$(dav bob "${DAV_URL}notes/welcome.md")" = 200 ] &&
	[ "$(dav carol "${DAV_URL}budget/2026.csv")" = 200 ] && grep -q '^Total / 合计,13370' "$DIR/dav.out" &&
	[ "$(dav alice "${DAV_URL}budget/2026.xlsx")" = 200 ] && mv "$DIR/dav.out" "$DIR/budget.xlsx" &&
	/usr/bin/python3 -B -c 'import sys, openpyxl; ws = openpyxl.load_workbook(sys.argv[1]).active; assert ws["F2"].value == "=SUM(B2:E2)", ws["F2"].value' "$DIR/budget.xlsx"
}
check "seed: docs and the budget sheet are on the share" seeded_files_ok
xmpp_checks 2 --seeded
check "seed twice is a no-op" sh -c "'$SERVERS/seed' '$DIR' | grep -c 'already seeded' | grep -qx 3"

pids2=$(pids_of_dir)
check "round 2: down exits 0" "$SERVERS/down" "$DIR"
check "round 2: no server process is left" pids_gone $pids2
check "round 2: no port accepts connections" ports_closed

# --- clean up ------------------------------------------------------------------
trap - EXIT
cleanup
check "state directory removed" test ! -e "$DIR"

if [ $failed = 0 ]; then echo "# all $n checks passed"; else echo "# $failed of $n checks failed"; fi
[ $failed = 0 ]
