#!/bin/bash
# mail_write.sh - the mail verbs that change something, against the loopback
# Dovecot (IMAP, submission) and OpenSMTPD: send (STARTTLS and implicit
# TLS, Bcc, attachments), reply, forward, mark, move, copy, delete,
# archive, expunge; offline, with the server away, behind a connection that
# drops, with a wrong CA and a wrong password. What the server holds is
# checked by tests/integration/mail_probe.py (Python's imaplib), not by
# atrium. Every mail is sent exactly once: counted in the recipient's inbox.
# Uses the shared test servers in $ATRIUM_TEST_SERVERS (tests/run starts them).
set -u
cd "$(dirname "$0")/../.." || exit 1
ATRIUM_BIN=${ATRIUM_BIN:-$PWD/atrium}
S=${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}
T_DIR=$(mktemp -d /tmp/atrium-mailw.XXXXXX)
. tests/integration/tap.lib
set -a
. "$S/env"
set +a
export ATRIUM_TEST_SERVERS=$S
BOX=mailw-test-$$
TAG=mw$$
PROBE=tests/integration/mail_probe.py
NF_PORT=$((ATRIUM_PORT_BASE + 44))
DEAD_PORT=$((ATRIUM_PORT_BASE + 45))
CTL=$T_DIR/ctl
pids=

