#!/usr/bin/python3 -B
"""netfault.py - a loopback TCP proxy whose faults are switched at run time.

    netfault.py --listen 127.0.0.1:PORT --target HOST:PORT --control SOCK [--pidfile F]
    netfault.py ctl SOCK COMMAND [ARG]

The first form runs the proxy in the foreground (background it yourself). It
writes --pidfile once both the listening socket and the control socket are
ready, so waiting for that file is the readiness check. It exits on `quit`,
SIGTERM or SIGINT and removes the control socket and the pid file.

The second form (also `tests/servers/netfault ctl ...`) sends one command
and prints the answer; exit status 0 if the answer starts with "ok". The
answer comes only once the command is in effect, so a test needs no sleeps.

Commands (a mode replaces the previous one):
  pass          forward both ways (listens again after `refuse`)
  stall         accept and hold connections; forward nothing either way,
                on existing connections too (data waits in the kernel)
  drop          reset (RST) every current connection, and each new one at once
  drop-after N  each NEW connection is reset after the server sent N bytes
                through it (existing ones keep their own limit, if any)
  delay MS      every chunk read from then on is forwarded MS ms later, both ways
  refuse        close the listening socket: connections are refused
  target H:P    NEW connections go to H:P (e.g. a server with another certificate)
  drop-newest   reset the connection accepted last, if it is still open (not a
                mode: the others keep going); "ok" or "error: none open"
  stats         "ok connections=N active=N bytes_up=N bytes_down=N mode=M target=H:P"
                (bytes_up: client to server, bytes_down: server to client;
                active includes connections held by stall whose client has
                gone: nothing is read then, so the close is seen only later)
  quit          close everything and exit

One thread, one selector: commands run between I/O events, so their effect
is complete when they answer. Python 3 standard library only.
"""

import argparse
import collections
import errno
import heapq
import os
import selectors
import signal
import socket
import struct
import sys
import time

CHUNK = 65536
HIGH_WATER = 16 * CHUNK  # stop reading a side while this much waits to be written


def parse_hostport(text):
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected HOST:PORT, not {text!r}")
    return host.strip("[]"), int(port)


def reset(sock):
    """Close with RST (SO_LINGER 0) instead of an orderly FIN."""
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class Pipe:
    """One direction of a connection: bytes read from src wait here for dst."""

    def __init__(self):
        self.queue = collections.deque()   # [release time, bytes]
        self.queued = 0
        self.eof = False                   # src said EOF (or failed)
        self.shut = False                  # dst has been shut down for writing
        self.budget = None                 # bytes still allowed through (drop-after)

    def ready(self, now):
        return bool(self.queue) and self.queue[0][0] <= now


class Conn:
    def __init__(self, client, peer, target, budget):
        self.client = client
        self.peer = peer
        self.target = target
        self.server = None
        self.state = "held"        # held (no upstream yet), connecting, open
        self.up = Pipe()           # client -> server
        self.down = Pipe()         # server -> client
        self.down.budget = budget
        self.closed = False


