"""mail_seed.py - the 100k-message folder of bench/mail, written once into
the loopback Dovecot as Maildir files (IMAP APPEND of 100,000 messages takes
minutes; files written straight into the folder's cur/ take seconds, and
Dovecot indexes them on the next SELECT).

seed(env, user, folder, n) makes FOLDER in USER's account hold the n
messages of this generator unless it already does: the count must be n and
the first message's Message-ID must name GEN (bump GEN when the messages
change, so a rerun seeds again). Returns True when it seeded.

The messages (fixed seed, the same bytes every time): dates over two years
in order (Dovecot gives new Maildir files their UIDs in the order of the
time in their names), senders and subjects in English and Chinese (RFC 2047
B and Q words in UTF-8 and GBK), about 30% replies with In-Reply-To and
References to a recent message (threads of every depth), 5% with a small
attachment, bodies of 1-3 KB, about 80% seen and 2% flagged."""
import base64
import imaplib
import os
import pwd
import random
import re
import ssl

GEN = "1"
DOMAIN = "bench.example.test"
T0 = 1700000000  # 2023-11-14; two years from there
SPAN = 2 * 365 * 86400

WORDS = ("report budget meeting quarter review plan draft release server cache index "
         "thread folder invoice travel schedule design test build deploy notes agenda "
         "minutes contract update question answer proposal team lunch holiday office").split()
ZH = ("季度报告 预算 会议 项目 计划 审核 发布 服务器 文件 进度 合同 发票 出差 安排 设计 测试 "
      "部署 纪要 议程 团队 午餐 假期 办公室 问题 回答 建议 客户 数据 分析 总结").split()
PEOPLE = [("Alice Smith", "alice"), ("Bob Jones", "bob"), ("Carol White", "carol"),
          ("Dave Brown", "dave"), ("Erin Green", "erin"), ("Frank Black", "frank"),
          ("张三", "zhang"), ("李四", "li"), ("王五", "wang"), ("赵六", "zhao"),
          ("陈晓明", "chen"), ("刘芳", "liu"), ("Grace Lee", "grace"), ("Heidi Klum", "heidi")]


def b_word(s, cs="UTF-8"):
    return "=?%s?B?%s?=" % (cs, base64.b64encode(s.encode("gbk" if cs == "GBK" else "utf-8"))
                            .decode())


def q_word(s):
    b = s.encode("utf-8")
    return "=?UTF-8?Q?%s?=" % "".join(
        chr(c) if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122) else
        "_" if c == 32 else "=%02X" % c for c in b)


def enc(s, r):
    """s as a header value: ASCII as is, else an encoded word of some kind."""
    if all(ord(c) < 128 for c in s):
        return s
    k = r.random()
    return b_word(s) if k < 0.6 else q_word(s) if k < 0.85 else b_word(s, "GBK")


def subject(r):
    if r.random() < 0.3:
        return "".join(r.sample(ZH, r.randint(2, 4))) + " " + str(r.randint(1, 99))
    return " ".join(r.sample(WORDS, r.randint(3, 7))).capitalize()


def body(r, zh):
    lines, size, want = [], 0, r.randint(1024, 3072)
    while size < want:
        if zh:
            line = "，".join(r.choice(ZH) for _ in range(r.randint(4, 9))) + "。"
        else:
            line = " ".join(r.choice(WORDS) for _ in range(r.randint(8, 12))) + "."
        lines.append(line)
        size += len(line.encode()) + 1
    return "\n".join(lines) + "\n"


