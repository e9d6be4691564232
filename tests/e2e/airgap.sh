#!/bin/bash
# airgap.sh - a day in an air-gapped lab (issue 9), end to end: alice syncs
# mail, chat and the team share, then the servers become unreachable (her
# atrium reaches them only through tests/servers/netfault proxies, which
# now refuse every connection). Offline she reads a mail and replies,
# writes a new mail with an attachment, posts in a room and to bob, edits a
# document and a workbook of the share that bob edits on the server
# meanwhile, and searches mail and chat. She quits the screen and starts it
# again, still offline: what is queued is still there. Then the proxies
# pass again: every queued action lands exactly once, in order; the edits
# merge; the one real conflict (a cell both changed) is shown with both
# sides; nothing is lost. What the servers hold is checked with tools of
# their own (imaplib, chat_peer.py, curl), not with atrium.
# Uses the shared test servers in $ATRIUM_TEST_SERVERS (tests/run starts
# them). Ports: the servers' port base +60..+63 (one netfault per service).
set -u
cd "$(dirname "$0")/../.." || exit 1
ATRIUM_BIN=${ATRIUM_BIN:-$PWD/atrium}
S=${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}
. tests/tui/tmux.lib # T_DIR, tmux helpers, ok/not_ok/check (screen on failure)
set -a
. "$S/env"
set +a
export ATRIUM_TEST_SERVERS=$S

M=airgap$$x$RANDOM # in every subject, text and path of this run
D=airgap-$$ # folder on the share
ROOM=airgap-$$@$MUC_DOMAIN
BOX=airgap-$$ # alice's mail folder, empty at the first sync
W=200 # the status line names every service and the queued count
H=30
pids=
services="imap smtp xmpp dav"
declare -A target=([imap]=$IMAPS_PORT [smtp]=$SUBMISSIONS_PORT [xmpp]=$XMPP_PORT [dav]=$DAV_PORT)
declare -A port=([imap]=$((ATRIUM_PORT_BASE + 60)) [smtp]=$((ATRIUM_PORT_BASE + 61))
	[xmpp]=$((ATRIUM_PORT_BASE + 62)) [dav]=$((ATRIUM_PORT_BASE + 63)))

