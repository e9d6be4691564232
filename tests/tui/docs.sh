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
# Type into a file, wait past a journal tick, SIGKILL atrium, rebuild the
# cache: the next start offers the text back, marked recovered; Ctrl-K keeps it and
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
# A rebuilt cache takes nothing of it: the journal is in outbox.db.
rebuild() {
	$run cache rebuild >"$T_DIR/rebuild.out" 2>&1 || { sed 's/^/# /' "$T_DIR/rebuild.out"; return 1; }
	[ ! -e "$T_DIR/home2/cache.db" ] && ls "$T_DIR/home2" | grep -q '^cache.db.broken'
}
check "atrium cache rebuild moves the cache aside" rebuild
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
# Another program cuts the open file short in place: the text was read
# in (a file this small is not mapped), so it stays whole, and the editor
# says the file changed. (Mapped files: tests/unit/test_docs_sigbus.c.)
: > "$md"
keys PgUp
check "a file emptied in place under the editor is reported" wait_for "changed on disk"
keys PgDn
check "... and the text on screen is still whole" wait_for "# After"
check "... and the editor still answers" row_has 1 "notes.md"
keys C-q

# ---- docs open FILE:LINE, the file changed on disk, per-buffer recovery ------
# `atrium docs open FILE:LINE:COL` starts the screen there (a file whose
# name ends in ":7" still opens as itself). Another program changes the
# open file: switching tabs away and back (and a second without keys)
# shows a warning; ':diff' shows it in the pager, Ctrl-D reloads (asking
# first when there are changes to lose), Ctrl-K keeps the text.
run="$ATRIUM_BIN --config $cfg --home $T_DIR/home4"
# Write a file as editors and git do: a new file renamed over the old.
put() { printf "$2" > "$1.new" && mv "$1.new" "$1"; }
place=$T_DIR/place.txt
seq 1 100 | sed 's/^/row /' > "$place"
colon=$T_DIR/odd:7
printf 'colon name\n' > "$colon"
t_session 80 24
keys "$run docs open $place:60:3" Enter
check "'atrium docs open FILE:LINE:COL' starts at that place" row_has 1 "Ln 60, Col 3"
check "... with that line on screen" wait_for "row 60"
keys C-q
atrium_gone
keys "$run docs open $colon" Enter
check "a file named with a colon and digits opens as itself" wait_for "colon name"
check "... under its own name" row_has 1 "odd:7"
keys C-e
type_text "e $place:7"; keys Enter
check "':e FILE:LINE' opens at the line" row_has 1 "Ln 7, Col 1"
keys C-e
type_text "e $T_DIR/place.txt:95"; keys Enter
check "':e FILE:LINE' on an open file goes to the line" row_has 1 "Ln 95, Col 1"
check "... in the same buffer" row_has 1 "[2/2]"

keys M-1
put "$place" 'changed outside\nsecond\n'
keys M-3
check "back on the tab: the file changed on disk is said" wait_for "place.txt changed on disk"
keys C-e
type_text "diff"; keys Enter
check "':diff' shows the differences in the pager" wait_for "@@ -1,2 +1,100 @@"
keys q
keys C-d
check "Ctrl-D reloads an unchanged buffer" row_has 2 "changed outside"
check "... and says so" wait_for "Reloaded"
check "... the warning gone" wait_gone "changed on disk"
keys C-e
type_text "1"; keys Enter
type_text "mine "
put "$place" 'third version\n'
check "a second without keys: the change is seen" wait_for "place.txt changed on disk" 5
keys C-d
check "reloading over changes asks first" wait_for "discard your changes?"
keys n Enter
check "... no keeps the text" row_has 2 "mine changed outside"
check "... and the warning" wait_for "changed on disk"
keys C-k
check "Ctrl-K keeps the text" wait_for "Kept your text"
keys C-s
check "... and saving then does not ask again" wait_for "Saved $place"
check "... the file holds the kept text" same_bytes "$place" 'mine changed outside\nsecond\n'
put "$place" 'fourth\n'
keys M-2 M-3
wait_for "changed on disk"
keys C-e
type_text "reload"; keys Enter
check "':reload' reloads" row_has 2 "fourth"
keys C-q C-q
atrium_gone

