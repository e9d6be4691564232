#!/usr/bin/python3
"""mail_probe.py - look at the loopback Dovecot as a test's second pair of
eyes (Python's imaplib over implicit TLS with the test CA; independent of
atrium). Reads the servers' env file named by $ATRIUM_TEST_SERVERS.

  count USER BOX SUBJECT [WAIT_S]   messages whose Subject contains SUBJECT
                                    (waits up to WAIT_S for at least one)
  flags USER BOX SUBJECT            the flags of the first such message
  header USER BOX SUBJECT NAME      a header of the first such message ('' if none)
  body USER BOX SUBJECT             its whole bytes to stdout
  mkbox USER BOX [EML...]           create BOX and append the files
  append USER BOX EML...            append the files to BOX
  rmbox USER BOX                    delete BOX (no error when absent)
  exists USER BOX                   "yes" or "no"
  store USER BOX SUBJECT FLAGS      +FLAGS on the first such message
USER is alice, bob or carol. BOX is a UTF-8 name (encoded here).
"""
import imaplib
import os
import ssl
import sys
import time


def env():
    d = os.environ.get("ATRIUM_TEST_SERVERS", "/tmp/atrium-test-servers")
    out = {}
    with open(os.path.join(d, "env")) as f:
        for line in f:
            if "=" in line:
                k, v = line.strip().split("=", 1)
                out[k] = v
    return out


def mutf7(name):
    res, buf = [], []

    def flush():
        if buf:
            b = "".join(buf).encode("utf-16-be")
            import base64
            res.append("&" + base64.b64encode(b).decode().rstrip("=").replace("/", ",") + "-")
            buf.clear()
    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            res.append("&-" if ch == "&" else ch)
        else:
            buf.append(ch)
    flush()
    return "".join(res)


def connect(user):
    e = env()
    ctx = ssl.create_default_context(cafile=e["CA_FILE"])
    m = imaplib.IMAP4_SSL("127.0.0.1", int(e["IMAPS_PORT"]), ssl_context=ctx)
    m.login(e[user.upper() + "_EMAIL"], e[user.upper() + "_PASSWORD"])
    return m


def quote(box):
    return '"%s"' % mutf7(box)


def find(m, box, subject):
    typ, _ = m.select(quote(box))
    if typ != "OK":
        return []
    # the words as a literal: spaces and UTF-8 go as they are
    m.literal = subject.encode()
    typ, data = m.uid("SEARCH", "CHARSET", "UTF-8", "SUBJECT")
    if typ != "OK" or not data or not data[0]:
        return []
    return data[0].split()


def main():
    what, user, box = sys.argv[1], sys.argv[2], sys.argv[3]
    m = connect(user)
    if what == "count":
        wait = float(sys.argv[5]) if len(sys.argv) > 5 else 0
        end = time.time() + wait
        while True:
            n = len(find(m, box, sys.argv[4]))
            if n or time.time() >= end:
                break
            time.sleep(0.2)
        print(n)
    elif what in ("flags", "header", "body", "store"):
        uids = find(m, box, sys.argv[4])
        if not uids:
            sys.exit("no message with subject %s in %s" % (sys.argv[4], box))
        if what == "flags":
            typ, data = m.uid("FETCH", uids[0], "(FLAGS)")
            print(data[0].decode())
        elif what == "store":
            m.uid("STORE", uids[0], "+FLAGS", "(%s)" % sys.argv[5])
        else:
            typ, data = m.uid("FETCH", uids[0], "(BODY.PEEK[])")
            raw = data[0][1]
            if what == "body":
                sys.stdout.buffer.write(raw)
            else:
                from email import message_from_bytes
                v = message_from_bytes(raw).get(sys.argv[5])
                print(v if v is not None else "")
    elif what in ("mkbox", "append"):
        if what == "mkbox":
            m.create(quote(box))
        for p in sys.argv[4:]:
            with open(p, "rb") as f:
                typ, _ = m.append(quote(box), None, None, f.read())
            if typ != "OK":
                sys.exit("APPEND %s: %s" % (p, typ))
    elif what == "exists":
        typ, _ = m.select(quote(box))
        print("yes" if typ == "OK" else "no")
    elif what == "rmbox":
        m.delete(quote(box))
    else:
        sys.exit(__doc__)
    m.logout()


if __name__ == "__main__":
    main()
