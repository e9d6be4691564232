#!/bin/bash
# mail.sh - the Mail tab (the first tab) against the loopback Dovecot as
# alice: four messages put into a private folder mail-tui-PID by
# tests/integration/mail_seed.py (Python's imaplib, not atrium); the tab
# syncs on a worker when first shown, c lists the folders, Enter opens the
# test folder whose index shows the decoded Chinese subjects, newest
# first; Enter shows a message's text, q goes back; a message appended on
# the server meanwhile shows by itself (IDLE); with the IMAPS port stalled behind
# netfault the tab still answers keys within 1 s and says Connecting; with
# --offline the cached index still shows, with the inbox's unread count in
# the status line; the Chinese UI.
cd "$(dirname "$0")/../.." || exit 1
. tests/tui/tmux.lib
S=${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}
set -a
. "$S/env"
set +a

BOX=mail-tui-$$
SEED=tests/integration/mail_seed.py
W=120
H=30
NF_STALL=$((ATRIUM_PORT_BASE + 46)) # netfault: an IMAPS port that answers nothing
nf_pids=()
cleanup() {
	/usr/bin/python3 -B "$SEED" delete "$BOX" >/dev/null 2>&1
	/usr/bin/python3 -B "$SEED" expunge INBOX "inbox-tui-$$@" >/dev/null 2>&1
	local p
	for p in "${nf_pids[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	t_cleanup
}
trap cleanup EXIT

mkcfg() { # FILE URL
	{
		grep '^key_file' "$ALICE_CONFIG"
		echo
		echo "[mail]"
		echo "imap = $2"
		echo "user = $ALICE_EMAIL"
		echo "password = $ALICE_PASSWORD"
		echo "ca_file = $CA_FILE"
		echo "download_dir = $T_DIR/dl"
		echo "prefetch = none" # the stalled part opens a body never fetched
	} >"$1"
	chmod 600 "$1"
}
home=$T_DIR/home
mkdir -m 700 "$home"
# all through netfault (passing at first): the cache is per account URL
stall=$T_DIR/nf.sock
tests/servers/netfault --listen "127.0.0.1:$NF_STALL" --target "127.0.0.1:$IMAPS_PORT" \
	--control "$stall" --pidfile "$stall.pid" >"$stall.log" 2>&1 &
nf_pids+=($!)
wait_for_file "$stall.pid" 10
cfg=$T_DIR/config
mkcfg "$cfg" "imaps://127.0.0.1:$NF_STALL"
run="$ATRIUM_BIN --config $cfg --home $home"

mkdir "$T_DIR/eml"
if ! /usr/bin/python3 -B "$SEED" write "$T_DIR/eml" ||
	! /usr/bin/python3 -B "$SEED" append "$BOX" "$T_DIR/eml"; then
	not_ok "the test mail is put into $BOX"
	t_done
fi
# one unread message in the inbox, for the status line's count
/usr/bin/python3 -B - "inbox-tui-$$@example.test" <<'EOF2' || not_ok "a message is put into INBOX"
import sys
sys.path.insert(0, "tests/integration")
import mail_seed
m = mail_seed.connect()
msg = ("From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: inbox tui\r\n"
       "Message-ID: <%s>\r\n\r\nhello\r\n" % sys.argv[1]).encode()
typ, _ = m.append("INBOX", None, None, msg)
sys.exit(0 if typ == "OK" else 1)
EOF2

