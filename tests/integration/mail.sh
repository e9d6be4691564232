#!/bin/bash
# mail.sh - `atrium mail folders|sync|list|read` against the loopback
# Dovecot as alice: four messages (a GBK subject and body, one with an
# attachment, raw UTF-8 in a header, a GB2312-labelled subject holding a
# GB18030-only character) are put into a private folder mail-test-PID by
# tests/integration/mail_seed.py (Python's imaplib, independent of atrium),
# which also deletes and flags messages on the server between syncs and
# removes the folder at the end. Uses the shared test servers in
# $ATRIUM_TEST_SERVERS (tests/run starts them).
set -u
cd "$(dirname "$0")/../.." || exit 1
ATRIUM_BIN=${ATRIUM_BIN:-$PWD/atrium}
S=${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}
T_DIR=$(mktemp -d /tmp/atrium-mail.XXXXXX)
. tests/integration/tap.lib
set -a
. "$S/env"
set +a
BOX=mail-test-$$
ZHBOX=邮件测试-$$
SEED=tests/integration/mail_seed.py

cleanup() {
	/usr/bin/python3 -B "$SEED" delete "$BOX" >/dev/null 2>&1
	/usr/bin/python3 -B "$SEED" delete "$ZHBOX" >/dev/null 2>&1
	rm -rf "$T_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# a config: alice's key file, then [mail] with the given imap URL
mkcfg() {
	{
		grep '^key_file' "$ALICE_CONFIG"
		echo
		echo "[mail]"
		echo "imap = $2"
		echo "user = $ALICE_EMAIL"
		echo "password = $ALICE_PASSWORD"
		echo "ca_file = $CA_FILE"
		echo "prefetch = ${PREFETCH:-none}"
	} >"$T_DIR/$1.conf"
	chmod 600 "$T_DIR/$1.conf"
	echo "$T_DIR/$1.conf"
}
HOME_A=$T_DIR/home
mkdir -m 700 "$HOME_A"
A=(--config "$(mkcfg alice "imaps://127.0.0.1:$IMAPS_PORT")" --home "$HOME_A")
py() { /usr/bin/python3 -c "import json,sys; j=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; }

mkdir "$T_DIR/eml"
if ! /usr/bin/python3 -B "$SEED" write "$T_DIR/eml" || ! /usr/bin/python3 -B "$SEED" append "$BOX" "$T_DIR/eml"; then
	not_ok "the test mail is put into $BOX"
	exit 1
fi
/usr/bin/python3 -B "$SEED" mkbox "$ZHBOX" "$T_DIR/eml" || not_ok "a folder with a Chinese name is made"

# --- folders ---------------------------------------------------------------------
at "${A[@]}" mail folders --json
check "folders: exit 0 ($errout)" test "$rc" = 0
check "folders --json lists INBOX, Drafts, Sent, Trash, Junk, Archive with their roles and the test folder" \
	py "{f['name']: f['role'] for f in j} | {'INBOX': 'inbox', 'Drafts': 'drafts', 'Sent': 'sent', 'Trash': 'trash', 'Junk': 'junk', 'Archive': 'archive', '$BOX': None} == {f['name']: f['role'] for f in j}" <<<"$out"
at "${A[@]}" mail folders
check "folders in plain text: a line per folder with its role" \
	grep -qP "^Sent\tsent\t" <<<"$out"

check "folders --json: a Chinese folder name decoded from modified UTF-7, the wire name beside it" \
	py "[f['imap_name'] for f in j if f['name'] == '$ZHBOX'] == ['&kK5O9m1Li9U-' + '-$$']" <<<"$(at "${A[@]}" mail folders --json; echo "$out")"
at "${A[@]}" mail sync --folder "$ZHBOX"
check "sync --folder with the folder's UTF-8 name ($out $errout)" test "$out" = "$ZHBOX: 1 new, 0 changed, 0 removed"
at "${A[@]}" mail list --folder "$ZHBOX" --json
check "list --folder with the UTF-8 name: its message, the folder named in UTF-8" \
	py "len(j) == 1 and j[0]['folder'] == '$ZHBOX' and j[0]['subject'] == '季度报告'" <<<"$out"

# --- sync and list -------------------------------------------------------------------
at "${A[@]}" mail sync --folder "$BOX"
check "sync --folder: 4 new ($out $errout)" test "$rc" = 0 -a "$out" = "$BOX: 4 new, 0 changed, 0 removed"
at "${A[@]}" mail list --folder "$BOX" --json
echo "$out" >"$T_DIR/list.json"
check "list --json: four messages, newest first" \
	py "[m['subject'] for m in j] == ['生僻字\u3400end', 'Raw 测试 subject', 'Budget with attachment', '季度报告']" <"$T_DIR/list.json"
check "list --json: the GBK Q-encoded subject and the UTF-8 B-encoded sender are decoded" \
	py "j[3]['subject'] == '季度报告' and j[3]['from'] == {'name': '张三', 'address': 'zhang@example.test'}" <"$T_DIR/list.json"
check "list --json: every field of docs/batch.md, with to and cc as lists of {name, address}" \
	py "all(set(m) == {'id', 'folder', 'uid', 'message_id', 'date', 'from', 'to', 'cc', 'subject', 'flags', 'size', 'attachments', 'thread', 'parent'} and isinstance(m['to'], list) and isinstance(m['cc'], list) and m['size'] > 0 for m in j) and j[2]['attachments'] >= 1 and j[3]['attachments'] == 0" <"$T_DIR/list.json"
check "list --json: messages not in a thread are their own thread, with no parent" \
	py "all(m['thread'] == m['id'] and m['parent'] is None for m in j)" <"$T_DIR/list.json"
check "list --json: dates in ISO form from the Date header (+0800 taken into account)" \
	py "j[3]['date'] == '2026-11-21T02:00:00Z' and j[0]['date'] == '2026-11-21T13:00:00Z'" <"$T_DIR/list.json"
check "list --json: flags unread, flagged, attachment as the server has them" \
	py "[m['flags'] for m in j] == [['unread'], ['flagged'], ['attachment'], ['unread']]" <"$T_DIR/list.json"
ID1=$(/usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)[3]['id'])" <"$T_DIR/list.json")
ID2=$(/usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)[2]['id'])" <"$T_DIR/list.json")
at "${A[@]}" mail list --json
check "list without --folder: the inbox (exit $rc)" py "all(m['folder'] == 'INBOX' for m in j)" <<<"$out"
at "${A[@]}" mail list --folder "$BOX" --unread --limit 1
check "list --unread --limit 1: the newest unread message only" \
	test "$(wc -l <<<"$out")" = 1 -a "$(cut -f4 <<<"$out")" = "生僻字㐀end"

# --- search (offline, from the index made by sync) ----------------------------------
at "${A[@]}" --offline mail search 报告 --json
check "search --offline: a Chinese word of a decoded subject finds its messages (in both folders)" \
	py "$ID1 in [m['id'] for m in j] and all('报告' in m['subject'] for m in j) and len(j) == 2" <<<"$out"
at "${A[@]}" --offline mail search bob --json
check "search --offline: the sender's name finds the message" py "[m['id'] for m in j] == [$ID2]" <<<"$out"

# --- read ----------------------------------------------------------------------------
at "${A[@]}" mail read "$ID1"
check "read: headers decoded" grep -qx "Subject: 季度报告" <<<"$out"
check "read: the quoted-printable GBK body in UTF-8" grep -qx "你好，报告见附件。" <<<"$out"
at "${A[@]}" mail read "$ID2" --json
check "read --json: the text/plain part of the multipart message, not the attachment" \
	py "j['text'] == 'Budget text in UTF-8: 预算 ok\n' and j['subject'] == 'Budget with attachment'" <<<"$out"
"$ATRIUM_BIN" "${A[@]}" mail read "$ID2" --raw >"$T_DIR/raw" 2>/dev/null
check "read --raw: the message byte for byte" cmp -s "$T_DIR/raw" "$T_DIR/eml/2.eml"

# --- offline -----------------------------------------------------------------------
at "${A[@]}" --offline mail list --folder "$BOX" --json
check "--offline list: from the store (exit $rc)" py "len(j) == 4" <<<"$out"
at "${A[@]}" --offline mail read "$ID1"
check "--offline read of a cached body works" grep -qx "你好，报告见附件。" <<<"$out"
ID3=$(/usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)[1]['id'])" <"$T_DIR/list.json")
at "${A[@]}" --offline mail read "$ID3"
check "--offline read of a body never fetched: exit 7 with a message ($errout)" \
	test "$rc" = 7 -a -n "$errout"
