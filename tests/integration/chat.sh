#!/bin/bash
# chat.sh - the chat verbs against the loopback Prosody, with a second real
# client (tests/integration/chat_peer.py, slixmpp) as bob: send and history,
# exactly-once catch-up of a flood, rooms (create, echo merged, mentions,
# read), corrections and retractions both ways, untrusted and huge text,
# malformed and forged stanzas, invalid JIDs, the offline outbox, a cut in
# the middle of `chat tail`, refused logins and TLS (password, CA, pin),
# HTTP upload, full-text search with Chinese words, presence.
# What bob sees is what chat_peer.py reports, not what atrium says.
# Everything is private to the run: a fresh home for alice, rooms
# int-$$-*@MUC_DOMAIN, texts tagged with $$.
# Uses the shared test servers in $ATRIUM_TEST_SERVERS (tests/run starts them).
set -u
cd "$(dirname "$0")/../.." || exit 1
ATRIUM_BIN=${ATRIUM_BIN:-$PWD/atrium}
S=${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}
T_DIR=$(mktemp -d /tmp/atrium-chat.XXXXXX)
. tests/integration/tap.lib
set -a
. "$S/env"
set +a
export ATRIUM_TEST_SERVERS=$S
TAG=int$$
ROOM=int-$$-room@$MUC_DOMAIN
NF_PORT=$((ATRIUM_PORT_BASE + 51))
CTL=$T_DIR/nf.ctl
BOB=$BOB_JID
CAROL=$CAROL_JID
pids=

peer() { /usr/bin/python3 -B tests/integration/chat_peer.py "$S" "$@"; }
peerq() { peer "$@" >/dev/null 2>"$T_DIR/peer.err" || { cat "$T_DIR/peer.err" >&2; return 1; }; }
cleanup() {
	local p
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	[ -e "$T_DIR/alice.conf" ] && "$ATRIUM_BIN" "${A[@]}" chat leave "$ROOM" >/dev/null 2>&1
	rm -rf "$T_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# a config: alice's key file and a [chat] section; extra lines replace keys
mkcfg() { # NAME [KEY=VALUE ...]
	local name=$1 kv k
	shift
	{
		grep '^key_file' "$ALICE_CONFIG"
		echo
		echo "[chat]"
		sed -n '/^\[chat\]/,/^\[/{/^[a-z_]* *=/p}' "$ALICE_CONFIG" | while IFS= read -r line; do
			k=${line%% *}
			for kv in "$@"; do [ "${kv%%=*}" = "$k" ] && continue 2; done
			echo "$line"
		done
		for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}"; done
	} >"$T_DIR/$name.conf"
	chmod 600 "$T_DIR/$name.conf"
	echo "$T_DIR/$name.conf"
}
mkdir -m 700 "$T_DIR/alice" "$T_DIR/other"
A=(--config "$(mkcfg alice)" --home "$T_DIR/alice")
NF=(--config "$(mkcfg nf "server=127.0.0.1:$NF_PORT")" --home "$T_DIR/alice")
# py EXPR: exit 0 when EXPR holds for j, the JSON on stdin
# (an error object instead of a list is shown on stderr, and fails)
py() {
	/usr/bin/python3 -c "import json,sys
j = json.load(sys.stdin)
if not isinstance(j, list):
    print('# not a list:', json.dumps(j)[:300], file=sys.stderr)
    sys.exit(1)
sys.exit(0 if ($1) else 1)"
}
# pyl EXPR: the same for L, the list of JSON lines on stdin
pyl() { /usr/bin/python3 -c "import json,sys; L=[json.loads(l) for l in sys.stdin if l.strip()]; sys.exit(0 if ($1) else 1)"; }
# pylf FILE EXPR: the same on a file (read again at each call)
pylf() { pyl "$2" <"$1"; }
hist() { "$ATRIUM_BIN" "${A[@]}" chat history "$@" --json 2>"$T_DIR/hist.err"; }