# The screen row (0-based) of the first line holding TEXT.
row_of() { screen | grep -nF -- "$1" | head -1 | cut -d: -f1 | awk '{ print $1 - 1 }'; }
quit() {
	keys C-q
	atrium_gone
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Open the test folder from the folder list (the list starts on the
# current folder, INBOX).
open_box() {
	keys c
	wait_for "$BOX" 10 || return 1
	local i n=$(($(row_of "$BOX") - $(row_of INBOX)))
	for ((i = 0; i < n; i++)); do keys j; done
	sleep 0.2
	keys Enter
	wait_for "季度报告" 10
}

# ---- online: the first sync, the folder, a message ----------------------------------
t_session $W $H
type_text "$run"
keys Enter
check "the tab syncs when first shown: Online in the status line" wait_for "Online" 15
check "c lists the folders, Enter opens the test folder: decoded Chinese subjects" open_box
has_marks() { screen | grep -qF '生僻字㐀end' && screen | grep -q '@ .*Budget with attachment'; }
check "the GB18030-only subject decoded too, with the attachment mark on the budget" has_marks
r1=$(row_of "生僻字㐀end")
r4=$(row_of "季度报告")
check "newest first (the last appended on top)" test -n "$r1" -a -n "$r4" -a "${r1:-0}" -lt "${r4:-0}"
# the selection starts on the newest; the oldest (GBK) is the 4th
keys G
sleep 0.2
keys Enter
check "Enter opens the message: headers and its GBK text decoded" wait_for "Subject: 季度报告" 10
check "the body is shown (fetched on the worker)" wait_for "你好，报告见附件。" 10
keys q
check "q goes back to the index" wait_for "Budget with attachment" 5
# the message with an attachment: listed under the text, 1 saves it
open_budget() {
	local i
	for i in 1 2 3 4 5; do
		keys g
		for ((n = 0; n < i - 1; n++)); do keys j; done
		sleep 0.2
		keys Enter
		wait_for "Subject:" 5 || return 1
		screen | grep -q "Subject: Budget with attachment" && return 0
		keys q
		wait_for "Budget with attachment" 5
	done
	return 1
}
check "the message with an attachment opens" open_budget
check "its attachment is listed under the text: [1] q3.pdf (application/pdf, ...)" wait_for "[1] q3.pdf (application/pdf" 5
keys 1
check "1 saves it to the download folder and says where" wait_for "q3.pdf" 5
check "... the file is there, byte for byte the attachment" /usr/bin/python3 -c "
import email, sys
m = email.message_from_binary_file(open('$T_DIR/eml/2.eml', 'rb'))
p = [x for x in m.walk() if x.get_filename() == 'q3.pdf'][0]
sys.exit(0 if open('$T_DIR/dl/q3.pdf', 'rb').read() == p.get_payload(decode=True) else 1)"
keys q
wait_for "Budget with attachment" 5

# a message added on the server meanwhile
/usr/bin/python3 -B - "$BOX" <<'EOF'
import sys, imaplib
sys.path.insert(0, "tests/integration")
import mail_seed
m = mail_seed.connect()
box = '"%s"' % sys.argv[1]
msg = ("From: Bob <bob@example.test>\r\nTo: alice@example.test\r\n"
       "Subject: =?UTF-8?B?5paw5Yiw55qE6YKu5Lu2?=\r\nDate: Sat, 21 Nov 2026 23:00:00 +0000\r\n"
       "Message-ID: <late@example.test>\r\n\r\nlate body\r\n").encode()
typ, _ = m.append(box, None, None, msg)
sys.exit(0 if typ == "OK" else 1)
EOF
t_idle=$(now_ms)
check "a message added on the server shows by itself, no key pressed (IMAP IDLE on the folder)" \
	wait_for "新到的邮件" 10
echo "# IDLE: the new message showed after $(($(now_ms) - t_idle)) ms"
keys s
check "s syncs again and the message stays (新到的邮件)" wait_for "新到的邮件" 15
/usr/bin/python3 -B - "$BOX" <<'EOF2'
import sys
sys.path.insert(0, "tests/integration")
import mail_seed
m = mail_seed.connect()
msg = ("From: Bob <bob@example.test>\r\nTo: alice@example.test\r\n"
       "Subject: =?UTF-8?B?5YaN5p2l5LiA5bCB?=\r\nDate: Sat, 21 Nov 2026 23:01:00 +0000\r\n"
       "Message-ID: <later@example.test>\r\nContent-Type: text/plain; charset=UTF-8\r\n"
       "Content-Transfer-Encoding: 8bit\r\n\r\n"
       "later body " + "一个很长的句子，" * 30 + " END-OF-LONG-LINE\r\n").encode()
typ, _ = m.append('"%s"' % sys.argv[1], None, None, msg)
sys.exit(0 if typ == "OK" else 1)
EOF2
t0=$(now_ms)
keys C-e
type_text "mail sync"
keys Enter
wait_for "Syncing with the mail server" 5
t1=$(now_ms)
check ":mail sync on the screen returns at once ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 1000
check ":mail sync picks up another message (再来一封)" wait_for "再来一封" 15
keys g
sleep 0.2
keys Enter
check "a long line of the body is wrapped, its end visible" wait_for "END-OF-LONG-LINE" 10
keys q
wait_for "Budget with attachment" 5
keys F1
check "the help overlay lists the Mail keys" wait_for "Sync the folders and this folder now" 5
keys Escape
quit
check "the screen quits" true

# ---- a stalled network: keys still answered ------------------------------------------
tests/servers/netfault ctl "$stall" stall >/dev/null
t_session $W $H
type_text "$run"
keys Enter
check "stalled: Connecting in the status line" wait_for "Connecting" 10
t0=$(now_ms)
keys c
wait_for "$BOX" 5
t1=$(now_ms)
check "stalled: c answers within 1 s ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 1000
keys Escape
sleep 0.2
check "stalled: the cached test folder opens" open_box
check "stalled: the late message is in the cache" wait_for "新到的邮件" 5
# the second newest (新到的邮件) was never opened: its body is not cached
keys j
sleep 0.2
t0=$(now_ms)
keys Enter
wait_for "loading…" 5
t1=$(now_ms)
check "stalled: Enter on a message not cached says loading… within 1 s ($((t1 - t0)) ms)" \
	test $((t1 - t0)) -lt 1000
t0=$(now_ms)
keys q
wait_for "Budget with attachment" 5
t1=$(now_ms)
check "stalled: q answers within 1 s ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 1000
t0=$(now_ms)
quit
t1=$(now_ms)
check "stalled: quitting does not wait for the server ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 3000

# ---- offline -------------------------------------------------------------------------
id=$($run --offline mail list --folder "$BOX" --json |
	/usr/bin/python3 -c 'import json,sys; print([m["id"] for m in json.load(sys.stdin) if m["subject"] == "季度报告"][0])')
unread=$($run --offline mail list --unread --json |
	/usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
t_session $W $H
type_text "$run --offline"
keys Enter
check "--offline: Offline in the status line" wait_for "Offline" 10
check "the inbox's unread count ($unread, one put there by this test) is in the status line" \
	row_has $((H - 2)) "$unread unread" 5
check "the inbox's message is listed (the inbox first)" wait_for "inbox tui" 5
check "--offline: the cached folder opens" open_box
check "--offline: the late message is in the cache" wait_for "新到的邮件" 5
keys G
sleep 0.2
keys Enter
check "--offline: the cached body shows" wait_for "你好，报告见附件。" 5
keys q
wait_for "Budget with attachment" 5
keys C-e
type_text "mail read $id"
keys Enter
check ":mail read ID on the screen opens the message view" wait_for "Subject: 季度报告" 5
keys q
quit

# ---- Chinese -------------------------------------------------------------------------
t_session $W $H
type_text "$run --offline --lang zh_Hans"
keys Enter
check "Chinese: 离线 in the status line" wait_for "离线" 10
keys C-e
type_text "mail sync --folder $BOX"
keys Enter
check "Chinese: :mail sync --folder F shows that folder (from the cache: offline)" wait_for "季度报告" 5
check "Chinese: the key hint names the marks (未读, 附件)" wait_for "N 未读" 5
keys F1
check "Chinese: the help overlay lists the Mail keys (收件箱)" wait_for "收件箱在最前" 5
keys Escape
quit

# ---- a library's stderr never reaches the screen ------------------------------------------
# implicit TLS to the STARTTLS port: the handshake fails, and libetpan
# prints "GnuTLS error: ..." on stderr
badcfg=$T_DIR/bad.config
mkcfg "$badcfg" "imaps://127.0.0.1:$IMAP_PORT"
t_session $W $H
type_text "$ATRIUM_BIN --config $badcfg --home $T_DIR/bad-home"
keys Enter
check "a failed TLS handshake is said in the status line" wait_for "TLS handshake" 10
check "... and nothing a library printed shows on the screen" bash -c "sleep 1; ! tmux -L \"$T_SOCK\" -f /dev/null capture-pane -p -t t | grep -q GnuTLS"
quit
t_done