# Two buffers edited, atrium killed: each file, reopened, offers its own
# recovered text, marked; Ctrl-K keeps one, Ctrl-D discards the other.
ra=$T_DIR/ra.txt
rb=$T_DIR/rb.txt
printf 'line a\n' > "$ra"
printf 'line b\n' > "$rb"
run="$ATRIUM_BIN --config $cfg --home $T_DIR/home5"
t_session 80 24
keys "$run docs open $ra" Enter
row_has 1 "ra.txt"
type_text "AAA "
keys C-e
type_text "e $rb"; keys Enter
row_has 1 "rb.txt [2/2]"
type_text "BBB "
check "two buffers edited" row_has 2 "BBB line b"
sleep 1.6
kill -9 "$(atrium_pid)"
check "SIGKILL ends atrium" atrium_gone
keys "stty sane; clear" Enter
keys "$run docs open $ra" Enter
check "the first file comes back recovered" row_has 2 "AAA line a"
check "... marked" row_has 1 "[recovered]"
check "... with its choice" wait_for "Ctrl-K keep, Ctrl-D discard"
keys C-e
type_text "e $rb"; keys Enter
check "the second file comes back recovered too" row_has 2 "BBB line b"
check "... marked" row_has 1 "[recovered]"
keys C-d
check "Ctrl-D discards the second's recovered text" row_has 2 "line b"
check "... the mark gone" wait_gone "[recovered]"
keys C-e
type_text "bp"; keys Enter
check "the first buffer still offers its text" wait_for "Ctrl-K keep, Ctrl-D discard"
keys C-k C-s
check "Ctrl-K keeps it, Ctrl-S saves it" wait_for "Saved $ra"
check "... the first file holds the recovered text" same_bytes "$ra" 'AAA line a\n'
check "... the second is untouched" same_bytes "$rb" 'line b\n'
keys C-q C-q
atrium_gone

# Encodings and line ends as they were: a GB18030 file stays GB18030 after
# typing Chinese, a CRLF file keeps CR LF, a binary file opens read-only
# saying so. ':docs outline' lists headings and ':docs outline N' jumps;
# Alt-Q reflows a long Markdown paragraph to the width, one Ctrl-Z undoes it.
gb=$T_DIR/gb.txt
python3 -c 'import sys; sys.stdout.buffer.write("你好\n第二行\n".encode("gb18030"))' > "$gb"
crlf=$T_DIR/crlf.txt
printf 'one\r\ntwo\r\n' > "$crlf"
bin=$T_DIR/blob.dat
printf 'abc\000\001\002def\n' > "$bin"
run="$ATRIUM_BIN --config $cfg --home $T_DIR/home6"
t_session 80 24
keys "$run docs open $gb" Enter
check "a GB18030 file shows as Chinese" row_has 2 "你好"
keys End
type_text "世界"
keys C-s
check "saved" wait_for "Saved $gb"
check "... in GB18030, byte for byte" \
	test "$(hex "$gb")" = "$(python3 -c 'import sys; sys.stdout.buffer.write("你好世界\n第二行\n".encode("gb18030"))' | od -An -tx1 -v | tr -d ' \n')"
keys C-e
type_text "e $crlf"; keys Enter
row_has 1 "crlf.txt"
keys Down
type_text "2"
keys C-s
check "a CRLF file saved" wait_for "Saved $crlf"
check "... keeps CR LF" same_bytes "$crlf" 'one\r\n2two\r\n'
keys C-e
type_text "e $bin"; keys Enter
check "a binary file opens with a notice" wait_for "is a binary file"
check "... read-only" row_has 1 "[read-only]"
keys C-q C-q C-q
atrium_gone

md2=$T_DIR/outline.md
{
	printf '# One\n\ntext\n\n## Two\n\n'
	for i in $(seq 1 40); do printf 'filler %d\n' "$i"; done
	printf '\n## Three\n\nword '
	for i in $(seq 1 30); do printf 'alpha%d ' "$i"; done
	printf 'end\n'
} > "$md2"
t_session 60 24
keys "$run docs open $md2" Enter
wait_for "# One"
keys C-e
type_text "docs outline"; keys Enter
check "':docs outline' lists the headings" wait_for "Three  :48"
keys q
keys C-e
type_text "docs outline 3"; keys Enter
check "':docs outline 3' jumps to the third heading" row_has 1 "Ln 48, Col 1"
keys C-e
type_text "docs wrap"; keys Enter
keys Down Down
keys M-q
check "Alt-Q reflows the paragraph to the width" wait_for "alpha30 end"
check "... onto several lines" \
	bash -c "$(declare -f screen tmx); T_SOCK=$T_SOCK; [ \$(screen | grep -c alpha) -ge 4 ]"
keys C-z
check "one Ctrl-Z undoes the reflow" bash -c "$(declare -f screen tmx); T_SOCK=$T_SOCK; sleep 0.3; [ \$(screen | grep -c alpha) -le 2 ]"
keys C-q
atrium_gone

