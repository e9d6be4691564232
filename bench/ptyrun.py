"""ptyrun.py - run a full-screen program on a pseudo-terminal, time from exec
to the moment its output contains a marker (its first full frame), then send
keys to quit and read its peak RSS from wait4. Used by bench/startup."""
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
