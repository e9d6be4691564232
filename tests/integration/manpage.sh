#!/bin/bash
# manpage.sh - docs/atrium.1 against the binary (no servers). Every list is
# taken from atrium's own output, so a verb, option or flag added to the
# program and not to the page fails here:
#  - every command and verb `atrium help` and `atrium help MODULE` list has
#    an entry in the page, and every flag of its synopsis (--json, -o, ...)
#    appears in that entry;
#  - every option of `atrium --help` has an entry under OPTIONS;
#  - every exit code of docs/batch.md has an entry under EXIT STATUS, and
#    no other code does;
#  - every file atrium creates in a fresh home is named under FILES;
#  - groff and man render the page without a warning;
#  - make install DESTDIR= installs bin/atrium and share/man/man1/atrium.1,
#    and man -l reads the installed page.
set -u
cd "$(dirname "$0")/../.." || exit 1
SRC=$PWD
ATRIUM_BIN=${ATRIUM_BIN:-$PWD/atrium}
case $ATRIUM_BIN in /*) ;; *) ATRIUM_BIN=$PWD/$ATRIUM_BIN ;; esac
T_DIR=$(mktemp -d /tmp/atrium-manpage.XXXXXX)
trap 'rm -rf "$T_DIR"' EXIT
. tests/integration/tap.lib
PAGE=docs/atrium.1
export LC_ALL=C.UTF-8 MANWIDTH=80

# The page as text: wide lines so a tag never wraps, no overstriking.
groff -man -Tutf8 -rLL=400n -rIN=1n -P-cbou "$PAGE" >"$T_DIR/page.txt" 2>"$T_DIR/groff.err"
check "groff renders the page" test -s "$T_DIR/page.txt"

# page_check MODE: the items on stdin (one a line) against the rendered
# page; prints "missing ITEM" (or "noflag", "extra") for each that fails.
# An entry is a .TP paragraph. The page is rendered with an indent of 1n
# (-rIN=1n), so every tag has a line of its own (column 1), its body below
# it (column 2), and a paragraph is never taken for an entry.
cat >"$T_DIR/match.py" <<'EOF'
import re, sys
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
mode = sys.argv[2]
entries = []  # (section, tag, text)
section = ''
def indent(l):
    return len(l) - len(l.lstrip(' '))
i = 0
while i < len(lines):
    l = lines[i]
    if l and not l[0].isspace():
        section = l.strip()
    nxt = lines[i + 1] if i + 1 < len(lines) else ''
    if indent(l) == 1 and l.strip() and nxt.strip() and indent(nxt) >= 2:
        tag, body = l.strip(), []
        j = i + 1
        while j < len(lines) and lines[j].strip() and indent(lines[j]) >= 2:
            body.append(lines[j].strip())
            j += 1
        entries.append((section, tag, tag + ' ' + ' '.join(body)))
        i = j
        continue
    i += 1
items = [l.rstrip('\n') for l in sys.stdin if l.strip()]
def word(f, text):
    return re.search(r'(?<![\w-])' + re.escape(f) + r'(?![\w-])', text)
if mode == 'verbs':
    for it in items:
        key, _, flags = it.partition('\t')
        hit = [t for s, g, t in entries if g == key or g.startswith(key + ' ')]
        if not hit:
            print('missing', key)
            continue
        text = ' '.join(hit)
        for f in flags.split():
            if not word(f, text):
                print('noflag', key, f)
elif mode == 'options':
    have = set()
    for s, g, t in entries:
        if s == 'OPTIONS':
            have.update(a.split()[0] for a in g.split(', ') if a.split())
    for it in items:
        if it not in have:
            print('missing', it)
elif mode == 'exits':
    have = set(g for s, g, t in entries if s == 'EXIT STATUS' and g.isdigit())
    for it in items:
        if it not in have:
            print('missing', it)
    for g in sorted(have - set(items)):
        print('extra', g)
elif mode == 'files':
    tags = [g for s, g, t in entries if s == 'FILES']
    for it in items:
        if not any(g == it or g.rstrip('/').endswith('/' + it) for g in tags):
            print('missing', it)
print('entries', len(entries))
EOF
page_check() { python3 "$T_DIR/match.py" "$T_DIR/page.txt" "$1"; }

A=(--config /dev/null --home "$T_DIR/h" --lang en)

# ---- verbs --------------------------------------------------------------
at "${A[@]}" version
mods=$(sed -n 's/^atrium [^ ]* (\(.*\))$/\1/p' <<<"$out")
check "atrium version names the modules built in ($mods)" test -n "$mods"
at "${A[@]}" help
check "atrium help exits 0" test "$rc" = 0
printf '%s\n' "$out" >"$T_DIR/help.txt"
for m in $mods; do
	at "${A[@]}" help "$m"
	check "atrium help $m exits 0 and lists verbs" \
		eval "test $rc = 0 && grep -q '^  atrium $m ' <<<\"\$out\""
	printf '%s\n' "$out" >>"$T_DIR/help.txt"
done

# Synopsis lines "  atrium WORD ...": the key is MODULE VERB for a module's
# verb, the word alone for a program command (keygen, outbox, ...).
cat >"$T_DIR/verbs.py" <<'EOF'
import re, sys
mods = sys.argv[1].split()
seen = set()
for line in sys.stdin:
    m = re.match(r'^  atrium (\S+)(?: (\S+))?(.*)$', line.rstrip('\n'))
    if not m:
        continue
    w1, w2, rest = m.group(1), m.group(2) or '', m.group(3)
    if w1 in mods:
        key, args = w1 + ' ' + w2, rest
    else:
        key, args = w1, (' ' + w2 if w2 else '') + rest
    flags = sorted(set(re.findall(r'(?:(?<=[\s\[|])|^)(--?[a-z][a-z-]*)', args)))
    item = (key, ' '.join(flags))
    if item not in seen:
        seen.add(item)
        print('%s\t%s' % item)
EOF
python3 "$T_DIR/verbs.py" "$mods" <"$T_DIR/help.txt" >"$T_DIR/verbs.tsv"
n=$(wc -l <"$T_DIR/verbs.tsv")
check "help lists verbs to check ($n)" test "$n" -gt 50

# Each key needs the tag of an entry that is it or starts with it; each flag must be in the tags or bodies of those entries.
page_check verbs <"$T_DIR/verbs.tsv" >"$T_DIR/verbs.out"
missing=$(grep -c '^missing' "$T_DIR/verbs.out")
check "every verb of atrium help has an entry in atrium.1 ($missing missing)" test "$missing" = 0
grep '^missing' "$T_DIR/verbs.out" | sed 's/^/# /'
noflag=$(grep -c '^noflag' "$T_DIR/verbs.out")
check "every flag of every verb's synopsis is in its entry ($noflag missing)" test "$noflag" = 0
grep '^noflag' "$T_DIR/verbs.out" | sed 's/^/# /'

# The top-level commands of the usage's last line: help, version, config.
cmds=$(sed -n 's/^Commands: //p' "$T_DIR/help.txt" | head -1 | tr ',' '\n' |
	sed 's/^ *//; s/ .*//' | grep -v '^[A-Z]')
