#!/bin/bash
# chat.sh - the Chat tab (the second tab) against the loopback Prosody:
# alice on the screen, her chat server behind netfault; bob, the peer,
# driven with batch verbs from his own home. A private room tui-PID that
# bob creates and alice joins from the command line; bob's message naming
# alice shows with a mention badge and in the unread count, Enter opens
# it; alice writes (a plain line, then a bracketed paste of two lines that
# goes as one message), bob's history has each once; a C1 control from bob
# shows as a placeholder, never raw; cut from the server, alice's message
# waits (queued) and goes, once, when the link is back, with bob's message
# of meanwhile caught up; e corrects; the Chinese UI.
cd "$(dirname "$0")/../.." || exit 1
. tests/tui/tmux.lib
S=${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}
set -a
. "$S/env"
set +a

ROOM=tui-$$@$MUC_DOMAIN
W=120
H=30
NF_PORT=$((ATRIUM_PORT_BASE + 50)) # netfault: alice's way to the chat server
nf=$T_DIR/nf.sock
nf_pid=
alice_home=$T_DIR/alice
bob_home=$T_DIR/bob
mkdir -m 700 "$alice_home" "$bob_home"
cfg=$T_DIR/alice.config
bob_cfg=$T_DIR/bob.config
run="$ATRIUM_BIN --config $cfg --home $alice_home"
bob() { "$ATRIUM_BIN" --config "$bob_cfg" --home "$bob_home" chat "$@"; }

cleanup() {
	tmx kill-server 2>/dev/null || true
	[ -n "$nf_pid" ] && tests/servers/netfault ctl "$nf" pass >/dev/null 2>&1
	# both leave the room (and drop their bookmarks of it); a timeout
	# keeps a dead server from holding the run
	local pa pb
	timeout 20 "$ATRIUM_BIN" --config "$cfg" --home "$alice_home" chat leave "$ROOM" \
		>/dev/null 2>&1 &
	pa=$!
	timeout 20 "$ATRIUM_BIN" --config "$bob_cfg" --home "$bob_home" chat leave "$ROOM" \
		>/dev/null 2>&1 &
	pb=$!
	wait "$pa" "$pb"
	if [ -n "$nf_pid" ]; then
		kill "$nf_pid" 2>/dev/null && wait "$nf_pid" 2>/dev/null
	fi
	t_cleanup
}
trap cleanup EXIT

# Private copies of the accounts: alice's chat server through netfault and
# only her [chat] (no other tab talks to the shared servers); both fetch
# only a little history the first time (the shared accounts' archives are
# long, and this test needs none of it).
tests/servers/netfault --listen "127.0.0.1:$NF_PORT" --target "127.0.0.1:$XMPP_PORT" \
	--control "$nf" --pidfile "$nf.pid" >"$nf.log" 2>&1 &
