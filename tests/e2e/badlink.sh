#!/bin/bash
# badlink.sh - a day over a bad SSH link (issue 9). Loopback TCP proxies
# (tests/servers/netfault, ports ATRIUM_PORT_BASE+70..+73) stand between
# atrium and IMAP, submission, XMPP and WebDAV, and switch every 2.5 s
# through pass, delay 300 ms, stall, drop (every connection reset) and
# delay 1 s, while a script works in all four modules on alice's TUI on a
# pseudo-terminal (bench/keylat.py): opens a message, writes and sends a
# mail to bob, says three things in a room of its own, writes a document
# and changes a workbook on the WebDAV share, saving each. Each key is
# timed from its write to the read that completes its own update on a
# model of the screen; p99 must be under 50 ms. Then, faults off, the
# outbox drains and the servers hold every piece of work exactly once.
# Under the ASan build (ATRIUM_BIN under build-*san*, ~3x slower) the
# latencies are measured and printed, but the 50 ms check is a TAP skip:
# that bound is for the optimised binary.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/tap.lib
S=${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}
set -a
. "$S/env"
set +a
ATRIUM_BIN=${ATRIUM_BIN:-$PWD/atrium}
T_DIR=$(mktemp -d /tmp/atrium-badlink.XXXXXX)
TAG=badlink-$$
ROOM=$TAG@$MUC_DOMAIN
NF=tests/servers/netfault
# the day's work must be done within BADLINK_DAY seconds (twice that for ASan)
case $ATRIUM_BIN in *san*) BADLINK_DAY=300 ;; *) BADLINK_DAY=150 ;; esac
export ATRIUM_BIN T_DIR TAG ROOM BADLINK_DAY
pids=()
socks=()

cleanup() {
	local s p
	for s in "${socks[@]}"; do $NF ctl "$s" quit >/dev/null 2>&1; done
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	curl -sS --max-time 10 --cacert "$CA_FILE" -u "alice:$ALICE_PASSWORD" -X DELETE \
		-o /dev/null "$DAV_URL$TAG/" 2>/dev/null
	timeout 20 "$ATRIUM_BIN" --config "$T_DIR/bob.config" --home "$T_DIR/bob" chat leave "$ROOM" \
		>/dev/null 2>&1
	timeout 20 "$ATRIUM_BIN" --config "$T_DIR/config.direct" --home "$T_DIR/home" chat leave "$ROOM" \
		>/dev/null 2>&1
	rm -rf "$T_DIR"
}
trap cleanup EXIT