# listen NAME ARGS...: bob's listener in the background, once READY
listen() {
	local name=$1 n=0
	shift
	: >"$T_DIR/$name.out"
	: >"$T_DIR/$name.err"
	peer bob --timeout 60 listen "$@" >"$T_DIR/$name.out" 2>"$T_DIR/$name.err" &
	eval "lpid_$name=$!"
	pids="$pids $!"
	while ! grep -q READY "$T_DIR/$name.err" && [ $n -lt 150 ]; do sleep 0.1; n=$((n + 1)); done
	grep -q READY "$T_DIR/$name.err"
}
# lwait NAME: the listener's exit code (it ends once its count matched)
lwait() { local v="lpid_$1"; wait "${!v}"; }
# until_true SECONDS COMMAND...: poll every 0.2 s
until_true() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do [ $SECONDS -ge $end ] && return 1; sleep 0.2; done
}

# --- send and history --------------------------------------------------------------------
check "bob's listener is online" listen hello --count 1 --from "$ALICE_JID" --contains "$TAG hello"
at "${A[@]}" chat send "$BOB" "$TAG hello"
ID=$out
check "send: exit 0, prints an id ($rc '$out' $errout)" test "$rc" = 0 -a -n "$(grep -xE '[0-9]+' <<<"$ID")"
lwait hello
check "bob received it, its id attribute is its origin-id ($(cat "$T_DIR/hello.out"))" \
	pyl "len(L) == 1 and L[0]['body'] == '$TAG hello' and L[0]['origin_id'] and L[0]['origin_id'] == L[0]['id']" <"$T_DIR/hello.out"
HELLO_XID=$(/usr/bin/python3 -c "import json,sys; print(json.loads(sys.stdin.readline())['id'])" <"$T_DIR/hello.out" 2>/dev/null)
check "alice's history has it once, same id, state sent" \
	py "[(m['id'], m['state'], m['outgoing']) for m in j if m['text'] == '$TAG hello'] in ([('$ID', 'sent', True)], [('$ID', 'delivered', True)])" <<<"$(hist "$BOB")"
REPLY_XID=$(peer bob send alice "$TAG reply")
check "bob replies ($REPLY_XID)" test -n "$REPLY_XID"
H=$(hist "$BOB")
check "bob's reply in alice's history, once, with every field" py "
[m for m in j if m['text'] == '$TAG reply'] and
all(set(m) >= {'id','chat','from','nick','time','text','corrected','retracted','outgoing'} and
    m['chat'] == '$BOB' and m['from'] == '$BOB' and m['nick'] != '' and not m['outgoing'] and
    m['corrected'] is False and m['retracted'] is False and 'state' not in m and
    __import__('re').fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', m['time'])
    for m in j if m['text'] == '$TAG reply') and len([m for m in j if m['text'] == '$TAG reply']) == 1" <<<"$H"
check "oldest first: hello before the reply" py "
[m['text'] for m in j if m['text'] in ('$TAG hello', '$TAG reply')] == ['$TAG hello', '$TAG reply']" <<<"$H"

# --- exactly once: a flood while alice is away ----------------------------------------------
# 1500: six pages (sess.c, READER_AFTER is one), so the rest is
# read on a second connection without stream management (reader_open)
check "bob floods 1500 messages while alice is not connected" peerq bob --timeout 90 flood alice 1500 --prefix "$TAG flood"
at "${A[@]}" chat sync
check "sync: exit 0 ($out $errout)" test "$rc" = 0
check "the archive's rest was read on a second connection" grep -q "reading the archive on a second connection" "$T_DIR/alice/atrium.log"
hist "$BOB" --limit 3000 --offline >"$T_DIR/flood.json"
check "history has all 1500, each once" py "
sorted(m['text'] for m in j if m['text'].startswith('$TAG flood ')) == sorted('$TAG flood %d' % i for i in range(1, 1501))" <"$T_DIR/flood.json"
check "in order" py "
[int(m['text'].split()[-1]) for m in j if m['text'].startswith('$TAG flood ')] == list(range(1, 1501))" <"$T_DIR/flood.json"
N1=$(/usr/bin/python3 -c "import json,sys; print(len(json.load(sys.stdin)))" <"$T_DIR/flood.json")
at "${A[@]}" chat sync
check "a second sync: exit 0, adds nothing" py "len(j) == $N1" <<<"$(hist "$BOB" --limit 3000 --offline)"

