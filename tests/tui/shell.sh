#!/bin/bash
# shell.sh - the atrium shell in a real terminal (tmux): tabs in English and
# Chinese at 80x24 and 200x60, Alt/Esc tab keys, the ':' and Ctrl-E command
# line with history and completion, help, the pager, resizing, untrusted
# text from the config shown inert, an unknown TERM, monochrome, and the
# terminal restored after quit and after SIGTERM.
cd "$(dirname "$0")/../.." || exit 1
. tests/tui/tmux.lib

cfg=$T_DIR/config
"$ATRIUM_BIN" keygen "$T_DIR/store.key" >/dev/null
printf '%s\n' "key_file = $T_DIR/store.key" '[mail]' 'imap = imaps://127.0.0.1:1993' 'smtp = smtps://127.0.0.1:1465' \
	"user = alice$(printf '\033')]0;pwned$(printf '\007')@example.test" \
	'[files]' 'url = https://127.0.0.1:1443/dav/team/' 'user = alice' > "$cfg"
chmod 600 "$cfg"
run="$ATRIUM_BIN --config $cfg --home $T_DIR/home"

# ---- English, 80x24 -----------------------------------------------------
t_session 80 24
keys "$run" Enter
check "starts and shows the four tabs in English" wait_for "1 Mail  2 Chat  3 Docs  4 Sheets"
check "status line shows each service's state" row_has 22 "Mail: Offline"
check "unconfigured chat shows 'not set up'" row_has 22 "Chat: not set up"
check "mail view shows the account" wait_for "imaps://127.0.0.1:1993"
check "escape sequence from the config is shown inert" wait_for "alice␛]0;pwned␇@example.test"

keys M-2
check "Alt-2 switches to Chat" wait_for "No Chat account is set up"
keys Escape; sleep 0.1; keys 3
check "Esc then 3 switches to Docs (terminals without Meta)" row_has 1 "untitled"
# The editor takes text, so ':' is a colon there; Ctrl-E opens the line.
keys C-e
type_text "sheets"; keys Enter
check "'sheets' on the command line switches to Sheets (the grid)" row_has 2 "A          B          C"

keys F1
check "F1 opens help in English" wait_for "Help — Sheets"
check "help lists the shell keys" wait_for "Open the command line, everywhere"
keys End
check "help scrolls to the module's verbs (End: the last of them)" wait_for "sheets delete"
keys Escape
check "Esc closes help" wait_gone "Help — Sheets"
keys C-g
check "Ctrl-G opens help too" wait_for "Help — Sheets"
keys q
wait_gone "Help — Sheets"

keys C-e
type_text "ver"; keys Tab
check "Tab completes a command" wait_for ":version"
keys Enter
check "a command's one-line output shows in the message line" wait_for "atrium 0.1.0"
keys C-e Up
check "Up recalls the previous command" wait_for ":version"
keys C-u
type_text "mail status"; keys Enter
check "multi-line output opens the pager" wait_for "q closes"
check "pager shows the output" wait_for "Server: smtps://127.0.0.1:1465"
keys q
check "q closes the pager" wait_gone "q closes"
keys :
type_text "mail explode"; keys Enter
check "an unknown verb is reported" wait_for "unknown verb 'explode' for mail"
keys :
type_text "offline"; keys Enter
check ":offline forces offline and says so" wait_for "[offline]"
keys :
type_text "online"; keys Enter
check ":online returns" wait_gone "[offline]"

tmx resize-window -t t -x 100 -y 30
check "resize: the status line moves to the new bottom" row_has 28 "Mail: Offline"
tmx resize-window -t t -x 30 -y 8
check "a tiny terminal shows what size is needed" wait_for "at least 40"
tmx resize-window -t t -x 80 -y 24
check "growing back redraws the tabs" wait_for "1 Mail  2 Chat"

keys C-q
check "Ctrl-Q quits" atrium_gone
keys "stty -a | grep -o -- ' -*icanon' | tr -d ' '; echo rc=\$?" Enter
check "terminal restored after quit (canonical mode)" line_is icanon

# ---- SIGTERM restores the terminal --------------------------------------
keys clear Enter
keys "$run; echo exit=\$?" Enter
wait_for "1 Mail"
kill -TERM "$(atrium_pid)"
check "SIGTERM ends atrium cleanly" wait_for "exit=0"
keys "stty -a | grep -o -- ' -*echo ' | tr -d ' '" Enter
check "terminal restored after SIGTERM (echo on)" line_is echo

# ---- Chinese at 200x60 -----------------------------------------------------
t_session 200 60
keys "$run --lang zh_Hans" Enter
check "Chinese tabs at 200x60" wait_for "1 邮件  2 聊天  3 文档  4 表格"
check "Chinese status line uses full-width punctuation" wait_for "邮件：离线"
keys F1
check "help in Chinese" wait_for "帮助 — 邮件"
keys Escape C-q
t_session 80 24 LANG=zh_CN.UTF-8
keys "$run" Enter
check "LANG=zh_CN.UTF-8 picks Chinese though the locale is not generated" wait_for "1 邮件  2 聊天"
check "Chinese tabs fit at 80x24" row_has 0 "4 表格"
keys C-q

# ---- terminals ---------------------------------------------------------------
t_session 80 24
keys "TERM=no-such-terminal-xyz $run" Enter
check "an unknown TERM falls back instead of exiting" wait_for "1 Mail  2 Chat"
keys C-q
keys "NO_COLOR=1 $run" Enter
check "monochrome (NO_COLOR) still draws the shell" wait_for "1 Mail  2 Chat"
keys C-q
keys clear Enter
keys "$run </dev/null; echo exit=\$?" Enter
check "without a terminal on stdin the screen refuses with a clear message" wait_for "the screen needs a terminal"
check "... and exit code 1" wait_for "exit=1"

# ---- the terminal goes away (SSH dropped) ---------------------------------
keys clear Enter
keys "$run" Enter
wait_for "1 Mail"
pid=$(atrium_pid)
tmx kill-session -t t
gone() { for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.02; done; return 1; }
check "a dropped terminal ends atrium (no orphan spinning)" gone

t_done
