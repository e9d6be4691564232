#!/bin/bash
# hostile.sh - hostile content (issue 9): a mail, a chat message, a
# document and a sheet cell carrying terminal escape sequences (title
# change OSC 0 and 2, clipboard write OSC 52, screen clear CSI 2J, cursor
# home CSI H, reset ESC c, ESC k, the C1 CSI, BEL, backspace, DEL) are shown
# by the real binary in tmux and stay inert: the pane's title is what it
# was, tmux (set-clipboard on) got no paste buffer, no bell rang, the
# alternate screen is still on, the tab bar and the status line are as
# they were before the item was shown, and the escapes are on screen as
# visible placeholders (mail makes each control U+FFFD when it decodes;
# the other modules draw ␛ ␇ ␈ ␡). Also a sender's name, an attachment's name, a
# cell computing escapes (CHAR(27)), and file names on the share (C1 and
# a bidi override: a name with C0 controls is dropped). A positive control
# first: the same bytes written raw by cat into a pane DO change the
# title and the window's name, fill a buffer, ring the bell and clear the
# screen, so each of these checks can fail. Last, the batch verbs' plain
# output of the same items holds no raw control either (C0 but tab and
# newline, C1, bidi overrides).
# Chat is XML: ESC, BEL and BS cannot travel in it (the server refuses
# the stanza); its message carries the C1 forms (OSC as U+009D, CSI as
# U+009B) and a bidi override instead (a CR arrives as a line end).
# Uses the shared test servers in $ATRIUM_TEST_SERVERS (tests/run starts them).
cd "$(dirname "$0")/../.." || exit 1
. tests/tui/tmux.lib
S=${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}
set -a
. "$S/env"
set +a

TAG=hostile$$
BOX=hostile-$$
D=hostile-$$
ROOM=hostile-$$@$MUC_DOMAIN
SEED=tests/integration/mail_seed.py
W=160
H=30
home=$T_DIR/home
mkdir -m 700 "$home"
cfg=$T_DIR/config
clip=$(printf 'PWNEDCLIP%s' "$$" | base64)
# The hostile bytes, 7-bit escapes and C0 controls, valid UTF-8 throughout
# (the C1 CSI as U+009B).
P=$(printf '<%s \033]0;PWNT0\007 \033]2;PWNT2\033\\ \033kPWNK\033\\ \033]52;c;%s\007 \033[2J \033[H \033c \302\23331m \007 \010 \177 end>' \
	"$TAG" "$clip")
# What atrium must draw instead: ␛ ␇ ␈ ␡ for the C0 controls and DEL,
# U+FFFD for the C1 CSI.
SHOWN="<$TAG ␛]0;PWNT0␇ ␛]2;PWNT2␛\\ ␛kPWNK␛\\ ␛]52;c;$clip␇ ␛[2J ␛[H ␛c �31m ␇ ␈ ␡ end>"
# Mail makes text safe when it decodes it: every control becomes U+FFFD.
SHOWNM="<$TAG �]0;PWNT0� �]2;PWNT2�\\ �kPWNK�\\ �]52;c;$clip� �[2J �[H �c �31m � � � end>"
# Chat's: OSC and CSI in their C1 forms with ST, a right-to-left override
# (a CR would not arrive: XML reads it as a line end).
PC=$(printf '<%s \302\2350;PWNC1\302\234 \302\23352;c;%s\302\234 \302\2332J \302\233H \342\200\256RLO end>' \
	"$TAG" "$clip")

