#!/bin/bash
# mail_corpus.sh - the corpus of hard messages (tests/data/mail/*.eml and
# a few made here) read by `atrium mail sync|list|read|attachments` from
# the loopback Dovecot as alice: every charset decoded, no terminal
# control passed on, HTML as text with its links, attachments saved byte
# for byte under safe names that stay in their directory, a 25 MiB
# attachment, a 5,000-message thread, broken MIME. What the messages must
# give is worked out apart from atrium (the unit test's expectations,
# Python's email package in tests/integration/mail_corpus.py, which also
# uploads). Folders mail-corpus-PID[-big|-thread], removed at the end.
# Uses the shared test servers in $ATRIUM_TEST_SERVERS (tests/run starts
# them). Timings are printed as TAP comments, not checked.
set -u
cd "$(dirname "$0")/../.." || exit 1
ATRIUM_BIN=${ATRIUM_BIN:-$PWD/atrium}
S=${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}
T_DIR=$(mktemp -d /tmp/atrium-corpus.XXXXXX)
. tests/integration/tap.lib
set -a
. "$S/env"
set +a
BOX=mail-corpus-$$
BIGBOX=$BOX-big
TBOX=$BOX-thread
PROBE=tests/integration/mail_probe.py
CORPUS=tests/integration/mail_corpus.py
PY=/usr/bin/python3