check "the usage names top-level commands ($(echo $cmds))" test -n "$cmds"
for c in $cmds; do printf '%s\t\n' "$c"; done | page_check verbs >"$T_DIR/cmds.out"
check "... each has an entry in atrium.1" bash -c "! grep -q '^missing' '$T_DIR/cmds.out'"
grep '^missing' "$T_DIR/cmds.out" | sed 's/^/# /'

# ---- options --------------------------------------------------------------
at --lang en --help
check "atrium --help exits 0" test "$rc" = 0
opts=$(sed -n 's/^  \(-[-a-z]*\).*/\1/p' <<<"$out")
check "atrium --help lists options ($(echo $opts))" test "$(wc -w <<<"$opts")" -ge 8
printf '%s\n' $opts | page_check options >"$T_DIR/opts.out"
check "every option of atrium --help has an entry under OPTIONS" bash -c "! grep -q '^missing' '$T_DIR/opts.out'"
grep '^missing' "$T_DIR/opts.out" | sed 's/^/# /'

# ---- exit codes -----------------------------------------------------------
codes=$(sed -n '/^## Exit codes/,/^## /s/^| \([0-9][0-9]*\) |.*/\1/p' docs/batch.md)
check "docs/batch.md lists exit codes ($(echo $codes))" test "$(wc -w <<<"$codes")" -ge 5
printf '%s\n' $codes | page_check exits >"$T_DIR/exits.out"
check "every exit code of docs/batch.md has an entry under EXIT STATUS" \
	bash -c "! grep -q '^missing' '$T_DIR/exits.out'"
