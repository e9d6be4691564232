#!/bin/bash
# docs.sh - the Docs tab's editor in a real terminal (tmux): open a file
# with ':docs open', type English and Chinese, ':' as text while Ctrl-E
# still opens the command line, arrows (Up keeps the column), Backspace,
# Ctrl-S saves the right bytes, escape sequences typed or pasted show
# inert, a bracketed paste is one undo step, Ctrl-Z and Ctrl-Y, and the
# title bar in Chinese.
cd "$(dirname "$0")/../.." || exit 1
. tests/tui/tmux.lib

cfg=$T_DIR/config
"$ATRIUM_BIN" keygen "$T_DIR/store.key" >/dev/null
printf '%s\n' "key_file = $T_DIR/store.key" > "$cfg"
chmod 600 "$cfg"
run="$ATRIUM_BIN --config $cfg --home $T_DIR/home"
doc=$T_DIR/note.txt
esc=$(printf '\033')

# Bytes of a file as hex, to compare exactly.
hex() { od -An -tx1 -v "$1" | tr -d ' \n'; }
same_bytes() { # file printf-format
	[ "$(hex "$1")" = "$(printf "$2" | od -An -tx1 -v | tr -d ' \n')" ]
}

t_session 80 24
keys "$run" Enter
wait_for "1 Mail  2 Chat  3 Docs  4 Sheets"
keys M-3
check "Alt-3 shows the editor, untitled" row_has 1 "untitled"

keys C-e
type_text "docs open $doc"; keys Enter
check "':docs open FILE' opens a new file in the editor" row_has 1 "note.txt"
check "the new file is not written until saved" test ! -e "$doc"

type_text "Hello 世界"
check "typed English and Chinese show" row_has 2 "Hello 世界"
check "the title bar marks the text modified" row_has 1 "[modified]"
type_text ":"
check "':' types a colon while editing" row_has 2 "Hello 世界:"
check "the position counts display columns (CJK is 2)" row_has 1 "Ln 1, Col 12"

keys Enter
type_text "second"
keys Left Left Left BSpace
check "Left and Backspace delete the character before the cursor" row_has 3 "seond"
keys Up
type_text "X"
check "Up keeps the display column" row_has 2 "HeXllo 世界:"
keys End Down
type_text "!"
check "End and Down go to the end of the next line" row_has 3 "seond!"

keys C-s
check "Ctrl-S says it saved" wait_for "Saved $doc"
check "Ctrl-S clears the modified mark" wait_gone "[modified]"
check "the saved file has the right bytes" same_bytes "$doc" 'HeXllo 世界:\nseond!'

keys C-e
type_text "version"; keys Enter
check "Ctrl-E still opens the command line" wait_for "atrium 0.1.0"

keys Enter
type_text "typed ${esc}[2J here"
check "an escape sequence typed shows inert" row_has 4 "typed ␛[2J here"
keys Enter
tmx set-buffer -b p "pasted ${esc}[31mred${esc}[0m end"
tmx paste-buffer -p -b p -t t
check "a bracketed paste shows inert" row_has 5 "pasted ␛[31mred␛[0m end"
keys C-z
check "Ctrl-Z undoes the whole paste at once" wait_gone "pasted"
keys C-y
check "Ctrl-Y redoes it" row_has 5 "pasted ␛[31mred␛[0m end"
keys C-z C-z
check "Ctrl-Z again undoes the paste and then the typed word" wait_gone "here"

keys C-e
type_text "docs w"; keys Enter
check "':docs w' saves" wait_for "Saved $doc"
check "escape bytes are saved as they are" same_bytes "$doc" 'HeXllo 世界:\nseond!\ntyped \033[2J '

keys C-q
atrium_gone

# ---- Chinese ---------------------------------------------------------------
t_session 80 24
keys "$run --lang zh_Hans" Enter
wait_for "文档"
keys M-3
check "the untitled title bar in Chinese" row_has 1 "未命名"
type_text "中文"
check "the modified mark in Chinese" row_has 1 "[已修改]"
check "the position in Chinese" row_has 1 "第 1 行，第 5 列"
keys C-s
check "saving an untitled text asks for a name" wait_for "docs save FILE"
keys C-q
check "Ctrl-Q with unsaved text asks first (in Chinese too)" wait_for "中有未保存的更改"
keys n Enter
check "... and answering no keeps atrium running" bash -c "sleep 0.3; pgrep -x atrium >/dev/null"

# A paste is text through and through: a pasted BEL must not open help,
# and a pasted CR LF is one line end.
tmx send-keys -t t -l "$(printf '\033[200~a\007b\r\nc\033[201~')"
check "a pasted BEL does not open help" bash -c "$(declare -f screen tmx); T_SOCK=$T_SOCK; sleep 0.4; ! screen | grep -q '帮助 —'"
check "a pasted CR LF is one line end" row_has 3 "c"
keys C-q
wait_for "中有未保存的更改"
keys y Enter
check "answering yes quits" atrium_gone