cleanup() {
	tmx kill-server 2>/dev/null || true
	timeout 20 "$ATRIUM_BIN" --config "$cfg" --home "$home" chat leave "$ROOM" >/dev/null 2>&1
	/usr/bin/python3 -B "$SEED" delete "$BOX" >/dev/null 2>&1
	bcurl -X DELETE -o /dev/null "$DAV_URL$D/" 2>/dev/null
	t_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bcurl() { curl -sS --max-time 10 --cacert "$CA_FILE" -u "bob:$BOB_PASSWORD" "$@"; }

# alice's accounts: little chat history (the shared account's is long),
# the share is the private folder.
awk -v url="$DAV_URL$D/" '
	/^\[/ { sec = $0 }
	sec == "[files]" && /^url *=/ { print "url = " url; next }
	{ print }
	/^\[chat\]/ { print "history = 20" }
	/^\[mail\]/ { print "prefetch = none" }' "$ALICE_CONFIG" >"$cfg"
chmod 600 "$cfg"
run="$ATRIUM_BIN --config $cfg --home $home"

# tmux as a terminal that obeys: OSC 52 would become a paste buffer, a BEL
# would set the window's bell flag.
tmx has-session -t keeper 2>/dev/null || tmx new-session -d -s keeper "sleep 100000"
tmx set-option -g set-clipboard on
tmx set-option -g monitor-bell on
tmx set-option -g bell-action any
tmx set-option -g allow-rename on
tmx set-option -g automatic-rename off
pane() { tmx display -p -t "$1" "$2"; }
buffers() { tmx list-buffers 2>/dev/null; }

# ---- positive control: the raw bytes do act on a terminal ----------------------------
printf 'before\n%s\n' "$P" >"$T_DIR/raw.txt"
tmx new-session -d -s ctl -x 80 -y 10 "sleep 0.3; cat $T_DIR/raw.txt; sleep 100000"
title0=$(pane ctl '#{pane_title}')
acted() { [ "$(pane ctl '#{pane_title}')" = PWNT2 ]; }
for _ in $(seq 1 100); do acted && break; sleep 0.05; done
check "control: cat of the raw bytes changes the pane title (was '$title0')" acted
check "control: ... writes tmux's clipboard (a paste buffer)" \
	bash -c '[ "$1" = "$(printf "PWNEDCLIP%s" "$2")" ]' _ "$(tmx show-buffer 2>/dev/null)" "$$"
check "control: ... renames the window (ESC k)" test "$(pane ctl '#{window_name}')" = PWNK
check "control: ... rings the bell" test "$(pane ctl '#{window_bell_flag}')" = 1
check "control: ... clears the screen (the line before is gone)" \
	bash -c "! tmux -L $T_SOCK capture-pane -p -t ctl | grep -q before"
tmx kill-session -t ctl
while tmx delete-buffer 2>/dev/null; do :; done
check "control: buffers emptied again" test -z "$(buffers)"

# ---- the hostile items ----------------------------------------------------------------
# mail: subject and body, in a private folder (Python's imaplib)
mkdir "$T_DIR/eml"
/usr/bin/python3 -B - "$T_DIR/eml/1.eml" "$P" "$TAG" <<'EOF'
import sys, email.utils
path, p, tag = sys.argv[1:]
msg = "\r\n".join([
    "From: Mal\x1b[2Jlory <mallory@example.test>",
    "To: alice@example.test",
    "Subject: subj %s \x1b]0;PWNS\x07 \x1b[2J \x1bc end" % tag,
    "Date: " + email.utils.formatdate(localtime=False),
    "Message-ID: <%s@example.test>" % tag,
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b1"',
    "",
    "--b1",
    "Content-Type: text/plain; charset=UTF-8",
    "Content-Transfer-Encoding: 8bit",
    "",
    "body " + p,
    "raw 8-bit CSI: RAWC12J end",
    "--b1",
    'Content-Type: text/plain; name="evil\x1b]0;PWNA\x07.txt"',
    'Content-Disposition: attachment; filename="evil\x1b]0;PWNA\x07.txt"',
    "",
    "attached",
    "--b1--",
    "",
])
# a raw 0x9b byte too: the C1 CSI of 8-bit terminals, not UTF-8
open(path, "wb").write(msg.encode().replace(b"RAWC1", b"\x9b"))
EOF
check "a hostile mail is put into a private folder" \
	/usr/bin/python3 -B "$SEED" mkbox "$BOX" "$T_DIR/eml"
# chat: alice makes the room (batch), bob writes into it (chat_peer.py)
quiet() { "$@" >/dev/null 2>"$T_DIR/quiet.err" || { sed 's/^/# /' "$T_DIR/quiet.err"; return 1; }; }
check "alice creates and joins a private room" \
	quiet "$ATRIUM_BIN" --config "$cfg" --home "$home" chat join "$ROOM" --nick alice
check "bob writes the hostile message into it" \
	quiet /usr/bin/python3 -B tests/integration/chat_peer.py "$S" bob send "$ROOM" "$PC" --type groupchat
# a document and a sheet (C2 computes its escapes)
printf 'doc line\n%s\n' "$P" >"$T_DIR/doc.txt"
/usr/bin/python3 - "$T_DIR/sheet.csv" "$P" <<'EOF'
import csv, sys
with open(sys.argv[1], "w", newline="") as f:
    csv.writer(f).writerows([["name", "value", "computed"],
                             ["cell", sys.argv[2], '=CHAR(27)&"]2;PWF"&CHAR(7)&CHAR(27)&"[2J"']])
EOF
# file names on the share (bob, curl): a C1 CSI and a right-to-left
# override in one, ESC and BEL in another, and a plain one
printf 'x\n' >"$T_DIR/x"
put_ok() { [ "$(bcurl -T "$T_DIR/x" -o /dev/null -w '%{http_code}' "$DAV_URL$D/$1")" = 201 ]; }
share_files() {
	bcurl -X MKCOL -o /dev/null "$DAV_URL$D/" && put_ok 'evil%C2%9B2J%E2%80%AEtxt.exe' &&
		put_ok 'esc%1B%5D0%3BPWNE%07.txt' && put_ok "plain-$$.txt"
}
check "bob puts files with hostile names on the share" share_files

# ---- the screen --------------------------------------------------------------------
t_session $W $H
# the status line is the second-last row, the tab bar the first
status_row=$((H - 2))
tab_bar() { row 0; }
status_line() { row "$status_row"; }
title=$(pane t '#{pane_title}')
wname=$(pane t '#{window_name}')
# After an item is shown: the title, buffers, bell, alternate screen, and
# the rows outside the content area as they were before ($bar0, $st0).
inert() { # what
	local t
	t=$(pane t '#{pane_title}')
	check "$1: the pane title is unchanged ('$t')" test "$t" = "$title"
	check "$1: the window name is unchanged" test "$(pane t '#{window_name}')" = "$wname"
	check "$1: no paste buffer (no OSC 52 reached tmux)" test -z "$(buffers)"
	check "$1: no bell" test "$(pane t '#{window_bell_flag}')" = 0
	check "$1: still on the alternate screen (no reset)" test "$(pane t '#{alternate_on}')" = 1
	check "$1: the tab bar is as before" test "$(tab_bar)" = "$bar0"
	check "$1: the status line is as before" test "$(status_line)" = "$st0"
}
before() { # the rows outside the content area now
	sleep 0.3
	bar0=$(tab_bar)
	st0=$(status_line)
}

# stderr to a file: a sanitizer's report at exit would show there
keys "$run 2>$T_DIR/tui.err" Enter
wait_for "1 Mail  2 Chat  3 Docs  4 Sheets" 10
check "the Mail tab syncs: Online" wait_for "Online" 20
row_of() { screen | grep -nF -- "$1" | head -1 | cut -d: -f1 | awk '{ print $1 - 1 }'; }
open_box() {
	keys c
	wait_for "$BOX" 10 || return 1
	local i n=$(($(row_of "$BOX") - $(row_of INBOX)))
	for ((i = 0; i < n; i++)); do keys j; done
	sleep 0.2
	keys Enter
	wait_for "subj $TAG" 15
}
check "the hostile folder opens: its subject in the index" open_box
check "the index shows the subject's escapes as placeholders" wait_for "subj $TAG �]0;PWNS� �[2J �c end"
before
keys Enter
check "Enter opens the hostile mail: the body with placeholders" wait_for "body $SHOWNM" 15
check "... the raw 0x9b byte as U+FFFD" wait_for "raw 8-bit CSI: �2J end"
check "... the subject too" wait_for "Subject: subj $TAG �]0;PWNS� �[2J �c end"
check "... the sender's name too" wait_for "From: Mal�[2Jlory <mallory@example.test>"
check "... and the attachment's name" wait_for "[1] evil�]0;PWNA�.txt"
# opening marks it read: the status line's unread count may move
st0=$(status_line | sed 's/[0-9]\+ unread/N unread/')
status_line() { row "$status_row" | sed 's/[0-9]\+ unread/N unread/'; }
inert "mail"
keys q

keys M-2
check "the Chat tab: Online" wait_for "Chat: Online" 20
check "the room is in the list" wait_for "# hostile-$$" 20
conv_title() { row 1 | sed 's/^[^│]*│//'; }
open_room() {
	local i j
	keys g
	for ((i = 0; i < 20; i++)); do
		keys Enter
		for ((j = 0; j < 20; j++)); do
			conv_title | grep -qF " $ROOM" && return 0
			sleep 0.05
		done
		keys q j
	done
	return 1
}
before
check "Enter on the room opens it" open_room
# (the conversation is narrower than the text: it wraps)
check "bob's message shows with placeholders" wait_for "bob         <$TAG �0;PWNC1� �52;c;$clip� �2J �H" 15
check "... its end too (the override as a placeholder)" wait_for "�RLO end>" 5
inert "chat"

keys M-3
row_has 1 "untitled" 5
before
keys C-e
type_text "docs open $T_DIR/doc.txt"
keys Enter
check "the hostile document opens" row_has 1 "doc.txt" 5
check "... its escapes drawn as placeholders" row_has 3 "$SHOWN" 5
inert "document"

keys M-4
wait_for "A          B" 5
before
type_text ":sheets open $T_DIR/sheet.csv"
keys Enter
check "the hostile sheet opens" row_has 1 "sheet.csv" 5
keys Down Right
check "... the cell's text on the edit line, with placeholders" row_has 1 "$SHOWN" 5
check "... the edit line names the cell" bash -c "tmux -L $T_SOCK capture-pane -p -t t | sed -n 2p | grep -q '^ *B2 '"
inert "sheet"
check "... a computed value's escapes as placeholders too" row_has 4 "␛]2;PWF␇␛"
check "... the grid's row shows the cell's start in its column" \
	bash -c "tmux -L $T_SOCK capture-pane -p -t t | sed -n 5p | grep -q '^ *2 cell  *<hostile'"

keys M-5
before
check "the Files tab lists the share's folder" wait_for "plain-$$.txt" 15
check "... a name's C1 CSI and bidi override as placeholders" wait_for "evil�2J�txt.exe" 5
inert "file names"
no_esc_name() { ! screen | grep -qF "PWNE"; }
check "... a name with ESC and BEL is not listed (docs/design.md)" no_esc_name

keys C-q
check "Ctrl-Q quits" atrium_gone
check "... with nothing from a sanitizer on stderr" \
	bash -c '! grep -E "Sanitizer|runtime error" "$1"' _ "$T_DIR/tui.err"
grep -E -A40 "Sanitizer|runtime error" "$T_DIR/tui.err" | grep -E "^ *#|ERROR|freed|allocated" | head -40 | sed 's/^/# stderr: /'
tmx kill-session -t t

# ---- the same items printed by the batch verbs ------------------------------------------
# Plain output is for a terminal too: no C0 control but tab and newline,
# no C1 control (UTF-8 C2 80..9F), no bidi override or isolate.
raw_controls() { # file: the lines with raw controls
	/usr/bin/python3 -c '
import re, sys
bad = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")
for line in open(sys.argv[1], "rb"):
    if bad.search(line):
        print(repr(line)[:200])
' "$1"
}
check "control: the raw bytes are found by the search" test -n "$(raw_controls "$T_DIR/raw.txt")"
batch_clean() { # what verb...
	local what=$1 st
	shift
	"$ATRIUM_BIN" --config "$cfg" --home "$home" "$@" >"$T_DIR/batch.out" 2>&1
	st=$?
	check "batch '$what' prints no raw control (exit $st)" test -z "$(raw_controls "$T_DIR/batch.out")"
	raw_controls "$T_DIR/batch.out" | head -3 | sed 's/^/# raw: /'
}
mid=$("$ATRIUM_BIN" --config "$cfg" --home "$home" --offline mail list --folder "$BOX" | cut -f1 | head -1)
batch_clean "mail list" --offline mail list --folder "$BOX"
batch_clean "mail read" --offline mail read "$mid"
batch_clean "mail attachments" mail attachments "$mid"
batch_clean "chat history" --offline chat history "$ROOM"
batch_clean "files ls" --offline files ls
batch_clean "sheets get" sheets get "$T_DIR/sheet.csv" A1:C2

echo "1..$t_n"
t_done