nf_pid=$!
wait_for_file "$nf.pid" 10
(
	umask 077
	awk -v srv="127.0.0.1:$NF_PORT" '
		/^\[/ { sec = $0 }
		sec == "" && /^key_file/ { print; next }
		sec == "[chat]" && /^(server|history)[ \t]*=/ { next }
		sec == "[chat]" { print }
		$0 == "[chat]" { print "server = " srv; print "history = 20" }' "$ALICE_CONFIG" >"$cfg"
	awk '
		/^\[/ { sec = $0 }
		sec == "[chat]" && /^history[ \t]*=/ { next }
		{ print }
		$0 == "[chat]" { print "history = 20" }' "$BOB_CONFIG" >"$bob_cfg"
)

# Poll a test for up to N seconds.
poll() { # seconds command...
	local i limit=$(($1 * 50))
	shift
	for ((i = 0; i < limit; i++)); do
		"$@" && return 0
		sleep 0.02
	done
	return 1
}
# The list (left of the first │) and the conversation (right of it).
list_part() { screen | sed 's/│.*//'; }
conv_part() { screen | sed 's/^[^│]*│//'; }
status_row() { row $((H - 2)); }
status_has() { row_has $((H - 2)) "$@"; }
quit() {
	keys C-q
	atrium_gone
}

# bob's history of the room as JSON (his verb connects and catches up
# first), and a Python test on it: m is the list of messages.
hist_has() { # PYEXPR
	bob history "$ROOM" --json --limit 200 2>/dev/null | /usr/bin/python3 -c '
import json, os, sys
m = json.load(sys.stdin)
sys.exit(0 if eval("(" + sys.argv[1] + ")", {"m": m, "T": os.environ.get("T")}) else 1)' "$1"
}
# the text T exactly once in the room, and that one from alice
once_from_alice() { # text
	T="$1" hist_has '[x["text"] for x in m].count(T) == 1 and
		[x for x in m if x["text"] == T and (x["from"] or "").endswith("/alice")]'
}
# wait for a test on bob's history (15 tries, about a second apart)
hist_wait() { # command...
	local i
	for ((i = 0; i < 15; i++)); do
		"$@" && return 0
		sleep 1
	done
	return 1
}

# ---- online: the tab, the room ------------------------------------------------------
bob join "$ROOM" >"$T_DIR/join.out" 2>&1 &
join_pid=$!
t_session $W $H
type_text "$run"
keys Enter
wait_for "1 Mail" 10
keys M-2
check "Alt-2 shows the Chat tab: Chat: Online in the status line within 15 s" \
	status_has "Chat: Online" 15

wait "$join_pid"
check "bob creates the room tui-$$ (Room created ...)" grep -qF "Room created" "$T_DIR/join.out"
keys C-e
type_text "chat join $ROOM"
keys Enter
check "alice joins it from the command line: the room is in the list (# tui-$$...)" \
	wait_for "# tui-$$" 15

# ---- a mention while the room is not open -------------------------------------------
unread_now() { status_row | grep -oE '[0-9]+ unread' | grep -oE '[0-9]+'; }
unread_before=$(unread_now)
bob send "$ROOM" "你好 alice, 第一条" >/dev/null 2>&1
badge() { list_part | grep -F "# tui-$$" | grep -qE ' @1 *$'; }
check "bob's message naming alice: the room's row ends with the mention badge @1" poll 10 badge
# more than before (other tests may write to alice meanwhile: not equal)
unread_grew() { local n; n=$(unread_now); [ "${n:-0}" -gt "${unread_before:-0}" ]; }
check "the status line's unread count includes it (more than ${unread_before:-0})" poll 5 unread_grew

# ---- open the room ----------------------------------------------------------------------
# The selection follows its conversation when the list is read again, and
# the order moves as messages come: each entry from the top is opened in
# turn until the conversation's title is the room.
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
check "Enter on the room in the list opens it (its JID in the title)" open_room
bob_line() { conv_part | grep -qE '^[0-9]{2}:[0-9]{2} +bob +你好 alice, 第一条'; }
check "... bob's message shows, with his nick" poll 5 bob_line
badge_gone() { list_part | grep -F "# tui-$$" | grep -qvE '@1 *$'; }
check "... and the room's badge is gone" poll 5 badge_gone
# o: who is in the room (alice, who joined it from the screen: bob's
# batch commands leave when they end)
people() { screen | grep -qE '│● @?alice *$'; }
keys o
check "o shows the room's people: alice, joined from the screen" poll 5 people
check "... under their title" wait_for "People" 2
keys o
check "o again hides them" wait_gone "People" 5

# ---- alice writes ------------------------------------------------------------------------
keys i
type_text "from alice 世界"
keys Enter
mine() { conv_part | grep -qE "^[0-9]{2}:[0-9]{2} +alice +$1"; }
check "i, a line, Enter: it shows as alice's" poll 5 mine "from alice 世界"

# a bracketed paste of two lines while writing (the line stays open after
# Enter): both lines in the input, nothing sent
tmx set-buffer -b p -- "line one
line two"
tmx paste-buffer -p -b p -t t
pasted() {
	local s
	s=$(conv_part)
	grep -qxE '› line one *' <<<"$s" && grep -qxE ' *line two *' <<<"$s" && ! mine "line one"
}
check "a bracketed paste of two lines fills the input and does not send" poll 5 pasted
keys Enter
check "Enter sends it as one message (line one / line two)" poll 5 mine "line one"
check "bob's history: 'from alice 世界' once, from alice" hist_wait once_from_alice "from alice 世界"
check "bob's history: 'line one\\nline two' as one message, once, from alice" \
	hist_wait once_from_alice $'line one\nline two'

# ---- a control character from bob ---------------------------------------------------------
bob send "$ROOM" "$(printf 'C1 \xc2\x9b31mRED')" >/dev/null 2>&1
check "bob's message with a C1 CSI shows as text (31mRED)" wait_for "31mRED" 10
no_raw() { ! screen | grep -F "31mRED" | grep -q $'\xc2\x9b'; }
check "... not raw: no C1 byte on its row" no_raw
placeholder() { screen | grep -qF "C1 �31mRED"; }
check "... the replacement character in its place (C1 �31mRED)" placeholder
# the attributes in effect where RED is drawn: no colour (the CSI did
# nothing, and the message is drawn plain)
red_plain() {
	tmx capture-pane -e -p -t t | grep -F "31mRED" | /usr/bin/python3 -c '
import re, sys
line = sys.stdin.read()
i = line.find("31mRED")
if i < 0:
	sys.exit(1)
on = []
for m in re.finditer(r"\x1b\[([0-9;]*)m", line[:i]):
	for p in (m.group(1) or "0").split(";"):
		on = [] if p in ("", "0") else on + [int(p)]
fg = any(30 <= x <= 38 or 90 <= x <= 97 for x in on)
sys.exit(1 if fg else 0)'
}
check "... and RED is drawn with no colour set (capture-pane -e)" red_plain
# the placeholder itself is marked (reverse video, the control role), so a
# control cannot pass for a genuine U+FFFD in the text
ph_marked() {
	tmx capture-pane -e -p -t t | grep -F "31mRED" | /usr/bin/python3 -c '
import re, sys
line = sys.stdin.read()
i = line.rfind("\ufffd", 0, line.find("31mRED"))
if i < 0:
	sys.exit(1)
on = []
for m in re.finditer(r"\x1b\[([0-9;]*)m", line[:i]):
	for p in (m.group(1) or "0").split(";"):
		on = [] if p in ("", "0") else on + [int(p)]
sys.exit(0 if 7 in on else 1)'
}
check "... the placeholder drawn in reverse video, as a control (capture-pane -e)" ph_marked

# ---- cut from the server -------------------------------------------------------------------
tests/servers/netfault ctl "$nf" drop >/dev/null
check "netfault drop: Chat: Offline in the status line" status_has "Chat: Offline" 15
bob send "$ROOM" "during cut" >/dev/null 2>&1 &
cut_pid=$!
type_text "alice offline"
keys Enter
queued() { conv_part | grep -F "alice offline" | grep -qF "(queued)"; }
check "alice's message while cut: shown with (queued)" poll 5 queued
wait "$cut_pid"
tests/servers/netfault ctl "$nf" pass >/dev/null
t0=$(date +%s%N)
check "netfault pass: bob's message of meanwhile shows within 15 s" wait_for "during cut" 15
echo "# back after $((($(date +%s%N) - t0) / 1000000)) ms (the tab's back-off after the cut)"
unqueued() { conv_part | grep -F "alice offline" | grep -qvF "(queued)"; }
check "... the (queued) mark goes" poll 15 unqueued
check "... bob's history has 'alice offline' once, from alice" \
	hist_wait once_from_alice "alice offline"

# ---- a correction --------------------------------------------------------------------------------
keys Escape
input_closed() { ! conv_part | grep -qE '^›'; }
# (Esc then e at once would read as Alt-e)
poll 5 input_closed
keys e
input_is() { conv_part | grep -qxE '› alice offline *'; }
check "Escape closes the line; e fills it with alice's last message" poll 5 input_is
keys C-u
type_text "corrected text"
keys Enter
edited() { conv_part | grep -qE '^[0-9]{2}:[0-9]{2} +alice +corrected text \(edited\)'; }
check "Ctrl-U, a new text, Enter: the message shows it, (edited)" poll 10 edited
check "... in place: 'alice offline' is no longer shown" wait_gone "alice offline" 5
corrected() {
	hist_has '[x for x in m if x["text"] == "corrected text" and x["corrected"] is True
		and (x["from"] or "").endswith("/alice")] and
		not [x for x in m if x["text"] == "alice offline"]'
}
check "... bob's history: 'corrected text', corrected, in place of 'alice offline'" \
	hist_wait corrected
keys Escape
poll 5 input_closed
keys C-q
check "Ctrl-Q quits" atrium_gone

# ---- Chinese -------------------------------------------------------------------------------------
t_session $W $H LANG=zh_CN.UTF-8
type_text "$run"
keys Enter
check "Chinese: the tab bar says 聊天" wait_for " 2 聊天 " 10
keys M-2
check "Chinese: the status line says 聊天：在线" status_has "聊天：在线" 15
quit
t_done