cleanup() {
	local p
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	curl -sS --max-time 10 --cacert "$CA_FILE" -u "bob:$BOB_PASSWORD" -X DELETE \
		-o /dev/null "$DAV_URL$D/" 2>/dev/null
	imap alice rmbox "$BOX" >/dev/null 2>&1
	t_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# at ARGS... : alice's atrium; stdout, stderr, exit code in $out, $errout, $rc
at() {
	out=$("$ATRIUM_BIN" "${A[@]}" "$@" 2>"$T_DIR/stderr") && rc=0 || rc=$?
	errout=$(tr '\n' ' ' <"$T_DIR/stderr" | cut -c1-300)
}
# JSON checks: py 'python expression on j' <<< JSON
py() { python3 -c "import json, sys; j = json.load(sys.stdin); sys.exit(0 if ($1) else 1)" 2>/dev/null; }
# jq-ish: print a python expression on j
pyv() { python3 -c "import json, sys; j = json.load(sys.stdin); print($1)" 2>/dev/null; }
peer() { /usr/bin/python3 -B tests/integration/chat_peer.py "$S" "$@"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
nf() { tests/servers/netfault ctl "$T_DIR/$1.ctl" "$2" >"$T_DIR/ctl.out" 2>&1; }
all_nf() { local s; for s in $services; do nf "$s" "$1" || return 1; done; }
poll() { # seconds command...
	local i limit=$(($1 * 10))
	shift
	for ((i = 0; i < limit; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# --- bob, the other side (straight to the servers) ---------------------------------
bcurl() { curl -sS --max-time 15 --cacert "$CA_FILE" -u "bob:$BOB_PASSWORD" "$@"; }
bput() { bcurl -T "$1" -o /dev/null -w '%{http_code}' "$DAV_URL$2"; }
# srv PATH FILE : the server's bytes of PATH into FILE
srv() { bcurl -o "$2" "$DAV_URL$1"; }
B=(--config "$BOB_CONFIG" --home "$T_DIR/bob-home")

# imap USER WHAT ARGS... : a look at Dovecot with imaplib (implicit TLS).
#   count BOX HEADER VALUE    messages whose HEADER contains VALUE
#   uids BOX SUBJECT          their UIDs, in order, one a line
#   flags BOX SUBJECT         the flags of the first
#   att BOX SUBJECT           sha256 and name of each attachment
#   mkbox BOX, rmbox BOX, append BOX FILE
imap() {
	python3 - "$@" <<'PY'
import email, hashlib, imaplib, os, ssl, sys
user, what, box = sys.argv[1], sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=os.environ["CA_FILE"])
m = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS_PORT"]), ssl_context=ctx)
m.login(os.environ[user.upper() + "_EMAIL"], os.environ[user.upper() + "_PASSWORD"])
if what not in ("mkbox", "rmbox", "append"):
	m.select(box, readonly=True)
def search(header, value):
	m.literal = value.encode()
	typ, d = m.uid("SEARCH", "CHARSET", "UTF-8", "HEADER", header)
	return [int(x) for x in d[0].split()]
if what == "count":
	print(len(search(sys.argv[4], sys.argv[5])))
elif what == "uids":
	print("\n".join(str(u) for u in sorted(search("Subject", sys.argv[4]))))
elif what == "flags":
	u = search("Subject", sys.argv[4])
	typ, d = m.uid("FETCH", str(u[0]), "(FLAGS)")
	print(d[0].decode())
elif what == "mkbox":
	m.create(box)
elif what == "rmbox":
	m.delete(box)
elif what == "append":
	m.append(box, None, None, open(sys.argv[4], "rb").read().replace(b"\n", b"\r\n"))
elif what == "att":
	for u in search("Subject", sys.argv[4]):
		typ, d = m.uid("FETCH", str(u), "(BODY.PEEK[])")
		msg = email.message_from_bytes(d[0][1])
		for p in msg.walk():
			if p.get_filename():
				print(hashlib.sha256(p.get_payload(decode=True)).hexdigest(), p.get_filename())
m.logout()
PY
}

# --- setup: proxies and alice's configuration -----------------------------------------
for s in $services; do
	port_open "${port[$s]}" && { echo "not ok 1 - port ${port[$s]} (base +60..+63) is already in use"; exit 1; }
done
for s in $services; do
	tests/servers/netfault --listen "127.0.0.1:${port[$s]}" --target "127.0.0.1:${target[$s]}" \
		--control "$T_DIR/$s.ctl" --pidfile "$T_DIR/$s.pid" 2>>"$T_DIR/nf.err" &
	pids="$pids $!"
done
proxies_up() { local s; for s in $services; do [ -s "$T_DIR/$s.pid" ] || return 1; done; }
check "four netfault proxies (IMAP, submission, XMPP, WebDAV) are up" poll 10 proxies_up

# alice's config with every server behind its proxy; a short [files]
# timeout and a small first chat catch-up keep the run short
CFG=$T_DIR/alice.conf
awk -v imap="imaps://127.0.0.1:${port[imap]}" -v smtp="smtps://127.0.0.1:${port[smtp]}" \
	-v xmpp="127.0.0.1:${port[xmpp]}" -v dav="https://127.0.0.1:${port[dav]}/dav/team/" '
	/^\[/ { sec = $0 }
	sec == "[mail]" && /^imap[ \t]*=/ { print "imap = " imap; next }
	sec == "[mail]" && /^smtp[ \t]*=/ { print "smtp = " smtp; next }
	sec == "[chat]" && /^server[ \t]*=/ { print "server = " xmpp; next }
	sec == "[files]" && /^url[ \t]*=/ { print "url = " dav; next }
	{ print }
	$0 == "[chat]" { print "history = 20" }
	$0 == "[files]" { print "timeout = 5" }' "$ALICE_CONFIG" >"$CFG"
chmod 600 "$CFG"
HOME_A=$(mktemp -d "$T_DIR/home.XXXXXX")
A=(--config "$CFG" --home "$HOME_A")
mkdir -p "$T_DIR/bob-home"
check "alice's config names only the proxies' ports" eval \
	'! grep -qE ":($IMAPS_PORT|$SUBMISSIONS_PORT|$XMPP_PORT|$DAV_PORT)\\b" "$CFG" &&
	[ "$(grep -cE ":(${port[imap]}|${port[smtp]}|${port[xmpp]}|${port[dav]})\\b" "$CFG")" = 4 ]'

# --- morning, online: what there is to sync ---------------------------------------------
# bob's mail to alice, his messages in a fresh room and to her, the share's
# document and workbook
printf 'Hello alice,\nthe kumquat%s figures are attached below.\n' "$M" >"$T_DIR/bob-mail.txt"
"$ATRIUM_BIN" "${B[@]}" mail send --to "$ALICE_EMAIL" --subject "$M plan for today" \
	<"$T_DIR/bob-mail.txt" >"$T_DIR/bob-send.out" 2>&1
alice_has_plan() { [ "$(imap alice count INBOX Subject "$M plan")" = 1 ]; }
check "bob's mail to alice is delivered to her INBOX" poll 30 alice_has_plan

peer alice create-room "airgap-$$" --members bob >"$T_DIR/room.out" 2>&1
check "the room $ROOM is created" test $? = 0
peer bob send "$ROOM" "bob in the room: mango$M" --type groupchat >/dev/null 2>&1
peer bob send "$ALICE_JID" "bob to alice: papaya$M" >/dev/null 2>&1

mkcol=$(bcurl -X MKCOL -o /dev/null -w '%{http_code}' "$DAV_URL$D/")
check "bob makes the folder $D/ on the share (MKCOL $mkcol)" test "$mkcol" = 201
lines() { printf '%s\n' "$@"; }
lines "# Lab plan $M" "Step 1: calibrate" "Step 2: measure" "Step 3: record" \
	"Step 4: review" "Step 5: archive" >"$T_DIR/doc.base"
printf 'item,qty,price\nbeaker,10,2.5\nflask,4,7\npipette,30,0.4\nburette,2,19\n' >"$T_DIR/sheet.csv"
"$ATRIUM_BIN" "${B[@]}" sheets convert "$T_DIR/sheet.csv" "$T_DIR/sheet.base.xlsx" >/dev/null 2>&1
check "the workbook is made (atrium sheets convert)" test -s "$T_DIR/sheet.base.xlsx"
check "bob puts the document and the workbook on the share" \
	test "$(bput "$T_DIR/doc.base" "$D/plan.md")$(bput "$T_DIR/sheet.base.xlsx" "$D/stock.xlsx")" = 201201

imap alice mkbox "$BOX"
check "alice's empty folder $BOX is made on the server" test "$(imap alice count "$BOX" Subject x)" = 0

# alice syncs everything through the proxies
# (one folder at a time: other tests make and drop folders of alice's)
msync() { # mail sync --folder for INBOX, Sent and $BOX; exit codes in $mrcs
	local f
	mrcs=
	merr=
	for f in INBOX Sent "$BOX"; do
		at mail sync --folder "$f"
		mrcs="$mrcs$rc"
		[ "$rc" = 0 ] || merr="$merr $f: $errout"
	done
}
msync
check "alice: mail sync of INBOX, Sent and $BOX through the proxy exits 0 ($mrcs:$merr)" test "$mrcs" = 000
at mail list --json
ORIG=$(pyv "[m['id'] for m in j if '$M plan' in (m['subject'] or '')][0]" <<<"$out")
ORIG_MID=$(pyv "[m['message_id'] for m in j if '$M plan' in (m['subject'] or '')][0]" <<<"$out")
check "... bob's mail is in her cache (id ${ORIG:-none})" test -n "$ORIG"
at chat join "$ROOM"
check "alice joins the room ($rc: $errout)" test "$rc" = 0
at chat sync
check "alice: chat sync exits 0 ($rc: $errout)" test "$rc" = 0
at chat history "$BOB_JID" --json --offline
check "... bob's message to her is in the store" py "any('papaya$M' in (m['text'] or '') for m in j)" <<<"$out"
at chat history "$ROOM" --json --offline
check "... and his message in the room" py "any('mango$M' in (m['text'] or '') for m in j)" <<<"$out"
at files ls
at files ls "$D"
check "alice lists the share and the folder ($rc: $errout)" \
	eval '[ "$rc" = 0 ] && grep -qF "$D/stock.xlsx" <<<"$out"'
at files get "$D/plan.md" -o "$T_DIR/plan.md"
check "alice fetches the document ($rc: $errout)" cmp -s "$T_DIR/plan.md" "$T_DIR/doc.base"
at files get "$D/stock.xlsx" -o "$T_DIR/stock.xlsx"
check "alice fetches the workbook ($rc: $errout)" cmp -s "$T_DIR/stock.xlsx" "$T_DIR/sheet.base.xlsx"

# --- the air gap ----------------------------------------------------------------------------
check "the proxies refuse every connection now" all_nf refuse
all_closed() { local s; for s in $services; do ! port_open "${port[$s]}" || return 1; done; }
check "... none of the four ports accepts a connection" all_closed

# read mail and reply
at mail read "$ORIG"
check "offline: mail read shows bob's mail from the cache ($rc: $errout)" \
	eval '[ "$rc" = 0 ] && grep -qF "kumquat$M" <<<"$out"'
printf 'Thanks bob, will do: reply%s.\n' "$M" >"$T_DIR/reply.txt"
at mail reply "$ORIG" --json <"$T_DIR/reply.txt"
REPLY_MID=$(pyv "j['message_id']" <<<"$out")
check "offline: mail reply is queued (exit 3, got $rc: $errout)" test "$rc" = 3
check "... and names its Message-ID (${REPLY_MID:-none})" test -n "$REPLY_MID"

# a new mail with an attachment (binary, every byte value)
python3 -c 'import os, sys; sys.stdout.buffer.write(bytes(range(256)) * 64 + os.urandom(5000))' \
	>"$T_DIR/results-$M.bin"
ATT_SUM=$(sha256sum <"$T_DIR/results-$M.bin" | cut -d' ' -f1)
printf 'The results of today, attached: newmail%s.\n' "$M" >"$T_DIR/new.txt"
at mail send --to "$BOB_EMAIL" --subject "$M results" --attach "$T_DIR/results-$M.bin" --json <"$T_DIR/new.txt"
NEW_MID=$(pyv "j['message_id']" <<<"$out")
check "offline: mail send --attach is queued (exit 3, got $rc: $errout)" test "$rc" = 3
check "... and names its Message-ID (${NEW_MID:-none})" test -n "$NEW_MID"

# post in the room and to bob, interleaved: room 1, bob 1, room 2, bob 2
CHAT_ORDER="room:first post $M|bob:first note $M|room:second post $M|bob:second note $M"
IFS='|' read -ra chat_items <<<"$CHAT_ORDER"
crcs=
for item in "${chat_items[@]}"; do
	to=${item%%:*}
	[ "$to" = room ] && to=$ROOM || to=$BOB_JID
	at chat send "$to" "${item#*:}"
	crcs="$crcs$rc"
done
check "offline: four chat messages (room, bob, room, bob) are queued (exits $crcs)" test "$crcs" = 3333
at chat history "$ROOM" --json --offline
check "... the room's history shows its two marked queued" \
	py "[m['text'] for m in j if m.get('state') == 'queued' and '$M' in m['text']] == ['first post $M', 'second post $M']" <<<"$out"

# edit the document: one line bob does not touch
"$ATRIUM_BIN" "${A[@]}" docs replace "$T_DIR/plan.md" "Step 2: measure" "Step 2: measure twice (alice)" \
	>/dev/null 2>&1
lines "# Lab plan $M" "Step 1: calibrate" "Step 2: measure twice (alice)" "Step 3: record" \
	"Step 4: review" "Step 5: archive" >"$T_DIR/doc.alice"
check "offline: docs replace edits alice's copy of the document" cmp -s "$T_DIR/plan.md" "$T_DIR/doc.alice"
at files put "$T_DIR/plan.md" "$D/plan.md"
check "offline: files put of the document is queued (exit 3, got $rc: $errout)" test "$rc" = 3

# edit the workbook: B2 (bob leaves it) and C4 (bob changes it too)
cp "$T_DIR/stock.xlsx" "$T_DIR/stock.alice.xlsx"
"$ATRIUM_BIN" "${A[@]}" sheets set "$T_DIR/stock.alice.xlsx" B2 12 >/dev/null 2>&1 &&
	"$ATRIUM_BIN" "${A[@]}" sheets set "$T_DIR/stock.alice.xlsx" C4 0.45 >/dev/null 2>&1
check "offline: sheets set changes B2 and C4 of alice's copy" test $? = 0
at files put "$T_DIR/stock.alice.xlsx" "$D/stock.xlsx"
check "offline: files put of the workbook is queued (exit 3, got $rc: $errout)" test "$rc" = 3

# meanwhile bob, on the server: the document's last line; the workbook's B5
# and C4
lines "# Lab plan $M" "Step 1: calibrate" "Step 2: measure" "Step 3: record" \
	"Step 4: review" "Step 5: archive and sign (bob)" >"$T_DIR/doc.bob"
cp "$T_DIR/sheet.base.xlsx" "$T_DIR/stock.bob.xlsx"
"$ATRIUM_BIN" "${B[@]}" sheets set "$T_DIR/stock.bob.xlsx" B5 3 >/dev/null 2>&1
"$ATRIUM_BIN" "${B[@]}" sheets set "$T_DIR/stock.bob.xlsx" C4 0.5 >/dev/null 2>&1
check "bob changes both on the server meanwhile" \
	test "$(bput "$T_DIR/doc.bob" "$D/plan.md")$(bput "$T_DIR/stock.bob.xlsx" "$D/stock.xlsx")" = 204204

# and mail keeps coming: bob's to the INBOX, a filed one into the folder
# that was empty
"$ATRIUM_BIN" "${B[@]}" mail send --to "$ALICE_EMAIL" --subject "$M while you were away" \
	<<<"sent while alice was offline" >/dev/null 2>&1
printf 'From: Lab robot <robot@example.test>\nTo: %s\nSubject: %s filed\nMessage-ID: <filed-%s@example.test>\nDate: %s\n\nfiled while alice was offline\n' \
	"$ALICE_EMAIL" "$M" "$M" "$(date -R)" >"$T_DIR/filed.eml"
imap alice append "$BOX" "$T_DIR/filed.eml"
check "mail arrives on the server meanwhile (INBOX and $BOX)" \
	test "$(imap alice count "$BOX" Subject "$M filed")" = 1

# search while offline
at mail search "kumquat$M" --offline --json
check "offline: mail search finds bob's mail by a word of its text" \
	py "[m['message_id'] for m in j] == ['$ORIG_MID']" <<<"$out"
at mail search "subject:$M" --offline --json
check "offline: mail search subject: finds bob's mail once" \
	py "[m['message_id'] for m in j].count('$ORIG_MID') == 1" <<<"$out"
# not asserted (no document says it): whether the mails waiting in the
# outbox are found too; chat search finds its queued messages
echo "# offline subject: search found $(pyv "len(j)" <<<"$out") mail(s): $(pyv "[m['subject'] for m in j]" <<<"$out")"
at mail search "is:answered kumquat$M" --offline --json
check "offline: mail search is:answered finds bob's mail (the reply marked it at once)" \
	py "[m['message_id'] for m in j] == ['$ORIG_MID']" <<<"$out"
at chat search "papaya$M" --offline --json
check "offline: chat search finds bob's message to alice" \
	py "len(j) == 1 and 'bob to alice: papaya$M' == j[0]['text']" <<<"$out"
at chat search "post $M" --offline --json
check "offline: chat search finds the two queued room posts" \
	py "sorted(m['text'] for m in j) == ['first post $M', 'second post $M']" <<<"$out"

# --- the screen: quit and start again, still offline ------------------------------------------
at outbox list --json
outbox_before=$out
# by service, in the order queued: the reply (and its answered flag), the
# new mail; the four chat messages; the two uploads
outbox_seq() { pyv "' '.join(e['service'] + ':' + e['state'] for e in j)" <<<"$1"; }
echo "# outbox: $(pyv "[(e['service'], e['kind'], e['summary']) for e in j]" <<<"$out")"
check "the outbox lists the queued work, in order ($(outbox_seq "$out"))" \
	py "[e['service'] for e in j if e['kind'] != 'flags'] == ['mail'] * 2 + ['chat'] * 4 + ['files'] * 2 and
		all(w in e['summary'] for w, e in zip(['Re: $M plan', '$M results', 'first post', 'first note',
			'second post', 'second note', '$D/plan.md', '$D/stock.xlsx'], [e for e in j if e['kind'] != 'flags'])) and
		[e['state'] for e in j] == ['queued'] * len(j)" <<<"$outbox_before"
run="$ATRIUM_BIN --config $CFG --home $HOME_A"
quit() { keys C-q; atrium_gone; }
status_row() { row $((H - 2)); }
conv_part() { screen | sed 's/^[^│]*│//'; }
conv_title() { row 1 | sed 's/^[^│]*│//'; }
title_is_room() { conv_title | grep -qF " $ROOM"; }
open_room() {
	local i
	keys g
	for ((i = 0; i < 20; i++)); do
		keys Enter
		poll 1 title_is_room && return 0
		keys q j
	done
	return 1
}
# the status line's count of queued work: all of the outbox
all_queued() {
	local n
	n=$("$ATRIUM_BIN" "${A[@]}" outbox list --json 2>/dev/null | pyv 'len(j)')
	status_row | grep -qE "│ $n queued │"
}
third_queued() { conv_part | grep -F "third post $M" | grep -qF "(queued)"; }
room_queued() { conv_part | grep -F "second post $M" | grep -qF "(queued)"; }
# the Files tab's rows: name (folders end in /), size, modified, state; the
# selected one is drawn black on white (ESC[47m then two columns of indent)
name_row() { screen | awk -v n="$1" 'NR > 2 && $1 == n { print NR - 1; exit }'; }
sel_row() {
	tmx capture-pane -p -e -t t | grep -n $'\e\\[47m  [^ ]' |
		awk -F: '$1 > 2 { print $1 - 1; exit }'
}
select_item() { # NAME : move the cursor (j/k) onto it
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
entry_is() { # NAME FIELD VALUE [seconds] : the entry shows FIELD (4: state) = VALUE
	local i limit=$(( ${4:-5} * 50 ))
	for ((i = 0; i < limit; i++)); do
		screen | awk -v n="$1" -v f="$2" -v v="$3" \
			'NR > 2 && $1 == n && $f == v { ok = 1 } END { exit !ok }' && return 0
		sleep 0.02
	done
	return 1
}
open_folder() { select_item "$D/" && keys Enter; }
# the screen runs with the sanitizers' reports (under make sanitize) in files
SAN_ENV="ASAN_OPTIONS=detect_leaks=1:log_path=$T_DIR/san UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$T_DIR/san"
no_san_report() { ! ls "$T_DIR"/san.* >/dev/null 2>&1; }
tui_start() {
	t_session $W $H $SAN_ENV
	type_text "$run"
	keys Enter
}
tui_round() { # N
	tui_start
	check "screen $1: the Mail tab opens offline (servers refused)" wait_for "1 Mail" 15
	check "screen $1: the status line counts everything queued (as atrium outbox list)" poll 15 all_queued
	keys M-2
	check "screen $1: the Chat tab lists the room" wait_for "airgap-$$" 15
	check "screen $1: the room shows the second post (queued)" eval 'open_room && poll 10 room_queued'
	if [ "$1" = 1 ]; then
		keys i
		type_text "third post $M"
		keys Enter
		check "screen 1: a third post typed offline shows (queued)" poll 10 third_queued
		check "screen 1: ... and the status line counts it" poll 10 all_queued
		keys Escape # leave the line; a key right after Esc would be Alt-key
		sleep 0.5
	else
		check "screen 2: the third post typed before the restart is still (queued)" poll 10 third_queued
	fi
	keys M-5
	check "screen $1: the Files tab shows the document queued" \
		eval 'entry_is "$D/" 2 - 15 && open_folder && entry_is plan.md 4 queued 10'
	check "screen $1: ... and the workbook queued" entry_is stock.xlsx 4 queued 5
	check "screen $1: Ctrl-Q quits" quit
	# never leave it running: it would replay the outbox once the link is back
	[ -n "$(atrium_pid)" ] && kill "$(atrium_pid)" && atrium_gone
	check "screen $1: no sanitizer report" no_san_report
}
tui_round 1
tui_round 2
CHAT_ORDER="$CHAT_ORDER|room:third post $M"
at outbox list --json
check "after the restarts the outbox holds the same entries and the third post" \
	py "len(j) == $(pyv 'len(j)' <<<"$outbox_before") + 1" <<<"$out"
check "nothing reached a server while offline: bob has no reply, no results mail" \
	test "$(imap bob count INBOX Message-ID "$REPLY_MID")$(imap bob count INBOX Message-ID "$NEW_MID")" = 00

# --- reconnect ----------------------------------------------------------------------------------
# bob listens for alice's messages to him before the link comes back
peer bob --timeout 120 listen --count 10 --from "$ALICE_JID" --contains "note $M" \
	>"$T_DIR/dm.out" 2>"$T_DIR/dm.err" &
listen_pid=$!
pids="$pids $listen_pid"
check "bob's listener is online" poll 20 grep -qs READY "$T_DIR/dm.err"
check "the proxies pass again" all_nf pass

msync
check "back online: mail sync of INBOX, Sent and $BOX exits 0 ($mrcs:$merr)" test "$mrcs" = 000
at chat sync
check "back online: chat sync exits 0 ($rc: $errout)" test "$rc" = 0
at files sync
sync_out=$out
check "back online: files sync exits 5, the workbook's conflict waits ($rc: $errout)" test "$rc" = 5

# mail: exactly once, in order, attachment intact
mail_once() { [ "$(imap bob count INBOX Message-ID "$1")" = 1 ]; }
check "the reply reaches bob's INBOX" poll 30 mail_once "$REPLY_MID"
check "the new mail reaches bob's INBOX" poll 30 mail_once "$NEW_MID"
sleep 2
check "... each exactly once (reply $(imap bob count INBOX Message-ID "$REPLY_MID"), new $(imap bob count INBOX Message-ID "$NEW_MID"))" \
	test "$(imap bob count INBOX Message-ID "$REPLY_MID")$(imap bob count INBOX Message-ID "$NEW_MID")" = 11
check "... and one copy of each in alice's Sent" \
	test "$(imap alice count Sent Message-ID "$REPLY_MID")$(imap alice count Sent Message-ID "$NEW_MID")" = 11
sent_order() {
	local r n
	r=$(imap alice uids Sent "Re: $M plan")
	n=$(imap alice uids Sent "$M results")
	[ -n "$r" ] && [ -n "$n" ] && [ "$r" -lt "$n" ]
}
check "... sent in the order queued (the reply's Sent UID before the new mail's)" sent_order
check "... the reply is threaded on bob's mail (In-Reply-To)" \
	test "$(imap bob count INBOX In-Reply-To "$ORIG_MID")" = 1
check "... the attachment's bytes are intact (sha256)" \
	test "$(imap bob att INBOX "$M results")" = "$ATT_SUM results-$M.bin"
check "... bob's mail is marked answered on the server" grep -qF '\Answered' <(imap alice flags INBOX "$M plan")

at mail list --json
check "nothing lost: the mail bob sent while she was offline is in alice's inbox" \
	py "[m['subject'] for m in j].count('$M while you were away') == 1" <<<"$out"
at mail list --folder "$BOX" --json
check "... and the one filed into the folder that was empty" \
	py "[m['subject'] for m in j] == ['$M filed']" <<<"$out"

# chat: each once, in order
room_archive() { peer bob archive "$ROOM" >"$T_DIR/room.json" 2>"$T_DIR/room.err"; }
check "the room's archive is read" room_archive
room_posts=$(python3 -c 'import json, sys
print("|".join(json.loads(l)["body"] for l in open(sys.argv[1]) if sys.argv[2] in (json.loads(l)["body"] or "")))' \
	"$T_DIR/room.json" "post $M")
check "the room has each post exactly once, in the order queued ($room_posts)" \
	test "$room_posts" = "first post $M|second post $M|third post $M"
dm_two() { [ "$(wc -l <"$T_DIR/dm.out")" -ge 2 ]; }
poll 20 dm_two
sleep 3 # a duplicate would come now
kill "$listen_pid" 2>/dev/null
wait "$listen_pid" 2>/dev/null
dms=$(python3 -c 'import json, sys
print("|".join(json.loads(l)["body"] for l in open(sys.argv[1])))' "$T_DIR/dm.out")
check "bob gets each note exactly once, in the order queued ($dms)" \
	test "$dms" = "first note $M|second note $M"
at chat history "$ROOM" --json --offline
check "alice's store: no message of hers is still queued" \
	py "not [m for m in j if m.get('state') == 'queued']" <<<"$out"

# files: the document merged, the workbook's one conflict shown with both sides
lines "# Lab plan $M" "Step 1: calibrate" "Step 2: measure twice (alice)" "Step 3: record" \
	"Step 4: review" "Step 5: archive and sign (bob)" >"$T_DIR/doc.both"
srv "$D/plan.md" "$T_DIR/plan.srv"
check "the document on the server has both edits, merged" cmp -s "$T_DIR/plan.srv" "$T_DIR/doc.both"
check "files sync names the document before the workbook (the order queued)" \
	eval '[ "$(grep -nF "plan.md" <<<"$sync_out" | head -1 | cut -d: -f1)" -lt \
		"$(grep -nF "stock.xlsx" <<<"$sync_out" | head -1 | cut -d: -f1)" ]'
srv "$D/stock.xlsx" "$T_DIR/stock.srv.xlsx"
check "the workbook in conflict is not overwritten: the server keeps bob's" \
	cmp -s "$T_DIR/stock.srv.xlsx" "$T_DIR/stock.bob.xlsx"
at files status --json
check "files status shows the workbook in conflict, nothing else pending" \
	py "[(p['path'], p['state']) for p in j['pending']] == [('$D/stock.xlsx', 'conflict')]" <<<"$out"
at files merged "$D/stock.xlsx" --json -o "$T_DIR/stock.merged.xlsx"
check "files merged shows the one disputed cell, C4, with base, alice's and bob's values" \
	py "[(c['cell'], float(c['base']), float(c['local']), float(c['remote'])) for c in j] == [('C4', 0.4, 0.45, 0.5)]" <<<"$out"
mv_vals() { "$ATRIUM_BIN" "${B[@]}" sheets get "$1" B2:C5 2>/dev/null | tr '\t\n' ',;'; }
check "... and the merge keeps both clean edits: alice's B2 12, bob's B5 3" \
	test "$(mv_vals "$T_DIR/stock.merged.xlsx")" = "12,2.5;4,7;30,0.45;3,19;"
at files get "$D/stock.xlsx" -o "$T_DIR/stock.kept.xlsx"
check "nothing lost: files get still gives alice's version of the workbook" \
	test "$(mv_vals "$T_DIR/stock.kept.xlsx")" = "12,2.5;4,7;30,0.45;2,19;"
tui_start
keys M-5
check "the Files tab (online) shows the workbook in conflict" \
	eval 'entry_is "$D/" 2 - 15 && open_folder && entry_is stock.xlsx 4 conflict 10'
select_item stock.xlsx
keys Enter
check "... Enter lists the one disputed cell with both sides" \
	wait_for "C4  base: 0.4  yours: 0.45  server: 0.5" 10
keys Escape
sleep 0.5
check "... Esc goes back without a change; Ctrl-Q quits" quit
[ -n "$(atrium_pid)" ] && kill "$(atrium_pid)" && atrium_gone
check "... no sanitizer report" no_san_report
at files resolve "$D/stock.xlsx" --take merged --cell C4=remote
check "resolve --take merged --cell C4=remote exits 0 ($rc: $errout)" test "$rc" = 0
srv "$D/stock.xlsx" "$T_DIR/stock.final.xlsx"
check "... the server's workbook has alice's B2, bob's B5 and bob's C4" \
	test "$(mv_vals "$T_DIR/stock.final.xlsx")" = "12,2.5;4,7;30,0.5;3,19;"
at files status --json
check "... and nothing is pending" py "j['pending'] == []" <<<"$out"

# exactly once on the share too: Apache's log of PUTs done (2xx)
ACCESS_LOG=$S/log/apache-access.log
puts() { grep -cE "\"PUT /dav/team/$D/$1 HTTP/[0-9.]+\" 20" "$ACCESS_LOG"; }
check "the document went up once (PUTs: bob 2, alice 1; logged $(puts plan.md))" test "$(puts plan.md)" = 3
check "the workbook went up once, resolved (PUTs: bob 2, alice 1; logged $(puts stock.xlsx))" \
	test "$(puts stock.xlsx)" = 3

# a second round sends nothing again
msync
at chat sync
at files sync
sleep 2
counts() {
	echo "$(imap bob count INBOX Message-ID "$REPLY_MID")$(imap bob count INBOX Message-ID "$NEW_MID")" \
		"$(imap alice count Sent Message-ID "$REPLY_MID")$(imap alice count Sent Message-ID "$NEW_MID")" \
		"$(puts plan.md)$(puts stock.xlsx)"
}
check "syncing again sends nothing twice (mail, Sent, PUTs: $(counts))" test "$(counts)" = "11 11 33"
peer bob archive "$ROOM" >"$T_DIR/room2.json" 2>/dev/null
check "... and the room still has each post once" \
	test "$(grep -c "post $M" "$T_DIR/room2.json")" = 3

# nothing lost, nothing left
at outbox list --json
check "the outbox holds nothing waiting or failed" \
	py "not [e for e in j if e.get('state') in ('queued', 'sending', 'failed')]" <<<"$out"
check "the proxies wrote nothing to stderr" test ! -s "$T_DIR/nf.err"

t_done
