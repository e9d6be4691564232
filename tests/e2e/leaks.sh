#!/bin/bash
# leaks.sh - every batch verb of every module runs clean under valgrind
# (issue 9): no byte definitely or indirectly lost, no invalid read or
# write, and the exit code the verb documents (docs/batch.md), including
# the error paths: a bad ID or path (2), a server that cannot be reached
# (3 queued, or 7), a certificate from a CA we do not trust (4, the rogue
# CA of tests/servers), a conflict (5), a usage error (1).
#
# Under `make sanitize` ATRIUM_BIN is the ASan+UBSan build, which valgrind
# cannot run: then the same verbs run directly with LeakSanitizer on
# (ASAN_OPTIONS detect_leaks=1) and a report of ASan, LSan or UBSan on
# stderr fails the check, so both runs mean the same thing.
#
# Verbs run in lanes (one home and one chain of verbs each, so a verb can
# use what the one before it made) that run side by side; at most $JOBS
# valgrinds at once. Setup that is not under test runs without valgrind.
# Library-internal one-time allocations are suppressed by
# tests/e2e/valgrind.supp, each with the reason it is not ours.
# Everything is private to the run: fresh homes, mail folders leaks-$$*,
# the room leaks-$$-room, share folder leaks-$$, texts tagged with $$.
# Uses the shared test servers in $ATRIUM_TEST_SERVERS (tests/run starts them).
set -u
cd "$(dirname "$0")/../.." || exit 1
ATRIUM_BIN=${ATRIUM_BIN:-$PWD/atrium}
S=${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}
T_DIR=$(mktemp -d /tmp/atrium-leaks.XXXXXX)
. tests/integration/tap.lib
set -a
. "$S/env"
set +a
export ATRIUM_TEST_SERVERS=$S
TAG=lk$$
BOX=leaks-$$
BOXW=leaks-$$-w
BOXN=leaks-$$-new
ROOM=leaks-$$-room@$MUC_DOMAIN
D=leaks-$$
NOBODY=leaks-$$-nobody@$XMPP_DOMAIN
# nothing listens on port 1 of the loopback (and we cannot bind it)
DEAD=127.0.0.1:1
# as many valgrinds as cores: they are CPU-bound, and one that waits for a
# core can miss a server's deadline (chat's 20 s login)
JOBS=${LEAKS_JOBS:-$(nproc)}
[ "$JOBS" -ge 2 ] 2>/dev/null || JOBS=2
TMO=${LEAKS_TIMEOUT:-240}
L=$T_DIR/runs
mkdir -p "$L"
start=$(date +%s)

probe() { /usr/bin/python3 -B tests/integration/mail_probe.py "$@"; }
peer() { /usr/bin/python3 -B tests/integration/chat_peer.py "$S" "$@"; }
bcurl() { curl -sS --max-time 20 --cacert "$CA_FILE" -u "bob:$BOB_PASSWORD" "$@"; }
cleanup() {
	local p
	for p in $(jobs -p); do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -e "$T_DIR/alice.conf" ] &&
		"$ATRIUM_BIN" --config "$T_DIR/alice.conf" --home "$T_DIR/h-room" chat leave "$ROOM" >/dev/null 2>&1
	for b in "$BOX" "$BOXW" "$BOXN" "$BOXN-2"; do probe rmbox alice "$b" >/dev/null 2>&1; done
	bcurl -X DELETE -o /dev/null "$DAV_URL$D/" 2>/dev/null
	rm -rf "$T_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- valgrind or LeakSanitizer ------------------------------------------------------------
