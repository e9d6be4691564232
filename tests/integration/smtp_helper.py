#!/usr/bin/python3 -B
"""smtp_helper.py - the other side of test_net_smtp's server group.

fetch USER MSGID [SECONDS]
    Log in as USER (alice, bob, carol) over IMAPS with the certificate
    checked against the test CA, wait up to SECONDS (default 8) for a mail
    with that Message-ID in INBOX, print its bytes and delete it. Exit 1
    when none arrived. Independent of atrium: Python's imaplib.
fake SCENARIO
    A one-connection SMTP server with implicit TLS (the test servers'
    certificate) on a free loopback port, printed on the first line with its
    pid, that
    misbehaves as told: drop-after-data, silent-after-data, drop-in-data,
    reject-rcpt, tempfail-rcpt, reject-data (accept: behaves). Prints what it received on
    stderr.
Reads CA_FILE, IMAPS_PORT, ATRIUM_SERVERS_DIR and USER_PASSWORD (ALICE_...)
from the environment (the test servers' env file).
"""

import imaplib
import os
import socket
import ssl
import sys
import time


def fetch(user, msgid, seconds):
    ctx = ssl.create_default_context(cafile=os.environ["CA_FILE"])
    m = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS_PORT"]), ssl_context=ctx)
    m.login(user, os.environ[user.upper() + "_PASSWORD"])
    end = time.time() + seconds
    found = None
    while True:
        m.select("INBOX")
        typ, data = m.search(None, "HEADER", "Message-ID", msgid)
        nums = data[0].split() if typ == "OK" and data[0] else []
        if nums:
            typ, parts = m.fetch(nums[0], "(BODY.PEEK[])")
            found = parts[0][1]
            for n in nums:
                m.store(n, "+FLAGS", "\\Deleted")
            m.expunge()
            break
        if time.time() >= end:
            break
        time.sleep(0.1)
    m.logout()
    if found is None:
        sys.exit(1)
    sys.stdout.buffer.write(found)


def fake(scenario):
    d = os.path.join(os.environ["ATRIUM_SERVERS_DIR"], "ca")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(d, "server.pem"), os.path.join(d, "server.key"))
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    ls.settimeout(20)
    print(ls.getsockname()[1], os.getpid(), flush=True)
    raw, _ = ls.accept()
    raw.settimeout(20)
    c = ctx.wrap_socket(raw, server_side=True)
    f = c.makefile("rb")

    def say(line):
        c.sendall(line.encode() + b"\r\n")

    say("220 fake ESMTP")
    while True:
        line = f.readline()
        if not line:
            return
        cmd = line.decode(errors="replace").strip()
        sys.stderr.write("C: %s\n" % (cmd if not cmd.startswith("AUTH") else "AUTH ..."))
        verb = cmd.split(" ")[0].upper()
        if verb == "EHLO":
            say("250-fake")
            say("250 AUTH PLAIN")
        elif verb == "AUTH":
            say("235 ok" if " " in cmd[5:] else "334 ")
        elif verb == "MAIL":
            say("250 ok")
        elif verb == "RCPT":
            if scenario == "reject-rcpt":
                say("550 5.1.1 no such user here")
            elif scenario == "tempfail-rcpt":
                say("451 4.3.0 try again later")
            else:
                say("250 ok")
        elif verb == "DATA":
            say("354 go on")
            if scenario == "drop-in-data":
                f.read(1000)
                c.close()
                raw.close()
                return
            n = 0
            while True:
                dl = f.readline()
                if not dl:
                    return
                n += len(dl)
                if dl == b".\r\n":
                    break
            sys.stderr.write("got %d bytes of data\n" % n)
            if scenario == "drop-after-data":
                c.close()
                raw.close()
                return
            if scenario == "silent-after-data":
                time.sleep(10)
                return
            if scenario == "reject-data":
                say("554 5.7.1 message refused as spam")
            else:
                say("250 2.0.0 queued as FAKE1")
        elif verb == "QUIT":
            say("221 bye")
            return
        elif cmd:
            # AUTH PLAIN's credentials after 334
            say("235 ok")


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "fetch":
        fetch(sys.argv[2], sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 8)
    elif len(sys.argv) == 3 and sys.argv[1] == "fake":
        fake(sys.argv[2])
    else:
        sys.exit("usage: smtp_helper.py fetch USER MSGID [SECONDS] | fake SCENARIO")


if __name__ == "__main__":
    main()
