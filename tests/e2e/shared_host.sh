#!/bin/bash
# shared_host.sh - a shared host (issue 9): another local user cannot read
# anything under atrium's home, and the home holds no plaintext.
#
# A private home is filled through real use, every item carrying a marker
# unique to the run (ASCII and Chinese): a mail in a private folder synced
# with its body and attachment, a chat message from bob caught up by
# `chat sync`, a document and a sheet put on the WebDAV share and kept
# offline, unsaved text in the editor's crash journal (atrium killed), a
# mail and a chat message queued in the outbox (servers unreachable, exit
# 3). atrium can show each of them back from the home alone (so the home
# really holds them). Then, while an atrium still has the databases open:
# (a) a throwaway system user tries to list and read every directory and
# file under the home and fails; modes are 0700/0600 with no group or
# other bits, -wal/-shm and any other file included; (b) no file under the
# home or the config directory holds a marker or the mail's subject in
# UTF-8 or UTF-16LE, nor the store key (docs/store.md: with a key file
# given, only `keys` with the key wrapped is written there, no `key`).
# atrium runs under umask 000: its modes must not depend on the caller's.
# Uses the shared test servers in $ATRIUM_TEST_SERVERS (tests/run starts them).
cd "$(dirname "$0")/../.." || exit 1
. tests/tui/tmux.lib
S=${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}
set -a
. "$S/env"
set +a

TAG=shost$$
MARK="atrmark${$}q$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
ZH="机密标记${$}甲乙丙"
SUBJECT="Quarterly secret $TAG plan"
BOX=shared-host-$$
D=shared-host-$$
SEED=tests/integration/mail_seed.py
home=$T_DIR/home
cfgdir=$T_DIR/cfg
# The other user must be able to reach the home's parent: the home's own
# modes are what keep them out, not tmux.lib's private directory.
chmod 711 "$T_DIR"
mkdir -m 700 "$cfgdir"
OTHER=
tail_pid=
touch "$T_DIR/stamp"

