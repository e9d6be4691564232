#!/bin/bash
# mail_actions.sh - the Mail tab's index keys on the real binary against the
# loopback Dovecot as alice, the server's side seen by
# tests/integration/mail_probe.py (imaplib, not atrium). A private folder
# mailw-tui-PID holds a thread of three (A, Re: A, Re: Re: A, linked by
# References) and an unrelated B, each from a different sender, dates
# distinct: the index is threaded (the tree before the replies' subjects,
# "by thread" in the title); z collapses the thread to its root with "(3)"
# and back; o cycles date, sender, subject, size and back to thread; F and N
# show in the mark column at once and reach the server; opening a message
# marks it read there; M moves to Archive and d to Trash; a flag set with
# --offline waits in the outbox and reaches the server on the next sync;
# the Chinese UI names the sort 按会话.
cd "$(dirname "$0")/../.." || exit 1
. tests/tui/tmux.lib
S=${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}
set -a
. "$S/env"
set +a
export ATRIUM_TEST_SERVERS=$S

BOX=mailw-tui-$$
TAG=tuiw$$ # in every subject: unique on the shared server
PROBE=tests/integration/mail_probe.py
W=120
H=30
probe() { /usr/bin/python3 -B "$PROBE" "$@"; }

# Remove the test's messages from Archive and Trash by Message-ID (only
# those: UID EXPUNGE leaves others' deleted messages alone), then the folder.
cleanup() {
	/usr/bin/python3 -B - "$TAG" "$BOX" <<'EOF' >/dev/null 2>&1
import sys
sys.path.insert(0, "tests/integration")
import mail_probe
tag, box = sys.argv[1], sys.argv[2]
m = mail_probe.connect("alice")
for f in ("Archive", "Trash"):
    if m.select(mail_probe.quote(f))[0] != "OK":
        continue
    typ, data = m.uid("SEARCH", None, "HEADER", "Message-ID", tag + "-")
    for uid in (data[0].split() if typ == "OK" and data[0] else []):
        m.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
        m.uid("EXPUNGE", uid)
m.delete(mail_probe.quote(box))
m.logout()
EOF
	t_cleanup
}
trap cleanup EXIT

mkcfg() { # FILE
	{
		grep '^key_file' "$ALICE_CONFIG"
		echo
		echo "[mail]"
		echo "imap = imaps://127.0.0.1:$IMAPS_PORT"
		echo "user = $ALICE_EMAIL"
		echo "password = $ALICE_PASSWORD"
		echo "ca_file = $CA_FILE"
	} >"$1"
	chmod 600 "$1"
}
home=$T_DIR/home
mkdir -m 700 "$home"
cfg=$T_DIR/config
mkcfg "$cfg"
run="$ATRIUM_BIN --config $cfg --home $home"

eml() { # FILE FROM SUBJECT DATE MSGID [REFS]
	{
		printf 'From: %s <%s@example.test>\r\n' "$2" "${2%% *}"
		printf 'To: alice@example.test\r\nSubject: %s\r\nDate: %s\r\n' "$3" "$4"
		printf 'Message-ID: <%s@example.test>\r\n' "$5"
		if [ -n "${6:-}" ]; then
			printf 'In-Reply-To: %s\r\nReferences: %s\r\n' "${6##* }" "$6"
		fi
		printf 'Content-Type: text/plain; charset=UTF-8\r\n\r\nbody of %s\r\n' "$3"
	} >"$1"
}
# thread A (newest thread, listed first); B older, alone. Senders sort A to
# Z in thread order, dates newest first the other way round.
mkdir "$T_DIR/eml"
E=$T_DIR/eml
eml "$E/1.eml" "Ann Alpha" "$TAG Alpha" "Mon, 02 Mar 2026 10:00:00 +0000" "$TAG-a"
eml "$E/2.eml" "Ben Reply" "Re: $TAG Alpha" "Mon, 02 Mar 2026 11:00:00 +0000" "$TAG-ra" \
	"<$TAG-a@example.test>"
eml "$E/3.eml" "Cid Second" "Re: Re: $TAG Alpha" "Mon, 02 Mar 2026 12:00:00 +0000" "$TAG-rra" \
	"<$TAG-a@example.test> <$TAG-ra@example.test>"
eml "$E/4.eml" "Dora Bravo" "$TAG Bravo" "Mon, 02 Mar 2026 09:00:00 +0000" "$TAG-b"
if ! probe mkbox alice "$BOX" "$E/1.eml" "$E/2.eml" "$E/3.eml" "$E/4.eml"; then
	not_ok "the test mail is put into $BOX"
	exit 1