# ---- crash recovery and find ----------------------------------------------
# Type into a file, wait past a journal tick, SIGKILL atrium: the next
# start offers the text back, marked recovered; Ctrl-K keeps it and
# Ctrl-S saves it. The file itself is never touched by the journal.
# A home of its own: the untitled text quit above is journalled in the
# first home and would be offered back there.
crash=$T_DIR/crash.txt
printf 'line one\n' > "$crash"
run="$ATRIUM_BIN --config $cfg --home $T_DIR/home2"
t_session 80 24
keys "$run" Enter
wait_for "1 Mail  2 Chat  3 Docs  4 Sheets"
keys M-3
keys C-e
type_text "docs open $crash"; keys Enter
row_has 1 "crash.txt"
type_text "unsaved 中文 "
check "typed into the file" row_has 2 "unsaved 中文 line one"
sleep 1.6
kill -9 "$(atrium_pid)"
check "SIGKILL ends atrium" atrium_gone
check "the journal never writes the user's file" same_bytes "$crash" 'line one\n'
keys "stty sane; clear" Enter
keys "$run" Enter
wait_for "1 Mail  2 Chat  3 Docs  4 Sheets"
keys M-3
keys C-e
type_text "docs open $crash"; keys Enter
check "reopening shows the recovered text" row_has 2 "unsaved 中文 line one"
check "... marked recovered in the title bar" row_has 1 "[recovered]"
check "... with a one-key choice" wait_for "Ctrl-K keep, Ctrl-D discard"
keys C-k
check "Ctrl-K keeps the recovered text" wait_gone "Ctrl-D discard"
keys C-s
check "Ctrl-S saves it" wait_for "Saved $crash"
check "the file holds the recovered text" same_bytes "$crash" 'unsaved 中文 line one\n'
check "saving clears the recovered mark" wait_gone "[recovered]"

keys C-f
type_text "line"
check "Ctrl-F finds as you type, with a count" wait_for "Find [1 of 1]: line"
type_text "x"
check "a missing needle says not found" wait_for "Find [not found]: linex"
keys BSpace Escape
check "Esc closes the find prompt" wait_gone "Find ["
type_text "Z"
check "the cursor stays at the match" row_has 2 "unsaved 中文 Zline one"
keys C-q
wait_for "Quit anyway"
keys y Enter
check "quits after asking" atrium_gone

# Soft wrap at 40 columns: word boundaries, Chinese punctuation rules, and
# ':docs wrap' turns it off (the line scrolls sideways again).
wrapdoc=$T_DIR/wrap.txt
printf '%s\n%s\n' "The quick brown fox jumps over the lazy dog and keeps running far away" \
	"一二三四五六七八九十一二三四五六七八九十，后面还有字。" > "$wrapdoc"
starts_with() { row "$1" | grep -q -- "^$2"; }
t_session 40 24
keys "$run" Enter
wait_for "Docs"
keys M-3
keys C-e
type_text "docs open $wrapdoc"; keys Enter
check "a long English line wraps at a word boundary" row_has 2 "The quick brown fox jumps over the lazy"
check "... onto the next screen row" starts_with 3 "dog and keeps running far away"
check "a Chinese row never starts with ，" starts_with 5 "十，后面还有字。"
check "... the row before holds 19 ideographs" starts_with 4 "一二三四五六七八九十一二三四五六七八九$"
keys C-e
type_text "docs wrap"; keys Enter
check "':docs wrap' turns soft wrap off" starts_with 3 "一二三四五"
keys End
check "... and the long line scrolls sideways" row_has 2 "far away"
check "... its start scrolled out" sh -c "! tmux -L '$T_SOCK' capture-pane -p -t t | sed -n 3p | grep -q 'The quick'"
keys C-q
check "quits (nothing changed)" atrium_gone


# ---- selections, cut/copy/paste, replace, buffers, commands -----------------
# Shift-Right selects by grapheme cluster (a ZWJ family is one), Ctrl-X
# cuts it, Ctrl-V pastes it elsewhere; Ctrl-C with nothing selected copies
# the line, and with [docs] osc52 the copy reaches tmux's clipboard (tmux
# 3.3 with set-clipboard on keeps OSC 52 as a paste buffer). Ctrl-R
# replaces all as one undo step; ':e' opens a second buffer ("[2/2]"),
# ':ls' lists, ':bp' switches, ':12'-style goto, ':replace', ':wq'.
cfg2=$T_DIR/config2
printf '%s\n[docs]\nosc52 = yes\n' "key_file = $T_DIR/store.key" > "$cfg2"
chmod 600 "$cfg2"
run="$ATRIUM_BIN --config $cfg2 --home $T_DIR/home3"
sel=$T_DIR/sel.txt
other=$T_DIR/other.txt
printf 'ab👨‍👩‍👧cd\nsecond line\n' > "$sel"
printf 'other 文本\n' > "$other"
t_session 80 24
tmx set-option -g set-clipboard on
keys "$run" Enter
wait_for "1 Mail  2 Chat  3 Docs  4 Sheets"
keys M-3
keys C-e
type_text "docs open $sel"; keys Enter
row_has 1 "sel.txt"
keys Right Right S-Right S-Right
check "Shift-Right selects (a ZWJ emoji is one step)" row_has 1 "Ln 1, Col 6"
keys C-x
check "Ctrl-X cuts the selection" row_has 2 "abd"
keys Down End
keys C-v
check "Ctrl-V pastes it" row_has 3 "second line👨"
keys C-s
check "saved after cut and paste" wait_for "Saved $sel"
check "the saved bytes are right" same_bytes "$sel" 'abd\nsecond line\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7c\n'
keys C-z C-z
check "Ctrl-Z undoes the paste, then the cut" row_has 2 "ab👨"
keys Up Home C-c
check "Ctrl-C with no selection copies the line to tmux's clipboard (OSC 52)" \
	bash -c "sleep 0.3; [ \"\$(tmux -L $T_SOCK show-buffer 2>/dev/null)\" = \"\$(printf 'ab\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7cd\n')\" ]"