ASAN=0
case $ATRIUM_BIN in */build-san/*) ASAN=1 ;; esac
if ldd "$ATRIUM_BIN" 2>/dev/null | grep -q 'libasan' ||
	nm "$ATRIUM_BIN" 2>/dev/null | grep -q ' __asan_init'; then
	ASAN=1
fi
if [ $ASAN = 0 ] && ! command -v valgrind >/dev/null; then
	not_ok "valgrind is installed (mk/deps.sh check)"
	exit 1
fi
# Uninitialised values are not tracked (a third of valgrind's time; this
# test is about leaks and invalid reads and writes, and the ASan run covers
# the latter too); inlined frames are not read (the stack still names the
# functions).
VG=(valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect
	--error-exitcode=99 --track-fds=no --num-callers=30
	--undef-value-errors=no --read-inline-info=no
	--suppressions="$PWD/tests/e2e/valgrind.supp")
# OpenSSL (under libstrophe) parses the system's CA bundle at every login:
# 140 certificates, a third of a chat verb's time under valgrind. Our
# configs name the CA that signed the servers (ca_file), so the system's
# list is left empty: same code paths, less parsing.
: >"$T_DIR/no-cas.pem"
mkdir "$T_DIR/no-cas"
export SSL_CERT_FILE=$T_DIR/no-cas.pem SSL_CERT_DIR=$T_DIR/no-cas
# intercept_tls_get_addr=0: GCC 12's runtime takes a dynamic TLS block at
# a certain page offset for a glibc 2.19 header and reads a bogus range,
# and LeakSanitizer's tracer dies of SIGSEGV at exit ("Tracer caught signal
# 11", no leak reported: google/sanitizers#1322). It struck `mail sync`
# here, with libgnutls (TLS variables) dlopen'ed with libetpan; `make
# sanitize` now links GnuTLS in (SAN_LIBS), this covers any other such
# library and an ASan build made without it. Without the interceptor
# dynamic TLS is not scanned: more reports possible, none hidden.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:intercept_tls_get_addr=0

# A pool of $JOBS tokens: a run takes one while its valgrind works.
mkfifo "$T_DIR/pool"
exec 7<>"$T_DIR/pool"
for ((i = 0; i < JOBS; i++)); do echo >&7; done

# run LANE NAME WANT ARGS... : one checked run of atrium ARGS (stdin from
# $IN, else /dev/null; $KILLSIG is what a timeout sends; $NOTOKEN=1 for a
# run that mostly waits, so it does not hold a core's token). Leaves $f, the
# run's file prefix: $f.out is its stdout, $f.err its stderr.
seq=0
run() {
	local lane=$1 name=$2 want=$3 rc
	shift 3
	seq=$((seq + 1))
	f=$L/$lane.$(printf %03d $seq)
	echo "$name" >"$f.name"
	[ "${NOTOKEN:-0}" = 1 ] || read -r -u 7
	if [ $ASAN = 1 ]; then
		timeout -s "${KILLSIG:-TERM}" -k 60 "$TMO" "$ATRIUM_BIN" "$@" \
			<"${IN:-/dev/null}" >"$f.out" 2>"$f.err" &
	else
		timeout -s "${KILLSIG:-TERM}" -k 60 "$TMO" "${VG[@]}" --log-file="$f.vg" \
			"$ATRIUM_BIN" "$@" <"${IN:-/dev/null}" >"$f.out" 2>"$f.err" &
	fi
	echo $! >"$L/$lane.pid"
	wait $! && rc=0 || rc=$?
	[ "${NOTOKEN:-0}" = 1 ] || echo >&7
	echo "$want $rc" >"$f.rc"
}
# fail_last REASON : the last run did not do what its verb says
fail_last() { echo "$1" >>"$f.fail"; }
# atn ARGS... : atrium without valgrind, for setup (stdout kept)
atn() { "$ATRIUM_BIN" "$@" 2>>"$T_DIR/setup.err"; }
# jq_py EXPR FILE : print EXPR of j, the JSON in FILE
jq_py() { /usr/bin/python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($1)" "$2" 2>/dev/null; }

# mkcfg NAME [SECTION.KEY=VALUE]... : alice's config with keys replaced or added
mkcfg() {
	local name=$1
	shift
	/usr/bin/python3 - "$ALICE_CONFIG" "$@" >"$T_DIR/$name.conf" <<'EOF'
import sys
want = {}
for kv in sys.argv[2:]:
    k, v = kv.split('=', 1)
    s, k = k.split('.', 1)
    want.setdefault(s, {})[k] = v
out, sec = [], ''
def flush(s):
    for k, v in want.pop(s, {}).items():
        out.append('%s = %s' % (k, v))
for line in open(sys.argv[1]):
    t = line.strip()
    if t.startswith('[') and t.endswith(']'):
        flush(sec)
        sec = t[1:-1]
    elif '=' in t and not t.startswith('#') and t.split('=')[0].strip() in want.get(sec, {}):
        continue
    out.append(line.rstrip('\n'))
flush(sec)
for s in list(want):
    out.append('[%s]' % s)
    flush(s)
print('\n'.join(out))
EOF
	chmod 600 "$T_DIR/$name.conf"
	echo "$T_DIR/$name.conf"
}
home() { mkdir -m 700 "$T_DIR/h-$1" && echo "$T_DIR/h-$1"; }
# small data: no bodies fetched ahead, the first chat login fetches the
# newest 20 messages of each archive, not 500
CFG=$(mkcfg alice mail.prefetch=none chat.history=20)

# --- seed mail ---------------------------------------------------------------------------
eml() { # FILE SUBJECT N [BODY-PART-HEADERS-AND-BODY]
	printf 'From: Bob <%s>\r\nTo: Alice <%s>\r\nSubject: %s\r\nMessage-ID: <%s.%s@example.test>\r\nDate: Sat, 21 Nov 2026 10:0%s:00 +0000\r\nMIME-Version: 1.0\r\n%s' \
		"$BOB_EMAIL" "$ALICE_EMAIL" "$2" "$3" "$TAG" "$3" "$4" >"$1"
}
eml "$T_DIR/m1.eml" "$TAG plain 预算" 1 $'Content-Type: text/plain; charset=utf-8\r\n\r\nfirst body 预算\r\n'
eml "$T_DIR/m2.eml" "$TAG with attachment" 2 "Content-Type: multipart/mixed; boundary=\"b$TAG\""$'\r\n\r\n'"--b$TAG"$'\r\nContent-Type: text/plain\r\n\r\nsee the file\r\n'"--b$TAG"$'\r\nContent-Type: text/csv; name="data.csv"\r\nContent-Disposition: attachment; filename="../data.csv"\r\nContent-Transfer-Encoding: base64\r\n\r\n'"$(printf 'a,b\n1,2\n' | base64)"$'\r\n'"--b$TAG--"$'\r\n'
eml "$T_DIR/m3.eml" "$TAG html only" 3 $'Content-Type: text/html; charset=gb2312\r\n\r\n<html><body><p>see <a href="https://example.test/x">the page</a></p></body></html>\r\n'
for i in 4 5 6 7; do
	eml "$T_DIR/w$i.eml" "$TAG write $i" "$i" $'Content-Type: text/plain\r\n\r\nbody\r\n'
done
if ! probe mkbox alice "$BOX" "$T_DIR"/m[123].eml || ! probe mkbox alice "$BOXW" "$T_DIR"/w[4567].eml; then
	not_ok "the test folders are made"
	exit 1
fi
printf 'Hello Bob,\nthe numbers.\n' >"$T_DIR/body"
idof() { # HOME SUBJECT FOLDER : the cached message's id
	atn --config "$CFG" --home "$1" --offline mail list --folder "$3" --json |
		/usr/bin/python3 -c "import json,sys; print(next((m['id'] for m in json.load(sys.stdin) if m['subject'] == sys.argv[1]), ''))" "$2"
}

# --- the lanes ---------------------------------------------------------------------------
lane_mail_read() {
	local h A id1 id2 id3
	h=$(home mr)
	A=(--config "$CFG" --home "$h")
	run mr "mail status" 0 "${A[@]}" mail status
	run mr "mail folders" 0 "${A[@]}" mail folders
	grep -q "^$BOX" "$f.out" || fail_last "our folder is not listed"
	run mr "mail folders --json" 0 "${A[@]}" mail folders --json
	run mr "mail sync --folder (new folder: envelopes, bodies)" 0 "${A[@]}" mail sync --folder "$BOX"
	run mr "mail sync (every folder, replays the outbox)" 0 "${A[@]}" mail sync
	run mr "mail list --json" 0 "${A[@]}" mail list --folder "$BOX" --json
	id1=$(jq_py "next(m['id'] for m in j if m['subject'] == '$TAG plain 预算')" "$f.out")
	id2=$(jq_py "next(m['id'] for m in j if m['subject'] == '$TAG with attachment')" "$f.out")
	id3=$(jq_py "next(m['id'] for m in j if m['subject'] == '$TAG html only')" "$f.out")
	[ -n "$id1" ] && [ -n "$id2" ] && [ -n "$id3" ] || fail_last "the three seeded messages are not listed"
	run mr "mail list --unread --limit (plain)" 0 "${A[@]}" mail list --folder "$BOX" --unread --limit 2
	run mr "mail read (text/plain, fetched)" 0 "${A[@]}" mail read "$id1"
	grep -q 'first body 预算' "$f.out" || fail_last "the body is not shown"
	run mr "mail read --json (HTML only, links)" 0 "${A[@]}" mail read "$id3" --json
	run mr "mail read --raw --json (multipart)" 0 "${A[@]}" mail read "$id2" --raw --json
	run mr "mail search (cache and server)" 0 "${A[@]}" mail search "from:bob subject:$TAG 预算" --folder "$BOX" --json
	run mr "mail search --offline is:unread has:attachment" 0 "${A[@]}" --offline mail search "is:unread has:attachment since:2026-11-01" --json
	run mr "mail search bad date: exit 1" 1 "${A[@]}" --offline mail search "since:yesterday"
	run mr "mail attachments --json" 0 "${A[@]}" mail attachments "$id2" --json
	run mr "mail attachments --save (unsafe name)" 0 "${A[@]}" mail attachments "$id2" --save "$T_DIR/saved"
	[ -f "$T_DIR/saved/data.csv" ] || fail_last "data.csv not saved in DIR"
	run mr "mail read bad ID: exit 2" 2 "${A[@]}" mail read 99999999
	run mr "mail attachments bad ID: exit 2" 2 "${A[@]}" mail attachments 99999999
	run mr "mail sync --folder that is not there: exit 2" 2 "${A[@]}" mail sync --folder "$BOX-nosuch"
	run mr "mail unknown verb: exit 1" 1 "${A[@]}" mail frobnicate
}

lane_mail_send() {
	local h A id1 id3
	h=$(home ms)
	A=(--config "$CFG" --home "$h")
	atn "${A[@]}" mail sync --folder "$BOX" >/dev/null
	id1=$(idof "$h" "$TAG plain 预算" "$BOX")
	id3=$(idof "$h" "$TAG html only" "$BOX")
	IN=$T_DIR/body run ms "mail send (attachment, cc, bcc)" 0 "${A[@]}" mail send --to "Bob <$BOB_EMAIL>" \
		--cc "$CAROL_EMAIL" --bcc "$ALICE_EMAIL" --subject "$TAG sent 预算" --attach "$T_DIR/m1.eml"
	IN=$T_DIR/body run ms "mail send --json" 0 "${A[@]}" mail send --to "$BOB_EMAIL" --subject "$TAG sent json" --json
	IN=$T_DIR/body run ms "mail send bad address: exit 1" 1 "${A[@]}" mail send --to "not an address@@" --subject x
	IN=$T_DIR/body run ms "mail reply --all" 0 "${A[@]}" mail reply "$id1" --all
	IN=$T_DIR/body run ms "mail reply bad ID: exit 2" 2 "${A[@]}" mail reply 99999999
	IN=$T_DIR/body run ms "mail forward inline" 0 "${A[@]}" mail forward "$id3" --to "$BOB_EMAIL"
	IN=$T_DIR/body run ms "mail forward --attached" 0 "${A[@]}" mail forward "$id1" --to "$BOB_EMAIL" --attached
	run ms "mail mark read" 0 "${A[@]}" mail mark "$id1" read
	run ms "mail mark flag (two IDs)" 0 "${A[@]}" mail mark "$id1" "$id3" flag
	run ms "mail mark unflag" 0 "${A[@]}" mail mark "$id3" unflag
	run ms "mail mark bad ID: exit 2" 2 "${A[@]}" mail mark 99999999 read
}

lane_mail_move() {
	local h A w4 w5 w6 w7
	h=$(home mm)
	A=(--config "$CFG" --home "$h")
	atn "${A[@]}" mail sync --folder "$BOXW" >/dev/null
	for i in 4 5 6 7; do eval "w$i=\$(idof \"\$h\" \"\$TAG write $i\" \"\$BOXW\")"; done
	run mm "mail copy" 0 "${A[@]}" mail copy "$w4" "$BOX"
	run mm "mail move" 0 "${A[@]}" mail move "$w5" "$BOX"
	run mm "mail delete (to Trash)" 0 "${A[@]}" mail delete "$w6"
	run mm "mail archive" 0 "${A[@]}" mail archive "$w7"
	run mm "mail mark deleted in Trash, expunge" 0 "${A[@]}" mail expunge --folder "$BOXW"
	run mm "mail move to a folder that is not there: exit 2" 2 "${A[@]}" mail move "$w4" "$BOX-nosuch"
	run mm "mail mkdir" 0 "${A[@]}" mail mkdir "$BOXN"
	run mm "mail rename" 0 "${A[@]}" mail rename "$BOXN" "$BOXN-2"
	run mm "mail unsubscribe" 0 "${A[@]}" mail unsubscribe "$BOXN-2"
	run mm "mail subscribe" 0 "${A[@]}" mail subscribe "$BOXN-2"
	run mm "mail rmdir without --yes: exit 1" 1 "${A[@]}" mail rmdir "$BOXN-2"
	run mm "mail rmdir --yes" 0 "${A[@]}" mail rmdir "$BOXN-2" --yes
	run mm "mail mkdir offline: exit 7" 7 "${A[@]}" --offline mail mkdir "$BOXN-3"
}

lane_mail_err() {
	local h A
	h=$(home me)
	A=(--home "$h")
	run me "mail folders, rogue CA: exit 4" 4 --config "$(mkcfg rogue-mail mail.ca_file="$S/ca/rogue.pem")" "${A[@]}" mail folders
	run me "mail sync, IMAP unreachable: exit 7" 7 --config "$(mkcfg dead-imap "mail.imap=imaps://$DEAD")" "${A[@]}" mail sync
	IN=$T_DIR/body run me "mail send, SMTP unreachable: exit 3 (queued)" 3 \
		--config "$(mkcfg dead-smtp "mail.smtp=smtps://$DEAD")" "${A[@]}" mail send --to "$BOB_EMAIL" --subject "$TAG queued"
	IN=$T_DIR/body run me "mail send, rogue CA on SMTP: exit 4" 4 \
		--config "$(mkcfg rogue-smtp mail.ca_file="$S/ca/rogue.pem")" "${A[@]}" mail send --to "$BOB_EMAIL" --subject "$TAG refused"
	run me "outbox list --json" 0 --config "$CFG" "${A[@]}" --offline outbox list mail --json
	run me "outbox drop bad ID: exit 2" 2 --config "$CFG" "${A[@]}" outbox drop 99999999 --yes
}

lane_chat_room() {
	local h A
	h=$(home room)
	A=(--config "$CFG" --home "$h")
	run room "chat join (creates the room)" 0 "${A[@]}" chat join "$ROOM" --nick "lk$$"
	run room "chat rooms --json" 0 "${A[@]}" chat rooms --json
	grep -q "leaks-$$-room" "$f.out" || fail_last "the room is not listed"
	run room "chat send to the room" 0 "${A[@]}" chat send "$ROOM" "$TAG hello room"
	run room "chat topic" 0 "${A[@]}" chat topic "$ROOM" "$TAG topic 主题"
	run room "chat invite" 0 "${A[@]}" chat invite "$ROOM" "$CAROL_JID" "come in"
	run room "chat nick" 0 "${A[@]}" chat nick "$ROOM" "lk$$-2"
	run room "chat kick a nick not in the room: exit 2" 2 "${A[@]}" chat kick "$ROOM" "nobody-$$" "bye"
	run room "chat read (room)" 0 "${A[@]}" chat read "$ROOM"
	run room "chat older (room)" 0 "${A[@]}" chat older "$ROOM" 5
	run room "chat history --json (room)" 0 "${A[@]}" chat history "$ROOM" --json --limit 5
	grep -q "$TAG hello room" "$f.out" || fail_last "the room's message is not in its history"
	run room "chat join not a room JID: exit 1" 1 "${A[@]}" chat join "not a jid"
	run room "chat leave" 0 "${A[@]}" chat leave "$ROOM"
}

lane_chat_direct() {
	local h A id
	h=$(home direct)
	A=(--config "$CFG" --home "$h")
	run direct "chat status" 0 "${A[@]}" chat status
	run direct "chat roster --json" 0 "${A[@]}" chat roster --json
	run direct "chat send" 0 "${A[@]}" chat send "$BOB_JID" "$TAG hello 你好"
	id=$(head -1 "$f.out")
	IN=$T_DIR/body run direct "chat send - (stdin)" 0 "${A[@]}" chat send "$BOB_JID" -
	run direct "chat correct" 0 "${A[@]}" chat correct "$id" "$TAG hello again 你好"
	run direct "chat retract" 0 "${A[@]}" chat retract "$id"
	run direct "chat correct bad ID: exit 2" 2 "${A[@]}" chat correct 99999999 x
	run direct "chat sync" 0 "${A[@]}" chat sync
	run direct "chat history --json" 0 "${A[@]}" chat history "$BOB_JID" --json --limit 5
	run direct "chat history --since --offline" 0 "${A[@]}" chat history "$BOB_JID" --since 2026-11-01 --offline
	run direct "chat search --json" 0 "${A[@]}" chat search "你好 $TAG" --json
	run direct "chat search --offline (plain)" 0 "${A[@]}" chat search "$TAG" --offline --limit 3
	run direct "chat read" 0 "${A[@]}" chat read "$BOB_JID"
	run direct "chat older" 0 "${A[@]}" chat older "$BOB_JID" 5
	run direct "chat presence" 0 "${A[@]}" chat presence available "$TAG here"
	run direct "chat presence bad state: exit 1" 1 "${A[@]}" chat presence sleepy
	run direct "chat send not a JID: exit 1" 1 "${A[@]}" chat send "not a jid" "x"
}

lane_chat_misc() {
	local h A id x same
	h=$(home misc)
	A=(--config "$CFG" --home "$h")
	head -c 3000 /dev/urandom >"$T_DIR/up $TAG.bin"
	run misc "chat upload" 0 "${A[@]}" chat upload "$BOB_JID" "$T_DIR/up $TAG.bin"
	id=$(atn "${A[@]}" chat history "$BOB_JID" --offline --json |
		/usr/bin/python3 -c "import json,sys; print(next((m['id'] for m in reversed(json.load(sys.stdin)) if m.get('url')), ''))")
	run misc "chat download" 0 "${A[@]}" chat download "$id" --save "$T_DIR/dl"
	same=0
	for x in "$T_DIR"/dl/*; do cmp -s "$x" "$T_DIR/up $TAG.bin" && same=1; done
	[ $same = 1 ] || fail_last "the uploaded bytes were not saved"
	run misc "chat download bad ID: exit 2" 2 "${A[@]}" chat download 99999999 --save "$T_DIR/dl"
	run misc "chat upload a file that is not there: exit 2" 2 "${A[@]}" chat upload "$BOB_JID" "$T_DIR/nosuch"
	run misc "chat add" 0 "${A[@]}" chat add "$NOBODY"
	run misc "chat approve" 0 "${A[@]}" chat approve "$NOBODY"
	run misc "chat deny" 0 "${A[@]}" chat deny "$NOBODY"
	run misc "chat remove" 0 "${A[@]}" chat remove "$NOBODY"
}

lane_chat_tail() {
	local h A i
	h=$(home tail)
	A=(--config "$CFG" --home "$h")
	KILLSIG=INT NOTOKEN=1 run tail "chat tail --json: shows a message from bob, exit 0 on SIGINT" 0 \
		"${A[@]}" chat tail --json &
	# bob writes every 10 s until tail has printed one (or 2 minutes)
	for ((i = 0; i < 60; i++)); do
		sleep 2
		if grep -q "$TAG tail" "$L"/tail.001.out 2>/dev/null; then break; fi
		[ $((i % 5)) = 2 ] && peer bob send alice "$TAG tail $i" >/dev/null 2>&1
	done
	kill -TERM "$(cat "$L/tail.pid")" 2>/dev/null
	wait
	f=$L/tail.001
	grep -q "$TAG tail" "$f.out" || fail_last "no message from bob was printed"
}

lane_chat_err() {
	local h A
	h=$(home ce)
	A=(--home "$h")
	run ce "chat send, server unreachable: exit 3 (queued)" 3 --config "$(mkcfg dead-xmpp "chat.server=$DEAD")" "${A[@]}" chat send "$BOB_JID" "$TAG queued"
	run ce "chat sync, rogue CA: exit 4" 4 --config "$(mkcfg rogue-xmpp chat.ca_file="$S/ca/rogue.pem")" "${A[@]}" chat sync
	run ce "chat roster, unreachable: unknown presence" 0 --config "$T_DIR/dead-xmpp.conf" "${A[@]}" chat roster --json
	run ce "chat history --offline from the store" 0 --config "$CFG" "${A[@]}" chat history "$BOB_JID" --offline
}

lane_files() {
	local h A
	h=$(home files)
	A=(--config "$CFG" --home "$h")
	printf 'alpha\nbeta\n' >"$T_DIR/a.txt"
	run files "files status --json" 0 "${A[@]}" files status --json
	run files "files mkdir" 0 "${A[@]}" files mkdir "$D/sub"
	run files "files put" 0 "${A[@]}" files put "$T_DIR/a.txt" "$D/sub/a.txt"
	IN=$T_DIR/a.txt run files "files put - (stdin)" 0 "${A[@]}" files put - "$D/stdin.txt"
	run files "files ls --json" 0 "${A[@]}" files ls "$D/sub" --json
	grep -q 'a.txt' "$f.out" || fail_last "the file is not listed"
	run files "files ls (plain)" 0 "${A[@]}" files ls "$D"
	run files "files get" 0 "${A[@]}" files get "$D/sub/a.txt"
	cmp -s "$f.out" "$T_DIR/a.txt" || fail_last "get gave other bytes"
	run files "files get -o" 0 "${A[@]}" files get "$D/sub/a.txt" -o "$T_DIR/a.got"
	run files "files cp" 0 "${A[@]}" files cp "$D/sub/a.txt" "$D/sub/b.txt"
	run files "files mv" 0 "${A[@]}" files mv "$D/sub/b.txt" "$D/sub/c.txt"
	run files "files rm --yes" 0 "${A[@]}" files rm "$D/sub/c.txt" --yes
	run files "files rm without --yes: exit 1" 1 "${A[@]}" files rm "$D/sub/a.txt"
	run files "files get a path not there: exit 2" 2 "${A[@]}" files get "$D/nosuch.txt"
	run files "files pin" 0 "${A[@]}" files pin "$D/sub"
	run files "files put --offline: exit 3 (queued)" 3 "${A[@]}" --offline files put "$T_DIR/a.txt" "$D/sub/q.txt"
	run files "files sync (sends the queue, fetches pinned)" 0 "${A[@]}" files sync
	run files "files unpin" 0 "${A[@]}" files unpin "$D/sub"
	run files "files mkdir offline: exit 7" 7 "${A[@]}" --offline files mkdir "$D/x"
}

lane_files_conflict() {
	local h A
	h=$(home fc)
	A=(--config "$CFG" --home "$h")
	printf 'one\ntwo\nthree\n' >"$T_DIR/c0"
	printf 'one\ntwo by bob\nthree\n' >"$T_DIR/c.bob"
	printf 'one\ntwo by alice\nthree\n' >"$T_DIR/c.alice"
	bcurl -X MKCOL -o /dev/null "$DAV_URL$D/"
	bcurl -X MKCOL -o /dev/null "$DAV_URL$D/fc/"
	bcurl -T "$T_DIR/c0" -o /dev/null "$DAV_URL$D/fc/c.txt"
	atn "${A[@]}" files get "$D/fc/c.txt" -o "$T_DIR/c.got" >/dev/null
	bcurl -T "$T_DIR/c.bob" -o /dev/null "$DAV_URL$D/fc/c.txt"
	run fc "files put, same line changed on the server: exit 5" 5 "${A[@]}" files put "$T_DIR/c.alice" "$D/fc/c.txt"
	run fc "files status while a conflict waits" 0 "${A[@]}" files status
	run fc "files merged" 0 "${A[@]}" files merged "$D/fc/c.txt"
	grep -q '^<<<<<<<' "$f.out" || fail_last "no conflict markers"
	run fc "files merged --json -o" 0 "${A[@]}" files merged "$D/fc/c.txt" -o "$T_DIR/c.merged" --json
	run fc "files sync while a conflict waits: exit 5" 5 "${A[@]}" files sync
	run fc "files resolve --take local" 0 "${A[@]}" files resolve "$D/fc/c.txt" --take local
	run fc "files resolve, no conflict: exit 2" 2 "${A[@]}" files resolve "$D/fc/c.txt" --take local
	run fc "files ls, rogue certificate: exit 4" 4 --config "$(mkcfg rogue-dav "files.url=https://127.0.0.1:$ROGUE_DAV_PORT/dav/team/")" --home "$(home rogue)" files ls
	run fc "files trust (shows the pin)" 0 --config "$T_DIR/rogue-dav.conf" --home "$T_DIR/h-rogue" files trust
	grep -q '^sha256//' "$f.out" || fail_last "no pin shown"
	run fc "files ls, server unreachable: exit 7" 7 --config "$(mkcfg dead-dav "files.url=https://$DEAD/dav/team/")" --home "$(home dead)" files ls "$D"
	run fc "files put, server unreachable: exit 3 (queued)" 3 --config "$T_DIR/dead-dav.conf" --home "$T_DIR/h-dead" files put "$T_DIR/c0" "$D/fc/d.txt"
}

lane_local() {
	local h A x=$T_DIR/ds
	h=$(home local)
	A=(--config "$CFG" --home "$h")
	mkdir -p "$x"
	printf '# 标题\n\nThe budget 预算 is ready.\nthe end\n' >"$x/d.md"
	printf 'a,b,c\n1,2,=A2+B2\n3,4,=SUM(A2:B3)\n' >"$x/s.csv"
	run local "docs status" 0 "${A[@]}" docs status
	run local "docs cat" 0 "${A[@]}" docs cat "$x/d.md"
	cmp -s "$f.out" "$x/d.md" || fail_last "cat gave other bytes"
	run local "docs stats --json" 0 "${A[@]}" docs stats "$x/d.md" --json
	run local "docs replace --regex --dry-run" 0 "${A[@]}" docs replace "$x/d.md" '(b)udget' '$1ill' --regex --dry-run
	run local "docs replace" 0 "${A[@]}" docs replace "$x/d.md" "预算" "budget"
	run local "docs replace bad regex: exit 1" 1 "${A[@]}" docs replace "$x/d.md" '(' x --regex
	run local "docs cat a file not there: exit 2" 2 "${A[@]}" docs cat "$x/nosuch.md"
	run local "docs wq, a screen verb: refused" 1 "${A[@]}" docs wq
	run local "sheets status" 0 "${A[@]}" sheets status
	run local "sheets convert csv to xlsx" 0 "${A[@]}" sheets convert "$x/s.csv" "$x/s.xlsx"
	run local "sheets convert xlsx to ods" 0 "${A[@]}" sheets convert "$x/s.xlsx" "$x/s.ods"
	run local "sheets convert ods to csv on stdout" 0 "${A[@]}" sheets convert "$x/s.ods" - --formatted
	IN=$x/s.csv run local "sheets convert - (stdin) to tsv" 0 "${A[@]}" sheets convert - "$x/s.tsv"
	run local "sheets get range --json" 0 "${A[@]}" sheets get "$x/s.xlsx" A1:C3 --json
	run local "sheets set a formula" 0 "${A[@]}" sheets set "$x/s.xlsx" D2 '=C2*2'
	grep -qx 6 "$f.out" || fail_last "D2 is not 6"
	run local "sheets get a file not there: exit 2" 2 "${A[@]}" sheets get "$x/nosuch.csv" A1
	run local "sheets get bad cell: exit 1" 1 "${A[@]}" sheets get "$x/s.csv" 'ZZZ!!'
	run local "sheets sort, a screen verb: refused" 1 "${A[@]}" sheets sort A
	run local "version" 0 version
	run local "help mail" 0 help mail
	run local "config check" 0 --config "$CFG" config check
	run local "config show" 0 --config "$CFG" config show
	run local "keygen" 0 keygen "$x/new.key"
	run local "batch file (-b -k)" 2 "${A[@]}" -b "$x/cmds" -k
}

printf 'docs stats %s\nsheets get %s A1\ndocs cat %s\n' "$T_DIR/ds/d.md" "$T_DIR/ds/nosuch.csv" "$T_DIR/ds/d.md" >"$T_DIR/ds.cmds"
mkdir -p "$T_DIR/ds"
mv "$T_DIR/ds.cmds" "$T_DIR/ds/cmds"

lanes=${LEAKS_LANES:-mr ms mm me room direct misc tail ce files fc local}
lane_fn() {
	case $1 in
	mr) lane_mail_read ;; ms) lane_mail_send ;; mm) lane_mail_move ;; me) lane_mail_err ;;
	room) lane_chat_room ;; direct) lane_chat_direct ;; misc) lane_chat_misc ;;
	tail) lane_chat_tail ;; ce) lane_chat_err ;;
	files) lane_files ;; fc) lane_files_conflict ;; local) lane_local ;;
	esac
}
for l in $lanes; do
	lane_fn "$l" >"$T_DIR/lane-$l.log" 2>&1 &
done
wait

# --- the checks ---------------------------------------------------------------------------
for l in $lanes; do
	for n in "$L/$l".[0-9][0-9][0-9].name; do
		[ -e "$n" ] || continue
		f=${n%.name}
		name=$(cat "$n")
		read -r want rc <"$f.rc" 2>/dev/null || { want=?; rc=none; }
		why=
		[ "$rc" = "$want" ] || why="exit $rc, want $want"
		[ -e "$f.fail" ] && why="$why; $(tr '\n' ' ' <"$f.fail")"
		if [ $ASAN = 1 ]; then
			grep -qE 'LeakSanitizer|AddressSanitizer|runtime error' "$f.err" && why="$why; sanitizer report"
		elif ! grep -q 'ERROR SUMMARY: 0 errors from 0 contexts' "$f.vg" 2>/dev/null; then
			why="$why; valgrind: $(grep -hoE '(definitely|indirectly) lost: [0-9,]+ bytes|Invalid (read|write) of size [0-9]+' "$f.vg" 2>/dev/null | sort | uniq -c | tr -s ' \n' ' ')"
		fi
		if [ -z "$why" ]; then
			ok "$name"
		else
			not_ok "$name (${why#; })"
			if [ $ASAN = 1 ]; then
				sed 's/^/#   /' "$f.err" | head -30
			else
				sed 's/^/#   err: /' "$f.err" | head -5
				sed -n '/Invalid\|are definitely lost\|are indirectly lost\|Conditional\|uninitialised/,/^==[0-9]*== $/p' "$f.vg" 2>/dev/null |
					head -40 | sed 's/^/#   /'
			fi
		fi
	done
done
times >"$T_DIR/times"
cpu=$(tail -1 "$T_DIR/times" | awk '{print $1 " user " $2 " sys"}')
echo "# leaks.sh: $(($(date +%s) - start)) s, $cpu (children), $([ $ASAN = 1 ] && echo LeakSanitizer || echo valgrind), $JOBS at once"
t_done