fi

# The screen row (0-based) of the first line holding TEXT.
row_of() { screen | grep -nF -- "$1" | head -1 | cut -d: -f1 | awk '{ print $1 - 1 }'; }
# The index row of the message from SENDER.
row_for() { row "$(row_of "$1")"; }
quit() {
	keys C-q
	atrium_gone
}

# Wait until the server's flags of the first message whose subject holds
# SUBJ in BOX do (want=1) or do not (want=0) contain FLAG (10 s).
srv_flag() { # want FLAG SUBJ
	local i f
	for ((i = 0; i < 50; i++)); do
		f=$(probe flags alice "$BOX" "$3" 2>/dev/null)
		if [ "$1" = 1 ]; then
			case $f in *"$2"*) return 0 ;; esac
		else
			case $f in *FLAGS*) case $f in *"$2"*) ;; *) return 0 ;; esac ;; esac
		fi
		sleep 0.2
	done
	echo "# server flags of '$3': $f"
	return 1
}
# Wait until N messages whose subject holds SUBJ are in FOLDER (10 s).
srv_count() { # FOLDER SUBJ N
	local i c
	for ((i = 0; i < 50; i++)); do
		c=$(probe count alice "$1" "$2" 2>/dev/null)
		[ "$c" = "$3" ] && return 0
		sleep 0.2
	done
	echo "# $1 holds $c of '$2', not $3"
	return 1
}

# Open the test folder from the folder list (the list starts on the
# current folder, INBOX), until WAIT_TEXT shows. Twice at most: a folder
# another test creates meanwhile may shift the list under the j presses.
open_box() { # [WAIT_TEXT]
	local i n try
	for try in 1 2; do
		keys c
		wait_for "$BOX" 10 || return 1
		n=$(($(row_of "$BOX") - $(row_of INBOX)))
		for ((i = 0; i < n; i++)); do keys j; done
		sleep 0.2
		keys Enter
		wait_for "${1:-Dora Bravo}" 10 && row_has "$(row_of "$BOX")" " messages  by " 1 &&
			return 0
	done
	return 1
}
# Put the selection on the message from SENDER: g goes to the first
# listed row, just under the title (which names the folder).
select_row() { # SENDER
	local n r
	r=$(row_of "$1")
	[ -n "$r" ] || return 1
	n=$((r - $(row_of "$BOX") - 1))
	keys g
	for ((; n > 0; n--)); do keys j; done
	sleep 0.2
}
# The sync started by opening the folder done: its note has gone.
synced() { wait_gone "Syncing with the mail server" 15; }

# ---- the thread, collapsing, the sorts ------------------------------------------------
t_session $W $H
type_text "$run"
keys Enter
check "the tab syncs when first shown: Online in the status line" wait_for "Online" 15
check "c, Enter opens the test folder: its four messages" open_box
synced
check "the title says by thread" wait_for "4 messages  by thread" 5
tree_ok() {
	row_for "Ben Reply" | grep -qF "└─>Re: $TAG Alpha" &&
		row_for "Cid Second" | grep -qF "  └─>Re: Re: $TAG Alpha" &&
		! row_for "Ann Alpha" | grep -qF '─>' && ! row_for "Dora Bravo" | grep -qF '─>'
}
check "the replies have the tree before their subjects, one level deeper each; roots none" tree_ok
in_order() { # SENDER... : listed top to bottom
	local prev=-1 r s
	for s in "$@"; do
		r=$(row_of "$s")
		[ -n "$r" ] && [ "$r" -gt "$prev" ] || return 1
		prev=$r
	done
}
# Until a command succeeds, polled (up to SECONDS).
eventually() { # SECONDS command...
	local i limit=$(($1 * 50))
	shift
	for ((i = 0; i < limit; i++)); do
		"$@" && return 0
		sleep 0.02
	done
	return 1
}
check "threads newest first, each thread's messages under its root" \
	in_order "Ann Alpha" "Ben Reply" "Cid Second" "Dora Bravo"

select_row "Ann Alpha"
keys z
collapsed() {
	wait_gone "Ben Reply" 5 && wait_gone "Cid Second" 1 &&
		row_for "Ann Alpha" | grep -qF "(3) $TAG Alpha" && screen | grep -qF "Dora Bravo"
}
check "z on the thread: its replies hidden, (3) before the root's subject" collapsed
keys z
expanded() {
	wait_for "Cid Second" 5 && wait_for "Ben Reply" 1 && ! screen | grep -qF "(3)" &&
		in_order "Ann Alpha" "Ben Reply" "Cid Second" "Dora Bravo"
}
check "z again: the thread expanded" expanded
keys Z
check "Z collapses every thread" collapsed
keys Z
check "Z again expands them all" expanded

