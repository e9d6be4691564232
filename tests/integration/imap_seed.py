#!/usr/bin/python3 -B
"""imap_seed.py append|delete BOX DIR - the mail of test_net_imap's Dovecot group.

append: create BOX for alice and APPEND DIR/1.eml, 2.eml, 3.eml (bytes as
they are) with fixed internal dates, 1.eml flagged. delete: remove BOX.
Reads IMAPS_PORT, CA_FILE and ALICE_PASSWORD from the environment (the test
servers' env file). Independent of atrium: Python's imaplib over IMAPS with
the certificate checked against the test CA.
"""

import imaplib
import os
import ssl
import sys

# 2026-11-21 02:00, 03:00 and 04:00 UTC (test_net_imap.c checks them)
DATES = [1795226400, 1795230000, 1795233600]
FLAGS = ["(\\Flagged)", None, None]


def main():
    what, box, folder = sys.argv[1:4]
    ctx = ssl.create_default_context(cafile=os.environ["CA_FILE"])
    m = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS_PORT"]), ssl_context=ctx)
    m.login("alice", os.environ["ALICE_PASSWORD"])
    if what == "append":
        typ, _ = m.create(box)
        if typ != "OK":
            sys.exit(f"CREATE {box}: {typ}")
        for i in range(3):
            with open(os.path.join(folder, f"{i + 1}.eml"), "rb") as f:
                data = f.read()
            typ, _ = m.append(box, FLAGS[i], imaplib.Time2Internaldate(DATES[i]), data)
            if typ != "OK":
                sys.exit(f"APPEND {i + 1}.eml: {typ}")
    elif what == "delete":
        m.delete(box)
    else:
        sys.exit("usage: imap_seed.py append|delete BOX DIR")
    m.logout()


if __name__ == "__main__":
    main()
