#!/bin/bash
# mail_attach.sh - an attachment opened from the Mail tab: a CSV opens in
# the Sheets tab with its cells, from a private folder (mode 0700) in
# memory; the plaintext copy is gone when atrium quits (docs/security.md:
# nothing decrypted outlives the session outside the store).
cd "$(dirname "$0")/../.." || exit 1
. tests/tui/tmux.lib
S=${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}
set -a
. "$S/env"
set +a
export ATRIUM_TEST_SERVERS=$S

BOX=mailatt-tui-$$
TAG=tuiatt$$
PROBE=tests/integration/mail_probe.py
probe() { /usr/bin/python3 -B "$PROBE" "$@"; }
cleanup() {
	/usr/bin/python3 -B - "$BOX" <<'PY' >/dev/null 2>&1
import sys
sys.path.insert(0, "tests/integration")
import mail_probe
m = mail_probe.connect("alice")
m.delete(mail_probe.quote(sys.argv[1]))
m.logout()
PY
	t_cleanup
}
trap cleanup EXIT

home=$T_DIR/home
mkdir -m 700 "$home"
cfg=$T_DIR/config
{
	grep '^key_file' "$ALICE_CONFIG"
	echo
	echo "[mail]"
	echo "imap = imaps://127.0.0.1:$IMAPS_PORT"
	echo "user = $ALICE_EMAIL"
	echo "password = $ALICE_PASSWORD"
	echo "ca_file = $CA_FILE"
} >"$cfg"
chmod 600 "$cfg"

{
	printf 'From: Ann Sheet <ann@example.test>\r\nTo: alice@example.test\r\n'
	printf 'Subject: %s figures\r\nDate: Mon, 02 Mar 2026 10:00:00 +0000\r\n' "$TAG"
	printf 'Message-ID: <%s@example.test>\r\nMIME-Version: 1.0\r\n' "$TAG"
	printf 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
	printf -- '--b1\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nthe figures\r\n'
	printf -- '--b1\r\nContent-Type: text/csv; name="q3.csv"\r\n'
	printf 'Content-Disposition: attachment; filename="q3.csv"\r\n\r\n'
	printf "item,amount\r\nx%s,1234\r\n" "$$"
	printf -- '--b1--\r\n'
} >"$T_DIR/m.eml"
if ! probe mkbox alice "$BOX" "$T_DIR/m.eml"; then
	not_ok "the test mail is put into $BOX"
	exit 1
fi

att_dirs() { ls -d /dev/shm/atrium-att.* "${XDG_RUNTIME_DIR:-/nonexistent}"/atrium-att.* \
	/tmp/atrium-att.* 2>/dev/null | sort; }
before=$(att_dirs)
new_dirs() { comm -13 <(echo "$before") <(att_dirs) | grep .; }

t_session 120 30
type_text "$ATRIUM_BIN --config $cfg --home $home"
keys Enter
check "the Mail tab comes up Online" wait_for "Online" 20
keys C-e
type_text "mail sync --folder $BOX"
keys Enter
check "the test folder shows its message" wait_for "$TAG figures" 20
keys g Enter
check "Enter opens it: q3.csv listed as attachment 1" eval 'wait_for "the figures" 10 && wait_for "q3.csv" 5'
keys 1
check "1 opens q3.csv in the Sheets tab: its cell x$$ shows" wait_for "x$$" 10
check "... and 1234 beside it" wait_for "1234" 2
private_copy() {
	local d
	d=$(new_dirs) || return 1
	[ "$(echo "$d" | wc -l)" -eq 1 ] && [ "$(stat -c %a "$d")" = 700 ] && [ -f "$d/q3.csv" ]
}
check "the copy it opened sits in a new private folder (0700) while atrium runs" private_copy
keys C-q
check "C-q quits" atrium_gone
check "after quitting, no copy of the attachment is left" eval '! new_dirs >/dev/null'
t_done
