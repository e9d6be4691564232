#!/bin/bash
# mail_compose.sh - writing mail in the Mail tab on the real binary, as alice
# against the loopback Dovecot and submission server; what bob receives is
# seen by tests/integration/mail_probe.py (imaplib, not atrium).
#
# A private folder mailc-tui-PID holds a message from "Bob Tuicompose"
# (bob's real address), so the store knows him once it is synced. Then:
# m, "tuicomp" Tab completes To to bob; a Chinese subject, an attachment,
# a CJK body, Ctrl-S: "Sent", bob has it once with that subject, body,
# attachment and the signature; r on bob's message: To prefilled, "Re: ",
# the quote shown, sent with In-Reply-To the original's Message-ID, the
# original marked answered; f forwards it with its text; Ctrl-D puts a
# copy in Drafts (\Draft); a bad address: the error on the bottom line,
# nothing typed lost, fixed and sent; Esc with text asks, n goes on, y
# discards; kill -9 while writing: m offers the draft after a restart, y
# brings the text back; --offline: "Queued (offline)", nothing at bob's
# until atrium is online again, then once; the Chinese UI labels the
# fields 收件人 / 主题.
cd "$(dirname "$0")/../.." || exit 1
. tests/tui/tmux.lib
S=${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}
set -a
. "$S/env"
set +a
export ATRIUM_TEST_SERVERS=$S

BOX=mailc-tui-$$
TAG=tuic$$ # in every subject: unique on the shared server
PROBE=tests/integration/mail_probe.py
W=120
H=32
probe() { /usr/bin/python3 -B "$PROBE" "$@"; }

# Remove what the test sent from bob's INBOX and alice's Sent (by subject,
# only ours), then the folder.
cleanup() {
	/usr/bin/python3 -B - "$TAG" "$BOX" <<'EOF' >/dev/null 2>&1
import sys
sys.path.insert(0, "tests/integration")
import mail_probe
tag, box = sys.argv[1], sys.argv[2]
for user, folders in (("bob", ("INBOX",)), ("alice", ("Sent", "Drafts"))):
    m = mail_probe.connect(user)
    for f in folders:
        for uid in mail_probe.find(m, f, tag):
            m.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
            m.uid("EXPUNGE", uid)
    if user == "alice":
        m.delete(mail_probe.quote(box))
    m.logout()
EOF
	t_cleanup
}
trap cleanup EXIT

home=$T_DIR/home
mkdir -m 700 "$home"
cfg=$T_DIR/config
sig=$T_DIR/signature
printf 'Alice L.\nsig-%s\n' "$TAG" >"$sig"
{
	grep '^key_file' "$ALICE_CONFIG"
	echo
	echo "[mail]"
	echo "imap = imaps://127.0.0.1:$IMAPS_PORT"
	echo "smtp = smtp://127.0.0.1:$SUBMISSION_PORT"
	echo "user = $ALICE_EMAIL"
	echo "password = $ALICE_PASSWORD"
	echo "name = Alice Liddell"
	echo "ca_file = $CA_FILE"
	echo "signature_file = $sig"
} >"$cfg"
chmod 600 "$cfg"
run="$ATRIUM_BIN --config $cfg --home $home"

E=$T_DIR/eml
mkdir "$E"
{
	printf 'From: Bob Tuicompose <%s>\r\nTo: %s\r\n' "$BOB_EMAIL" "$ALICE_EMAIL"
	# dated now: completion keeps an address's newest spelling, and a
	# demo-seeded inbox holds older mail from plain "Bob"
	printf 'Subject: %s hello from bob\r\nDate: %s\r\n' "$TAG" "$(LC_ALL=C date -R)"
	printf 'Message-ID: <%s-b@example.test>\r\n' "$TAG"
	printf 'Content-Type: text/plain; charset=UTF-8\r\n\r\nbob says hi %s\r\n' "$TAG"
} >"$E/1.eml"
if ! probe mkbox alice "$BOX" "$E/1.eml"; then
	not_ok "the test mail is put into $BOX"
	exit 1
