#!/usr/bin/python3 -B
"""seed_mail.py DIR - demo mail in alice's INBOX on the test servers of DIR.

bob and carol send alice a handful of messages through Dovecot's submission
port (implicit TLS, AUTH PLAIN, certificate checked against the test CA);
OpenSMTPD relays them to Dovecot's LMTP. The set covers what atrium must
render: plain English, a UTF-8 Chinese subject and body, a GBK-encoded
subject (RFC 2047 =?GBK?B?...?=) with a GBK body, a multipart mail with an
attachment, an HTML mail and a reply in the same thread. Waits until all of
them are in alice's INBOX. Called by tests/servers/seed, once per DIR.
"""

import base64
import imaplib
import smtplib
import sys
import time
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, localtime

import serverlib

def date(days_ago, hour):
    t = localtime().replace(hour=hour, minute=17, second=0, microsecond=0)
    return format_datetime(t - timedelta(days=days_ago))


def headers(msg, sender, subject, days_ago, hour, n):
    msg["From"] = sender
    msg["To"] = "Alice <alice@example.test>"
    msg["Subject"] = subject
    msg["Date"] = date(days_ago, hour)
    msg["Message-ID"] = f"<seed-{n}@example.test>"
    return msg


BOB = "Bob <bob@example.test>"
CAROL = "Carol <carol@example.test>"


def plain_english():
    m = headers(EmailMessage(), BOB, "Q3 planning meeting", 6, 9, 1)
    m.set_content("Hi Alice,\n\nCan we meet on Thursday to go through the Q3 plan?\n"
                  "I put a first draft on the team share.\n\nBob\n")
    return m


def chinese_utf8():
    m = headers(EmailMessage(), CAROL, "第三季度报告草稿", 5, 14, 2)
    m.set_content("Alice 你好，\n\n第三季度报告的草稿已经放在共享盘上了（reports/q3.md）。\n"
                  "请在周五之前看一下，特别是销售数据部分。\n\n谢谢！\nCarol\n")
    return m


def chinese_gbk():
    """Built by hand: the email package would re-encode the subject as UTF-8."""
    subject = "关于下周团建活动的通知"
    body = ("各位同事：\n\n下周五（10月17日）下午组织团建活动，地点在公司附近的公园。\n"
            "请大家在周三之前回复是否参加。\n\n行政部 Bob\n")
    encoded_subject = "=?GBK?B?" + base64.b64encode(subject.encode("gbk")).decode() + "?="
    raw = (f"From: {BOB}\r\nTo: Alice <alice@example.test>\r\n"
           f"Subject: {encoded_subject}\r\nDate: {date(4, 11)}\r\n"
           "Message-ID: <seed-3@example.test>\r\nMIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=GBK\r\nContent-Transfer-Encoding: base64\r\n\r\n")
    b64 = base64.encodebytes(body.replace("\n", "\r\n").encode("gbk")).decode().replace("\n", "\r\n")
    return (raw + b64).encode("ascii")


def with_attachment():
    m = headers(EmailMessage(), CAROL, "Budget figures 2026 / 预算数据", 3, 16, 4)
    m.set_content("Alice,\n\nattached are the raw budget figures as CSV;\n"
                  "the spreadsheet is on the share under budget/2026.xlsx.\n\nCarol\n")
    csv = "item,q1,q2,q3,q4\nSalaries,12000,12000,12500,12500\nTravel,800,1200,950,600\n办公用品,150,90,120,200\n"
    m.add_attachment(csv.encode("utf-8"), maintype="text", subtype="csv",
                     filename="budget-2026.csv", params={"charset": "utf-8"})
    return m


def html():
    m = headers(EmailMessage(), BOB, "Team offsite: agenda", 2, 10, 5)
    m.set_content("Team offsite agenda\n\n09:00 Welcome\n10:00 Q3 review\n12:00 Lunch 午餐\n\n"
                  "Details: https://example.test/offsite\n")
    m.add_alternative("""<html><body>
<h1>Team offsite agenda</h1>
<table border="1">
<tr><th>Time</th><th>Topic</th></tr>
<tr><td>09:00</td><td>Welcome</td></tr>
<tr><td>10:00</td><td><b>Q3 review</b></td></tr>
<tr><td>12:00</td><td>Lunch 午餐</td></tr>
</table>
<p>Details: <a href="https://example.test/offsite">example.test/offsite</a></p>
</body></html>
""", subtype="html")
    return m


def reply():
    m = headers(EmailMessage(), CAROL, "Re: Q3 planning meeting", 1, 8, 6)
    m["In-Reply-To"] = "<seed-1@example.test>"
    m["References"] = "<seed-1@example.test>"
    m.set_content("Thursday works for me too. 周四见！\n\nCarol\n\n"
                  "Bob wrote:\n> Can we meet on Thursday to go through the Q3 plan?\n")
    return m


MESSAGES = [  # (sender user, message)
    ("bob", plain_english()), ("carol", chinese_utf8()), ("bob", chinese_gbk()),
    ("carol", with_attachment()), ("bob", html()), ("carol", reply()),
]


def main(state_dir):
    env = serverlib.load_env(state_dir)
    ctx = serverlib.tls_context(env)
    host, port = env["IMAP_HOST"], int(env["SUBMISSIONS_PORT"])
    for sender, msg in MESSAGES:
        raw = msg if isinstance(msg, bytes) else msg.as_bytes()
        with smtplib.SMTP_SSL(host, port, context=ctx, timeout=15) as smtp:
            smtp.login(env[sender.upper() + "_EMAIL"], serverlib.user_password(env, sender))
            smtp.sendmail(env[sender.upper() + "_EMAIL"], [env["ALICE_EMAIL"]], raw)

    # Delivery (submission -> OpenSMTPD -> LMTP) is asynchronous: wait for it.
    wanted = len(MESSAGES)
    deadline = time.time() + 20
    with imaplib.IMAP4_SSL(host, int(env["IMAPS_PORT"]), ssl_context=ctx, timeout=15) as imap:
        imap.login(env["ALICE_EMAIL"], env["ALICE_PASSWORD"])
        while True:
            imap.select("INBOX", readonly=True)
            _, data = imap.search(None, "HEADER", "Message-ID", "seed-")
            found = len(data[0].split())
            if found >= wanted:
                break
            if time.time() > deadline:
                sys.exit(f"seed_mail: only {found} of {wanted} mails arrived in alice's INBOX "
                         f"within 20 s; see {state_dir}/log/smtpd.log and dovecot.log")
            time.sleep(0.2)
    print(f"mail: {wanted} messages delivered to alice's INBOX")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[0])
    try:
        main(sys.argv[1])
    except (OSError, smtplib.SMTPException, imaplib.IMAP4.error) as e:
        sys.exit(f"seed_mail: {e}")
