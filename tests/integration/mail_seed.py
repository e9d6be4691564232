#!/usr/bin/python3 -B
"""mail_seed.py write DIR | append BOX DIR | expunge BOX MSGID | flag BOX MSGID | mkbox BOX DIR | delete BOX

The mail of tests/integration/mail.sh, written and put into alice's
mailbox independently of atrium (Python's email and imaplib over IMAPS
with the certificate checked against the test CA):

write    DIR/1.eml .. 4.eml (CRLF lines): a GBK subject and body, a
         multipart message with an attachment, raw UTF-8 and GBK bytes in
         headers, a GB2312-labelled subject holding a GB18030-only character
append  create BOX and APPEND DIR/*.eml (2.eml seen, 3.eml flagged+seen)
expunge remove the message whose Message-ID contains MSGID
flag    set \\Flagged on that message
mkbox   create BOX (a UTF-8 name, sent in modified UTF-7) holding DIR/1.eml
delete  remove BOX
Reads IMAPS_PORT, CA_FILE and ALICE_PASSWORD from the environment.
"""

import base64
import imaplib
import os
import ssl
import sys


def b64word(charset, text, codec=None):
    raw = text.encode(codec or charset)
    return "=?%s?B?%s?=" % (charset, base64.b64encode(raw).decode())


def qword(charset, text):
    raw = text.encode(charset)
    return "=?%s?Q?%s?=" % (charset, "".join("=%02X" % b if b > 127 or b in b"=?_ " else chr(b) for b in raw))


def messages():
    crlf = "\r\n"
    m1 = crlf.join([
        "From: %s <zhang@example.test>" % b64word("UTF-8", "张三"),
        "To: alice@example.test",
        "Subject: %s" % qword("GBK", "季度报告"),
        "Date: Sat, 21 Nov 2026 10:00:00 +0800",
        "Message-ID: <m1@example.test>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=GBK",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "".join("=%02X" % b for b in "你好，报告见附件。".encode("gbk")),
        "second line",
        "",
    ]).encode("ascii")
    att = base64.b64encode(b"%PDF-1.4 fake pdf bytes\n" * 4).decode()
    body = base64.b64encode("Budget text in UTF-8: 预算 ok\r\n".encode()).decode()
    m2 = crlf.join([
        "From: Bob <bob@example.test>",
        "To: alice@example.test",
        "Subject: Budget with attachment",
        "Date: Sat, 21 Nov 2026 11:00:00 +0000",
        "Message-ID: <m2@example.test>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="b-42"',
        "",
        "preamble",
        "--b-42",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: base64",
        "",
        body,
        "--b-42",
        'Content-Type: application/pdf; name="q3.pdf"',
        'Content-Disposition: attachment; filename="q3.pdf"',
        "Content-Transfer-Encoding: base64",
        "",
        att,
        "--b-42--",
        "",
    ]).encode("ascii")
    m3 = (crlf.join([
        "From: Carol <carol@example.test>",
        "To: alice@example.test",
        "Subject: Raw 测试 subject",
        "Date: Sat, 21 Nov 2026 12:00:00 +0000",
        "Message-ID: <m3@example.test>",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "raw body 正文",
        "",
    ])).encode("utf-8")
    m4 = crlf.join([
        "From: Dan <dan@example.test>",
        "To: alice@example.test",
        "Subject: %s %s" % (b64word("GB2312", "生僻字㐀", "gb18030"), b64word("UTF-8", "end")),
        "Date: Sat, 21 Nov 2026 13:00:00 +0000",
        "Message-ID: <m4@example.test>",
        "",
        "plain ascii body",
        "",
    ]).encode("ascii")
    return [m1, m2, m3, m4]


def mutf7(name):
    """A mailbox name in IMAP's modified UTF-7 (RFC 3501 5.1.3)."""
    out, run = "", ""
    for ch in name + "\0":
        if ch != "\0" and not (" " <= ch <= "~"):
            run += ch
            continue
        if run:
            b = base64.b64encode(run.encode("utf-16-be")).decode().rstrip("=")
            out += "&" + b.replace("/", ",") + "-"
            run = ""
        if ch != "\0":
            out += "&-" if ch == "&" else ch
    return out


def connect():
    ctx = ssl.create_default_context(cafile=os.environ["CA_FILE"])
    m = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS_PORT"]), ssl_context=ctx)
    m.login("alice", os.environ["ALICE_PASSWORD"])
    return m


def find(m, box, msgid):
    typ, _ = m.select(box)
    if typ != "OK":
        sys.exit("SELECT %s: %s" % (box, typ))
    typ, data = m.uid("SEARCH", None, "HEADER", "Message-ID", msgid)
    uids = data[0].split()
    if len(uids) != 1:
        sys.exit("%d messages match %r" % (len(uids), msgid))
    return uids[0]


def main():
    what = sys.argv[1]
    if what == "write":
        for i, data in enumerate(messages()):
            with open(os.path.join(sys.argv[2], "%d.eml" % (i + 1)), "wb") as f:
                f.write(data)
        return
    m = connect()
    box = mutf7(sys.argv[2])
    # imaplib sends the name as an atom: quote it
    box = '"%s"' % box
    if what == "append":
        typ, _ = m.create(box)
        if typ != "OK":
            sys.exit("CREATE %s: %s" % (box, typ))
        flags = [None, "(\\Seen)", "(\\Flagged \\Seen)", None]
        for i in range(4):
            with open(os.path.join(sys.argv[3], "%d.eml" % (i + 1)), "rb") as f:
                data = f.read()
            typ, _ = m.append(box, flags[i], imaplib.Time2Internaldate(1795226400 + i * 3600), data)
            if typ != "OK":
                sys.exit("APPEND %d.eml: %s" % (i + 1, typ))
    elif what == "expunge":
        uid = find(m, box, sys.argv[3])
        m.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
        m.expunge()
    elif what == "flag":
        uid = find(m, box, sys.argv[3])
        m.uid("STORE", uid, "+FLAGS", "(\\Flagged)")
    elif what == "mkbox":
        typ, _ = m.create(box)
        if typ != "OK":
            sys.exit("CREATE %s: %s" % (box, typ))
        with open(os.path.join(sys.argv[3], "1.eml"), "rb") as f:
            typ, _ = m.append(box, None, None, f.read())
        if typ != "OK":
            sys.exit("APPEND: %s" % typ)
    elif what == "delete":
        m.delete(box)
    else:
        sys.exit(__doc__)
    m.logout()


if __name__ == "__main__":
    main()