keys o
by_date() {
	wait_for "4 messages  by date" 5 && wait_gone "─>" 1 &&
		in_order "Cid Second" "Ben Reply" "Ann Alpha" "Dora Bravo"
}
check "o: by date in the title, newest first, no tree" by_date
keys o
check "o: by sender, A to Z" eval 'wait_for "4 messages  by sender" 5 &&
	in_order "Ann Alpha" "Ben Reply" "Cid Second" "Dora Bravo"'
keys O
check "O reverses: Z to A" eventually 5 in_order "Dora Bravo" "Cid Second" "Ben Reply" "Ann Alpha"
keys O
keys o
check "o: by subject" wait_for "4 messages  by subject" 5
keys o
check "o: by size" wait_for "4 messages  by size" 5
keys o
check "the fifth o: by thread again, the tree back" eval 'wait_for "4 messages  by thread" 5 &&
	tree_ok'

# ---- marks: at once on the screen, soon on the server ---------------------------------
select_row "Dora Bravo"
keys F
check "F: the flag mark (!) on the row at once" eval 'row_has "$(row_of "Dora Bravo")" " N!  " 2'
check "F: the server has \\Flagged within 10 s" srv_flag 1 '\Flagged' "$TAG Bravo"
keys F
check "F again: the mark gone" eval 'row_has "$(row_of "Dora Bravo")" " N   " 2'
check "F again: the server's \\Flagged removed" srv_flag 0 '\Flagged' "$TAG Bravo"
keys N
check "N on an unread message: its N mark gone" eval 'row_has "$(row_of "Dora Bravo")" "     2026" 2'
check "N: the server has \\Seen" srv_flag 1 '\Seen' "$TAG Bravo"
keys N
check "N again: unread (N) again" eval 'row_has "$(row_of "Dora Bravo")" " N   " 2'
check "N again: the server's \\Seen removed" srv_flag 0 '\Seen' "$TAG Bravo"
select_row "Cid Second"
keys Enter
check "Enter on an unread message opens it" wait_for "Subject: Re: Re: $TAG Alpha" 10
check "... its body is shown" wait_for "body of Re: Re: $TAG Alpha" 10
keys q
check "q: back, the message no longer unread" eval 'wait_for "Dora Bravo" 5 &&
	row_has "$(row_of "Cid Second")" "     2026" 2'
check "opened: the server has \\Seen" srv_flag 1 '\Seen' "Re: Re: $TAG Alpha"

# ---- several at once: t tags, an action applies to every tagged message ----------------
select_row "Dora Bravo"
keys t
check "t: the row is tagged (*)" eval 'row_has "$(row_of "Dora Bravo")" "*" 2'
select_row "Ben Reply"
keys t
keys F
check "F with two tagged: both flagged on the screen" eval 'row_has "$(row_of "Dora Bravo")" "!" 3 &&
	row_has "$(row_of "Ben Reply")" "!" 3'
check "... and on the server, both" eval 'srv_flag 1 "\Flagged" "$TAG Bravo" &&
	srv_flag 1 "\Flagged" "Re: $TAG Alpha"'
check "... the tags are gone after the action" eval 'wait_gone "*" 5'
select_row "Dora Bravo"
keys F
select_row "Ben Reply"
keys F
check "F on each alone: unflagged again on the server" eval 'srv_flag 0 "\Flagged" "$TAG Bravo" &&
	srv_flag 0 "\Flagged" "Re: $TAG Alpha"'

# ---- move and delete -------------------------------------------------------------------
select_row "Dora Bravo"
keys M
check "M opens the folder list asking where to" wait_for "Move to which folder?" 5
pick_archive() {
	local i n=$(($(row_of Archive) - $(row_of INBOX)))
	[ "$n" -gt 0 ] || return 1
	for ((i = 0; i < n; i++)); do keys j; done
	sleep 0.2
	keys Enter
	wait_gone "Dora Bravo" 5 && wait_for "3 messages" 1
}
check "j to Archive, Enter: the message leaves the index" pick_archive
check "moved: the server has it in Archive" srv_count Archive "$TAG Bravo" 1
check "moved: ... and no more in $BOX" srv_count "$BOX" "$TAG Bravo" 0
select_row "Cid Second"
keys d
check "d: the message leaves the index" eval 'wait_gone "Cid Second" 5 && wait_for "2 messages" 1'
check "deleted: the server has it in Trash" srv_count Trash "Re: Re: $TAG Alpha" 1
check "deleted: ... and no more in $BOX" srv_count "$BOX" "Re: Re: $TAG Alpha" 0

