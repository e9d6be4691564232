"""keylat.py - time key presses on a pseudo-terminal against the screen
update each one causes (issue 9), for bench/latency and tests/e2e/badlink.sh;
Term, the model of the screen, is also bench/mail's.

A key's latency is the time from the moment os.write() of its bytes to the
pty master returned to the moment the read() returned that completed the
update the key asks for: the first read after which the key's condition
holds, tested on all the output read since the write (a byte marker) or on
the screen model fed with it (a predicate on Term). ncurses writes a
frame's changes in one flush at the end of doupdate(), so that read ends
the redraw. select() wakes on the first byte, so the resolution is the
scheduler's, not a poll interval's. Output the program writes for other
reasons (a sync's progress) is read and fed to the model too; a condition
must therefore be one that only the key's own update makes true (a tab's
title, the column number after a typed letter), or the latency can read
short. A key not answered within its timeout is lost: counted apart and,
for the percentiles, taken as its timeout.
"""
import codecs
import os
import select
import time
import unicodedata

import ptyrun


class Term:
    """The screen a program's output draws: enough of xterm for what
    ncurses writes under TERM=xterm-256color (cursor moves, erases,
    insert and delete of characters and lines, scroll region, rep).
    ncurses writes only the cells that change, so a row's text can be
    read only from such a model, not from the bytes."""

    def __init__(self, rows, cols):
        self.rows, self.cols = rows, cols
        self.g = [[" "] * cols for _ in range(rows)]
        self.y = self.x = 0
        self.top, self.bot = 0, rows - 1
        self.wrap = False
        self.last = " "
        self.saved = (0, 0)
        self.pend = ""
        self.dec = codecs.getincrementaldecoder("utf-8")("replace")
        self.lit = set()  # rows where a highlight (SGR 7 or 47) began

    def row(self, y):
        return "".join(self.g[y])

    def find(self, text):
        """The first row holding text, or -1."""
        for y in range(self.rows):
            if text in self.row(y):
                return y
        return -1

    def _blank(self):
        return [" "] * self.cols

    def _scroll_up(self, n=1, at=None):
        at = self.top if at is None else at
        for _ in range(n):
            del self.g[at]
            self.g.insert(self.bot, self._blank())

    def _scroll_down(self, n=1, at=None):
        at = self.top if at is None else at
        for _ in range(n):
            del self.g[self.bot]
            self.g.insert(at, self._blank())

    def _lf(self):
        if self.y == self.bot:
            self._scroll_up()
        elif self.y < self.rows - 1:
            self.y += 1

    def _goto(self, y, x):
        self.y = max(0, min(self.rows - 1, y))
        self.x = max(0, min(self.cols - 1, x))
        self.wrap = False

    def _put(self, c):
        w = unicodedata.east_asian_width(c) in "WF" and 2 or 1
        if unicodedata.combining(c):
            return
        if self.wrap:
            self.x, self.wrap = 0, False
            self._lf()
        self.g[self.y][self.x] = c
        if w == 2 and self.x + 1 < self.cols:
            self.g[self.y][self.x + 1] = ""
        self.last = c
        self.x += w
        if self.x >= self.cols:
            self.x, self.wrap = self.cols - 1, True

    def _csi(self, body):
        priv = body[:1] in "?>=<" and body[:1] or ""
        final, args = body[-1], body[len(priv):-1]
        if priv:
            return
        if final == "m":
            # a selection bar: reverse video or the white background
            if any(p in ("7", "47") for p in args.split(";")):
                self.lit.add(self.y)
            return
        ps = [int(p) if p.isdigit() else 0 for p in args.split(";")] if args else []
        n = ps[0] if ps and ps[0] else 1
        g, y, x = self.g, self.y, self.x
        if final in "Hf":
            self._goto((ps[0] or 1) - 1 if ps else 0, (ps[1] or 1) - 1 if len(ps) > 1 else 0)
        elif final == "A":
            self._goto(y - n, x)
        elif final in "Be":
            self._goto(y + n, x)
        elif final in "Ca":
            self._goto(y, x + n)
        elif final == "D":
            self._goto(y, x - n)
        elif final in "G`":
            self._goto(y, n - 1)
        elif final == "d":
            self._goto(n - 1, x)
        elif final == "K":
            m = ps[0] if ps else 0
            lo, hi = {0: (x, self.cols), 1: (0, x + 1), 2: (0, self.cols)}.get(m, (x, x))
            g[y][lo:hi] = [" "] * (hi - lo)
        elif final == "J":
            m = ps[0] if ps else 0
            if m == 0:
                g[y][x:] = [" "] * (self.cols - x)
                for r in range(y + 1, self.rows):
                    g[r] = self._blank()
            elif m == 1:
                g[y][:x + 1] = [" "] * (x + 1)
                for r in range(y):
                    g[r] = self._blank()
            else:
                for r in range(self.rows):
                    g[r] = self._blank()
        elif final == "X":
            hi = min(self.cols, x + n)
            g[y][x:hi] = [" "] * (hi - x)
        elif final == "b":
            for _ in range(n):
                self._put(self.last)
        elif final == "P":
            del g[y][x:x + n]
            g[y] += [" "] * (self.cols - len(g[y]))
        elif final == "@":
            g[y][x:x] = [" "] * n
            del g[y][self.cols:]
        elif final == "L" and self.top <= y <= self.bot:
            self._scroll_down(n, y)
        elif final == "M" and self.top <= y <= self.bot:
            self._scroll_up(n, y)
        elif final == "S":
            self._scroll_up(n)
        elif final == "T":
            self._scroll_down(n)
        elif final == "r":
            self.top = (ps[0] or 1) - 1 if ps else 0
            self.bot = (ps[1] or self.rows) - 1 if len(ps) > 1 else self.rows - 1
            self._goto(0, 0)

    def feed(self, data):
        s = self.pend + self.dec.decode(data)
        self.pend = ""
        i, n = 0, len(s)
        while i < n:
            c = s[i]
            if c == "\x1b":
                if i + 1 >= n:
                    self.pend = s[i:]
                    return
                d = s[i + 1]
                if d == "[":
                    j = i + 2
                    while j < n and not "\x40" <= s[j] <= "\x7e":
                        j += 1
                    if j >= n:
                        self.pend = s[i:]
                        return
                    self._csi(s[i + 2:j + 1])
                    i = j + 1
                    continue
                if d == "]":
                    j = i + 2
                    while j < n and s[j] != "\x07" and s[j:j + 2] != "\x1b\\":
                        j += 1
                    if j >= n:
                        self.pend = s[i:]
                        return
                    i = j + (1 if s[j] == "\x07" else 2)
                    continue
                if d in "()*+#%":
                    if i + 2 >= n:
                        self.pend = s[i:]
                        return
                    i += 3
                    continue
                if d == "7":
                    self.saved = (self.y, self.x)
                elif d == "8":
                    self._goto(*self.saved)
                elif d == "M":
                    if self.y == self.top:
                        self._scroll_down()
                    elif self.y > 0:
                        self.y -= 1
                elif d == "E":
                    self.x = 0
                    self._lf()
                elif d == "D":
                    self._lf()
                i += 2
                continue
            if c == "\r":
                self.x, self.wrap = 0, False
            elif c in "\n\x0b\x0c":
                self.wrap = False
                self._lf()
            elif c == "\b":
                self._goto(self.y, self.x - 1)
            elif c == "\t":
                self._goto(self.y, (self.x // 8 + 1) * 8)
            elif c >= " " and c != "\x7f":
                self._put(c)
            i += 1


def pct(values, p):
    """The p-th percentile by the nearest-rank method (p99 of 100 values is
    the 99th smallest; of fewer than 100, the largest)."""
    v = sorted(values)
    if not v:
        return None
    return v[max(0, min(len(v) - 1, -(-len(v) * p // 100) - 1))]


class Keys:
    """A program on a pty (ptyrun.Session), its screen model, and the
    latencies of the keys pressed, by kind."""

    def __init__(self, argv, env=None, rows=30, cols=100):
        self.s = ptyrun.Session(argv, env, rows=rows, cols=cols)
        self.term = Term(rows, cols)
        self.lat = {}    # kind -> [seconds]
        self.lost = {}   # kind -> count
        self.alive = True

    def _read(self, left):
        r, _, _ = select.select([self.s.fd], [], [], max(0.0, left))
        if not r:
            return b""
        try:
            chunk = os.read(self.s.fd, 1 << 20)
        except OSError:
            chunk = b""
        if not chunk:
            self.alive = False
            return None
        self.term.feed(chunk)
        return chunk

    def wait(self, cond, timeout=10.0):
        """Read until cond (a callable on the Term) holds; True, or False
        past timeout or when the program is gone. Tested first, so a
        condition already true returns at once."""
        end = time.perf_counter() + timeout
        while not cond(self.term):
            left = end - time.perf_counter()
            if left <= 0 or not self.alive:
                return False
            if self._read(min(left, 0.05)) is None:
                return False
        return True

    def pump(self, seconds):
        """Read (and model) what the program writes for `seconds`."""
        end = time.perf_counter() + seconds
        while self.alive:
            left = end - time.perf_counter()
            if left <= 0:
                return
            self._read(left)

    def quiet(self, seconds=0.3, limit=5.0):
        """Read for `seconds`, and on until 150 ms pass with no output
        (at most `limit` seconds: a sync may never be quiet)."""
        start = last = time.perf_counter()
        while self.alive:
            now = time.perf_counter()
            if now - start >= limit or (now - start >= seconds and now - last >= 0.15):
                return
            if self._read(0.05):
                last = time.perf_counter()

    def send(self, keys):
        """Write keys untimed (text typed into a prompt)."""
        if isinstance(keys, str):
            keys = keys.encode()
        os.write(self.s.fd, keys)

    def press(self, keys, until, kind=None, timeout=5.0):
        """Write keys and read until `until` holds: bytes that the output
        since the write contains, or a callable on the Term. Returns the
        latency in seconds (None if lost) and records it under kind."""
        if isinstance(keys, str):
            keys = keys.encode()
        t = time.perf_counter()
        os.write(self.s.fd, keys)
        data = b""
        got = None
        while self.alive:
            left = t + timeout - time.perf_counter()
            if left <= 0:
                break
            chunk = self._read(left)
            if chunk is None:
                break
            if not chunk:
                continue
            now = time.perf_counter()
            data += chunk
            if until(self.term) if callable(until) else until in data:
                got = now - t
                break
        self.last = data  # what the key's wait read (to tell a model's miss from no output)
        if kind is not None:
            if got is None:
                self.lost[kind] = self.lost.get(kind, 0) + 1
                self.lat.setdefault(kind, []).append(timeout)
            else:
                self.lat.setdefault(kind, []).append(got)
        return got

    def stats(self, kinds=None):
        """(count, lost, p50 ms, p99 ms, max ms) over kinds (default all)."""
        kinds = self.lat.keys() if kinds is None else kinds
        v = [x * 1000 for k in kinds for x in self.lat.get(k, [])]
        lost = sum(self.lost.get(k, 0) for k in kinds)
        if not v:
            return 0, lost, None, None, None
        return len(v), lost, pct(v, 50), pct(v, 99), max(v)

    def close(self, quit_keys=None):
        """Quit (killed after 3 s); peak RSS in KiB."""
        return self.s.close(quit_keys)