keys C-S-Right
keys C-x
check "Ctrl-Shift-Right selects a word (Ctrl-X cuts \"ab\")" bash -c "sleep 0.3; tmux -L $T_SOCK capture-pane -p -t t | sed -n 3p | grep -q '^👨'"
keys C-z

keys C-r
type_text "line"
check "Ctrl-R finds with a count" wait_for "Replace [1 of 1]: line"
keys Enter
type_text "行"
keys Enter
check "it asks at each match" wait_for "Replace this one"
keys a
check "a replaces all" row_has 3 "second 行"
check "... and says how many" wait_for "Replaced: 1"
keys C-z
check "one Ctrl-Z undoes the replace-all" row_has 3 "second line"

keys C-e
type_text "e $other"; keys Enter
check "':e FILE' opens a second buffer" row_has 1 "other.txt [2/2]"
type_text "new "
keys C-e
type_text "ls"; keys Enter
check "':ls' lists both, the current one modified" wait_for "2 %+ $other"
keys q
keys C-e
type_text "bp"; keys Enter
check "':bp' switches back, the text kept" row_has 1 "sel.txt [1/2]"
keys C-e
type_text "2"; keys Enter
check "':2' goes to line 2" row_has 1 "Ln 2, Col 1"
keys C-e
type_text "replace e E"; keys Enter
check "':replace' replaces every match" wait_for "Replaced: 2"
check "... in the buffer" row_has 3 "sEcond linE"
keys C-e
type_text "wq"; keys Enter
check "':wq' saves and closes the buffer" row_has 1 "other.txt"
check "... the file saved" same_bytes "$sel" 'ab\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7cd\nsEcond linE\n'
check "the other buffer kept its unsaved text" row_has 2 "new other 文本"
keys C-e
type_text "q"; keys Enter
check "':q' refuses to close unsaved text" wait_for "has unsaved changes"
keys C-e
type_text "wq"; keys Enter
check "':wq' on the last buffer quits" atrium_gone
check "... after saving it" same_bytes "$other" 'new other 文本\n'

# Markdown colours (capture-pane -e shows them): a heading in the title
# colour, a code span in the code colour, and lines inside a fenced block
# drawn as code even when the block opened far above the screen.
md=$T_DIR/notes.md
{
	printf '# Title here\n\nsome **bold** and `span` text\n\n'
	for i in $(seq 5 199); do printf 'para %d\n' "$i"; done
	printf '```\n'
	for i in $(seq 201 399); do printf '# inside %d\n' "$i"; done
	printf '```\n# After\n'
} > "$md"
ansi() { tmx capture-pane -e -p -t t; }
row_ansi_has() { # N text [text2]: row N shows text2 (plain) in sequences holding text
	for _ in $(seq 1 30); do
		ansi | sed -n "$(($1 + 1))p" | grep -F -- "${3:-}" | grep -qF -- "$2" && return 0
		sleep 0.1
	done
	return 1
}
no_heading_in_text() { ! ansi | sed -n '3,22p' | grep -qF '38;5;39m'; }
heading_after() { ansi | grep -F 'After' | grep -qF '38;5;39m'; }
t_session 80 24
keys "$run" Enter
wait_for "1 Mail  2 Chat  3 Docs  4 Sheets"
keys M-3
keys C-e
type_text "docs open $md"; keys Enter
wait_for "# Title here"
check "a Markdown heading is drawn in the title colour" row_ansi_has 2 "38;5;39m"
check "a code span is drawn in the code colour" row_ansi_has 4 "38;5;108m"
keys M-g
type_text "380"; keys Enter
wait_for "# inside 380"
check "inside a fence opened off screen: code, not a heading" \
	row_ansi_has 2 "38;5;108m" "inside 3"
check "... and no line shown as a heading" no_heading_in_text
keys M-g
type_text "402"; keys Enter
wait_for "# After"
check "after the fence closes, a heading again" heading_after
# Another program cuts the open file short: no SIGBUS, a notice instead.
: > "$md"
keys PgUp
check "a file truncated under the editor is reported, not a crash" wait_for "was cut short on disk"
check "... and the editor still answers" row_has 1 "notes.md"
keys C-q

echo "1..$t_n"
t_done