# --- rooms ----------------------------------------------------------------------------------------
at "${A[@]}" chat join "$ROOM"
check "join a new room: exit 0, says created ($out $errout)" test "$rc" = 0 -a -n "$(grep -i created <<<"$out")"
at "${A[@]}" chat rooms --json
check "rooms --json: joined, with the nick alice ($out)" py "
[(r['joined'], r['nick']) for r in j if r['jid'] == '$ROOM'] == [(True, '${ALICE_JID%%@*}')]" <<<"$out"
check "bob joins and posts" peerq bob send "$ROOM" "$TAG bob in the room" --type groupchat
check "alice's room history has bob's post once" py "
[m['nick'] for m in j if m['text'] == '$TAG bob in the room'] == ['bob']" <<<"$(hist "$ROOM")"
at "${A[@]}" chat send "$ROOM" "$TAG alice in the room"
RID=$out
check "alice posts to the room: exit 0, an id ($rc $out $errout)" test "$rc" = 0 -a -n "$RID"
check "the room's archive has it once" test "$(peer bob --timeout 60 archive "$ROOM" | grep -cF "\"body\": \"$TAG alice in the room\"")" = 1
hist "$ROOM" >"$T_DIR/room.json"
check "alice's history has it once: her row, merged with the echo (same id, a stanza_id)" py "
[(m['id'], m['outgoing'], bool(m.get('stanza_id'))) for m in j if m['text'] == '$TAG alice in the room'] == [('$RID', True, True)]" <"$T_DIR/room.json"

# --- mentions -------------------------------------------------------------------------------------
peer bob send "$ROOM" "$TAG hey alice, look" --type groupchat >/dev/null
at "${A[@]}" chat rooms --json
check "a message naming alice: unread and mentions counted ($out)" py "
[r for r in j if r['jid'] == '$ROOM' and r['mentions'] >= 1 and r['unread'] >= 1]" <<<"$out"
check "the message is marked as a mention" py "
[m.get('mention') for m in j if m['text'] == '$TAG hey alice, look'] == [True]" <<<"$(hist "$ROOM" --offline)"
at "${A[@]}" chat read "$ROOM"
check "chat read: exit 0 ($errout)" test "$rc" = 0
at "${A[@]}" chat rooms --json
check "read resets unread and mentions to 0 ($out)" py "
[(r['unread'], r['mentions']) for r in j if r['jid'] == '$ROOM'] == [(0, 0)]" <<<"$out"

# --- corrections and retractions from bob ------------------------------------------------------------
OID=$(peer bob send alice "$TAG first take")
peer bob correct alice "$OID" "$TAG second take" >/dev/null
check "bob's correction: one row, the new text, corrected" py "
[(m['text'], m['corrected']) for m in j if m['text'] in ('$TAG first take', '$TAG second take')] == [('$TAG second take', True)]" <<<"$(hist "$BOB")"
CROW=$(hist "$BOB" --offline | /usr/bin/python3 -c "import json,sys; print(next((m['id'] for m in json.load(sys.stdin) if m['text'] == '$TAG second take'), ''))")
peer bob retract alice "$OID" >/dev/null
check "bob's retraction: that row is retracted, its text empty (row $CROW)" py "
[(m['text'], m['retracted']) for m in j if m['id'] == '$CROW'] == [('', True)]" <<<"$(hist "$BOB")"
check "the plain history says retracted" grep -qi 'retracted' <<<"$("$ATRIUM_BIN" "${A[@]}" chat history "$BOB" --offline --limit 5 2>/dev/null)"