probe() { /usr/bin/python3 -B "$PROBE" "$@"; }
cleanup() {
	local p
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	probe rmbox alice "$BOX" >/dev/null 2>&1
	probe rmbox alice "$BOX-子" >/dev/null 2>&1
	probe rmbox alice "$BOX-big" >/dev/null 2>&1
	probe rmbox alice "$BOX-新" >/dev/null 2>&1
	rm -rf "$T_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# a config: alice's key file, [mail] with imaps and the given smtp URL
mkcfg() { # NAME SMTP_URL
	{
		grep '^key_file' "$ALICE_CONFIG"
		echo
		echo "[mail]"
		echo "imap = imaps://127.0.0.1:$IMAPS_PORT"
		echo "smtp = $2"
		echo "user = $ALICE_EMAIL"
		echo "password = $ALICE_PASSWORD"
		echo "name = Alice Liddell"
		echo "ca_file = $CA_FILE"
		echo "prefetch = none"
	} >"$T_DIR/$1.conf"
	chmod 600 "$T_DIR/$1.conf"
	echo "$T_DIR/$1.conf"
}
mkdir -m 700 "$T_DIR/home"
A=(--config "$(mkcfg alice "smtp://127.0.0.1:$SUBMISSION_PORT")" --home "$T_DIR/home")
py() { /usr/bin/python3 -c "import json,sys; j=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; }
outbox_json() { "$ATRIUM_BIN" "${A[@]}" outbox list mail --json 2>/dev/null; }

# --- a folder of our own with two messages -----------------------------------------
for i in 1 2; do
	printf 'From: Bob <%s>\r\nTo: %s\r\nSubject: %s seed %s\r\nMessage-ID: <seed%s.%s@example.test>\r\nDate: Sat, 21 Nov 2026 10:0%s:00 +0000\r\n\r\nseed body %s\r\n' \
		"$BOB_EMAIL" "$ALICE_EMAIL" "$TAG" "$i" "$i" "$TAG" "$i" "$i" >"$T_DIR/seed$i.eml"
done
printf 'From: Bob <%s>\r\nTo: %s\r\nSubject: Re: %s the first one\r\nMessage-ID: <seed3.%s@example.test>\r\nIn-Reply-To: <seed1.%s@example.test>\r\nReferences: <seed1.%s@example.test>\r\nDate: Sat, 21 Nov 2026 10:05:00 +0000\r\n\r\nreply body\r\n' \
	"$BOB_EMAIL" "$ALICE_EMAIL" "$TAG" "$TAG" "$TAG" "$TAG" >"$T_DIR/seed3.eml"
if ! probe mkbox alice "$BOX" "$T_DIR/seed1.eml" "$T_DIR/seed2.eml" "$T_DIR/seed3.eml"; then
	not_ok "the test folder is made"
	exit 1
fi
at "${A[@]}" mail sync --folder "$BOX"
check "sync of the test folder ($out $errout)" test "$rc" = 0
at "${A[@]}" mail sync --folder Archive
at "${A[@]}" mail sync --folder Trash
idof() { # SUBJECT-PART [FOLDER]
	"$ATRIUM_BIN" "${A[@]}" --offline mail list --folder "${2:-$BOX}" --json 2>/dev/null |
		/usr/bin/python3 -c "import json,sys; print(next((m['id'] for m in json.load(sys.stdin) if m['subject'] == '$1'), ''))"
}
S1=$(idof "$TAG seed 1")
S2=$(idof "$TAG seed 2")
check "the seeded messages have ids ($S1, $S2)" test -n "$S1" -a -n "$S2"
S3=$(idof "Re: $TAG the first one")
at "${A[@]}" --offline mail list --folder "$BOX" --json
check "list --json: the reply's parent is the message it answers, both in its thread" \
	py "{m['id']: (m['thread'], m['parent']) for m in j} == {$S1: ($S1, None), $S2: ($S2, None), $S3: ($S1, $S1)}" <<<"$out"

# --- search: the cache and the server ------------------------------------------------
at "${A[@]}" --offline mail search "from:bob subject:\"$TAG seed\"" --json
check "search --offline by sender and subject: both seeds, newest first" \
	py "[m['id'] for m in j] == [$S2, $S1]" <<<"$out"
at "${A[@]}" --offline mail search "seed body 2" --json
check "search --offline for body words before any body was fetched: nothing" py "j == []" <<<"$out"
at "${A[@]}" mail search "body:\"seed body 2\"" --folder "$BOX" --json
check "search online: the server's SEARCH finds the body words ($errout)" \
	py "[m['id'] for m in j] == [$S2]" <<<"$out"
"$ATRIUM_BIN" "${A[@]}" mail read "$S2" >/dev/null 2>&1
at "${A[@]}" --offline mail search "body 2" --json
check "once read, the body's words are in the offline index" py "$S2 in [m['id'] for m in j]" <<<"$out"
at "${A[@]}" --offline mail search "since:2026-11-21 before:2026-11-22 subject:$TAG is:unread" --folder "$BOX" --json
check "search by date range and is:unread" py "$S1 in [m['id'] for m in j] and all(m['id'] != $S2 or 'unread' in m['flags'] for m in j)" <<<"$out"
at "${A[@]}" --offline mail search "since:yesterday"
check "a date that is not one: usage, exit 1 ($errout)" test "$rc" = 1 -a -n "$(grep -i 'date' <<<"$errout")"

# --- send -----------------------------------------------------------------------------
printf 'Hello Bob,\n\nthe numbers are in.\n' >"$T_DIR/body"
at "${A[@]}" mail send --to "Bob <$BOB_EMAIL>" --subject "$TAG 预算 plain" <"$T_DIR/body"
check "send over STARTTLS: exit 0 and says sent ($out $errout)" test "$rc" = 0 -a -n "$(grep -i 'sent' <<<"$out")"
check "bob's inbox has it once" test "$(probe count bob INBOX "$TAG 预算 plain" 10)" = 1
check "the Chinese subject arrived as written" grep -q "预算" <<<"$(probe header bob INBOX "$TAG 预算 plain" Subject | /usr/bin/python3 -c 'import sys,email.header as h; print(str(h.make_header(h.decode_header(sys.stdin.read().strip()))))')"
check "alice's Sent has a copy once" test "$(probe count alice Sent "$TAG 预算 plain" 5)" = 1
check "Sent's copy is marked read" grep -q 'Seen' <<<"$(probe flags alice Sent "$TAG 预算 plain")"
check "the outbox holds nothing for mail afterwards" py "len(j) == 0" <<<"$(outbox_json)"

printf 'attached\n' >"$T_DIR/body2"
printf 'a,b\n1,2\n' >"$T_DIR/表格.csv"
A_TLS=(--config "$(mkcfg implicit "smtps://127.0.0.1:$SUBMISSIONS_PORT")" --home "$T_DIR/home")
at "${A_TLS[@]}" mail send --to "$BOB_EMAIL" --bcc "$CAROL_EMAIL" --subject "$TAG bcc attach" \
	--attach "$T_DIR/表格.csv" <"$T_DIR/body2"
check "send over implicit TLS with --bcc and --attach: exit 0 ($errout)" test "$rc" = 0
check "the Bcc recipient (carol) got it" test "$(probe count carol INBOX "$TAG bcc attach" 10)" = 1
check "no Bcc header in what bob got" test -z "$(probe header bob INBOX "$TAG bcc attach" Bcc)"
probe body bob INBOX "$TAG bcc attach" >"$T_DIR/got.eml"
check "the attachment arrived byte for byte under its Chinese name" /usr/bin/python3 -c "
import email, sys
m = email.message_from_binary_file(open('$T_DIR/got.eml', 'rb'))
parts = [p for p in m.walk() if p.get_filename()]
sys.exit(0 if len(parts) == 1 and parts[0].get_filename() == '表格.csv' and parts[0].get_payload(decode=True) == open('$T_DIR/表格.csv', 'rb').read() else 1)"

at "${A[@]}" mail send --to "not an address" --subject x <"$T_DIR/body"
check "a bad address: exit 1, named ($errout)" test "$rc" = 1 -a -n "$(grep 'not an address' <<<"$errout")"
at "${A[@]}" mail send --subject x <"$T_DIR/body"
check "no recipient: usage, exit 1" test "$rc" = 1

# --- offline: queued, then sent once ------------------------------------------------------
at "${A[@]}" --offline mail send --to "$BOB_EMAIL" --subject "$TAG offline" <"$T_DIR/body"
check "--offline send: exit 3 (queued) ($errout)" test "$rc" = 3
check "the outbox lists it as queued" py "len(j) == 1 and j[0]['state'] == 'queued' and j[0]['kind'] == 'send'" <<<"$(outbox_json)"
check "nothing reached bob while offline" test "$(probe count bob INBOX "$TAG offline")" = 0
at "${A[@]}" mail sync --folder "$BOX"
check "the next sync sends it (exit $rc, $out)" test "$rc" = 0
check "bob has it once" test "$(probe count bob INBOX "$TAG offline" 10)" = 1
at "${A[@]}" mail sync --folder "$BOX"
sleep 1
check "another sync does not send it again" test "$(probe count bob INBOX "$TAG offline")" = 1

# --- the submission server away: queued, then sent when it is back ----------------------------
A_DEAD=(--config "$(mkcfg dead "smtp://127.0.0.1:$DEAD_PORT")" --home "$T_DIR/home")
at "${A_DEAD[@]}" mail send --to "$BOB_EMAIL" --subject "$TAG away" <"$T_DIR/body"
check "send with the server away: exit 3, saying queued ($errout)" test "$rc" = 3
at "${A[@]}" mail sync --folder "$BOX"
check "sync once the server is back sends it once" test "$(probe count bob INBOX "$TAG away" 10)" = 1

# --- a connection that drops in the middle of the data: not sent, then sent once ----------------
tests/servers/netfault --listen "127.0.0.1:$NF_PORT" --target "127.0.0.1:$SUBMISSIONS_PORT" \
	--control "$CTL" >"$T_DIR/nf.log" 2>&1 &
pids="$pids $!"
for _ in $(seq 50); do [ -S "$CTL" ] && break; sleep 0.1; done
A_NF=(--config "$(mkcfg nf "smtps://127.0.0.1:$NF_PORT")" --home "$T_DIR/home")
stat_of() { tests/servers/netfault ctl "$CTL" stats | tr ' ' '\n' | sed -n "s/^$1=//p"; }
# a clean send first: how many bytes the server sends in a whole session
at "${A_NF[@]}" mail send --to "$BOB_EMAIL" --subject "$TAG through the proxy" <"$T_DIR/body"
check "a send through the proxy works ($errout)" test "$rc" = 0
session=$(stat_of bytes_down)
# cut early (the TLS handshake or the dialogue, before the data's end)
tests/servers/netfault ctl "$CTL" drop-after 1000 >/dev/null 2>&1
at "${A_NF[@]}" mail send --to "$BOB_EMAIL" --subject "$TAG dropped" <"$T_DIR/body"
check "a connection cut before the data's end: exit 3, queued ($errout)" test "$rc" = 3
check "nothing arrived from the cut connection" test "$(probe count bob INBOX "$TAG dropped" 2)" = 0
tests/servers/netfault ctl "$CTL" pass >/dev/null 2>&1
at "${A_NF[@]}" mail sync --folder "$BOX"
check "after the network is back: sent once ($errout)" test "$(probe count bob INBOX "$TAG dropped" 10)" = 1
# cut inside the server's 250 (measured here: a session sends 2084 bytes, the 354 has gone
# through by 1960 and the 250 by 2020; 84 before the end is the middle of that window)
tests/servers/netfault ctl "$CTL" drop-after $((session - 84)) >/dev/null 2>&1
at "${A_NF[@]}" mail send --to "$BOB_EMAIL" --subject "$TAG unknown" <"$T_DIR/body"
check "a connection lost after the data went out: an error that says it may have been delivered ($errout)" \
	test "$rc" != 0 -a "$rc" != 3 -a -n "$(grep 'may have been delivered' <<<"$errout")"
check "the outbox keeps it as failed with that reason" \
	py "any(e['state'] == 'failed' and 'may have been delivered' in e['error'] for e in j)" <<<"$(outbox_json)"
tests/servers/netfault ctl "$CTL" pass >/dev/null 2>&1
n_unknown=$(probe count bob INBOX "$TAG unknown" 5)
at "${A_NF[@]}" mail sync --folder "$BOX"
sleep 1
check "a sync does not send it again ($n_unknown delivered before)" \
	test "$(probe count bob INBOX "$TAG unknown")" = "$n_unknown"
UNK_ID=$(outbox_json | /usr/bin/python3 -c "import json,sys; print(next(e['id'] for e in json.load(sys.stdin) if e['state'] == 'failed'))")
"$ATRIUM_BIN" "${A[@]}" outbox drop "$UNK_ID" --yes >/dev/null 2>&1

# --- TLS refused: exit 4, kept as failed, nothing sent -----------------------------------------
A_CA=(--config "$(mkcfg wrongca "smtp://127.0.0.1:$SUBMISSION_PORT")" --home "$T_DIR/home")
sed -i 's|^ca_file = .*|ca_file = /etc/ssl/certs/ca-certificates.crt|' "$T_DIR/wrongca.conf"
# IMAP with the right CA, SMTP with the wrong one: one config serves both, so make the
# IMAP side unreachable-free by testing SMTP alone (the verb does not need IMAP to send)
at "${A_CA[@]}" mail send --to "$BOB_EMAIL" --subject "$TAG wrongca" <"$T_DIR/body"
check "a certificate the CA file does not vouch for: exit 4 ($errout)" test "$rc" = 4
check "the mail stays in the outbox, failed, with the reason" \
	py "any(e['state'] == 'failed' and e['error'] for e in j)" <<<"$(outbox_json)"
check "nothing reached bob" test "$(probe count bob INBOX "$TAG wrongca" 2)" = 0
FAILED_ID=$(outbox_json | /usr/bin/python3 -c "import json,sys; print(next(e['id'] for e in json.load(sys.stdin) if e['state'] == 'failed'))")
"$ATRIUM_BIN" "${A[@]}" outbox drop "$FAILED_ID" --yes >/dev/null 2>&1
A_PW=(--config "$(mkcfg badpw "smtp://127.0.0.1:$SUBMISSION_PORT")" --home "$T_DIR/home")
sed -i 's|^password = .*|password = wrong-pw|' "$T_DIR/badpw.conf"
at "${A_PW[@]}" mail send --to "$BOB_EMAIL" --subject "$TAG badpw" <"$T_DIR/body"
check "a wrong password: exit 4 with a clear message ($errout)" test "$rc" = 4 -a -n "$errout"
at "${A[@]}" mail sync --folder "$BOX"
check "with the right password the waiting mail goes, once" test "$(probe count bob INBOX "$TAG badpw" 10)" = 1

# --- reply, forward ---------------------------------------------------------------------------
printf 'Thanks!\n' >"$T_DIR/rbody"
at "${A[@]}" mail reply "$S1" <"$T_DIR/rbody"
check "reply: exit 0 ($errout)" test "$rc" = 0
check "bob got 'Re: $TAG seed 1'" test "$(probe count bob INBOX "Re: $TAG seed 1" 10)" = 1
check "the reply's In-Reply-To names the original" \
	test "$(probe header bob INBOX "Re: $TAG seed 1" In-Reply-To)" = "<seed1.$TAG@example.test>"
check "the reply quotes the original" grep -q "> seed body 1" <<<"$(probe body bob INBOX "Re: $TAG seed 1")"
check "the original is marked answered on the server" grep -q 'Answered' <<<"$(probe flags alice "$BOX" "$TAG seed 1")"
at "${A[@]}" mail forward "$S2" --to "$CAROL_EMAIL" --attached <"$T_DIR/rbody"
check "forward --attached: exit 0 ($errout)" test "$rc" = 0
probe count carol INBOX "Fwd: $TAG seed 2" 10 >/dev/null
probe body carol INBOX "Fwd: $TAG seed 2" >"$T_DIR/fwd.eml" 2>/dev/null
check "carol got the original as a message/rfc822 part" grep -qi "message/rfc822" "$T_DIR/fwd.eml"

# --- mark, offline and online ----------------------------------------------------------------
at "${A[@]}" mail mark "$S1" flag
check "mark flag: exit 0 ($errout)" test "$rc" = 0
check "the server has \\Flagged" grep -q 'Flagged' <<<"$(probe flags alice "$BOX" "$TAG seed 1")"
at "${A[@]}" --offline mail mark "$S2" read
check "mark read offline: exit 3 (queued)" test "$rc" = 3
check "the cache shows it read at once" \
	py "[m for m in j if m['id'] == $S2][0]['flags'] == []" <<<"$("$ATRIUM_BIN" "${A[@]}" --offline mail list --folder "$BOX" --json 2>/dev/null)"
check "the server does not have it yet" test -z "$(grep 'Seen' <<<"$(probe flags alice "$BOX" "$TAG seed 2")")"
at "${A[@]}" mail sync --folder "$BOX"
check "after the sync the server has \\Seen ($errout)" grep -q 'Seen' <<<"$(probe flags alice "$BOX" "$TAG seed 2")"
at "${A[@]}" --offline mail list --folder "$BOX" --json
check "and the sync did not undo it in the cache" py "[m for m in j if m['id'] == $S2][0]['flags'] == []" <<<"$out"
at "${A[@]}" mail mark "$S1" sideways
check "mark with an unknown action: usage, exit 1" test "$rc" = 1
at "${A[@]}" mail mark 999999999 read
check "mark of an id that does not exist: exit 2" test "$rc" = 2

# --- move, copy, archive, delete, expunge -----------------------------------------------------
at "${A[@]}" mail copy "$S2" Archive
check "copy to Archive: exit 0 ($errout)" test "$rc" = 0
check "the server has it in Archive and still in the folder" \
	test "$(probe count alice Archive "$TAG seed 2")" = 1 -a "$(probe count alice "$BOX" "$TAG seed 2")" = 1
at "${A[@]}" mail move "$S1" Archive
check "move to Archive: exit 0 ($errout)" test "$rc" = 0
check "the server has it in Archive and no longer in the folder" \
	test "$(probe count alice Archive "$TAG seed 1")" = 1 -a "$(probe count alice "$BOX" "$TAG seed 1")" = 0
at "${A[@]}" --offline mail list --folder Archive --json
check "the moved message keeps its id in Archive" py "$S1 in [m['id'] for m in j]" <<<"$out"
at "${A[@]}" mail sync --folder Archive
at "${A[@]}" --offline mail list --folder Archive --json
check "a sync of Archive keeps that id and adds no double" \
	py "[m['id'] for m in j].count($S1) == 1 and sum('$TAG seed 1' in m['subject'] for m in j) == 1" <<<"$out"
at "${A[@]}" --offline mail move "$S1" "$BOX"
check "move back while offline: exit 3" test "$rc" = 3
at "${A[@]}" --offline mail list --folder "$BOX" --json
check "the cache shows it back in the folder at once" py "$S1 in [m['id'] for m in j]" <<<"$out"
at "${A[@]}" mail sync --folder "$BOX"
check "the sync takes the move to the server" \
	test "$(probe count alice "$BOX" "$TAG seed 1")" = 1 -a "$(probe count alice Archive "$TAG seed 1")" = 0
at "${A[@]}" mail delete "$S1"
check "delete: exit 0, to Trash ($errout)" test "$rc" = 0 -a "$(probe count alice Trash "$TAG seed 1")" = 1
at "${A[@]}" mail sync --folder Trash
T1=$(idof "$TAG seed 1" Trash)
at "${A[@]}" mail delete "$T1"
check "delete in Trash marks it deleted" grep -q 'Deleted' <<<"$(probe flags alice Trash "$TAG seed 1")"
at "${A[@]}" mail expunge --folder Trash
check "expunge: exit 0, it is gone for good ($out $errout)" test "$rc" = 0 -a "$(probe count alice Trash "$TAG seed 1")" = 0
at "${A[@]}" mail archive "$S2"
check "archive: exit 0 ($errout)" test "$rc" = 0
check "in Archive twice now (the copy and the archived one), not in the folder" \
	test "$(probe count alice Archive "$TAG seed 2")" = 2 -a "$(probe count alice "$BOX" "$TAG seed 2")" = 0
check "the outbox is empty at the end" py "len(j) == 0" <<<"$(outbox_json)"

# --- the connection lost in the middle of a sync: nothing half-done, nothing twice ---------
/usr/bin/python3 -B tests/integration/mail_corpus.py thread "$BOX-big" 3000 "$T_DIR/map.json" >/dev/null 2>&1
mkdir -m 700 "$T_DIR/home-cut"
C_NF=(--config "$(mkcfg cut "smtp://127.0.0.1:$SUBMISSION_PORT")" --home "$T_DIR/home-cut")
sed -i "s|^imap = .*|imap = imaps://127.0.0.1:$NF_PORT|" "$T_DIR/cut.conf"
tests/servers/netfault ctl "$CTL" target "127.0.0.1:$IMAPS_PORT" >/dev/null 2>&1
# how much a whole first sync reads (a home thrown away), then cut at 80 %:
# the envelopes come in batches of 2,000, so the first batch is in
mkdir -m 700 "$T_DIR/home-measure"
before=$(stat_of bytes_down)
"$ATRIUM_BIN" --config "$T_DIR/cut.conf" --home "$T_DIR/home-measure" mail sync --folder "$BOX-big" >/dev/null 2>&1
whole=$(($(stat_of bytes_down) - before))
tests/servers/netfault ctl "$CTL" drop-after $((whole * 8 / 10)) >/dev/null 2>&1
at "${C_NF[@]}" mail sync --folder "$BOX-big"
check "a sync whose connection is cut at 80 % of its bytes: exit 7 ($errout)" test "$rc" = 7
at "${C_NF[@]}" --offline mail list --folder "$BOX-big" --json
n_part=$(/usr/bin/python3 -c "import json,sys; print(len(json.load(sys.stdin)))" <<<"$out")
check "what came before the cut is kept ($n_part of 3000)" test "${n_part:-0}" -gt 0 -a "${n_part:-0}" -lt 3000
tests/servers/netfault ctl "$CTL" pass >/dev/null 2>&1
at "${C_NF[@]}" mail sync --folder "$BOX-big"
check "the next sync brings the rest ($out)" test "$rc" = 0
at "${C_NF[@]}" --offline mail list --folder "$BOX-big" --json
check "3000 messages, each once (no message id twice)" \
	py "len(j) == 3000 and len({m['message_id'] for m in j}) == 3000 and len({m['id'] for m in j}) == 3000" <<<"$out"
tests/servers/netfault ctl "$CTL" target "127.0.0.1:$SUBMISSIONS_PORT" >/dev/null 2>&1

# --- folders: create, rename, subscribe, delete (on the server at once) ---------------
at "${A[@]}" mail mkdir "$BOX-子"
check "mkdir with a Chinese name: exit 0 ($errout)" test "$rc" = 0
check "the server has it (its name in modified UTF-7 on the wire)" \
	test "$(probe exists alice "$BOX-子")" = yes
at "${A[@]}" mail folders --json
check "folders lists it, subscribed" py "[f['subscribed'] for f in j if f['name'] == '$BOX-子'] == [True]" <<<"$out"
at "${A[@]}" mail rename "$BOX-子" "$BOX-新"
check "rename: exit 0 ($errout)" test "$rc" = 0
at "${A[@]}" mail folders --json
check "folders has the new name, not the old" \
	py "'$BOX-新' in [f['name'] for f in j] and '$BOX-子' not in [f['name'] for f in j]" <<<"$out"
at "${A[@]}" mail unsubscribe "$BOX-新"
check "unsubscribe: shown as not subscribed" \
	py "[f['subscribed'] for f in j if f['name'] == '$BOX-新'] == [False]" <<<"$("$ATRIUM_BIN" "${A[@]}" mail folders --json 2>/dev/null)"
at "${A[@]}" mail rmdir "$BOX-新"
check "rmdir without --yes: refused, exit 1, nothing deleted" test "$rc" = 1
at "${A[@]}" mail rmdir "$BOX-新" --yes
check "rmdir --yes: exit 0 ($errout)" test "$rc" = 0
at "${A[@]}" mail folders --json
check "and it is gone from the list and from the server" \
	py "'$BOX-新' not in [f['name'] for f in j]" <<<"$out"
check "... the server has no such folder" test "$(probe exists alice "$BOX-新")" = no
at "${A[@]}" --offline mail mkdir "$BOX-x"
check "mkdir offline: exit 7, saying offline" test "$rc" = 7

echo "1..$t_n"
t_done
