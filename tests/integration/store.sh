#!/bin/bash
# store.sh - the encrypted store through the real binary: keygen, a fresh
# home set up from a key file, exit 6 with advice when locked, passphrase
# set with passwd, unlock from stdin into the kernel keyring and lock
# again, wrong passphrases, the vault (login/logout), the outbox verbs and
# cache rebuild, and no secret or marker in any file under the home.
set -u
cd "$(dirname "$0")/../.." || exit 1
ATRIUM_BIN=${ATRIUM_BIN:-$PWD/atrium}
T_DIR=$(mktemp -d /tmp/atrium-store.XXXXXX)
trap '"$ATRIUM_BIN" --config /dev/null --home "$T_DIR/h" lock >/dev/null 2>&1; rm -rf "$T_DIR"' EXIT
. tests/integration/tap.lib
H=(--config /dev/null --home "$T_DIR/h")
K=(--key-file "$T_DIR/k")

at keygen "$T_DIR/k"
check "keygen writes a key file" test "$rc" = 0 -a -f "$T_DIR/k"
check "... mode 600" test "$(stat -c %a "$T_DIR/k")" = 600
check "... 64 hex digits" grep -Eqx '[0-9a-f]{64}' "$T_DIR/k"
at keygen "$T_DIR/k"
check "keygen never overwrites" test "$rc" != 0

at "${H[@]}" mail status
check "a new home without a key: exit 6" test "$rc" = 6
check "... saying what to do" grep -q -- "--key-file" <<<"$errout"
check "... and creating nothing" test ! -e "$T_DIR/h/keys"
at "${H[@]}" mail nosuch
check "usage errors come before the store (exit 1, not 6)" test "$rc" = 1

at "${H[@]}" "${K[@]}" outbox list
check "a key file sets up a fresh home unattended" test "$rc" = 0 -a -f "$T_DIR/h/keys"
check "... the outbox is empty" grep -q "The outbox is empty" <<<"$out"
chmod 644 "$T_DIR/k"
at "${H[@]}" "${K[@]}" outbox list
check "a key file others can read is refused" test "$rc" != 0
check "... saying chmod 600" grep -q "chmod 600" <<<"$errout"
chmod 600 "$T_DIR/k"

out=$(printf 'correct horse\n' | "$ATRIUM_BIN" "${H[@]}" "${K[@]}" passwd 2>&1) && rc=0 || rc=$?
check "passwd sets a passphrase from stdin" test "$rc" = 0
at "${H[@]}" outbox list
check "without key file or unlock: locked (exit 6)" test "$rc" = 6
check "... pointing to atrium unlock" grep -q "atrium unlock" <<<"$errout"
out=$(printf 'wrong horse\n' | "$ATRIUM_BIN" "${H[@]}" unlock 2>&1) && rc=0 || rc=$?
check "a wrong passphrase is refused (exit 6)" test "$rc" = 6
check "... clearly" grep -qi "wrong passphrase" <<<"$out"
out=$(printf 'correct horse\n' | "$ATRIUM_BIN" "${H[@]}" unlock --minutes 5 2>&1) && rc=0 || rc=$?
check "unlock reads the passphrase from stdin" test "$rc" = 0
check "... and says for how long" grep -q "5 minutes" <<<"$out"
at "${H[@]}" outbox list
check "after unlock, batch commands run without a key" test "$rc" = 0
at "${H[@]}" lock
check "lock" test "$rc" = 0
at "${H[@]}" outbox list
check "after lock: locked again" test "$rc" = 6

marker="Vault-Marker-$RANDOM$RANDOM"
out=$(printf '%s\n' "$marker" | "$ATRIUM_BIN" "${H[@]}" "${K[@]}" login mail 2>&1) && rc=0 || rc=$?
check "login keeps a password from stdin" test "$rc" = 0
at "${H[@]}" "${K[@]}" login nosuch
check "login to an unknown service is a usage error" test "$rc" = 1
check "no passphrase, password or marker in any file of the home" \
	bash -c "! grep -rqa -e '$marker' -e 'correct horse' '$T_DIR/h'"
at "${H[@]}" "${K[@]}" logout mail
check "logout forgets it" test "$rc" = 0
at "${H[@]}" "${K[@]}" logout mail
check "logout twice: not found (exit 2)" test "$rc" = 2

at "${H[@]}" "${K[@]}" outbox drop 1
check "outbox drop without --yes is refused" test "$rc" = 1
check "... explaining why" grep -q -- "--yes" <<<"$errout"
at "${H[@]}" "${K[@]}" outbox drop 999 --yes
check "dropping an entry that is not there: exit 2" test "$rc" = 2
at "${H[@]}" "${K[@]}" outbox retry abc
check "a bad entry number is a usage error" test "$rc" = 1
at "${H[@]}" "${K[@]}" --json outbox list
check "outbox list --json is a JSON array" test "$out" = "[]"

printf 'garbage' > "$T_DIR/h/cache.db"
rm -f "$T_DIR/h/cache.db-wal" "$T_DIR/h/cache.db-shm"
at "${H[@]}" "${K[@]}" outbox list
check "a foreign cache is a clear error naming the file" grep -q "cache.db" <<<"$errout"
check "... and suggests cache rebuild" grep -q "cache rebuild" <<<"$errout"
at "${H[@]}" cache rebuild
check "cache rebuild moves it aside without a key" test "$rc" = 0 -a -n "$(ls "$T_DIR"/h/cache.db.broken-* 2>/dev/null)"
at "${H[@]}" "${K[@]}" outbox list
check "... and the store opens again" test "$rc" = 0
check "every file in the home is private" bash -c "[ -z \"\$(find '$T_DIR/h' -perm /077 ! -type d)\" ]"
t_done