# --- alice's own correction and retraction ------------------------------------------------------------
# the retraction's body is a fallback text: listen to all of alice's
# messages and pick ours
listen own --count 100000 --from "$ALICE_JID" >/dev/null
at "${A[@]}" chat send "$BOB" "$TAG mine"
MID=$out
check "a message of her own to correct: exit 0 ($rc $errout)" test "$rc" = 0
MXID=
got_mine() { MXID=$(/usr/bin/python3 -c "import json,sys; print(next((m['id'] for m in map(json.loads, sys.stdin) if m['body'] == '$TAG mine'), ''))" <"$T_DIR/own.out"); [ -n "$MXID" ]; }
check "bob saw it" until_true 20 got_mine
at "${A[@]}" chat correct "$MID" "$TAG mine, fixed"
check "chat correct: exit 0 ($errout)" test "$rc" = 0
check "bob saw the correction: the new text, replace = the original's id ($MXID)" until_true 20 pylf "$T_DIR/own.out" "
[m for m in L if m['body'] == '$TAG mine, fixed' and m['replace'] == '$MXID']"
at "${A[@]}" chat retract "$MID"
check "chat retract: exit 0 ($errout)" test "$rc" = 0
check "bob saw the retraction: retract = the original's id" until_true 20 pylf "$T_DIR/own.out" "
[m for m in L if m['retract'] == '$MXID']"
kill "$lpid_own" 2>/dev/null
check "alice's own row: retracted" py "[m['retracted'] for m in j if m['id'] == '$MID'] == [True]" <<<"$(hist "$BOB" --offline)"

# --- untrusted text -------------------------------------------------------------------------------
CTL_TEXT="$TAG ctl "$'\xc2\x9b'"31mRED "$'\xe2\x80\xae'"gnp.exe"
peer bob send alice "$CTL_TEXT" >/dev/null
"$ATRIUM_BIN" "${A[@]}" chat history "$BOB" --limit 20 >"$T_DIR/plain.txt" 2>/dev/null
check "plain history shows the line" grep -q "$TAG ctl" "$T_DIR/plain.txt"
check "plain history has no raw C1 control (U+009B)" sh -c "! grep -qP '\\xc2\\x9b' '$T_DIR/plain.txt'"
check "plain history has no raw bidi override (U+202E)" sh -c "! grep -qP '\\xe2\\x80\\xae' '$T_DIR/plain.txt'"
check "plain history shows something visible in their place" grep -q "$TAG ctl .\+31mRED .\+gnp.exe" "$T_DIR/plain.txt"
hist "$BOB" --limit 20 --offline >"$T_DIR/ctl.json"
check "JSON escapes the control (\\u009b), never raw" sh -c "grep -qF '\\u009b' '$T_DIR/ctl.json' && ! grep -qP '\\xc2\\x9b' '$T_DIR/ctl.json'"
check "JSON keeps the text exactly" py "[m for m in j if m['text'] == '$TAG ctl \x9b31mRED \u202egnp.exe']" <"$T_DIR/ctl.json"
/usr/bin/python3 -c "import sys; sys.stdout.write('$TAG big ' + ''.join('0123456789abcdef'[i % 16] for i in range(200 * 1024)))" >"$T_DIR/big.txt"
BIG_LEN=$(/usr/bin/python3 -c "print(len(open('$T_DIR/big.txt').read()))")
check "bob sends a 200 KB message" peerq bob send alice - <"$T_DIR/big.txt"
check "it arrives whole ($BIG_LEN characters)" py "
[m['text'] == open('$T_DIR/big.txt').read() for m in j if m['text'].startswith('$TAG big ')] == [True]" <<<"$(hist "$BOB" --limit 5)"