check "... and EXIT STATUS has no code docs/batch.md lacks" bash -c "! grep -q '^extra' '$T_DIR/exits.out'"
grep -E '^(missing|extra)' "$T_DIR/exits.out" | sed 's/^/# /'

# ---- files ----------------------------------------------------------------
"$ATRIUM_BIN" keygen "$T_DIR/key" >/dev/null 2>&1
at "${A[@]}" --home "$T_DIR/fresh" --key-file "$T_DIR/key" outbox list
check "a fresh home is set up (exit $rc: $errout)" test "$rc" = 0
made=$(cd "$T_DIR/fresh" && ls | sed 's/-\(wal\|shm\|journal\)$//' | sort -u)
check "... holding files ($(echo $made))" test -n "$made"
printf '%s\n' $made | page_check files >"$T_DIR/files.out"
check "every file of a fresh home is named under FILES" bash -c "! grep -q '^missing' '$T_DIR/files.out'"
grep '^missing' "$T_DIR/files.out" | sed 's/^/# /'
cfg=$("$ATRIUM_BIN" --lang en --help | sed -n 's/^  --config FILE.*(default \(.*\))$/\1/p')
printf '%s\n' "$cfg" | page_check files >"$T_DIR/cfg.out"
check "the default configuration file of atrium --help ($cfg) is under FILES" \
	eval 'test -n "$cfg" && ! grep -q "^missing" "$T_DIR/cfg.out"'

# ---- rendering --------------------------------------------------------------
groff -man -Tutf8 -ww -z "$PAGE" >"$T_DIR/ww.out" 2>&1
check "groff -man -Tutf8 -ww: no warning" test ! -s "$T_DIR/ww.out"
sed 's/^/# /' "$T_DIR/ww.out"
man --warnings -l "$PAGE" >"$T_DIR/man.out" 2>"$T_DIR/man.err"
check "man --warnings -l renders it without a warning" \
	eval 'grep -q "^ATRIUM(1)" "$T_DIR/man.out" && test ! -s "$T_DIR/man.err"'
sed 's/^/# /' "$T_DIR/man.err"

# ---- make install -----------------------------------------------------------
# BIN= and -o: install the binary under test as it is, never rebuild it.
if make -s -C "$SRC" install DESTDIR="$T_DIR/root" PREFIX=/usr BIN="$ATRIUM_BIN" \
	-o "$ATRIUM_BIN" >"$T_DIR/install.log" 2>&1; then
	ok "make install DESTDIR=... PREFIX=/usr"
else
	not_ok "make install DESTDIR=... PREFIX=/usr"; sed 's/^/# /' "$T_DIR/install.log" | tail -20
fi
check "... installs bin/atrium, the binary under test" \
	eval 'test -x "$T_DIR/root/usr/bin/atrium" && cmp -s "$T_DIR/root/usr/bin/atrium" "$ATRIUM_BIN"'
check "... installs share/man/man1/atrium.1, this page" cmp -s "$T_DIR/root/usr/share/man/man1/atrium.1" "$PAGE"
man --warnings -l "$T_DIR/root/usr/share/man/man1/atrium.1" >"$T_DIR/iman.out" 2>"$T_DIR/iman.err"
check "man -l of the installed page shows it" \
	eval 'grep -q "^ATRIUM(1)" "$T_DIR/iman.out" && grep -q "atrium \[OPTIONS\] MODULE VERB" "$T_DIR/iman.out" && test ! -s "$T_DIR/iman.err"'
ver=$("$T_DIR/root/usr/bin/atrium" --config /dev/null --home "$T_DIR/h" version 2>/dev/null | cut -d' ' -f2)
check "the installed atrium runs; the page is of its version ($ver)" \
	eval 'test -n "$ver" && grep -qF "\"atrium $ver\"" "$PAGE"'

t_done