# ---- proxies and alice's configuration through them ------------------------------------
i=70
conf=$(cat "$ALICE_CONFIG")
for pair in imap:$IMAPS_PORT smtp:$SUBMISSIONS_PORT xmpp:$XMPP_PORT dav:$DAV_PORT; do
	name=${pair%%:*} port=${pair#*:} lp=$((ATRIUM_PORT_BASE + i))
	$NF --listen "127.0.0.1:$lp" --target "127.0.0.1:$port" --control "$T_DIR/$name.sock" \
		--pidfile "$T_DIR/$name.pid" >"$T_DIR/$name.log" 2>&1 &
	pids+=($!)
	socks+=("$T_DIR/$name.sock")
	conf=${conf//127.0.0.1:$port/127.0.0.1:$lp}
	i=$((i + 1))
done
# only a little chat history the first time: the shared account's archive is long
(
	umask 077
	printf '%s\n' "$conf" | sed 's/^\[chat\]$/[chat]\nhistory = 20/' >"$T_DIR/config"
	sed 's/^\[chat\]$/[chat]\nhistory = 20/' "$BOB_CONFIG" >"$T_DIR/bob.config"
	sed 's/^\[chat\]$/[chat]\nhistory = 20/' "$ALICE_CONFIG" >"$T_DIR/config.direct"
)
for s in "${socks[@]}"; do
	for _ in $(seq 300); do [ -f "${s%.sock}.pid" ] && break; sleep 0.1; done
done
check "four netfault proxies (IMAP, submission, XMPP, WebDAV) are up" \
	eval '[ -f "$T_DIR/imap.pid" ] && [ -f "$T_DIR/smtp.pid" ] && [ -f "$T_DIR/xmpp.pid" ] && [ -f "$T_DIR/dav.pid" ]'

# ---- the day's material, faults off -------------------------------------------------------
A() { timeout 120 "$ATRIUM_BIN" --config "$T_DIR/config" --home "$T_DIR/home" "$@"; }
B() { timeout 60 "$ATRIUM_BIN" --config "$T_DIR/bob.config" --home "$T_DIR/bob" "$@"; }
mkdir -m 700 "$T_DIR/home" "$T_DIR/bob"
printf 'item,qty\npens,1\npaper,2\n' >"$T_DIR/t.csv"
check "setup: a workbook on the share, the room made by bob, alice joined, her inbox cached" eval '
	[ "$(curl -sS --max-time 10 --cacert "$CA_FILE" -u "alice:$ALICE_PASSWORD" -X MKCOL \
		-o /dev/null -w "%{http_code}" "$DAV_URL$TAG/")" = 201 ] &&
	[ "$(curl -sS --max-time 10 --cacert "$CA_FILE" -u "alice:$ALICE_PASSWORD" -T "$T_DIR/t.csv" \
		-o /dev/null -w "%{http_code}" "$DAV_URL$TAG/t.csv")" = 201 ] &&
	timeout 60 /usr/bin/python3 -B tests/integration/chat_peer.py "$S" bob create-room "$TAG" \
		--members alice >/dev/null 2>"$T_DIR/room.err" &&
	B chat join "$ROOM" >/dev/null 2>&1 &&
	A chat join "$ROOM" >"$T_DIR/join.out" 2>&1 &&
	A mail sync >"$T_DIR/sync.out" 2>&1'

# ---- the day, faults on -------------------------------------------------------------------
/usr/bin/python3 -B - "$T_DIR/results" "${socks[@]}" <<'EOF' >"$T_DIR/driver.log" 2>&1
"""Drives alice's TUI while a thread switches the proxies' faults."""
import json, os, re, subprocess, sys, threading, time
sys.path.insert(0, "bench")
import keylat

out, socks = sys.argv[1], sys.argv[2:]
T, TAG, ROOM = os.environ["T_DIR"], os.environ["TAG"], os.environ["ROOM"]
BOB = os.environ["BOB_EMAIL"]
env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8")
FAULTS = ["pass", "delay 300", "stall", "pass", "drop", "delay 1000", "pass", "stall"]
stop = threading.Event()
faults = []


def schedule():
    i = 0
    while not stop.is_set():
        mode = FAULTS[i % len(FAULTS)]
        for s in socks:
            subprocess.run(["tests/servers/netfault", "ctl", s] + mode.split(),
                           capture_output=True)
        faults.append(mode)
        i += 1
        stop.wait(2.5)
    for s in socks:
        subprocess.run(["tests/servers/netfault", "ctl", s, "pass"], capture_output=True)


k = keylat.Keys([os.environ["ATRIUM_BIN"], "--config", T + "/config", "--home", T + "/home"],
                env, rows=30, cols=100)
done = {}
t0 = time.perf_counter()
DAY = int(os.environ["BADLINK_DAY"])


def say(*a):
    print(*a, file=sys.stderr, flush=True)


def body(t):
    return "\n".join(t.row(y) for y in range(1, 27))


def screen(t):
    return "\n".join(t.row(y) for y in range(t.rows))


def changed():
    """The key's update: rows 1..26 (not the tab bar nor the status
    lines, which the network changes) differ from before the key."""
    before = body(k.term)
    return lambda t: body(t) != before


stacks = [int(os.environ.get("BADLINK_STACKS", "0"))]


def press(keys, until, kind="key"):
    """A timed key. One not answered in 5 s is lost; its latency is then
    how long the answer did take (waited for up to 10 s more, else 15 s).
    Past DAY s from the start the day stops (its checks then fail)."""
    t = time.perf_counter()
    got = k.press(keys, until, kind, timeout=5)
    if got is None:
        if stacks[0] > 0:  # where the main thread is while a key waits
            stacks[0] -= 1
            say(subprocess.run(["gdb", "-p", str(k.s.pid), "-batch", "-ex",
                                "thread apply all bt 12"], capture_output=True,
                               text=True).stdout)
        late = k.wait(until, 10)
        k.lat[kind][-1] = time.perf_counter() - t if late else 15.0
        say("lost %r (%s): %s; status: %s; read in the first 5 s: %r" % (
            keys, kind, "answered after %.1f s" % k.lat[kind][-1] if late
            else "no answer in 15 s", k.term.row(28).strip(), k.last[-400:]))
    k.pump(0.03)
    if time.perf_counter() - t0 > DAY:
        raise TimeoutError("the day's work took over %d s; the rest is not done" % DAY)
    return got


def typed(text, kind="type"):
    """Text, one timed key per character, each answered when the text
    typed so far (its last 24 characters) shows on a row (the input line
    of a chat or a field of the mail form; the status lines excluded). A
    space is sent untimed: at the end of a line it draws nothing."""
    for i, c in enumerate(text):
        if c == " ":
            k.send(c)
            continue
        want = text[:i + 1][-24:]
        press(c, lambda t, w=want: any(w in t.row(y) for y in range(1, 28)), kind)


def nav(keys):
    """Keys whose effect is not certain (moving past an end): untimed."""
    k.send(keys)
    k.quiet(0.1, 2)


def wait_for(text, timeout=30):
    return k.wait(lambda t: text in screen(t), timeout)


LNCOL = re.compile(r"Ln (\d+), Col (\d+)")
COUNT = re.compile(r"\d messages")
ON = {b"\x1b1": lambda t: COUNT.search(t.row(1)),
      b"\x1b3": lambda t: LNCOL.search(t.row(1)),
      b"\x1b4": lambda t: re.match(r"^ +A +B +C ", t.row(2))}
ON[b"\x1b2"] = lambda t: not any(ON[x](t) for x in (b"\x1b1", b"\x1b3", b"\x1b4"))
dropped = [0]


def tab(keys):
    """Alt-N, answered by the tab's own rows; not timed when there already
    (it would draw nothing)."""
    if not ON[keys](k.term):
        k.term.lit.clear()
        press(keys, ON[keys], "tab")


def mail_moves():
    """j then k in the inbox: the selection bar one row down, then back.
    Mail arriving meanwhile (other tests write to alice) redraws the list
    and moves the bar itself: such a key is dropped, not timed."""
    rows = sorted(y for y in k.term.lit if 2 <= y < 26)
    if not rows or not COUNT.search(k.term.row(1)):
        return
    y = rows[0]
    for keys, want in ((b"j", y + 1), (b"k", y)):
        title = k.term.row(1)
        k.term.lit.clear()
        t = time.perf_counter()
        got = k.press(keys, lambda tm, w=want: w in tm.lit or tm.row(1) != title, "move",
                      timeout=5)
        if k.term.row(1) != title or (got is None and k.wait(lambda tm: tm.row(1) != title, 10)):
            k.lat["move"].pop()
            if got is None:
                k.lost["move"] -= 1
            dropped[0] += 1
            return
        if got is None:
            late = k.wait(lambda tm, w=want: w in tm.lit, 10)
            k.lat["move"][-1] = time.perf_counter() - t if late else 15.0
            say("lost %r (move): %s" % (keys, "answered after %.1f s" % k.lat["move"][-1]
                                        if late else "no answer in 15 s"))
        k.pump(0.03)


def tabs_round():
    """Alt-1 (j, k), Alt-3, Alt-4, Alt-2."""
    tab(b"\x1b1")
    mail_moves()
    tab(b"\x1b3")
    tab(b"\x1b4")
    tab(b"\x1b2")


def cmd(line, until):
    """Ctrl-E, the command typed (untimed), Enter."""
    k.send(b"\x05")
    k.quiet(0.1, 1)
    k.send(line)
    k.quiet(0.1, 1)
    press(b"\r", until, "cmd")


def saved(t):
    """Ctrl-S answered: the title's [modified] gone or a word in the
    message lines."""
    return "[modified]" not in t.row(1) or re.search(r"Sav|queued|Upload",
                                                     t.row(27) + t.row(29))


ok = k.wait(lambda t: t.find("1 Mail") >= 0, 30)
k.quiet(0.5, 5)
sched = threading.Thread(target=schedule)
sched.start()
t0 = time.perf_counter()
try:
    # mail: the inbox (cached), move, open the selected message, back
    tab(b"\x1b1")
    k.wait(lambda t: any(2 <= y < 26 for y in t.lit), 10)
    tabs_round()
    tab(b"\x1b1")
    press(b"\r", lambda t: not COUNT.search(t.row(1)), "open")
    done["open"] = k.wait(lambda t: "From" in body(t) or "Subject" in body(t), 30)
    press(b"q", ON[b"\x1b1"], "open")
    # mail: write to bob and send
    press(b"m", lambda t: "To:" in body(t), "open")
    typed(BOB)
    nav(b"\x1bOB\x1bOB\x1bOB")  # To -> Cc -> Bcc -> Subject (keypad mode: kcud1)
    typed("%s mail" % TAG)
    nav(b"\x1bOB\x1bOB")  # -> Attachment -> Message
    typed("over a bad link")
    press(b"\x13", lambda t: "To:" not in body(t) or re.search(r"Send|Sent|Queued|outbox",
                                                               screen(t)), "open")
    done["mail"] = k.wait(lambda t: re.search(r"Sent|Queued|outbox", t.row(27) + t.row(28)
                                              + t.row(29)), 30)
    # the form stays until the send is settled (it can take many seconds
    # here); the rest of the day starts once it is gone
    k.wait(lambda t: "To:" not in body(t), 60)
    tabs_round()
    # chat: the room opened from the list (untimed moves: the list's order
    # changes as messages come), three messages
    tab(b"\x1b2")
    # the room's row found on the screen and walked to from the top; off
    # the screen (the shared account has many rooms), j one at a time
    # until it scrolls in, at the selection (the list's order changes as
    # messages come: tried again)
    short = "# " + ROOM[:20]
    for _ in range(5):
        if ROOM in k.term.row(1):
            break
        nav(b"g")
        y = k.term.find(short)
        if y >= 1:
            nav(b"j" * (y - 1))
        else:
            for _ in range(200):
                nav(b"j")
                if k.term.find(short) >= 1:
                    break
        nav(b"\r")
        if not k.wait(lambda t: ROOM in t.row(1), 3):
            nav(b"q")
    if ROOM not in k.term.row(1):
        say("the room did not open:\n" + screen(k.term))
    done["room"] = ROOM in k.term.row(1)
    for n in range(3):
        nav(b"i")
        typed("%s chat %d" % (TAG, n))
        press(b"\r", lambda t, m="alice +%s chat %d" % (TAG, n): re.search(m, body(t)), "open")
        k.quiet(0.3, 2)
        nav(b"\x1b")
        tabs_round()
        tab(b"\x1b2")
    # docs: a new file on the share, written, saved
    tab(b"\x1b3")
    cmd(b"docs open share:/%s/notes.md" % TAG.encode(), lambda t: "notes.md" in t.row(1))
    # a share document takes no text while it is "Opening …" (docs.c drops
    # such keys): wait for its answer, (new file), as a user would
    k.wait(lambda t: "notes.md" in t.row(1) and "(new file)" in screen(t), 60)
    for line in ("%s docs line one" % TAG, "%s docs line two" % TAG):
        for c in line:
            m = LNCOL.search(k.term.row(1))
            want = "Ln %s, Col %d" % (m.group(1), int(m.group(2)) + 1) if m else "Ln"
            press(c, lambda t, w=want: w in t.row(1), "type")
        press(b"\r", lambda t: re.search(r"Col 1\b", t.row(1)), "type")
    press(b"\x13", saved, "open")
    done["docs"] = wait_for("Saved share:/%s/notes.md" % TAG, 30)
    tabs_round()
    # sheets: the share's workbook, B2 changed, saved
    tab(b"\x1b4")
    cmd(b"sheets open share:/%s/t.csv" % TAG.encode(), lambda t: "t.csv" in t.row(1))
    k.wait(lambda t: "pens" in screen(t) and "t.csv" in t.row(1), 30)
    press(b"\x1bOB", lambda t: t.row(1).startswith(" A2 "), "move")
    press(b"\x1bOC", lambda t: t.row(1).startswith(" B2 "), "move")
    for c in "77":
        press(c, changed(), "type")
    press(b"\r", lambda t: t.row(1).startswith(" B3 "), "type")
    press(b"\x13", saved, "open")
    done["sheets"] = wait_for("Saved share:/%s/t.csv" % TAG, 30)
    # the rest of the minute: rounds over the tabs
    while time.perf_counter() - t0 < 60:
        tabs_round()
except TimeoutError as e:
    say(str(e))
finally:
    stop.set()
    sched.join()
# faults off: let the outbox drain on the screen, then quit
k.quiet(5, 10)
k.close(b"\x11\x11")
lat = [x for v in k.lat.values() for x in v]
n, lost, p50, p99, mx = k.stats()
json.dump({"ok": ok, "done": done, "dropped": dropped[0], "keys": n, "lost": lost, "p50": p50, "p99": p99, "max": mx,
           "kinds": {kk: k.stats([kk]) for kk in k.lat}, "faults": faults}, open(out, "w"))
EOF
check "the driver ran to its end" test -s "$T_DIR/results"
res() { /usr/bin/python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
	"$T_DIR/results" "$1" 2>/dev/null; }
echo "# faults: $(res '" ".join(r["faults"])')"
echo "# keys: $(res 'r["keys"]') lost (5 s) $(res 'r["lost"]'); p50 $(res '"%.1f" % r["p50"]') ms," \
	"p99 $(res '"%.1f" % r["p99"]') ms, max $(res '"%.1f" % r["max"]') ms"
echo "# by kind (count, lost, p50, p99, max): $(res 'r["kinds"]')"
echo "# j / k dropped (mail arriving redrew the list meanwhile): $(res 'r["dropped"]')"
check "the screen came up and the message opened over the bad link" \
	test "$(res 'r["ok"] and r["done"].get("open")')" = True
check "the mail to bob was sent or queued from the compose screen" test "$(res 'r["done"].get("mail")')" = True
check "the room opened in the Chat tab" test "$(res 'r["done"].get("room")')" = True
check "the document was saved to the share (or queued)" test "$(res 'bool(r["done"].get("docs"))')" = True
check "the workbook was saved to the share (or queued)" test "$(res 'bool(r["done"].get("sheets"))')" = True
check "every fault mode was on at some point (delay, stall, drop)" \
	test "$(res 'all(any(f.startswith(m) for f in r["faults"]) for m in ("delay", "stall", "drop"))')" = True
check "at least 200 keys were timed, none lost (unanswered for 5 s)" \
	test "$(res 'r["keys"] >= 200 and r["lost"] == 0')" = True
case $ATRIUM_BIN in
*san*) ok "key latency p99 < 50 ms # skip the ASan build is ~3x slower: measured above, not held to the bound" ;;
*) check "key latency p99 < 50 ms throughout ($(res '"%.1f" % r["p99"]') ms)" \
	test "$(res 'r["p99"] < 50')" = True ;;