# --- malformed and forged stanzas ------------------------------------------------------------------
check "bob writes a message with unknown children and markup inside its body" peer bob raw \
	"<message to='$ALICE_JID' type='chat' id='$TAG-odd'><body>$TAG odd <b xmlns='urn:example:x'>bold<i/></b> tail</body><weird xmlns='urn:example:unknown'><deeper a='1'><body>not the body</body></deeper></weird></message>"
check "bob forges a carbon copy from carol" peer bob raw \
	"<message to='$ALICE_JID' type='chat' id='$TAG-fwd1'><received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' from='$CAROL/x' to='$ALICE_JID/y' type='chat' id='$TAG-f1'><body>$TAG forged received</body></message></forwarded></received></message>"
check "bob forges a sent carbon (alice to carol)" peer bob raw \
	"<message to='$ALICE_JID' type='chat' id='$TAG-fwd2'><sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' from='$ALICE_JID/y' to='$CAROL/x' type='chat' id='$TAG-f2'><body>$TAG forged sent</body></message></forwarded></sent></message>"
peer bob send alice "$TAG after the odd ones" >/dev/null
H=$(hist "$BOB" --limit 20)
check "alice keeps working: the next message arrives ($(head -c 200 "$T_DIR/hist.err"))" py "[m for m in j if m['text'] == '$TAG after the odd ones']" <<<"$H"
check "the odd message's text is its body's text, not the unknown child's" py "
all('not the body' not in m['text'] for m in j) and [m for m in j if m['text'].startswith('$TAG odd')]" <<<"$H"
at "${A[@]}" chat history "$CAROL" --offline --json
check "nothing forged stored as carol's conversation (rc $rc)" sh -c "[ $rc = 2 ] || ! grep -q '$TAG forged' <<'EOF'
$out
EOF"
at "${A[@]}" chat search "$TAG forged" --offline --json
check "no forged message in the store as carol's ($out)" py "
not [m for m in j if '$CAROL' in (m['chat'], m['from'])]" <<<"${out:-[]}"
# XEP-0280: a carbon whose wrapper is not from our own account is ignored
check "no forged message stored at all, as bob's either" py "j == []" <<<"${out:-[]}"

# --- invalid JIDs -----------------------------------------------------------------------------------
at "${A[@]}" chat send "not a jid" x
check "send to 'not a jid': exit 1, named ($rc $errout)" test "$rc" = 1 -a -n "$(grep -F 'not a jid' <<<"$errout")"
at "${A[@]}" chat join nobody
check "join nobody: exit 1 ($rc $errout)" test "$rc" = 1 -a -n "$(grep -F 'nobody' <<<"$errout")"
at "${A[@]}" chat history nosuch@example.test
check "history of a conversation never had: exit 2 ($rc $errout)" test "$rc" = 2
# a usage error is said before anything is opened: with the server away
# too (a config naming a dead port), not "unreachable"
sed "s/^server *=.*/server = 127.0.0.1:$((ATRIUM_PORT_BASE + 52))/" "$ALICE_CONFIG" >"$T_DIR/dead.conf"
chmod 600 "$T_DIR/dead.conf"
DEAD=(--config "$T_DIR/dead.conf" --home "$T_DIR/dead-home")
at "${DEAD[@]}" chat join "not a jid"
check "server away: join 'not a jid' is still exit 1 ($rc $errout)" test "$rc" = 1
at "${DEAD[@]}" chat invite "room@$MUC_DOMAIN" "bad"
check "server away: invite of 'bad' is exit 1 ($rc $errout)" test "$rc" = 1
at "${DEAD[@]}" chat upload "$BOB" "$T_DIR/no-such-file"
check "server away: upload of a missing file is exit 2, naming it ($rc $errout)" \
	test "$rc" = 2 -a -n "$(grep -F no-such-file <<<"$errout")"
