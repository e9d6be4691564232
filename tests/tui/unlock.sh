#!/bin/bash
# unlock.sh - the screen and the store's key: a fresh home asks for a new
# passphrase twice (dots, never the text), a later start asks for it and
# refuses a wrong one, and a user who declines gets a private key file and
# a warning naming it; in Chinese too.
cd "$(dirname "$0")/../.." || exit 1
. tests/tui/tmux.lib

run="$ATRIUM_BIN --config /dev/null --home $T_DIR/h"
t_session 100 24
keys "$run" Enter
check "a fresh home asks for a new passphrase" wait_for "New passphrase for the encrypted cache"
type_text "s3cret words"
check "typing shows dots, not the passphrase" bash -c "$(declare -f screen tmx); T_SOCK=$T_SOCK; screen | grep -q '••••••••••••' && ! screen | grep -q 's3cret'"
keys Enter
check "it asks to repeat it" wait_for "Repeat it:"
type_text "s3cret words"; keys Enter
check "then the store is created" wait_for_file "$T_DIR/h/keys"
check "... and the shell is ready" wait_gone "Deriving the key"
keys C-q
atrium_gone

keys "$run" Enter
check "a later start asks for the passphrase" wait_for "Passphrase:"
type_text "wrong words"; keys Enter
check "a wrong passphrase is refused clearly" wait_for "Wrong passphrase; try again:"
type_text "s3cret words"; keys Enter
check "the right one opens it" wait_for "Welcome to atrium" 5
keys :
type_text "outbox list"; keys Enter
check "the store works from the command line" wait_for "The outbox is empty"
keys C-q
atrium_gone

keys "$ATRIUM_BIN --config /dev/null --home $T_DIR/h2" Enter
wait_for "New passphrase"
keys Escape
check "declining a passphrase warns and names the key file" wait_for "No passphrase: the key is in $T_DIR/h2/key"
check "... which is private" bash -c "test \"\$(stat -c %a '$T_DIR/h2/key')\" = 600"
keys C-q
atrium_gone
keys "$ATRIUM_BIN --config /dev/null --home $T_DIR/h2" Enter
check "... and opens the store next time without asking" wait_for "Welcome to atrium"

keys C-q
atrium_gone
keys "$ATRIUM_BIN --config /dev/null --home $T_DIR/h3 --lang zh_Hans" Enter
check "the question in Chinese" wait_for "为加密缓存设置新口令"
keys Escape C-q
atrium_gone
t_done