esac

# ---- faults off: everything lands, once ------------------------------------------------------
A mail sync >/dev/null 2>&1
A chat sync >/dev/null 2>&1
# a cut that lost a LOCK's answer leaves that lock on the server until it
# expires (30 s, modules/files/ops.c): the upload waits as "locked"; sync
# again until the outbox drains, for at most 60 s
for ((i = 0; i < 12; i++)); do
	A files sync >/dev/null 2>&1
	[ "$(A outbox list --json 2>/dev/null | tr -d " \n")" = "[]" ] && break
	sleep 5
done
check "alice's outbox is empty afterwards" eval '[ "$(A outbox list --json 2>/dev/null | tr -d " \n")" = "[]" ]'
[ "$(A outbox list --json 2>/dev/null | tr -d " \n")" = "[]" ] || echo "# outbox: $(A outbox list 2>&1 | head -5 | tr '\n' '|')"
probe() { /usr/bin/python3 -B tests/integration/mail_probe.py "$@"; }
check "bob has the mail exactly once" test "$(probe count bob INBOX "$TAG mail" 20)" = 1
hist=$(B chat history "$ROOM" --json --limit 200 2>/dev/null)
for n in 0 1 2; do
	check "the room has '$TAG chat $n' exactly once, from alice" /usr/bin/python3 -c '