at "${DEAD[@]}" chat upload "$BOB" "$T_DIR"
check "server away: upload of a folder is exit 1 ($rc $errout)" test "$rc" = 1

# --- offline: the outbox ------------------------------------------------------------------------------
tests/servers/netfault --listen "127.0.0.1:$NF_PORT" --target "127.0.0.1:$XMPP_PORT" --control "$CTL" \
	--pidfile "$T_DIR/nf.pid" >"$T_DIR/nf.log" 2>&1 &
pids="$pids $!"
until_true 10 test -s "$T_DIR/nf.pid"
check "netfault refuses" tests/servers/netfault ctl "$CTL" refuse
at "${NF[@]}" chat send "$BOB" "$TAG queued one"
check "send with the server away: exit 3, still prints the id ($rc $out $errout)" test "$rc" = 3 -a -n "$out"
at "${NF[@]}" outbox list chat --json
check "the outbox lists it, queued ($out)" py "[e['state'] for e in j if '$TAG queued one' in e['summary']] == ['queued']" <<<"$out"
check "the history marks it queued" py "
[m['state'] for m in j if m['text'] == '$TAG queued one'] == ['queued']" <<<"$(hist "$BOB" --offline --limit 5)"
tests/servers/netfault ctl "$CTL" pass >/dev/null
at "${NF[@]}" chat sync
check "sync once the server is back: exit 0 ($out $errout)" test "$rc" = 0
check "bob's archive with alice has it exactly once" test "$(peer bob --timeout 60 archive alice | grep -cF "\"body\": \"$TAG queued one\"")" = 1
at "${NF[@]}" chat sync
check "another sync sends nothing more" test "$(peer bob --timeout 60 archive alice | grep -cF "\"body\": \"$TAG queued one\"")" = 1
check "the outbox is empty" py "j == []" <<<"$("$ATRIUM_BIN" "${A[@]}" outbox list chat --json 2>/dev/null)"

# --- a cut in the middle of chat tail --------------------------------------------------------------
nf_conns() { tests/servers/netfault ctl "$CTL" stats | sed -n 's/.*connections=\([0-9]*\).*/\1/p'; }
C0=$(nf_conns)
"$ATRIUM_BIN" "${NF[@]}" chat tail --json >"$T_DIR/tail.out" 2>"$T_DIR/tail.err" &
TAIL=$!
pids="$pids $TAIL"
check "tail connects" until_true 20 grep -q Connected "$T_DIR/tail.err"
peer bob send alice "$TAG before cut" >/dev/null
check "tail prints bob's message" until_true 10 grep -qF "$TAG before cut" "$T_DIR/tail.out"
tests/servers/netfault ctl "$CTL" drop >/dev/null
peer bob flood alice 3 --prefix "$TAG during cut" 2>/dev/null
tests/servers/netfault ctl "$CTL" pass >/dev/null
T0=$SECONDS
three_cut() { [ "$(grep -cF "$TAG during cut" "$T_DIR/tail.out")" -ge 3 ]; }
check "after the cut, within 20 s, tail prints the three" until_true 20 three_cut
echo "# the three came within $((SECONDS - T0)) s after pass"
C1=$(nf_conns)
check "tail connected again after the cut (connections through the proxy: $C0 before, $C1 after)" test "$((C1 - C0))" -ge 2
sleep 1
check "each once, in order" pyl "
[m['text'] for m in L if m['text'].startswith('$TAG during cut')] == ['$TAG during cut %d' % i for i in (1, 2, 3)]" <"$T_DIR/tail.out"
check "before cut printed once" test "$(grep -cF "$TAG before cut" "$T_DIR/tail.out")" = 1
kill -INT "$TAIL"
# a stop often comes twice (timeout(1) signals the child and then its group):
# more stops while tail closes must not kill the close
T0=$SECONDS
while kill -TERM "$TAIL" 2>/dev/null && [ $((SECONDS - T0)) -lt 10 ]; do :; done
wait "$TAIL"
check "SIGINT, then TERMs while it closes, end tail with exit 0" test $? = 0