at "${A[@]}" --offline mail sync
check "--offline sync: exit 7, saying offline ($errout)" test "$rc" = 7
check "--offline sync: the message says list and read work from the cache" grep -q "cache" <<<"$errout"
UNREACH=(--config "$(mkcfg unreach "imaps://127.0.0.1:$((ATRIUM_PORT_BASE + 47))")" --home "$HOME_A")
at "${UNREACH[@]}" mail folders
check "an unreachable server: exit 7 ($errout)" test "$rc" = 7
WRONGCA=(--config "$(mkcfg wrongca "imaps://127.0.0.1:$IMAPS_PORT")" --home "$HOME_A")
sed -i 's|^ca_file = .*|ca_file = /etc/ssl/certs/ca-certificates.crt|' "$T_DIR/wrongca.conf"
at "${WRONGCA[@]}" mail sync --folder "$BOX"
check "a certificate the CA file does not vouch for: exit 4, the server's pin in the message ($errout)" \
	test "$rc" = 4 -a -n "$(grep -o 'sha256//' <<<"$errout")"
BADPW=(--config "$(mkcfg badpw "imaps://127.0.0.1:$IMAPS_PORT")" --home "$HOME_A")
sed -i 's|^password = .*|password = wrong-pw|' "$T_DIR/badpw.conf"
at "${BADPW[@]}" mail folders
check "a wrong password: exit 4 ($errout)" test "$rc" = 4
mkdir -m 700 "$T_DIR/home2"
# prefetch: bodies fetched with the sync, for reading offline
mkdir -m 700 "$T_DIR/home3"
PRE=(--config "$(PREFETCH=all mkcfg prefetch "imaps://127.0.0.1:$IMAPS_PORT")" --home "$T_DIR/home3")
at "${PRE[@]}" mail sync --folder "$BOX" --json
check "sync with prefetch = all fetches every body ($out)" py "j[0]['bodies'] == j[0]['added'] and j[0]['added'] > 0" <<<"$out"
at "${PRE[@]}" --offline mail read "$ID3"
check "... so a message never opened reads offline" test "$rc" = 0 -a -n "$out"
at "${PRE[@]}" mail sync --folder "$BOX" --json
check "a second sync fetches no body again" py "j[0]['bodies'] == 0" <<<"$out"
sed -i 's|^prefetch = .*|prefetch = soon|' "$T_DIR/prefetch.conf"
at "${PRE[@]}" mail sync --folder "$BOX"
check "prefetch = soon: usage error naming it ($errout)" test "$rc" = 1 -a -n "$(grep -F 'prefetch' <<<"$errout")"
STARTTLS=(--config "$(mkcfg starttls "imap://127.0.0.1:$IMAP_PORT")" --home "$T_DIR/home2")
at "${STARTTLS[@]}" mail sync --folder "$BOX"
check "imap:// with STARTTLS syncs the folder too (exit $rc, $out)" \
	test "$rc" = 0 -a "$out" = "$BOX: 4 new, 0 changed, 0 removed"

# --- the server changes: a message deleted, one flagged ---------------------------
/usr/bin/python3 -B "$SEED" expunge "$BOX" m2@example.test
/usr/bin/python3 -B "$SEED" flag "$BOX" m4@example.test
at "${A[@]}" mail sync --folder "$BOX" --json
check "sync after a delete and a flag on the server: 1 removed, 1 changed ($out)" \
	py "j == [{'folder': '$BOX', 'added': 0, 'changed': 1, 'removed': 1, 'skipped': 0, 'bodies': 0}]" <<<"$out"
at "${A[@]}" mail list --folder "$BOX" --json
check "list: the deleted message is gone, the flag is there" \
	py "[m['subject'] for m in j] == ['生僻字\u3400end', 'Raw 测试 subject', '季度报告'] and 'flagged' in j[0]['flags']" <<<"$out"
at "${A[@]}" mail read "$ID2"
check "read of the removed message: exit 2" test "$rc" = 2
at "${A[@]}" --offline mail search bob --json
check "search no longer finds the removed message" py "j == []" <<<"$out"
at "${A[@]}" mail sync --folder "$BOX"
check "a second sync changes nothing" test "$out" = "$BOX: 0 new, 0 changed, 0 removed"
at "${A[@]}" mail sync
check "sync of every folder: exit 0 ($errout)" test "$rc" = 0
check "sync of every folder names each with its counts" grep -q "^INBOX: " <<<"$out"

# --- the folder made again: a new UIDVALIDITY -------------------------------------
/usr/bin/python3 -B "$SEED" delete "$BOX"
/usr/bin/python3 -B "$SEED" append "$BOX" "$T_DIR/eml"
at "${A[@]}" mail sync --folder "$BOX"
check "a folder made again (new UIDVALIDITY): its cache dropped and fetched anew ($out)" \
	test "$out" = "$BOX: 4 new, 0 changed, 3 removed"
at "${A[@]}" mail list --folder "$BOX" --json
check "ids are not reused: the new messages have ids above the removed ones" \
	py "len(j) == 4 and min(m['id'] for m in j) > 4" <<<"$out"
at "${A[@]}" mail read "$ID1"
check "an id from before the reset finds nothing (exit 2), not another message" test "$rc" = 2

# --- usage and not found -----------------------------------------------------------
at "${A[@]}" mail list --folder no-such-folder
check "list of an unknown folder: exit 2" test "$rc" = 2
at "${A[@]}" mail sync --folder no-such-folder --json
check "sync --json of an unknown folder: exit 2 and one JSON document, the error" \
	py "j['error']['exit'] == 2" <<<"$out"
at "${A[@]}" mail read 99999999
check "read of an unknown id: exit 2" test "$rc" = 2
at "${A[@]}" mail read
check "read without an id: exit 1" test "$rc" = 1
at "${A[@]}" mail sync --bogus
check "an unknown option: exit 1" test "$rc" = 1
t_done
