"""ptyrun.py - run a full-screen program on a pseudo-terminal, time from exec
to the moment its output contains a marker (its first full frame), then send
keys to quit and read its peak RSS from wait4. Used by bench/startup;
Session drives a program step by step (bench/docs) and times single keys
against what they draw (bench/files)."""
import fcntl
import os
import select
import struct
import termios
import time


def read_quiet(fd, seconds):
    """Read what fd writes for `seconds`, and on until it has been quiet
    for 150 ms."""
    data = b""
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.02)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
            end = max(end, time.time() + 0.15)
    return data


def run(argv, marker, quit_keys, env=None, rows=24, cols=80, timeout=10.0):
    """Returns (seconds_to_marker, peak_rss_kib)."""
    pid, fd = os.forkpty()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        os.execvpe(argv[0], argv, env or os.environ)
    start = time.perf_counter()
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    seen = b""
    found = None
    deadline = start + timeout
    while time.perf_counter() < deadline:
        r, _, _ = select.select([fd], [], [], 0.05)
        if not r:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        if marker in seen:
            found = time.perf_counter() - start
            break
    if found is not None:
        time.sleep(0.05)  # let it settle before we quit
        os.write(fd, quit_keys)
    # Drain until exit so the program is not blocked on a full pty.
    end = time.perf_counter() + 5
    status = None
    while time.perf_counter() < end:
        wpid, st, ru = os.wait4(pid, os.WNOHANG)
        if wpid == pid:
            status = (st, ru)
            break
        r, _, _ = select.select([fd], [], [], 0.02)
        if r:
            try:
                os.read(fd, 65536)
            except OSError:
                pass
    if status is None:
        os.kill(pid, 9)
        _, st, ru = os.wait4(pid, 0)
        status = (st, ru)
    os.close(fd)
    if found is None:
        raise RuntimeError("%s: marker %r not seen; output tail: %r"
                           % (argv[0], marker, seen[-300:]))
    return found, status[1].ru_maxrss


class Session:
    """A program on a pseudo-terminal that a benchmark drives step by step:
    send keys, then wait until what the program writes after them holds a
    marker. Times are from exec (start) or from the keys (wait)."""

    def __init__(self, argv, env=None, rows=24, cols=80):
        self.pid, self.fd = os.forkpty()
        if self.pid == 0:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execvpe(argv[0], argv, env or os.environ)
        self.start = time.perf_counter()
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.argv = argv
        self.seen = b""
        self.rusage = None

    def send(self, keys):
        """Write keys; returns the moment they were written."""
        t = time.perf_counter()
        os.write(self.fd, keys)
        return t

    def wait(self, marker, since=None, timeout=30.0):
        """Seconds from since (default: exec) until the output written
        after since holds marker; None on timeout. Output before since is
        dropped, so a marker already on the screen does not count."""
        if since is None:
            since = self.start
        self.seen = b""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if not r:
                continue
            try:
                chunk = os.read(self.fd, 1 << 20)
            except OSError:
                break
            if not chunk:
                break
            self.seen += chunk
            if marker in self.seen[-(len(chunk) + len(marker)):]:
                return time.perf_counter() - since
        return None

    def drain(self, seconds):
        """Read what the program writes for `seconds` (no longer, however
        busy it is); returns it."""
        data = b""
        end = time.perf_counter() + seconds
        while True:
            left = end - time.perf_counter()
            if left <= 0:
                break
            r, _, _ = select.select([self.fd], [], [], left)
            if not r:
                continue
            try:
                chunk = os.read(self.fd, 1 << 20)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
        return data

    def key(self, keys, marker, timeout=5.0):
        """Write keys, read until the output after them holds marker.
        Returns (seconds from the write until the read that completed the
        marker, or None past timeout; everything read). select wakes on
        the first byte, so the resolution is the scheduler's, not a poll
        interval's."""
        t = self.send(keys)
        data = b""
        deadline = t + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                return None, data
            r, _, _ = select.select([self.fd], [], [], left)
            if not r:
                continue
            try:
                chunk = os.read(self.fd, 1 << 20)
            except OSError:
                return None, data
            if not chunk:
                return None, data
            now = time.perf_counter()
            data += chunk
            if marker in data[-(len(chunk) + len(marker)):]:
                return now - t, data

    def settle(self, seconds=0.3):
        """Read until quiet, so the next wait sees only new output."""
        read_quiet(self.fd, seconds)

    def close(self, quit_keys=None):
        """Quit (or kill after 3 s); returns peak RSS in KiB."""
        if quit_keys:
            try:
                os.write(self.fd, quit_keys)
            except OSError:
                pass
        end = time.perf_counter() + 3
        while self.rusage is None and time.perf_counter() < end:
            wpid, st, ru = os.wait4(self.pid, os.WNOHANG)
            if wpid == self.pid:
                self.rusage = ru
                break
            r, _, _ = select.select([self.fd], [], [], 0.02)
            if r:
                try:
                    os.read(self.fd, 1 << 20)
                except OSError:
                    pass
        if self.rusage is None:
            os.kill(self.pid, 9)
            _, _, self.rusage = os.wait4(self.pid, 0)
        os.close(self.fd)
        return self.rusage.ru_maxrss