# --- the catch-up's second connection cut under it ---------------------------------------------
# a long catch-up reads on a second connection (sess.c, reader_open); when that
# one is cut, the session asks for the page again: nothing lost, nothing twice
check "bob floods 2500 messages while alice is not connected" peerq bob --timeout 120 flood alice 2500 --prefix "$TAG rd"
LOG=$T_DIR/alice/atrium.log
R0=$(grep -c "reading the archive on a second connection" "$LOG")
# 50 ms a chunk: the second connection reads its 1,250 in about a second
# (measured: 0.8 ms a message), the time the cut needs to land while it reads
tests/servers/netfault ctl "$CTL" delay 50 >/dev/null
"$ATRIUM_BIN" "${NF[@]}" chat sync >"$T_DIR/rd.out" 2>&1 &
RD=$!
pids="$pids $RD"
reader_on() { [ "$(grep -c "reading the archive on a second connection" "$LOG")" -gt "$R0" ]; }
T0=$SECONDS
until reader_on || [ $((SECONDS - T0)) -ge 60 ]; do sleep 0.05; done
check "the catch-up opens its second connection" reader_on
check "the proxy cuts it (the newest connection)" tests/servers/netfault ctl "$CTL" drop-newest
wait "$RD"
check "the sync still ends with exit 0 ($(tr '\n' ' ' <"$T_DIR/rd.out"))" test $? = 0
tests/servers/netfault ctl "$CTL" pass >/dev/null
check "the log says the session took the archive's rest" grep -q "the second connection failed" "$LOG"
check "all 2500 stored, each once, in order" py "
[int(m['text'].split()[-1]) for m in j if m['text'].startswith('$TAG rd ')] == list(range(1, 2501))" \
	<<<"$(hist "$BOB" --limit 9000 --offline)"

# --- the catch-up's second connection cannot log in ------------------------------------------
# the reader logs in while the session goes on asking (sess.c, reader_ready);
# when its connect is refused the session reads the whole archive itself
check "bob floods 1500 messages while alice is not connected" peerq bob --timeout 90 flood alice 1500 --prefix "$TAG rf"
N0=$(grep -c "no second connection for the archive" "$LOG")
C0=$(nf_conns)
tests/servers/netfault ctl "$CTL" delay 50 >/dev/null
"$ATRIUM_BIN" "${NF[@]}" chat sync >"$T_DIR/rf.out" 2>&1 &
RF=$!
pids="$pids $RF"
# the session's connection is accepted; from then on the proxy refuses
T0=$SECONDS
until [ "$(nf_conns)" -gt "$C0" ] || [ $((SECONDS - T0)) -ge 30 ]; do sleep 0.02; done
check "the session connects through the proxy" test "$(nf_conns)" -gt "$C0"
check "then the proxy refuses new connections" tests/servers/netfault ctl "$CTL" refuse
wait "$RF"
check "the sync ends with exit 0 ($(tr '\n' ' ' <"$T_DIR/rf.out"))" test $? = 0
tests/servers/netfault ctl "$CTL" pass >/dev/null
check "the log says the second connection could not log in" \
	test "$(grep -c "no second connection for the archive" "$LOG")" -gt "$N0"
check "all 1500 stored, each once, in order" py "
[int(m['text'].split()[-1]) for m in j if m['text'].startswith('$TAG rf ')] == list(range(1, 1501))" \
	<<<"$(hist "$BOB" --limit 12000 --offline)"

# --- Prosody restarted: skipped -------------------------------------------------------------------
# tests/servers/down stops every service of DIR, and stopping Prosody alone
# (its pid file, then `up`) would cut every other script and client using the
# shared servers at the same time. The server-away case is covered above
# through netfault (refuse, then pass).
echo "ok $((t_n + 1)) - Prosody restarted # SKIP the servers are shared with concurrent runs"
t_n=$((t_n + 1))