class Proxy:
    def __init__(self, listen, target, control):
        self.listen_addr = listen
        self.target = target
        self.control_path = control
        self.sel = selectors.DefaultSelector()
        self.mode = "pass"
        self.delay = 0.0
        self.drop_after = None
        self.conns = set()
        self.seq = 0               # connections accepted so far: Conn.seq
        self.listener = None
        self.timers = []           # heap of release times that need a wake-up
        self.stats = {"connections": 0, "bytes_up": 0, "bytes_down": 0}
        self.running = True
        self.open_listener()
        try:
            os.unlink(control)
        except FileNotFoundError:
            pass
        self.control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.control.bind(control)
        self.control.listen(16)
        self.control.setblocking(False)
        self.sel.register(self.control, selectors.EVENT_READ, ("control", None))

    # --- listening socket ---------------------------------------------------
    def open_listener(self):
        if self.listener is not None:
            return
        s = socket.socket(socket.AF_INET6 if ":" in self.listen_addr[0] else socket.AF_INET)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(self.listen_addr)
        s.listen(128)
        s.setblocking(False)
        self.sel.register(s, selectors.EVENT_READ, ("listen", None))
        self.listener = s

    def close_listener(self):
        if self.listener is None:
            return
        self.sel.unregister(self.listener)
        self.listener.close()   # connections waiting in the backlog get RST
        self.listener = None

    def accept(self):
        while True:
            try:
                sock, peer = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                if e.errno in (errno.ECONNABORTED, errno.EMFILE, errno.ENFILE):
                    return
                raise
            self.stats["connections"] += 1
            if self.mode == "drop":
                reset(sock)
                continue
            sock.setblocking(False)
            budget = self.drop_after if self.mode == "drop-after" else None
            c = Conn(sock, peer, self.target, budget)
            self.seq += 1
            c.seq = self.seq
            self.conns.add(c)
            if self.mode != "stall":
                self.connect(c)
            self.update(c)

    # --- connections ----------------------------------------------------------
    def connect(self, c):
        try:
            info = socket.getaddrinfo(c.target[0], c.target[1], type=socket.SOCK_STREAM)[0]
        except OSError as e:
            print(f"netfault: cannot resolve {c.target}: {e}", file=sys.stderr)
            self.abort(c)
            return
        s = socket.socket(info[0], socket.SOCK_STREAM)
        s.setblocking(False)
        c.server = s
        c.state = "connecting"
        err = s.connect_ex(info[4])
        if err not in (0, errno.EINPROGRESS):
            self.abort(c)
            return

    def abort(self, c):
        """Reset both sides."""
        if c.closed:
            return
        c.closed = True
        for s in (c.client, c.server):
            if s is not None:
                try:
                    self.sel.unregister(s)
                except (KeyError, ValueError):
                    pass
                reset(s)
        self.conns.discard(c)

    def finish(self, c):
        """Orderly close once both directions have ended."""
        c.closed = True
        for s in (c.client, c.server):
            if s is not None:
                try:
                    self.sel.unregister(s)
                except (KeyError, ValueError):
                    pass
                s.close()
        self.conns.discard(c)

    def update(self, c):
        """Set what the selector watches for c's sockets, from mode and queues."""
        if c.closed:
            return
        now = time.monotonic()
        moving = self.mode != "stall"
        ev = 0
        if moving and c.state == "open" and not c.up.eof and c.up.queued < HIGH_WATER:
            ev |= selectors.EVENT_READ
        if moving and c.down.ready(now):
            ev |= selectors.EVENT_WRITE
        self.watch(c.client, ev, "client", c)
        if c.server is not None:
            if c.state == "connecting":
                ev = selectors.EVENT_WRITE
            else:
                ev = 0
                if (moving and not c.down.eof and c.down.queued < HIGH_WATER
                        and c.down.budget != 0):
                    ev |= selectors.EVENT_READ
                if moving and c.up.ready(now):
                    ev |= selectors.EVENT_WRITE
            self.watch(c.server, ev, "server", c)
        for p in (c.up, c.down):
            if p.queue and p.queue[0][0] > now:
                heapq.heappush(self.timers, p.queue[0][0])

    def watch(self, sock, ev, role, c):
        """Register, modify or (for no events: a selector cannot wait for
        nothing) unregister sock."""
        try:
            key = self.sel.get_key(sock)
        except KeyError:
            key = None
        if not ev:
            if key is not None:
                self.sel.unregister(sock)
        elif key is None:
            self.sel.register(sock, ev, (role, c))
        elif key.events != ev:
            self.sel.modify(sock, ev, (role, c))

    def on_server(self, c, ev):
        if c.state == "connecting":
            err = c.server.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                self.abort(c)   # the client sees a reset, as with a dead server
                return
            c.state = "open"
        else:
            if ev & selectors.EVENT_READ:
                self.read(c, c.server, c.down)
            if not c.closed and ev & selectors.EVENT_WRITE:
                self.write(c, c.server, c.up, "bytes_up")
        if not c.closed:
            self.settle(c)

    def on_client(self, c, ev):
        if ev & selectors.EVENT_READ:
            self.read(c, c.client, c.up)
        if not c.closed and ev & selectors.EVENT_WRITE:
            self.write(c, c.client, c.down, "bytes_down")
        if not c.closed:
            self.settle(c)

    def read(self, c, sock, pipe):
        try:
            data = sock.recv(CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.abort(c)
            return
        if not data:
            pipe.eof = True
            return
        if pipe.budget is not None:
            data = data[:pipe.budget]
            pipe.budget -= len(data)
        if data:
            pipe.queue.append([time.monotonic() + self.delay, data])
            pipe.queued += len(data)

    def write(self, c, sock, pipe, counter):
        now = time.monotonic()
        while pipe.ready(now):
            data = pipe.queue[0][1]
            try:
                n = sock.send(data)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.abort(c)
                return
            self.stats[counter] += n
            pipe.queued -= n
            if n < len(data):
                pipe.queue[0][1] = data[n:]
                return
            pipe.queue.popleft()

    def settle(self, c):
        """After I/O: cut, pass EOF on, close when done, or re-arm the selector."""
        if c.down.budget == 0 and not c.down.queue:
            self.abort(c)   # drop-after: the allowed bytes are through
            return
        for pipe, dst in ((c.up, c.server), (c.down, c.client)):
            if pipe.eof and not pipe.queue and not pipe.shut and dst is not None \
                    and c.state == "open":
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                pipe.shut = True
        if c.up.shut and c.down.shut:
            self.finish(c)
            return
        self.update(c)

    # --- control ---------------------------------------------------------------
    def on_control(self):
        try:
            sock, _ = self.control.accept()
        except (BlockingIOError, InterruptedError):
            return
        # The CLI sends its line at once; a short blocking read keeps this simple.
        sock.settimeout(2)
        buf = b""
        try:
            while b"\n" not in buf and len(buf) < 1024:
                part = sock.recv(1024)
                if not part:
                    break
                buf += part
            answer = self.command(buf.decode("utf-8", "replace").strip())
            sock.sendall((answer + "\n").encode())
        except OSError:
            pass
        finally:
            sock.close()

    def command(self, line):
        words = line.split()
        if not words:
            return "error: empty command"
        cmd, args = words[0], words[1:]
        want = {"pass": 0, "stall": 0, "drop": 0, "refuse": 0, "stats": 0, "quit": 0,
                "drop-after": 1, "delay": 1, "target": 1, "drop-newest": 0}
        if cmd not in want:
            return (f"error: unknown command {cmd!r} (pass stall drop drop-after delay refuse "
                    "target drop-newest stats quit)")
        if len(args) != want[cmd]:
            return f"error: {cmd} takes {want[cmd]} argument(s)"
        if cmd in ("drop-after", "delay") and not args[0].isdigit():
            return f"error: {cmd} needs a number, not {args[0]!r}"
        if cmd == "stats":
            s = self.stats
            return (f"ok connections={s['connections']} active={len(self.conns)} "
                    f"bytes_up={s['bytes_up']} bytes_down={s['bytes_down']} "
                    f"mode={self.mode} target={self.target[0]}:{self.target[1]}")
        if cmd == "quit":
            self.running = False
            return "ok"
        if cmd == "drop-newest":
            if not self.conns:
                return "error: none open"
            self.abort(max(self.conns, key=lambda c: c.seq))
            return "ok"
        if cmd == "target":
            try:
                self.target = parse_hostport(args[0])
            except ValueError as e:
                return f"error: {e}"
            return "ok"
        # The modes.
        try:
            if cmd == "refuse":
                self.close_listener()
            else:
                self.open_listener()
        except OSError as e:
            return f"error: cannot listen again on {self.listen_addr}: {e.strerror}"
        self.mode = cmd
        self.delay = int(args[0]) / 1000.0 if cmd == "delay" else 0.0
        self.drop_after = int(args[0]) if cmd == "drop-after" else None
        for c in list(self.conns):
            if cmd == "drop":
                self.abort(c)
            elif cmd != "stall" and c.state == "held":
                self.connect(c)
                self.update(c)
            else:
                self.update(c)
        return "ok"

    # --- main loop -------------------------------------------------------------
    def run(self):
        while self.running:
            now = time.monotonic()
            while self.timers and self.timers[0] <= now:
                heapq.heappop(self.timers)
            timeout = max(0.0, self.timers[0] - now) if self.timers else None
            for key, ev in self.sel.select(timeout):
                role, c = key.data
                if role == "listen":
                    self.accept()
                elif role == "control":
                    self.on_control()
                elif c.closed:
                    continue
                elif role == "client":
                    self.on_client(c, ev)
                else:
                    self.on_server(c, ev)
            # Released delayed chunks: re-arm their connections.
            now = time.monotonic()
            if self.timers and self.timers[0] <= now:
                for c in list(self.conns):
                    self.update(c)

    def close(self):
        for c in list(self.conns):
            self.abort(c)
        self.close_listener()
        self.sel.unregister(self.control)
        self.control.close()
        try:
            os.unlink(self.control_path)
        except FileNotFoundError:
            pass


def ctl(argv):
    if len(argv) < 2:
        sys.exit("usage: netfault ctl SOCK COMMAND [ARG]")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(argv[0])
        s.sendall((" ".join(argv[1:]) + "\n").encode())
        answer = b""
        while True:
            part = s.recv(4096)
            if not part:
                break
            answer += part
    except OSError as e:
        sys.exit(f"netfault ctl: {argv[0]}: {e.strerror or e}")
    text = answer.decode("utf-8", "replace").strip()
    if text.startswith("ok"):
        print(text)
        return 0
    print(f"netfault ctl: {text or 'no answer'}", file=sys.stderr)
    return 1


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "ctl":
        return ctl(sys.argv[2:])
    ap = argparse.ArgumentParser(prog="netfault.py",
                                 description="Fault-injecting loopback TCP proxy (see the file's docstring).")
    ap.add_argument("--listen", required=True, help="HOST:PORT to listen on")
    ap.add_argument("--target", required=True, help="HOST:PORT to forward to")
    ap.add_argument("--control", required=True, help="Unix socket path for commands")
    ap.add_argument("--pidfile", help="written once ready, removed at exit")
    a = ap.parse_args()
    try:
        listen, target = parse_hostport(a.listen), parse_hostport(a.target)
    except ValueError as e:
        ap.error(str(e))
    def stop(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        proxy = Proxy(listen, target, a.control)
    except OSError as e:
        sys.exit(f"netfault: {e.strerror or e}")
    try:
        if a.pidfile:
            with open(a.pidfile + ".new", "w") as f:
                f.write(f"{os.getpid()}\n")
            os.rename(a.pidfile + ".new", a.pidfile)
        proxy.run()
    finally:
        proxy.close()
        if a.pidfile:
            try:
                os.unlink(a.pidfile)
            except FileNotFoundError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
