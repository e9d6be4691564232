#!/bin/bash
# batch.sh - batch mode through the real binary: exit codes, --json
# documents, options anywhere, -b files (also from stdin) with and without
# -k, the state directory's permissions, configuration errors naming
# file:line, and no secret in the log.
set -u
cd "$(dirname "$0")/../.." || exit 1
ATRIUM_BIN=${ATRIUM_BIN:-$PWD/atrium}
T_DIR=$(mktemp -d /tmp/atrium-batch.XXXXXX)
trap 'rm -rf "$T_DIR"' EXIT
. tests/integration/tap.lib

cfg=$T_DIR/config
"$ATRIUM_BIN" keygen "$T_DIR/store.key" >/dev/null
cat > "$cfg" <<CFG
log_level = debug
key_file = $T_DIR/store.key
[mail]
imap = imaps://127.0.0.1:1993
user = alice@example.test
password = Sekr1t-marker-4711
CFG
chmod 600 "$cfg"
H=(--config "$cfg" --home "$T_DIR/home")

at "${H[@]}" version
check "version prints the version" test "$rc" = 0 -a "${out#atrium 0.}" != "$out"
at "${H[@]}" mail status
check "mail status shows the account" grep -q "alice@example.test" <<<"$out"
at mail "${H[@]}" --json status
check "options may follow the command (--json after the verb)" grep -q '"state":"offline"' <<<"$out"
check "--json prints a single line document" test "$(printf '%s\n' "$out" | wc -l)" = 1
at "${H[@]}" mail frobnicate
check "unknown verb exits 1" test "$rc" = 1
check "... with the reason on stderr" grep -q "unknown verb 'frobnicate' for mail" <<<"$errout"
check "... and nothing on stdout" test -z "$out"
at "${H[@]}" --json nosuch
check "--json failure is still a document on stdout" grep -q '"kind":"usage"' <<<"$out"
at "${H[@]}" --bogus-option version
check "an unknown option before a program verb is the verb's (usage error)" test "$rc" = 1
at "${H[@]}" --lang
check "an option without its value is a usage error" test "$rc" = 1

printf 'version\nmail nosuch\nversion\n' > "$T_DIR/jobs"
at "${H[@]}" -b "$T_DIR/jobs"
check "-b stops at the first failure" test "$rc" = 1 -a "$(grep -c '^atrium ' <<<"$out")" = 1
check "-b names the failing line" grep -q "jobs:2: failed (exit 1)" <<<"$errout"
at "${H[@]}" -b "$T_DIR/jobs" -k
check "-k keeps going" test "$rc" = 1 -a "$(grep -c '^atrium ' <<<"$out")" = 2
out=$(printf 'mail status\n' | "$ATRIUM_BIN" "${H[@]}" -b - 2>/dev/null) && rc=0 || rc=$?
check "-b - reads commands from stdin" test "$rc" = 0 -a "${out#*alice@example.test}" != "$out"
at "${H[@]}" -b "$T_DIR/missing"
check "-b on a missing file exits 2" test "$rc" = 2

check "the state directory is private (0700)" test "$(stat -c %a "$T_DIR/home")" = 700
check "the log is private (0600)" test "$(stat -c %a "$T_DIR/home/atrium.log")" = 600
check "the log has entries" grep -q "atrium 0.1.0 starting" "$T_DIR/home/atrium.log"
check "no secret in the log" bash -c "! grep -rq Sekr1t-marker-4711 '$T_DIR/home'"
at "${H[@]}" config show
check "config show masks the password" bash -c "grep -q 'mail.password = \*\*\*\*\*\*\*\*' <<<'$out' && ! grep -q Sekr1t <<<'$out'"

chmod 644 "$cfg"
at "${H[@]}" version
check "a password in a readable file is refused" test "$rc" != 0
check "... naming file, line and key" grep -q "$cfg:6: \[mail\] password" <<<"$errout"
chmod 600 "$cfg"
printf '[mail]\nimap = imaps://ok\n[keys]\nhelp = Hyper-F1\n' > "$T_DIR/badkeys"
chmod 600 "$T_DIR/badkeys"
at --config "$T_DIR/badkeys" --home "$T_DIR/home" version
check "a bad key binding is reported at start, also in batch mode" grep -q "badkeys:4: \[keys\] help" <<<"$errout"
at --config "$T_DIR/nonexistent" --home "$T_DIR/home" version
check "a missing --config file exits 1" test "$rc" = 1
mkdir -p "$T_DIR/open"; chmod 755 "$T_DIR/open"
at --config "$cfg" --home "$T_DIR/open" version
check "an existing home readable by others is tightened" test "$(stat -c %a "$T_DIR/open")" = 700
at "${H[@]}" --lang zh_Hans help
check "help in Chinese" grep -q "显示账户及其连接状态" <<<"$out"
out=$(LANG=zh_CN.UTF-8 "$ATRIUM_BIN" "${H[@]}" mail boom 2>&1)
check "errors follow the language from LANG" grep -q "mail 没有命令“boom”" <<<"$out"
at "${H[@]}" < /dev/null
check "no command and no terminal: a clear refusal, never a prompt" grep -q "needs a terminal" <<<"$errout"
t_done
