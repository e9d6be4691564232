#!/usr/bin/python3 -B
"""authproxy.py - an HTTP CONNECT proxy that wants Basic proxy authentication.

    authproxy.py --listen 127.0.0.1:PORT --user U --password P --log FILE [--pidfile F]

libcurl reaches https:// URLs through an HTTP proxy with CONNECT; this proxy
answers a CONNECT without the right `Proxy-Authorization: Basic` with 407 and
`Proxy-Authenticate: Basic realm="atrium-test"` (and closes), and with the
right one opens the tunnel (200) and forwards bytes both ways until either
side closes. Other methods get 405. A target that cannot be reached gets 502.

Every CONNECT appends one line to --log, so a test can assert that its
client went through the proxy:
    2026-11-21T21:30:00 client=127.0.0.1:40312 target=127.0.0.1:17120 authorised=yes user=alice

Runs in the foreground, one thread per connection; --pidfile is written once
listening (the readiness check) and removed at exit (SIGTERM, SIGINT).
Python 3 standard library only.
"""

import argparse
import base64
import binascii
import hmac
import os
import selectors
import signal
import socket
import socketserver
import sys
import threading
import time

REALM = "atrium-test"
MAX_HEAD = 16384


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        srv = self.server
        sock = self.request
        sock.settimeout(30)
        head = b""
        try:
            while b"\r\n\r\n" not in head:
                part = sock.recv(4096)
                if not part or len(head) > MAX_HEAD:
                    return
                head += part
        except OSError:
            return
        head, _, rest = head.partition(b"\r\n\r\n")
        lines = head.decode("iso-8859-1").split("\r\n")
        parts = lines[0].split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            self.reply(400, "Bad Request")
            return
        method, target = parts[0], parts[1]
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        if method != "CONNECT":
            self.reply(405, "Method Not Allowed", "Allow: CONNECT\r\n")
            return
        user, ok = srv.check(headers.get("proxy-authorization", ""))
        client = "%s:%d" % self.client_address[:2]
        srv.log(f"client={client} target={target} authorised={'yes' if ok else 'no'}"
                + (f" user={user}" if user else ""))
        if not ok:
            self.reply(407, "Proxy Authentication Required",
                       f'Proxy-Authenticate: Basic realm="{REALM}"\r\n')
            return
        host, sep, port = target.rpartition(":")
        if not sep or not port.isdigit():
            self.reply(400, "Bad Request")
            return
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        except OSError:
            self.reply(502, "Bad Gateway")
            return
        with upstream:
            try:
                sock.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if rest:
                    upstream.sendall(rest)
            except OSError:
                return
            self.relay(sock, upstream)

    def reply(self, code, text, extra=""):
        try:
            self.request.sendall((f"HTTP/1.1 {code} {text}\r\n{extra}"
                                  "Content-Length: 0\r\nConnection: close\r\n\r\n").encode())
        except OSError:
            pass

    @staticmethod
    def relay(a, b):
        """Copy both ways; pass a half close on; stop when both ended."""
        a.settimeout(None)
        b.settimeout(None)
        peer = {a: b, b: a}
        sel = selectors.DefaultSelector()
        sel.register(a, selectors.EVENT_READ)
        sel.register(b, selectors.EVENT_READ)
        open_ = 2
        try:
            while open_:
                for key, _ in sel.select():
                    src = key.fileobj
                    try:
                        data = src.recv(65536)
                    except OSError:
                        return
                    if data:
                        try:
                            peer[src].sendall(data)
                        except OSError:
                            return
                    else:
                        sel.unregister(src)
                        open_ -= 1
                        try:
                            peer[src].shutdown(socket.SHUT_WR)
                        except OSError:
                            pass
        finally:
            sel.close()


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, user, password, log_path):
        super().__init__(addr, Handler)
        self.want = f"{user}:{password}".encode()
        self.log_file = open(log_path, "a", encoding="utf-8")
        self.log_lock = threading.Lock()

    def check(self, value):
        """(user presented or "", whether the credentials are right)"""
        scheme, _, cred = value.partition(" ")
        if scheme.lower() != "basic":
            return "", False
        try:
            got = base64.b64decode(cred.strip(), validate=True)
        except (binascii.Error, ValueError):
            return "", False
        user = got.partition(b":")[0].decode("utf-8", "replace")
        user = "".join(ch if ch.isprintable() and ch != " " else "?" for ch in user)
        return user, hmac.compare_digest(got, self.want)

    def log(self, text):
        with self.log_lock:
            self.log_file.write(time.strftime("%Y-%m-%dT%H:%M:%S ") + text + "\n")
            self.log_file.flush()


def main():
    ap = argparse.ArgumentParser(prog="authproxy.py",
                                 description="HTTP CONNECT proxy with Basic proxy authentication.")
    ap.add_argument("--listen", required=True, help="HOST:PORT to listen on")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--log", required=True, help="file to append one line per CONNECT to")
    ap.add_argument("--pidfile", help="written once listening, removed at exit")
    a = ap.parse_args()
    host, sep, port = a.listen.rpartition(":")
    if not sep or not port.isdigit():
        ap.error(f"--listen wants HOST:PORT, not {a.listen!r}")

    def stop(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        srv = Server((host.strip("[]"), int(port)), a.user, a.password, a.log)
    except OSError as e:
        sys.exit(f"authproxy: {a.listen}: {e.strerror or e}")
    try:
        if a.pidfile:
            with open(a.pidfile + ".new", "w") as f:
                f.write(f"{os.getpid()}\n")
            os.rename(a.pidfile + ".new", a.pidfile)
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()
        if a.pidfile:
            try:
                os.unlink(a.pidfile)
            except FileNotFoundError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