cleanup() {
	for b in "$BOX" "$BIGBOX" "$TBOX"; do
		$PY -B "$PROBE" rmbox alice "$b" >/dev/null 2>&1
	done
	rm -rf "$T_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkcfg() {
	{
		grep '^key_file' "$ALICE_CONFIG"
		echo
		echo "[mail]"
		echo "imap = imaps://127.0.0.1:$IMAPS_PORT"
		echo "user = $ALICE_EMAIL"
		echo "password = $ALICE_PASSWORD"
		echo "ca_file = $CA_FILE"
	} >"$T_DIR/alice.conf"
	chmod 600 "$T_DIR/alice.conf"
	echo "$T_DIR/alice.conf"
}
mkdir -m 700 "$T_DIR/home"
A=(--config "$(mkcfg)" --home "$T_DIR/home")
py() { $PY -c "import json,sys; j=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; }
now() { date +%s.%N; }
since() { $PY -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$(now)"; }
sha() { sha256sum <"$1" | cut -d' ' -f1; }

# Valid UTF-8 with no C0 control but \n and \t, no DEL, no C1; with
# --json also none inside the document's strings once parsed.
clean() {
	$PY -c '
import json, sys
b = open(sys.argv[1], "rb").read()
s = b.decode("utf-8")
def bad(t, nl):
    return any((ord(c) < 0x20 and (c not in "\n\t" or not nl)) or 0x7f <= ord(c) <= 0x9f for c in t)
if bad(s, True):
    sys.exit(1)
if len(sys.argv) > 2:
    def walk(v):
        if isinstance(v, str):
            return bad(v, True)
        if isinstance(v, list):
            return any(walk(x) for x in v)
        if isinstance(v, dict):
            return any(walk(x) or walk(k) for k, x in v.items())
        return False
    sys.exit(1 if walk(json.loads(s)) else 0)
' "$@" 2>/dev/null
}

# --- the corpus: the unit test's messages and three made here ----------------------
mkdir "$T_DIR/eml"
cp tests/data/mail/*.eml "$T_DIR/eml/"
# three attachments whose safe names are the same, and one with no safe name
printf '%s\r\n' "From: Clash <clash@example.test>" "To: alice@example.test" \
	"Subject: clashing names" "MIME-Version: 1.0" \
	'Content-Type: multipart/mixed; boundary="C"' "" "--C" \
	"Content-Type: text/plain" "" "Three files, one name." "--C" \
	'Content-Type: text/plain; name="same.txt"' "Content-Disposition: attachment; filename=same.txt" \
	"" "first" "--C" \
	'Content-Type: text/plain; name="same.txt"' "Content-Disposition: attachment; filename=same.txt" \
	"" "second" "--C" \
	"Content-Type: application/octet-stream" 'Content-Disposition: attachment; filename="/tmp/x/../same.txt"' \
	"Content-Transfer-Encoding: base64" "" "AAECAwT/" "--C" \
	"Content-Type: application/octet-stream" 'Content-Disposition: attachment; filename=".."' \
	"" "dots" "--C--" >"$T_DIR/eml/x-clash.eml"
# multipart with no boundary parameter: the body is text
printf '%s\r\n' "From: Broken <broken@example.test>" "To: alice@example.test" \
	"Subject: no boundary" "MIME-Version: 1.0" "Content-Type: multipart/mixed" "" \
	"--x" "Content-Type: text/plain" "" "still shown" >"$T_DIR/eml/x-no-boundary-param.eml"
FILES=()
for f in "$T_DIR"/eml/*.eml; do FILES+=("$(basename "$f")"); done
if ! $PY -B "$PROBE" mkbox alice "$BOX" "${FILES[@]/#/$T_DIR/eml/}"; then
	not_ok "the corpus is put into $BOX"
	exit 1
fi

at "${A[@]}" mail sync --folder "$BOX"
check "sync: every corpus message arrives ($out $errout)" \
	test "$rc" = 0 -a "$out" = "$BOX: ${#FILES[@]} new, 0 changed, 0 removed"
at "${A[@]}" mail list --folder "$BOX" --json
echo "$out" >"$T_DIR/list.json"
check "list --json: ${#FILES[@]} messages, uids 1..${#FILES[@]} in the order they were put" \
	py "sorted(m['uid'] for m in j) == list(range(1, ${#FILES[@]} + 1))" <"$T_DIR/list.json"
check "list --json: no control in the output nor in any field" clean "$T_DIR/list.json" --json
"$ATRIUM_BIN" "${A[@]}" mail list --folder "$BOX" >"$T_DIR/list.txt" 2>/dev/null
check "list in plain text: no control but the tab and newline" clean "$T_DIR/list.txt"
check "list in plain text: the escape message's subject shown, its ESC as a placeholder" \
	grep -q "title.]0;pwned. .\[2J" "$T_DIR/list.txt"
# the id of the message put from file NAME (uids in FILES order)
idof() {
	local i
	for i in "${!FILES[@]}"; do
		if [ "${FILES[$i]}" = "$1" ]; then
			$PY -c "import json,sys; print([m['id'] for m in json.load(sys.stdin) if m['uid'] == $((i + 1))][0])" <"$T_DIR/list.json"
			return
		fi
	done
}

# FILE#a Python condition on the read --json document j, then the
# text plain read must show (a line of it)
EXPECT=(
	"gb2312-gb18030.eml#j['subject'] == '生僻字' and '生僻字\U00020000与𠮷' in j['text']#季度报告：生僻字𠀀与𠮷。"
	"gbk.eml#j['subject'] == '季度报告' and '销售额增长百分之二十' in j['text']#销售额增长百分之二十，请查阅附件。"
	"big5-hkscs.eml#'香港的𨋢與㗎' in j['text']#香港的𨋢與㗎。"
	"iso-2022-jp.eml#j['subject'] == '会議の件' and j['text'] == 'こんにちは、世界。\n明日の会議です。\n'#明日の会議です。"
	"shift_jis.eml#'東京都の天気は晴れ' in j['text']#東京都の天気は晴れ。"
	"euc-kr.eml#'안녕하세요, 세계' in j['text']#안녕하세요, 세계."
	"raw-8bit-headers.eml#j['subject'] == '会议纪要' and j['from'].startswith('张三') and j['attachments'][0]['name'] == '纪要.doc'#Subject: 会议纪要"
	"utf8-lf.eml#j['subject'] == '你好 👋' and '你好，世界 👋\nsecond line' in j['text']#你好，世界 👋"
	"flowed.eml#'wrapped by the sender at short widths.' in j['text']#This is a long paragraph that was wrapped by the sender at short widths."
	"flowed-delsp.eml#'中文没有空格的段落，继续写。' in j['text']#中文没有空格的段落，继续写。"
	"forward.eml#'这是原始邮件。' in j['text'] and [a['name'] for a in j['attachments']] == ['原始邮件.eml', 'q3.csv']#这是原始邮件。"
	"alt-plain-html.eml#j['text'] == 'Plain version.\n' and j['attachments'] == []#Plain version."
	"alt-html-only.eml#'你好\U00020000' in j['text'] and '第二段' in j['text'] and '<' not in j['text']#第二段"
	"alt-empty-plain.eml#'Only the HTML says it.' in j['text']#Only the HTML says it."
	"html-rich.eml#'Report & summary' in j['text'] and 'apples | 3' in j['text'] and 'alert' not in j['text']#Report & summary"
	"related.eml#j['text'] == 'Logo: [Company logo]\n' and [a['name'] for a in j['attachments']] == ['data.zip']#Logo: [Company logo]"
	"mixed-attachments.eml#'See the files.' in j['text'] and 'Second inline text.' in j['text'] and len(j['attachments']) == 5#Second inline text."
	"escape.eml#'red \ufffd[31mtext' in j['text'] and 'pwned' in j['subject']#red �[31mtext�[0m bell� csi�2J cr"
	"no-closing-boundary.eml#j['text'] == 'First part.\n\nLast part runs to the end.\n'#Last part runs to the end."
	"bad-base64.eml#j['text'] == 'Hello, 世界! Decodes.\n'#Hello, 世界! Decodes."
	"wrong-charset.eml#'标签错了，其实是UTF-8' in j['text'] and '未知字符集的GBK文字' in j['text'] and 'caf\ufffd latin-1' in j['text']#未知字符集的GBK文字。"
	"x-no-boundary-param.eml#j['text'] == '--x\nContent-Type: text/plain\n\nstill shown\n'#still shown"
	"x-clash.eml#j['text'] == 'Three files, one name.\n' and len(j['attachments']) == 4#Three files, one name."
)
check "every corpus file has its expectation" test "${#EXPECT[@]}" = "${#FILES[@]}"
for e in "${EXPECT[@]}"; do
	IFS='#' read -r f cond line <<<"$e"
	id=$(idof "$f")
	"$ATRIUM_BIN" "${A[@]}" mail read "$id" --json >"$T_DIR/r.json" 2>"$T_DIR/stderr" && rc=0 || rc=$?
	check "read --json $f: exit $rc, its decoded words" \
		eval 'test "$rc" = 0 && py "$cond" <"$T_DIR/r.json"'
	"$ATRIUM_BIN" "${A[@]}" mail read "$id" >"$T_DIR/r.txt" 2>"$T_DIR/stderr" && rc=0 || rc=$?
	check "read $f: exit $rc, shows the line '$line'" \
		eval 'test "$rc" = 0 && grep -qxF -- "$line" "$T_DIR/r.txt"'
	check "read $f, plain and --json: no control but newline and tab" \
		eval 'clean "$T_DIR/r.txt" && clean "$T_DIR/r.json" --json'
done

# --- escape sequences ---------------------------------------------------------------
ID=$(idof escape.eml)
at "${A[@]}" mail read "$ID"
check "read escape.eml: From and Subject with their ESC, BEL and CSI shown as placeholders" \
	eval 'grep -q "^From: evil.\[31m <evil@example.test>$" <<<"$out" && grep -q "^Subject: title.\]0;pwned. .\[2J$" <<<"$out"'
# (Dovecot stores the lone CR after "cr" as a line end: the plain line stops there)
"$ATRIUM_BIN" "${A[@]}" mail read "$ID" --json --raw >"$T_DIR/r.json" 2>/dev/null
no_c0() { ! grep -qP '[\x00-\x08\x0b-\x1f\x7f]' "$1"; }
check "read --json --raw escape.eml: ESC, BEL and DEL of the raw bytes escaped inside the JSON" \
	eval 'no_c0 "$T_DIR/r.json" && py "chr(27) in j[\"raw\"] and chr(0x7f) in j[\"raw\"]" <"$T_DIR/r.json"'
check "read --json --raw escape.eml: the C1 CSI (U+009B) escaped too, not passed to the terminal" \
	clean "$T_DIR/r.json"

# --- HTML -----------------------------------------------------------------------------
ID=$(idof html-rich.eml)
at "${A[@]}" mail read "$ID" --json
check "read --json html-rich.eml: no tag left, nor script or style" \
	py "not __import__('re').search(r'</?[a-zA-Z!]', j['text']) and 'color' not in j['text'] and 'document.write' not in j['text']" <<<"$out"
check "read --json html-rich.eml: links lists the URL once, not javascript:" \
	py "j['links'] == ['https://example.test/a?x=1&y=2']" <<<"$out"
at "${A[@]}" mail read "$ID"
check "read html-rich.eml: the link numbered after the text" \
	grep -qxF "[1] https://example.test/a?x=1&y=2" <<<"$out"

# --- attachments: safe names, bytes, nothing outside the directory ------------------
JAIL=$T_DIR/jail
mkdir -p "$JAIL/a/b"
DIR=$JAIL/a/b/save
# everything under JAIL but DIR (the ../ of the names would land in JAIL)
outside() { find "$JAIL" -path "$DIR" -prune -o -print | sort; }
outside >"$T_DIR/before"
ID=$(idof mixed-attachments.eml)
$PY -B "$CORPUS" parts "$T_DIR/eml/mixed-attachments.eml" >"$T_DIR/parts.json"
at "${A[@]}" mail attachments "$ID" --save "$DIR" --json
echo "$out" >"$T_DIR/save1.json"
check "attachments --save: exit 0, five saved ($errout)" \
	eval 'test "$rc" = 0 && py "len(j) == 5 and all(\"saved_as\" in a for a in j)" <"$T_DIR/save1.json"'
outside >"$T_DIR/after"
check "attachments --save: nothing appeared outside DIR (../../.ssh stays in)" \
	cmp -s "$T_DIR/before" "$T_DIR/after"
check "attachments --save: DIR holds exactly the five files" \
	test "$(find "$DIR" -mindepth 1 | wc -l)" = 5
check "attachments --save: the path name saved as authorized_keys, every name plain (no /, no leading . or -)" \
	py "j[0]['name'] == '../../.ssh/authorized_keys' and j[0]['saved_as'] == 'authorized_keys' and all('/' not in a['saved_as'] and a['saved_as'][0] not in '.-' for a in j)" <"$T_DIR/save1.json"
# each saved file against the part Python's email package decodes
cmp_parts() {
	$PY -c '
import hashlib, json, os, sys
got, want = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
if len(got) != len(want):
    sys.exit(1)
for g, w in zip(got, want):
    data = open(os.path.join(sys.argv[3], g["saved_as"]), "rb").read()
    if hashlib.sha256(data).hexdigest() != w["sha256"] or g["size"] != w["size"]:
        sys.exit("%s: bytes differ" % g["saved_as"])
    if w["name"] is not None and g["name"] != w["name"]:
        sys.exit("%s: name %s, Python says %s" % (g["saved_as"], g["name"], w["name"]))
' "$@"
}
check "attachments --save: every file byte for byte the part Python decodes, sizes and names as Python reads them" \
	cmp_parts "$T_DIR/save1.json" "$T_DIR/parts.json" "$DIR"
sha_all() { (cd "$DIR" && sha256sum -- *) | sort; }
sha_all >"$T_DIR/sums1"
at "${A[@]}" mail attachments "$ID" --save "$DIR" --json
echo "$out" >"$T_DIR/save2.json"
check "a second --save to the same DIR: exit 0, new names with suffixes ($errout)" \
	eval 'test "$rc" = 0 && $PY -c "import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(0 if len(b) == 5 and not {x[\"saved_as\"] for x in a} & {x[\"saved_as\"] for x in b} else 1)" "$T_DIR/save1.json" "$T_DIR/save2.json"'
check "a second --save: the first files untouched, the new ones byte for byte" \
	eval 'test "$(find "$DIR" -mindepth 1 | wc -l)" = 10 && test "$(sha_all | grep -cxF -f "$T_DIR/sums1")" = 5 && cmp_parts "$T_DIR/save2.json" "$T_DIR/parts.json" "$DIR"'
outside >"$T_DIR/after"
check "a second --save: still nothing outside DIR" cmp -s "$T_DIR/before" "$T_DIR/after"

ID=$(idof x-clash.eml)
DIR=$JAIL/a/b/clash
outside >"$T_DIR/before"
$PY -B "$CORPUS" parts "$T_DIR/eml/x-clash.eml" >"$T_DIR/parts.json"
at "${A[@]}" mail attachments "$ID" --save "$DIR" --json
echo "$out" >"$T_DIR/clash.json"
check "clashing names: four files, all different names ($errout)" \
	py "len(j) == 4 and len({a['saved_as'] for a in j}) == 4 and j[0]['saved_as'] == 'same.txt' and all(a['saved_as'].startswith('same') for a in j[:3])" <"$T_DIR/clash.json"
check "clashing names: the name '..' saved under a made-up name" \
	py "j[3]['saved_as'] not in ('..', '.', '') and '/' not in j[3]['saved_as']" <"$T_DIR/clash.json"
check "clashing names: each file byte for byte its own part" \
	cmp_parts "$T_DIR/clash.json" "$T_DIR/parts.json" "$DIR"
outside >"$T_DIR/after"
check "clashing names: nothing outside DIR (/tmp/x/../same.txt stays in)" \
	eval 'cmp -s "$T_DIR/before" "$T_DIR/after" && test ! -e /tmp/x/same.txt'

ID=$(idof raw-8bit-headers.eml)
DIR=$JAIL/a/b/raw
at "${A[@]}" mail attachments "$ID" --save "$DIR"
check "attachments in plain text: index, name, type, size, saved name ($errout)" \
	test "$out" = "$(printf '1\t纪要.doc\tapplication/octet-stream\t8\t纪要.doc')"
check "the raw-8bit name saved in UTF-8 with its bytes" \
	test "$(cat "$DIR/纪要.doc" 2>/dev/null)" = DOCBYTES

# --- broken MIME ------------------------------------------------------------------------
for f in no-closing-boundary.eml bad-base64.eml wrong-charset.eml x-no-boundary-param.eml; do
	at "${A[@]}" mail attachments "$(idof $f)" --json
	check "attachments of the broken $f: exit 0, a JSON list ($errout)" \
		eval 'test "$rc" = 0 && py "isinstance(j, list)" <<<"$out"'
done

# --- a 25 MiB attachment ----------------------------------------------------------------
$PY -B "$CORPUS" big "$T_DIR/big.eml" "$T_DIR/big.part" 25
t=$(now)
$PY -B "$CORPUS" append "$BIGBOX" "$T_DIR/big.eml" >/dev/null
echo "# APPEND of the $(($(stat -c %s "$T_DIR/big.eml") / 1048576)) MiB message: $(since "$t") s"
t=$(now)
at "${A[@]}" mail sync --folder "$BIGBOX"
echo "# sync of the big message: $(since "$t") s"
check "sync of a message with a 25 MiB attachment ($out $errout)" \
	test "$rc" = 0 -a "$out" = "$BIGBOX: 1 new, 0 changed, 0 removed"
at "${A[@]}" mail list --folder "$BIGBOX" --json
BIG=$($PY -c "import json,sys; print(json.load(sys.stdin)[0]['id'])" <<<"$out" 2>/dev/null)
check "list: the big message with its size and one attachment" \
	py "j[0]['size'] > 25 * 1048576 and j[0]['attachments'] == 1" <<<"$out"
t=$(now)
at "${A[@]}" mail attachments "$BIG" --save "$T_DIR/bigsave" --json
echo "# attachments --save of the big message (fetch, decode, write): $(since "$t") s"
check "attachments --save of the 25 MiB part: exit 0 ($errout)" \
	py "[a['saved_as'] for a in j] == ['random.bin'] and j[0]['size'] == 25 * 1048576" <<<"$out"
check "the saved 25 MiB file has the original's sha256" \
	test "$(sha "$T_DIR/bigsave/random.bin" 2>/dev/null)" = "$(sha "$T_DIR/big.part")"
t=$(now)
at "${A[@]}" --offline mail read "$BIG" --json
echo "# read --json of the cached big message: $(since "$t") s"
check "read --json of the big message (cached): its text, the attachment listed" \
	py "j['text'] == 'The data is attached.\n' and j['attachments'][0]['name'] == 'random.bin'" <<<"$out"
rm -f "$T_DIR/big.part" "$T_DIR/big.eml"
rm -rf "$T_DIR/bigsave"

# --- a 5,000-message thread -------------------------------------------------------------
N=5000
t=$(now)
$PY -B "$CORPUS" thread "$TBOX" "$N" "$T_DIR/parents.json" >/dev/null ||
	not_ok "the thread is put into $TBOX"
echo "# APPEND of $N messages (MULTIAPPEND): $(since "$t") s"
t=$(now)
at "${A[@]}" mail sync --folder "$TBOX"
echo "# sync of $N messages: $(since "$t") s"
check "sync of the $N-message thread ($out $errout)" \
	test "$rc" = 0 -a "$out" = "$TBOX: $N new, 0 changed, 0 removed"
t=$(now)
"$ATRIUM_BIN" "${A[@]}" mail list --folder "$TBOX" --json >"$T_DIR/thread.json" 2>"$T_DIR/stderr"
echo "# list --json of $N messages: $(since "$t") s"
check "list --json: $N messages, one thread id for all, the root's" \
	py "len(j) == $N and {m['thread'] for m in j} == {[m['id'] for m in j if m['parent'] is None][0]}" <"$T_DIR/thread.json"
check "list --json: each message's parent is the message it replies to" \
	$PY -c '
import json, sys
j = json.load(open(sys.argv[1]))
want = {k.strip("<>"): v for k, v in json.load(open(sys.argv[2])).items()}
mid = {m["id"]: m["message_id"].strip("<>") for m in j}
bad = [m["message_id"] for m in j
       if (mid.get(m["parent"]) if m["parent"] is not None else None)
       != ((want[m["message_id"].strip("<>")] or "").strip("<>") or None)]
if bad:
    sys.exit("%d wrong parents, the first %s" % (len(bad), bad[0]))
' "$T_DIR/thread.json" "$T_DIR/parents.json"
t=$(now)
at "${A[@]}" mail list --folder "$TBOX" --limit 20 --json
echo "# list --limit 20 --json of the $N-message folder: $(since "$t") s"
check "list --limit 20: the same thread id as the whole list" \
	py "len(j) == 20 and {m['thread'] for m in j} == {$($PY -c "import json,sys; print(json.load(sys.stdin)[0]['thread'])" <"$T_DIR/thread.json")}" <<<"$out"
t_done