# --- refused: password, CA, pin ----------------------------------------------------------------------
O=(--home "$T_DIR/other")
at --config "$(mkcfg badpw "password=wrong-$TAG")" "${O[@]}" chat sync
check "a wrong password: exit 4, says password ($rc $errout)" test "$rc" = 4 -a -n "$(grep -i password <<<"$errout")"
at --config "$(mkcfg badca "ca_file=$S/ca/rogue.pem")" "${O[@]}" chat sync
check "a CA that did not sign the server: exit 4, says certificate ($rc $errout)" test "$rc" = 4 -a -n "$(grep -i certificate <<<"$errout")"
at --config "$(mkcfg badpin "pin=sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")" "${O[@]}" chat sync
check "a pin that does not match: exit 4, names the server's key ($rc $errout)" test "$rc" = 4 -a -n "$(grep -i 'key' <<<"$errout")"

# --- upload ---------------------------------------------------------------------------------------
/usr/bin/python3 -c "import os,sys; sys.stdout.buffer.write(os.urandom(70000))" >"$T_DIR/blob $TAG.bin"
listen up --count 1 --from "$ALICE_JID" --contains "https://" >/dev/null
at "${A[@]}" chat upload "$BOB" "$T_DIR/blob $TAG.bin"
check "upload: exit 0 ($rc $out $errout)" test "$rc" = 0
lwait up
URL=$(/usr/bin/python3 -c "import json,sys; print(json.loads(sys.stdin.readline())['body'])" <"$T_DIR/up.out" 2>/dev/null)
check "bob got an https link ($URL)" grep -q '^https://' <<<"$URL"
curl -sS --cacert "$CA_FILE" -o "$T_DIR/fetched" "$URL" 2>"$T_DIR/curl.err"
check "the link serves the file byte for byte" cmp -s "$T_DIR/fetched" "$T_DIR/blob $TAG.bin"

# --- search ------------------------------------------------------------------------------------
peer bob send alice "$TAG 今年的预算已经批准了" >/dev/null
"$ATRIUM_BIN" "${A[@]}" chat sync >/dev/null 2>&1
at "${A[@]}" chat search "$TAG 预算" --offline --json
check "search --offline finds a Chinese word inside a sentence ($out)" py "
[m['text'] for m in j] == ['$TAG 今年的预算已经批准了']" <<<"${out:-[]}"
at "${A[@]}" chat search "$TAG 火车" --offline --json
check "and not a word never sent ($rc $out)" test "$rc" = 0 -a "$(tr -d ' \n' <<<"$out")" = "[]"

# --- presence -------------------------------------------------------------------------------------
at "${A[@]}" chat presence away "in a meeting"
check "presence away with a text: exit 0 ($errout)" test "$rc" = 0
# chat_peer.py reports no one's presence: what bob sees is not checked here
echo "ok $((t_n + 1)) - bob sees alice away # SKIP chat_peer.py cannot observe presence"
t_n=$((t_n + 1))

# --- a message the server refuses does not hold up the next ones ------------------------------
# (last: its failed entry stays in this home's outbox)
at "${A[@]}" chat send "int-$$-nosuch@$MUC_DOMAIN" "$TAG to nowhere"
check "a message to a room that does not exist: refused, not queued ($rc $errout)" test "$rc" != 0 -a "$rc" != 3
at "${A[@]}" chat send "$BOB" "$TAG after the refused one"
check "the next message to bob is sent: exit 0 ($rc $errout)" test "$rc" = 0
check "bob's archive has it once" test "$(peer bob --timeout 60 archive alice | grep -cF "\"body\": \"$TAG after the refused one\"")" = 1

echo "1..$t_n"
t_done
