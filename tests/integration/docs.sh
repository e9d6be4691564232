#!/bin/bash
# docs.sh - the docs batch verbs through the real binary: cat converts a
# GB18030 CR LF file to UTF-8 (line ends kept), stats counts Chinese
# words and grapheme clusters (plain and --json), replace saves atomically
# in the file's own charset and line ends and prints the count (plain,
# regex, dry run), and the exit codes: missing file 2, bad regex and
# usage 1, a read-only file 8. No servers: the verbs work on local files.
set -u
cd "$(dirname "$0")/../.." || exit 1
ATRIUM_BIN=${ATRIUM_BIN:-$PWD/atrium}
T_DIR=$(mktemp -d /tmp/atrium-docs.XXXXXX)
trap 'chmod -R u+w "$T_DIR"; rm -rf "$T_DIR"' EXIT
. tests/integration/tap.lib

cfg=$T_DIR/config
"$ATRIUM_BIN" keygen "$T_DIR/store.key" >/dev/null
printf 'key_file = %s\n' "$T_DIR/store.key" > "$cfg"
chmod 600 "$cfg"
H=(--config "$cfg" --home "$T_DIR/home")

gb=$T_DIR/gb.txt
printf '中文测试，你好。\r\n第二行 apple apple\r\n' | iconv -f UTF-8 -t GB18030 > "$gb"
cp "$gb" "$T_DIR/gb.orig"

at "${H[@]}" docs cat "$gb"
check "cat exits 0" test "$rc" = 0
check "cat prints GB18030 as UTF-8, CR LF kept" \
	cmp -s <(printf '%s\n' "$out") <(printf '中文测试，你好。\r\n第二行 apple apple\r\n')
check "cat leaves the file alone" cmp -s "$gb" "$T_DIR/gb.orig"

u=$T_DIR/u.txt
printf '我们今天学习中文。\nHello wörld 👍🏽!\n' > "$u"
at "${H[@]}" docs stats "$u"
check "stats counts lines" grep -qx 'Lines: 2' <<<"$out"
check "stats counts characters as grapheme clusters" grep -qx 'Characters: 25' <<<"$out"
words=$(sed -n 's/^Words: //p' <<<"$out")
check "stats counts Chinese words (ICU: more than one, fewer than characters)" \
	test "${words:-0}" -ge 5 -a "${words:-0}" -le 9
at "${H[@]}" --json docs stats "$u"
check "stats --json" grep -q '"lines":2,' <<<"$out"

at "${H[@]}" docs replace "$gb" apple 苹果
check "replace prints the count" grep -q '^2 replacements in ' <<<"$out"
check "replace saves in GB18030 with CR LF" \
	cmp -s "$gb" <(printf '中文测试，你好。\r\n第二行 苹果 苹果\r\n' | iconv -f UTF-8 -t GB18030)
at "${H[@]}" docs replace "$gb" '苹(果)' 'X$1' --regex --dry-run
check "replace --regex --dry-run counts and writes nothing" \
	test "$rc" = 0 -a "$(grep -c 'matches in' <<<"$out")" = 1
check "... the file is unchanged" \
	cmp -s "$gb" <(printf '中文测试，你好。\r\n第二行 苹果 苹果\r\n' | iconv -f UTF-8 -t GB18030)
at "${H[@]}" --json docs replace "$gb" '苹(果)' 'X$1' --regex
check "replace --json" grep -q '"count":2,"dry_run":false' <<<"$out"
at "${H[@]}" docs cat "$gb"
check "regex groups expanded" grep -q '第二行 X果 X果' <<<"$out"

at "${H[@]}" docs cat "$T_DIR/missing.txt"
check "a missing file exits 2" test "$rc" = 2
at "${H[@]}" docs replace "$u" '(' x --regex
check "a bad regex exits 1" test "$rc" = 1
at "${H[@]}" docs replace "$u"
check "usage exits 1" test "$rc" = 1
printf 'a\0b\n' > "$T_DIR/bin.dat"
at "${H[@]}" docs replace "$T_DIR/bin.dat" a b
check "replace refuses a binary file (exit 8)" test "$rc" = 8
at "${H[@]}" help docs
check "help lists the verbs" grep -q 'stats FILE' <<<"$out"

echo "1..$t_n"
t_done