fi
att=$T_DIR/预算-$TAG.txt
printf 'attached bytes %s\n' "$TAG" >"$att"
att_size=$(stat -c %s "$att") # the tag's length is the PID's

# Wait until a header line LABEL: holds TEXT (default 5 s).
field() { # LABEL TEXT [seconds]
	local i limit=$(( ${3:-5} * 50 ))
	for ((i = 0; i < limit; i++)); do
		screen | grep -F -- " $1:" | grep -qF -- "$2" && return 0
		sleep 0.02
	done
	return 1
}
row_of() { screen | grep -nF -- "$1" | head -1 | cut -d: -f1 | awk '{ print $1 - 1 }'; }
quit() {
	keys C-q
	atrium_gone
}
start() { # [options]
	t_session $W $H
	type_text "$run $*"
	keys Enter
}
open_box() { # the test folder from the folder list
	local i n try
	for try in 1 2; do
		keys c
		wait_for "$BOX" 10 || return 1
		n=$(($(row_of "$BOX") - $(row_of INBOX)))
		for ((i = 0; i < n; i++)); do keys j; done
		sleep 0.2
		keys Enter
		wait_for "Bob Tuicompose" 15 && return 0
	done
	return 1
}
# bob's copy of the message whose subject holds SUBJ: how many (waits up
# to 15 s for the first), its header NAME, its text decoded.
bob_count() { probe count bob INBOX "$1" "${2:-15}"; }
bob_header() { probe header bob INBOX "$1" "$2"; }
bob_text() {
	probe body bob INBOX "$1" | /usr/bin/python3 -c '
import sys, email
m = email.message_from_bytes(sys.stdin.buffer.read())
for p in m.walk():
    if p.get_content_maintype() == "multipart":
        continue
    sys.stdout.write("[%s]\n" % (p.get_filename() or ""))
    sys.stdout.write(p.get_payload(decode=True).decode(p.get_content_charset() or "utf-8"))
'
}
# a header value decoded (RFC 2047)
decoded() {
	/usr/bin/python3 -c 'import sys, email.header as h
print(str(h.make_header(h.decode_header(sys.argv[1]))))' "$1"
}

# ---- a new mail: completion, Chinese, an attachment ------------------------------------
start
check "the tab syncs when first shown: Online" wait_for "Online" 15
check "the test folder opens: bob's message cached" open_box
keys m
check "m: the compose screen (From shows alice, To field)" eval 'wait_for "From:" 5 &&
	wait_for "Alice Liddell <$ALICE_EMAIL>" 2 && wait_for "To:" 1'
type_text "tuicomp"
keys Tab
check "Tab completes To from the name the store knows" field To "Bob Tuicompose <$BOB_EMAIL>,"
keys Down Down Down
SUBJ="$TAG 周报：第一季度"
type_text "$SUBJ"
check "the Chinese subject shows as typed" field Subject "$SUBJ"
keys C-a
check "Ctrl-A asks for a file to attach" wait_for "Attach file:" 5
type_text "$att"
keys Enter
check "the attachment is listed with its size" wait_for "预算-$TAG.txt ($att_size B)" 5
keys C-a
wait_for "Attach file:" 5
type_text "$T_DIR/no-such-file"
keys Enter
check "a file that cannot be read: said, not attached" eval 'wait_for "Cannot attach" 5 &&
	! screen | grep -qF "no-such-file ("'
keys C-a
wait_for "Attach file:" 5
type_text "$sig"
keys Enter
check "a second attachment listed" wait_for "signature (" 5
keys Down Down
keys Delete
check "Delete on its line removes it" eval 'wait_gone "signature (" 5 &&
	wait_for "预算-$TAG.txt ($att_size B)" 1'