import json, sys
m = json.loads(sys.argv[1]); t = sys.argv[2]
got = [x for x in m if x["text"] == t]
sys.exit(0 if len(got) == 1 and (got[0]["from"] or "").endswith("/alice") else 1)' "$hist" "$TAG chat $n"
done
notes=$(curl -sS --max-time 10 --cacert "$CA_FILE" -u "alice:$ALICE_PASSWORD" "$DAV_URL$TAG/notes.md")
check "the share's notes.md holds both lines, once each" eval '
	[ "$(grep -cxF "$TAG docs line one" <<<"$notes")" = 1 ] &&
	[ "$(grep -cxF "$TAG docs line two" <<<"$notes")" = 1 ]'
[ "$(grep -cxF "$TAG docs line one" <<<"$notes")" = 1 ] || echo "# notes.md on the share: $(head -c 300 <<<"$notes" | tr '\n' '|')"
csv=$(curl -sS --max-time 10 --cacert "$CA_FILE" -u "alice:$ALICE_PASSWORD" "$DAV_URL$TAG/t.csv")
check "the share's t.csv has pens at 77, the rest as it was" eval '
	[ "$(tr -d "\r" <<<"$csv")" = "$(printf "item,qty\npens,77\npaper,2")" ]'
[ "$(tr -d "\r" <<<"$csv")" = "$(printf "item,qty\npens,77\npaper,2")" ] || echo "# t.csv on the share: $(head -c 300 <<<"$csv" | tr '\n' '|')"
[ "$t_fail" -eq 0 ] || { echo "# driver log:"; sed "s/^/# /" "$T_DIR/driver.log" | tail -150; }
echo "1..$t_n"
t_done