# F1 on the Docs tab shows the keys as [keys] bound them.
cfg3=$T_DIR/config3
printf '%s\n[keys]\ndocs.undo = F5\n' "key_file = $T_DIR/store.key" > "$cfg3"
chmod 600 "$cfg3"
t_session 100 40
keys "$ATRIUM_BIN --config $cfg3 --home $T_DIR/home7" Enter
wait_for "1 Mail  2 Chat  3 Docs  4 Sheets"
keys M-3
keys F1
line_has_both() { # a row shows both texts
	for _ in $(seq 1 50); do
		screen | grep -F -- "$1" | grep -qF -- "$2" && return 0
		sleep 0.1
	done
	return 1
}
check "help shows the rebound undo key" line_has_both " F5 " " Undo"
check "... not the default one" bash -c "$(declare -f screen tmx); T_SOCK=$T_SOCK; ! screen | grep -F ' C-z ' | grep -qF ' Undo'"
keys Escape
keys C-q
atrium_gone

# The terminal's focus report (CSI I; atrium asks for them with ?1004h):
# the file is looked at again at once, even while keys keep coming (the
# idle check waits for a pause), and the report is never typed as text.
run="$ATRIUM_BIN --config $cfg --home $T_DIR/home8"
foc=$T_DIR/focus.txt
printf 'before\n' > "$foc"
t_session 80 24
keys "$run docs open $foc" Enter
wait_for "before"
put "$foc" 'after\n'
typing_sees() { # text: seen while a key comes every 0.2 s
	for _ in 1 2 3 4 5; do
		keys Right
		sleep 0.2
		screen | grep -qF -- "$1" && return 0
	done
	return 1
}
check "while keys come, the idle check waits" bash -c "$(declare -f typing_sees keys screen tmx); T_SOCK=$T_SOCK; ! typing_sees 'changed on disk'"
type_text "$(printf '\033[O')"
check "focus lost: nothing yet" bash -c "$(declare -f typing_sees keys screen tmx); T_SOCK=$T_SOCK; ! typing_sees 'changed on disk'"
type_text "$(printf '\033[I')"
check "focus back: the change is seen at once" typing_sees "focus.txt changed on disk"
check "... the reports were not typed" row_has 2 "before"
check "... nothing typed at all" bash -c "! tmux -L $T_SOCK capture-pane -p -t t | grep -qF '[I'"
keys C-q
atrium_gone

# The journal logs edits against the file as opened (not whole copies):
# after SIGKILL, an unchanged file gets them replayed; a file changed
# since cannot take them, and atrium says so instead of guessing.
jx=$T_DIR/jx.txt
jy=$T_DIR/jy.txt
python3 -c "print('\n'.join('line %05d of the base text' % i for i in range(1000)))" > "$jx"
cp "$jx" "$jy"
run="$ATRIUM_BIN --config $cfg --home $T_DIR/home9"
t_session 80 24
keys "$run docs open $jx" Enter
row_has 1 "jx.txt"
type_text "XEDIT "
keys C-e
type_text "e $jy"; keys Enter
row_has 1 "jy.txt [2/2]"
type_text "YEDIT "
check "two big files edited" row_has 2 "YEDIT line 00000"
sleep 1.6
kill -9 "$(atrium_pid)"
atrium_gone
printf 'appended by another program\n' >> "$jx"
keys "stty sane; clear" Enter
keys "$run docs open $jy" Enter
check "edits replayed on the unchanged file" row_has 2 "YEDIT line 00000 of the base text"
check "... marked recovered" row_has 1 "[recovered]"
keys C-d
keys C-e
type_text "e $jx"; keys Enter
check "a file changed since: what is lost is said" wait_for "changed on disk after the crash"
check "... its own text shown, not a guess" row_has 2 "line 00000 of the base text"
check "... not marked recovered" bash -c "! tmux -L $T_SOCK capture-pane -p -t t | head -1 | grep -qF '[recovered]'"
keys C-q C-q
atrium_gone
# The batch 'cat' prints the file on disk then, and says on stderr that
# journalled edits could not be put back (never silently stale).
$run docs cat "$jx" > "$T_DIR/jx.out" 2> "$T_DIR/jx.err"
check "'docs cat' of such a file prints it as it is on disk" cmp -s "$jx" "$T_DIR/jx.out"
check "... and warns that unsaved edits cannot be put back" \
	grep -qF "changed on disk after the crash" "$T_DIR/jx.err"

echo "1..$t_n"
t_done