keys Down
type_text "你好，鲍勃：这是正文 $TAG-body。"
keys Enter
type_text "第二行 line two"
check "the body shows the CJK text" wait_for "你好，鲍勃：这是正文 $TAG-body。" 5
keys C-s
check "Ctrl-S: the tab says Sent" wait_for "Sent" 20
check "bob has it once" test "$(bob_count "$SUBJ")" = 1
sleep 2
check "... still once a moment later" test "$(bob_count "$SUBJ" 0)" = 1
subj_got=$(decoded "$(bob_header "$SUBJ" Subject)")
check "the subject arrives as typed ($subj_got)" test "$subj_got" = "$SUBJ"
check "To is bob" eval 'bob_header "$SUBJ" To | grep -qF "$BOB_EMAIL"'
text=$(bob_text "$SUBJ")
check "the body arrives: both lines" eval 'grep -qF "你好，鲍勃：这是正文 $TAG-body。" <<<"$text" &&
	grep -qF "第二行 line two" <<<"$text"'
check "the signature is under the text" eval 'tr -d "\r" <<<"$text" | grep -qxF -- "-- " &&
	grep -qF "sig-$TAG" <<<"$text"'
check "the attachment arrives with its name and bytes" eval 'grep -qF "[预算-$TAG.txt]" <<<"$text" &&
	grep -qF "attached bytes $TAG" <<<"$text"'

# ---- a reply --------------------------------------------------------------------------
keys g
sleep 0.2
keys Enter
check "bob's message opens" wait_for "bob says hi $TAG" 10
keys r
check "r: To prefilled with bob, the subject Re:" eval 'field To "Bob Tuicompose <$BOB_EMAIL>" &&
	field Subject "Re: $TAG hello from bob" 2'
check "r: the quote is in the text" wait_for "> bob says hi $TAG" 5
type_text "reply text $TAG-r"
keys C-s
check "the reply: Sent" wait_for "Sent" 20
RSUBJ="Re: $TAG hello from bob"
check "bob has the reply once" test "$(bob_count "$RSUBJ")" = 1
check "In-Reply-To is the original's Message-ID" \
	test "$(bob_header "$RSUBJ" In-Reply-To)" = "<$TAG-b@example.test>"
text=$(bob_text "$RSUBJ")
check "the reply's text is above the quote" eval '[ "$(grep -nF "reply text $TAG-r" <<<"$text" | cut -d: -f1)" -lt \
	"$(grep -nF "> bob says hi" <<<"$text" | cut -d: -f1)" ]'
srv_answered() {
	local i
	for ((i = 0; i < 50; i++)); do
		probe flags alice "$BOX" "$TAG hello" 2>/dev/null | grep -qF '\Answered' && return 0
		sleep 0.2
	done
	return 1
}
check "the original is marked answered on the server" srv_answered

# ---- a forward ------------------------------------------------------------------------
keys f
check "f: To empty and focused, the subject Fwd:" eval 'field Subject "Fwd: $TAG hello from bob" 5 &&
	! screen | grep -F " To:" | grep -qF "@"'
check "f: the forwarded text is in the body" wait_for "bob says hi $TAG" 5
type_text "$BOB_EMAIL"
keys C-s
check "the forward: Sent" wait_for "Sent" 20
FSUBJ="Fwd: $TAG hello from bob"
check "bob has the forward once, the original's text in it" eval '[ "$(bob_count "$FSUBJ")" = 1 ] &&
	bob_text "$FSUBJ" | grep -qF "bob says hi $TAG"'

# ---- a copy to Drafts ------------------------------------------------------------------------
keys q
wait_for "Bob Tuicompose" 5
keys m
wait_for "To:" 5
keys Down Down Down
type_text "$TAG draft copy"
keys C-d
check "Ctrl-D (no recipient yet): a copy goes to Drafts" wait_for "Saving a copy to Drafts" 5
drafts_flag() {
	local i
	for ((i = 0; i < 50; i++)); do
		probe flags alice Drafts "$TAG draft copy" 2>/dev/null | grep -qF '\Draft' && return 0
		sleep 0.2
	done
	return 1
}
check "... the server's Drafts has it, flagged \\Draft" drafts_flag
check "... the screen stays as it was" field Subject "$TAG draft copy" 1
keys Escape
wait_for "Discard this mail?" 5
keys y
wait_for "The mail was discarded" 5