# ---- new mail while the index is collapsed or sorted: read again, kept so ----------------
# (the index is read, threaded and sorted on the loader thread, as the
# view was when the read began)
select_row "Ann Alpha"
keys z
check "z on the thread of two: (2) before the root" eval 'wait_gone "Ben Reply" 5 &&
	row_for "Ann Alpha" | grep -qF "(2) $TAG Alpha"'
eml "$E/5.eml" "Eve Echo" "$TAG Echo" "Mon, 02 Mar 2026 08:00:00 +0000" "$TAG-e"
probe append alice "$BOX" "$E/5.eml"
check "new mail in the folder: its index read again (3 messages)" eval 'wait_for "Eve Echo" 20 &&
	wait_for "3 messages  by thread" 1'
check "... the collapsed thread still collapsed" eval '! screen | grep -qF "Ben Reply" &&
	row_for "Ann Alpha" | grep -qF "(2) $TAG Alpha"'
keys z
check "z: expanded again" wait_for "Ben Reply" 5
keys o o
check "o o: by sender" wait_for "3 messages  by sender" 5
eml "$E/6.eml" "Abe Foxtrot" "$TAG Foxtrot" "Mon, 02 Mar 2026 07:00:00 +0000" "$TAG-f"
probe append alice "$BOX" "$E/6.eml"
check "new mail: still by sender, the new message first" eval 'wait_for "4 messages  by sender" 20 &&
	in_order "Abe Foxtrot" "Ann Alpha" "Ben Reply" "Eve Echo"'
keys o o o
check "o o o: by thread again" wait_for "4 messages  by thread" 5
for who in "Eve Echo" "Abe Foxtrot"; do
	select_row "$who"
	keys d
	check "d: $who leaves the index" wait_gone "$who" 5
done
check "... 2 messages left" wait_for "2 messages" 5
# (on the server before quitting: the offline part counts the outbox)
check "... both in the server's Trash" eval 'srv_count Trash "$TAG Echo" 1 &&
	srv_count Trash "$TAG Foxtrot" 1'
check "C-q quits" quit

# ---- offline: the flag waits in the outbox --------------------------------------------
t_session $W $H
type_text "$run --offline"
keys Enter
check "--offline: Offline in the status line" wait_for "Offline" 10
check "--offline: the cached folder opens (2 messages left)" eval 'open_box "Ann Alpha" &&
	wait_for "2 messages" 1'
select_row "Ann Alpha"
keys F
check "--offline: F shows the flag mark at once" eval 'row_has "$(row_of "Ann Alpha")" " N!  " 2'
check "--offline: the status line counts it queued" wait_for "1 queued" 5
check "--offline: C-q quits" quit
check "--offline: not sent: the server has no \\Flagged on A" srv_flag 0 '\Flagged' "$TAG Alpha"
batch_sync() {
	$run mail sync --folder "$BOX" >"$T_DIR/sync.out" 2>&1
	local rc=$?
	sed 's/^/# /' "$T_DIR/sync.out"
	[ $rc -eq 0 ] && grep -qF "1 queued changes reached the server" "$T_DIR/sync.out"
}
check "a batch mail sync --folder replays the outbox: 1 queued change" batch_sync
check "nothing lost offline: the server has \\Flagged on A" srv_flag 1 '\Flagged' "$TAG Alpha"
check "... on A only (Re: A unflagged)" srv_flag 0 '\Flagged' "Re: $TAG Alpha"

# ---- Chinese -----------------------------------------------------------------------------
# zh_CN.UTF-8 need not be installed: the language follows LANG, the
# characters LC_CTYPE
t_session $W $H LANG=zh_CN.UTF-8 LC_CTYPE=C.UTF-8
type_text "$run --offline"
keys Enter
check "Chinese (LANG=zh_CN.UTF-8): 离线 in the status line" wait_for "离线" 10
keys C-e
type_text "mail sync --folder $BOX"
keys Enter
check "Chinese: the folder shows, the title says 按会话" eval 'wait_for "Ann Alpha" 5 &&
	wait_for "按会话" 5'
keys o
check "Chinese: o, 按日期" wait_for "按日期" 5
check "Chinese: C-q quits" quit
t_done