cleanup() {
	[ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null && wait "$tail_pid" 2>/dev/null
	[ -n "$OTHER" ] && userdel "$OTHER" >/dev/null 2>&1
	/usr/bin/python3 -B "$SEED" delete "$BOX" >/dev/null 2>&1
	curl -sS --max-time 10 --cacert "$CA_FILE" -u "bob:$BOB_PASSWORD" -X DELETE \
		-o /dev/null "$DAV_URL$D/" 2>/dev/null
	t_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port nothing listens on: the kernel's pick, closed again at once.
DEAD=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# alice's accounts with her key file; the chat fetches little history (the
# shared account's archive is long); mail bodies are prefetched.
keyfile=$cfgdir/store.key
cp "$(sed -n 's/^key_file *= *//p' "$ALICE_CONFIG")" "$keyfile"
chmod 600 "$keyfile"
mkcfg() { # FILE DEAD-PORT (empty: the real servers; else every server there)
	awk -v key="$keyfile" -v dead="$2" '
		/^key_file/ { print "key_file = " key; next }
		/^\[/ { sec = $0; print; if (sec == "[chat]") print "history = 20"
			if (sec == "[mail]") print "prefetch = all"; next }
		dead != "" && sec == "[mail]" && /^(imap|smtp) *=/ {
			sub(/:[0-9]+$/, ":" dead) }
		dead != "" && sec == "[chat]" && /^server *=/ { sub(/:[0-9]+$/, ":" dead) }
		dead != "" && sec == "[files]" && /^url *=/ { sub(/:[0-9]+\//, ":" dead "/") }
		{ print }' "$ALICE_CONFIG" >"$1"
	chmod 600 "$1"
}
mkcfg "$cfgdir/config" ""
mkcfg "$cfgdir/dead.config" "$DEAD"
A=(--config "$cfgdir/config" --home "$home")
Z=(--config "$cfgdir/dead.config" --home "$home")
# atrium under a careless umask (it must set its own modes); stdout,
# stderr and the exit code kept in $out, $errout, $rc.
at0() {
	out=$(umask 000; exec "$ATRIUM_BIN" "$@" 2>"$T_DIR/stderr") && rc=0 || rc=$?
	errout=$(cat "$T_DIR/stderr")
}

# Every entry under the home: dirs 0700, files (and sockets) 0600, ours;
# no symbolic link or device.
bad_modes() {
	find "$home" \( -type d ! -perm 0700 \) -o \( ! -type d ! -perm 0600 \) \
		-o ! -user "$(id -u)" -o \( ! -type d ! -type f ! -type s \)
}

# ---- the mail: a private folder with one message, synced with its body ----------
mkdir "$T_DIR/eml"
/usr/bin/python3 -B - "$T_DIR/eml/1.eml" "$MARK" "$ZH" "$SUBJECT" "$TAG" <<'EOF'
import sys, email.utils
path, mark, zh, subject, tag = sys.argv[1:]
att = ("attachment %s %s\n" % (mark, zh)).encode()
msg = "\r\n".join([
    "From: Bob <bob@example.test>",
    "To: alice@example.test",
    "Subject: " + subject,
    "Date: " + email.utils.formatdate(localtime=False),
    "Message-ID: <%s@example.test>" % tag,
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b1"',
    "",
    "--b1",
    "Content-Type: text/plain; charset=UTF-8",
    "Content-Transfer-Encoding: 8bit",
    "",
    "body %s %s" % (mark, zh),
    "--b1",
    'Content-Type: text/plain; charset=UTF-8; name="note.txt"',
    'Content-Disposition: attachment; filename="note.txt"',
    "Content-Transfer-Encoding: 8bit",
    "",
    att.decode().rstrip("\n"),
    "--b1--",
    "",
])
open(path, "wb").write(msg.encode())
EOF
check "the marked mail is put into a private folder (Python's imaplib)" \
	/usr/bin/python3 -B "$SEED" mkbox "$BOX" "$T_DIR/eml"
at0 "${A[@]}" mail folders
check "mail folders lists the private folder" grep -qF "$BOX" <<<"$out"
at0 "${A[@]}" mail sync --folder "$BOX"
check "mail sync fetches it (exit 0)" test "$rc" = 0
at0 "${A[@]}" --offline mail list --folder "$BOX" --json
mid=$(/usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); print(j[0]["id"] if isinstance(j, list) and j else "")' <<<"$out")
check "... listed from the cache with its subject" grep -qF "$SUBJECT" <<<"$out"
at0 "${A[@]}" --offline mail read "$mid"
check "... and its body read offline (the home holds it)" grep -qF "body $MARK $ZH" <<<"$out"
at0 "${A[@]}" mail attachments "$mid"
check "... with its attachment listed" grep -qF "note.txt" <<<"$out"
at0 "${A[@]}" --offline mail search "$MARK"
check "... and found by the search index" grep -qF "$SUBJECT" <<<"$out"

# ---- the chat: bob writes, alice catches up ---------------------------------------
peer() { /usr/bin/python3 -B tests/integration/chat_peer.py "$S" "$@" >/dev/null; }
check "bob sends alice a marked message (chat_peer.py)" peer bob send alice "chat $MARK $ZH"
at0 "${A[@]}" chat sync
check "chat sync as alice (exit 0)" test "$rc" = 0
at0 "${A[@]}" chat send "$BOB_JID" "reply $MARK $ZH"
check "alice answers with a marked message (exit 0)" test "$rc" = 0
# Both in the store: other tests write to alice too, so bob's message may
# be older than the 20 newest a first sync fetches: ask for older ones.
in_store() {
	local i
	for i in 1 2 3; do
		at0 "${A[@]}" chat history "$BOB_JID" --offline --limit 500
		grep -qF "chat $MARK $ZH" <<<"$out" && grep -qF "reply $MARK $ZH" <<<"$out" && return 0
		at0 "${A[@]}" chat older "$BOB_JID" 100
	done
	printf '%s\n' "$out" | tail -5 | sed 's/^/# history: /'
	return 1
}
check "both are in the store (history --offline)" in_store

# ---- a document and a sheet through atrium, kept offline ---------------------------
printf 'Minutes\nTODO\n' >"$T_DIR/minutes.md"
at0 "${A[@]}" docs replace "$T_DIR/minutes.md" TODO "doc $MARK $ZH"
check "docs replace writes the marker into a document" grep -qF "doc $MARK $ZH" "$T_DIR/minutes.md"
printf 'item,value\nfirst,1\n' >"$T_DIR/budget.csv"
at0 "${A[@]}" sheets set "$T_DIR/budget.csv" B3 "cell $MARK $ZH"
check "sheets set writes the marker into a cell" grep -qF "cell $MARK $ZH" "$T_DIR/budget.csv"
at0 "${A[@]}" files put "$T_DIR/minutes.md" "$D/minutes.md"
check "files put uploads the document" test "$rc" = 0
at0 "${A[@]}" files put "$T_DIR/budget.csv" "$D/budget.csv"
check "files put uploads the sheet" test "$rc" = 0
at0 "${A[@]}" files pin "$D"
at0 "${A[@]}" files sync
check "files pin + sync keeps the folder offline (exit 0)" test "$rc" = 0
at0 "${A[@]}" --offline files get "$D/minutes.md"
check "the document reads back offline" grep -qF "doc $MARK $ZH" <<<"$out"
at0 "${A[@]}" --offline sheets get - B3 <<<"$("$ATRIUM_BIN" "${A[@]}" --offline files get "$D/budget.csv")"
check "the sheet's cell reads back offline" grep -qF "cell $MARK $ZH" <<<"$out"

# ---- unsaved text in the editor's crash journal --------------------------------------
printf 'journal base\n' >"$T_DIR/draft.txt"
t_session 100 24
keys "umask 000; $ATRIUM_BIN ${A[*]} docs open $T_DIR/draft.txt" Enter
row_has 1 "draft.txt" 10
type_text "unsaved $MARK $ZH "
row_has 2 "unsaved $MARK" 5
sleep 1.6 # past a journal tick
check "while the editor is open: every entry under the home is 0700 or 0600" \
	test -z "$(bad_modes)"
kill -9 "$(atrium_pid)" 2>/dev/null
check "the editor is killed with unsaved marked text" atrium_gone
check "... the file itself untouched" grep -qx 'journal base' "$T_DIR/draft.txt"
at0 "${A[@]}" docs cat "$T_DIR/draft.txt"
check "... the text is in the journal (docs cat recovers it)" grep -qF "unsaved $MARK $ZH" <<<"$out"
tmx kill-session -t t

# ---- an atrium that has the databases open while we look -----------------------------
# `chat tail` against the dead port keeps retrying with its store open,
# so what is written next stays in the -wal files while we look; nothing
# queued can leave.
# (the subshell execs atrium: $! is atrium's own pid)
(umask 000; exec "$ATRIUM_BIN" "${Z[@]}" chat tail >/dev/null 2>"$T_DIR/tail.err") &
tail_pid=$!
for _ in $(seq 1 100); do
	ls "$home"/*-wal >/dev/null 2>&1 && break
	sleep 0.05
done

# ---- the outbox: servers unreachable, writes queued --------------------------------
at0 "${Z[@]}" mail send --to "$BOB_EMAIL" --subject "$SUBJECT" <<<"queued $MARK $ZH"
check "mail send with the server unreachable: queued (exit 3)" test "$rc" = 3
at0 "${Z[@]}" chat send "$BOB_JID" "queued chat $MARK $ZH"
check "chat send with the server unreachable: queued (exit 3)" test "$rc" = 3
at0 "${Z[@]}" outbox list
check "the outbox lists the queued mail by its subject" grep -qF "$SUBJECT" <<<"$out"
check "with atrium running, the home has both databases' -wal and -shm" \
	test -f "$home/cache.db-wal" -a -f "$home/cache.db-shm" -a -f "$home/outbox.db-wal" -a -f "$home/outbox.db-shm"
check "... the queued writes are in the outbox's -wal (it is not empty)" test -s "$home/outbox.db-wal"
check "the blobs hold files (bodies, attachments, documents)" test -n "$(find "$home/blobs" -type f)"
find "$home" "$cfgdir" -mindepth 0 >"$T_DIR/paths"
echo "# home: $(find "$home" | wc -l) entries:" $(cd "$home" && find . -maxdepth 1 | sort)

# ---- (a) modes and another user ------------------------------------------------------
check "home, blobs and every directory are 0700, every file 0600 (also -wal, -shm)" \
	test -z "$(bad_modes)"
bad_modes | sed 's/^/# wrong mode or type: /'
check "the home holds the store: cache.db, outbox.db, keys, blobs" \
	test -f "$home/cache.db" -a -f "$home/outbox.db" -a -f "$home/keys" -a -d "$home/blobs"

if [ "$(id -u)" -eq 0 ]; then
	OTHER=ath$$
	if ! useradd -M -N -r -d /nonexistent -s /usr/sbin/nologin "$OTHER" >"$T_DIR/useradd" 2>&1; then
		sed 's/^/# /' "$T_DIR/useradd"
		OTHER=
		not_ok "a throwaway user is added (useradd)"
	fi
	ok_other=1
fi
if [ -n "$OTHER" ]; then
	# Every path: a directory listed and entered, a file read and
	# stat'ed; one line per success. A world-readable probe proves the
	# user can read what is readable.
	printf 'probe\n' >"$T_DIR/probe"
	chmod 644 "$T_DIR/probe"
	as_other() { runuser -u "$OTHER" -- /bin/bash -c '
		while IFS= read -r p; do
			if [ -d "$p" ]; then
				ls -a "$p" >/dev/null 2>&1 && echo "listed $p"
				(cd "$p") 2>/dev/null && echo "entered $p"
			else
				head -c 1 "$p" >/dev/null 2>&1 && echo "read $p"
				stat "$p" >/dev/null 2>&1 && echo "stat $p"
			fi
		done'; }
	check "the other user reads a world-readable file (the check can fail)" \
		test "$(echo "$T_DIR/probe" | as_other)" = "read $T_DIR/probe
stat $T_DIR/probe"
	as_other <"$T_DIR/paths" >"$T_DIR/leaks"
	check "the other user lists, enters, reads or stats nothing of $(wc -l <"$T_DIR/paths") paths" \
		test ! -s "$T_DIR/leaks"
	sed 's/^/# /' "$T_DIR/leaks" | head -20
elif [ -z "${ok_other:-}" ]; then
	ok "# SKIP another user (needs root to add one)"
fi

# ---- (b) no plaintext -------------------------------------------------------------
# needles: each in UTF-8 and UTF-16LE; hits printed as "path: needle"
search() { # needle... < paths
	/usr/bin/python3 -c '
import os, sys
needles = []
for n in sys.argv[1:]:
    needles += [(n, n.encode()), (n + " (UTF-16LE)", n.encode("utf-16-le"))]
for p in sys.stdin.read().split("\n"):
    if not p or not os.path.isfile(p):
        continue
    data = open(p, "rb").read()
    for name, b in needles:
        if b in data:
            print("%s: %s" % (p, name))
' "$@"
}
printf 'x%sx\n' "$ZH" | iconv -t UTF-16LE >"$T_DIR/control16"
printf 'y %s y\n' "$MARK" >"$T_DIR/control8"
check "the search finds a marker written in clear (the check can fail)" \
	test "$(printf '%s\n' "$T_DIR/control16" "$T_DIR/control8" | search "$ZH" "$MARK" | wc -l)" = 2
search "$MARK" "$ZH" "$SUBJECT" "Quarterly secret" <"$T_DIR/paths" >"$T_DIR/hits"
check "no file under the home or config holds a marker or the subject, UTF-8 or UTF-16LE" \
	test ! -s "$T_DIR/hits"
sed 's/^/# plaintext: /' "$T_DIR/hits" | head -20
# The password is in the config by the user's choice; in the home it may
# only be in the vault, sealed (the log holds no secrets).
grep -vF "$cfgdir" "$T_DIR/paths" | search "$ALICE_PASSWORD" >"$T_DIR/pwhits"
check "the account's password is nowhere in clear under the home" test ! -s "$T_DIR/pwhits"
sed 's/^/# password: /' "$T_DIR/pwhits"
# Nor anything atrium left elsewhere for other users to find: the
# temporary directories' files written during the run (not the test's
# own, the servers' or the test runner's logs).
find /tmp /var/tmp /dev/shm -type f -newer "$T_DIR/stamp" -size -20M \
	! -path "$T_DIR/*" ! -path "$S/*" ! -path '/tmp/atrium-tests.*' 2>/dev/null >"$T_DIR/tmpfiles"
search "$MARK" "$ZH" "$SUBJECT" <"$T_DIR/tmpfiles" >"$T_DIR/tmphits"
check "no file written in /tmp, /var/tmp or /dev/shm during the run holds a marker ($(wc -l <"$T_DIR/tmpfiles") looked at)" \
	test ! -s "$T_DIR/tmphits"
sed 's/^/# plaintext: /' "$T_DIR/tmphits" | head -20

# The key: docs/store.md keeps only the wrapped key in the home ("keys")
# and a key file "key" only when a passphrase was declined; ours is
# given outside, so neither its hex nor its 32 bytes may be in the home.
check "no key file was written into the home" test ! -e "$home/key"
keyhex=$(tr -d ' \n' <"$keyfile" | tr 'A-F' 'a-f')
keyhit() {
	/usr/bin/python3 -c '
import os, sys
h = sys.argv[1]
raw = bytes.fromhex(h)
for p in sys.stdin.read().split("\n"):
    if p and os.path.isfile(p):
        d = open(p, "rb").read()
        if raw in d or h.encode() in d or h.upper().encode() in d:
            print(p)
' "$keyhex" <"$T_DIR/paths" | grep -vxF "$keyfile"
}
check "the key file is the 64 hex digits it should be" grep -qE '^[0-9a-fA-F]{64}$' "$keyfile"
check "the store key is nowhere under the home (not in hex, not in bytes)" test -z "$(keyhit)"

kill "$tail_pid"
wait "$tail_pid"
check "chat tail ends on SIGTERM with exit 0 (docs/batch.md)" test $? = 0
grep -E "Sanitizer|runtime error" -A5 "$T_DIR/tail.err" | head -20 | sed 's/^/# tail: /'
tail_pid=

# ---- (c) what others could read is refused or tightened ------------------------------
# A key file or a config with a password that others can read is refused
# before anything is opened; a home that others can enter is closed.
cp "$keyfile" "$cfgdir/open.key"
chmod 644 "$cfgdir/open.key"
at0 --key-file "$cfgdir/open.key" --home "$T_DIR/home2" --offline mail list
check "a key file others can read is refused (exit 8, says chmod 600)" \
	bash -c '[ "$1" = 8 ] && grep -qF "chmod 600" <<<"$2"' _ "$rc" "$errout"
check "... and no home was made with it" test ! -e "$T_DIR/home2/keys"
cp "$cfgdir/config" "$cfgdir/open.config"
chmod 644 "$cfgdir/open.config"
at0 --config "$cfgdir/open.config" --home "$home" --offline mail list
check "a config holding a password others can read is refused (exit 8, says chmod 600)" \
	bash -c '[ "$1" = 8 ] && grep -qF "chmod 600" <<<"$2"' _ "$rc" "$errout"
chmod 755 "$home"
at0 "${A[@]}" --offline mail list --folder "$BOX"
check "a home others can enter is closed again (0700) by the next run" \
	test "$(stat -c %a "$home")" = 700

echo "1..$t_n"
t_done