# ---- a bad address: said, nothing lost, fixed ---------------------------------------------
keys m
wait_for "To:" 5
type_text "bob at nowhere"
keys Down Down Down
BSUBJ="$TAG 地址错了"
type_text "$BSUBJ"
keys Enter
type_text "keep me $TAG 别丢"
keys C-s
check "a bad address: the error on the bottom line" wait_for "Not sent: To: not an address" 5
check "... the subject and the text are still there" eval 'field Subject "$BSUBJ" 1 &&
	wait_for "keep me $TAG 别丢" 1'
keys C-u
type_text "$BOB_EMAIL"
keys C-s
check "fixed (the cursor was put in To): Sent" wait_for "Sent" 20
check "bob has it once" test "$(bob_count "$BSUBJ")" = 1

# ---- cancel asks -----------------------------------------------------------------------
keys m
wait_for "To:" 5
keys Down Down Down
type_text "$TAG cancelled"
keys Escape
check "Esc with text typed: asked before anything goes" wait_for "Discard this mail?" 5
keys n
check "n: back to the mail, the text still there" eval 'wait_gone "Discard this mail?" 5 &&
	field Subject "$TAG cancelled" 1'
keys Escape
wait_for "Discard this mail?" 5
keys y
check "y: discarded, back in the index" eval 'wait_for "The mail was discarded" 5 &&
	wait_for "Bob Tuicompose" 2'
keys m
check "a discarded mail is no draft: m opens an empty screen" eval 'wait_for "To:" 5 &&
	! screen | grep -qF "A draft is kept"'
keys Escape
check "Esc with nothing typed closes at once" wait_for "Bob Tuicompose" 5

# ---- killed while writing: the draft comes back ------------------------------------------
keys m
wait_for "To:" 5
type_text "$BOB_EMAIL"
keys Down Down Down
type_text "$TAG killed 草稿"
keys Enter
type_text "保存的文字 $TAG-k"
sleep 3
kill -9 "$(atrium_pid)"
atrium_gone
start
check "restarted" wait_for "Online" 15
keys m
check "m offers the kept draft, named by its subject" eval 'wait_for "A draft is kept" 5 &&
	wait_for "$TAG killed 草稿" 1'
keys y
check "y: the text is back" eval 'wait_for "保存的文字 $TAG-k" 5 &&
	field Subject "$TAG killed 草稿" 1 && field To "$BOB_EMAIL" 1'
keys Escape
sleep 0.3
keys Escape
check "Esc Esc on the kept draft asks (discard or keep)" wait_for "Discard this mail?" 5
keys k
check "k: kept" wait_for "Kept as a draft" 5
keys m
check "m offers it again" wait_for "A draft is kept" 5
keys n
check "n: discarded, the screen empty" eval 'wait_gone "A draft is kept" 5 &&
	! screen | grep -qF "保存的文字"'
keys Escape
wait_for "Bob Tuicompose" 5
quit

# ---- offline: queued, sent once when online -------------------------------------------------
start --offline
check "--offline: Offline" wait_for "Offline" 10
keys m
wait_for "To:" 5
type_text "$BOB_EMAIL"
keys Down Down Down
OSUBJ="$TAG 离线写的"
type_text "$OSUBJ"
keys Enter
type_text "written offline $TAG-o"
keys C-s
check "offline: Queued (offline)" wait_for "Queued (offline)" 5
sleep 2
check "... bob has nothing yet" test "$(bob_count "$OSUBJ" 0)" = 0
quit
start
check "online again: the sync sends it, bob has it once" test "$(bob_count "$OSUBJ" 20)" = 1
sleep 3
check "... still once" test "$(bob_count "$OSUBJ" 0)" = 1
quit

# ---- Chinese ---------------------------------------------------------------------------
start --offline --lang zh_Hans
check "Chinese: 离线" wait_for "离线" 10
keys m
check "Chinese: the fields are 发件人, 收件人, 抄送, 密送, 主题, 附件" eval 'wait_for "发件人:" 5 &&
	wait_for "收件人:" 1 && wait_for "抄送:" 1 && wait_for "密送:" 1 && wait_for "主题:" 1 &&
	wait_for "附件:" 1'
type_text "x"
keys Escape
check "Chinese: the question is in Chinese" wait_for "放弃这封邮件？" 5
keys y
quit

t_done
