#!/usr/bin/python3
"""mail_corpus.py - make and upload the hard messages of
tests/integration/mail_corpus.sh, and work out independently of atrium
(Python's email package) what reading them must give.

  thread BOX N MAP.json     APPEND a thread of N generated messages to BOX
                            (created) in one IMAP session; MAP.json gets
                            {message_id: parent message_id or null}
  big OUT.eml PART MB       a message with a text part and MB MiB of random
                            bytes as an attachment (also written to PART)
  parts EML                 the attachments of EML as Python sees them: a
                            JSON list of {name, size, sha256} in order
  append BOX EML            APPEND one file to BOX (created if absent)

Connects as alice with imaplib over implicit TLS with the test CA; the
servers' env file is named by $ATRIUM_TEST_SERVERS.
"""
import email
import email.header
import email.policy
import email.utils
import hashlib
import json
import os
import random
import sys
import time
from email.message import EmailMessage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mail_probe  # noqa: E402  (env, connect, quote)


def thread_messages(n, rng):
    """n messages replying to each other: each to the one before it most
    of the time, else to an earlier one, so the tree is deep and forked.
    References carries the parent's chain trimmed to its last 20 ids."""
    ids, chains, parents, out = [], [], {}, []
    base = 1795000000  # 2026-11-18, seconds; one minute apart
    for i in range(n):
        mid = "<t%d.%d@corpus.example.test>" % (i, os.getpid())
        if i == 0:
            p = None
            chain = [mid]
        else:
            p = i - 1 if rng.random() < 0.7 else rng.randrange(0, i)
            chain = chains[p] + [mid]
            if len(chain) > 21:
                chain = chain[-21:]
        chains.append(chain)
        ids.append(mid)
        parents[mid] = ids[p] if p is not None else None
        date = email.utils.formatdate(base + 60 * i)
        head = ["From: Person %d <p%d@example.test>" % (i % 7, i % 7),
                "To: alice@example.test",
                "Date: " + date,
                "Subject: " + ("Re: " if i else "") + "corpus thread",
                "Message-ID: " + mid]
        if p is not None:
            head.append("In-Reply-To: " + ids[p])
            head.append("References: " + "\r\n ".join(chain[:-1]))
        head += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
        out.append(("\r\n".join(head) + "\r\n\r\nmessage %d\r\n" % i).encode())
    return out, parents


def append_all(box, blobs):
    """APPEND every blob, many to a command (MULTIAPPEND with LITERAL+):
    one APPEND a round trip costs ~20 ms here, a thread of thousands
    would take minutes."""
    m = mail_probe.connect("alice")
    m.create(mail_probe.quote(box))
    typ, caps = m.capability()
    if typ != "OK" or b"MULTIAPPEND" not in caps[0] or b"LITERAL+" not in caps[0]:
        for b in blobs:
            typ, data = m.append(mail_probe.quote(box), r"(\Seen)", None, b)
            if typ != "OK":
                sys.exit("APPEND: %s %s" % (typ, data))
    else:
        for k in range(0, len(blobs), 500):
            cmd = [b"C%d APPEND " % k, mail_probe.quote(box).encode()]
            for b in blobs[k:k + 500]:
                cmd.append(b" (\\Seen) {%d+}\r\n" % len(b))
                cmd.append(b)
            cmd.append(b"\r\n")
            m.send(b"".join(cmd))
            while True:
                line = m.readline()
                if not line:
                    sys.exit("APPEND: connection closed")
                if line.startswith(b"C%d " % k):
                    break
            if not line.startswith(b"C%d OK" % k):
                sys.exit("APPEND: %r" % line)
    m.logout()


def cmd_thread(box, n, mapfile):
    blobs, parents = thread_messages(int(n), random.Random(20261121))
    t = time.time()
    append_all(box, blobs)
    with open(mapfile, "w") as f:
        json.dump(parents, f)
    print("%.1f" % (time.time() - t))


def cmd_big(out, part, mb):
    data = os.urandom(int(mb) * 1024 * 1024)
    with open(part, "wb") as f:
        f.write(data)
    msg = EmailMessage()
    msg["From"] = "Big Sender <big@example.test>"
    msg["To"] = "alice@example.test"
    msg["Date"] = email.utils.formatdate(1795000000)
    msg["Subject"] = "big attachment"
    msg["Message-ID"] = "<big.%d@corpus.example.test>" % os.getpid()
    msg.set_content("The data is attached.\n")
    msg.add_attachment(data, maintype="application", subtype="octet-stream",
                       filename="random.bin")
    with open(out, "wb") as f:
        f.write(msg.as_bytes(policy=email.policy.SMTP))


def decoded_name(part):
    name = part.get_filename()
    if name is None:
        return None
    # an RFC 2047 word inside a quoted name, against the RFC but common
    return str(email.header.make_header(email.header.decode_header(name)))


def cmd_parts(path):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.compat32)
    out = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        disp = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        # the parts a reader shows as text are not attachments
        if part.get_content_type() in ("text/plain", "text/html") and disp != "attachment":
            continue
        data = part.get_payload(decode=True) or b""
        out.append({"name": decoded_name(part), "size": len(data),
                    "sha256": hashlib.sha256(data).hexdigest()})
    json.dump(out, sys.stdout, ensure_ascii=False)


def cmd_append(box, path):
    with open(path, "rb") as f:
        data = f.read()
    t = time.time()
    append_all(box, [data])
    print("%.1f" % (time.time() - t))


def main():
    cmds = {"thread": (cmd_thread, 3), "big": (cmd_big, 3), "parts": (cmd_parts, 1),
            "append": (cmd_append, 2)}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds or len(sys.argv) != cmds[sys.argv[1]][1] + 2:
        sys.exit(__doc__)
    cmds[sys.argv[1]][0](*sys.argv[2:])


if __name__ == "__main__":
    main()