def messages(n):
    """(date, flags, bytes) of message i, for i in 0..n-1."""
    r = random.Random(100)
    dates = sorted(T0 + r.randrange(SPAN) for _ in range(n))
    mids, refs, subjs = [], [], []
    for i in range(n):
        mid = "<g%s.%06d.%08x@%s>" % (GEN, i, r.getrandbits(32), DOMAIN)
        frm, to = r.choice(PEOPLE), r.choice(PEOPLE)
        h = []
        if i > 0 and r.random() < 0.3:
            # a reply to one of the last 300 messages: chains of any depth
            p = r.randrange(max(0, i - 300), i)
            ref = (refs[p] + [mids[p]])[-10:]
            subj = subjs[p] if subjs[p].startswith("Re: ") else "Re: " + subjs[p]
            h += ["In-Reply-To: " + mids[p], "References: " + " ".join(ref)]
        else:
            ref, subj = [], subject(r)
        mids.append(mid)
        refs.append(ref)
        subjs.append(subj)
        zh = any(ord(c) > 127 for c in subj) or r.random() < 0.2
        text = body(r, zh)
        d = dates[i]
        head = ["Return-Path: <%s@%s>" % (frm[1], DOMAIN),
                "From: %s <%s@%s>" % (enc(frm[0], r), frm[1], DOMAIN),
                "To: %s <%s@%s>" % (enc(to[0], r), to[1], DOMAIN),
                "Subject: " + enc(subj, r),
                "Date: " + email_date(d),
                "Message-ID: " + mid] + h + ["MIME-Version: 1.0"]
        if r.random() < 0.05:
            bnd = "b%08x" % r.getrandbits(32)
            att = base64.encodebytes(r.randbytes(r.randint(300, 1500))).decode()
            head.append('Content-Type: multipart/mixed; boundary="%s"' % bnd)
            msg = "\n".join(head) + "\n\n" + (
                "--%s\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
                "%s\n--%s\nContent-Type: application/octet-stream\n"
                "Content-Disposition: attachment; filename=\"data-%d.bin\"\n"
                "Content-Transfer-Encoding: base64\n\n%s\n--%s--\n"
                % (bnd, text, bnd, i, att, bnd))
        else:
            head += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
            msg = "\n".join(head) + "\n\n" + text
        k = r.random()
        flags = "FS" if k < 0.02 else "S" if k < 0.8 else ""
        yield d, flags, msg.encode()


def email_date(t):
    import email.utils
    return email.utils.formatdate(t, localtime=False)


def connect(env, user):
    ctx = ssl.create_default_context(cafile=env["CA_FILE"])
    m = imaplib.IMAP4_SSL(env["IMAP_HOST"], int(env["IMAPS_PORT"]), ssl_context=ctx)
    m.login(env[user.upper() + "_EMAIL"], env[user.upper() + "_PASSWORD"])
    return m


def count(m, folder):
    """Messages in folder and the first one's Message-ID (None if absent)."""
    typ, d = m.select('"%s"' % folder, readonly=True)
    if typ != "OK":
        return None, None
    n = int(d[0])
    if n == 0:
        return 0, None
    typ, d = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    got = re.search(rb"<[^>]+>", d[0][1]) if typ == "OK" and d and d[0] else None
    return n, got.group(0).decode() if got else None


def maildir_home(srv, user):
    """The user's Maildir from the Dovecot configuration under srv."""
    with open(os.path.join(srv, "dovecot", "dovecot.conf")) as f:
        conf = f.read()
    home = re.search(r"home=(\S+)", conf).group(1)
    loc = re.search(r"mail_location\s*=\s*maildir:(\S+)", conf).group(1)
    home = home.replace("%d", "example.test").replace("%n", user)
    return loc.replace("~", home)


def seed(env, srv, user, folder, n):
    m = connect(env, user)
    have, first = count(m, folder)
    if have == n and first and first.startswith("<g%s.000000." % GEN):
        m.logout()
        return False
    if have is not None:
        m.close()
        m.delete('"%s"' % folder)
    typ, d = m.create('"%s"' % folder)
    if typ != "OK":
        raise RuntimeError("CREATE %s: %s" % (folder, d))
    m.logout()
    box = os.path.join(maildir_home(srv, user), "." + folder)
    if not os.path.isdir(os.path.join(box, "cur")):
        raise RuntimeError("%s: no cur/ after CREATE" % box)
    mail = pwd.getpwnam("mail")
    for i, (d, flags, raw) in enumerate(messages(n)):
        name = "%d.M%dP%dQ%d.bench,S=%d,W=%d:2,%s" % (d, i, os.getpid(), i, len(raw),
                                                    len(raw) + raw.count(b"\n"), flags)
        tmp = os.path.join(box, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(raw)
        os.chown(tmp, mail.pw_uid, mail.pw_gid)
        os.rename(tmp, os.path.join(box, "cur", name))
    m = connect(env, user)
    have, first = count(m, folder)  # Dovecot indexes the files here
    m.logout()
    if have != n:
        raise RuntimeError("%s holds %s messages after seeding, not %d" % (folder, have, n))
    return True


if __name__ == "__main__":
    import sys
    for i, (d, f, raw) in enumerate(messages(int(sys.argv[1]) if len(sys.argv) > 1 else 5)):
        sys.stdout.write(raw.decode() + "\n-----\n")
