#!/usr/bin/python3 -B
"""chat_peer.py - a second, scriptable XMPP client for atrium's chat tests.

Usage: tests/integration/chat_peer.py DIR USER [--timeout S] SUBCOMMAND ...

DIR is the test servers' state dir (tests/servers/up DIR), USER one of
alice, bob, carol. Each run logs in to the loopback Prosody over STARTTLS
(certificate checked against DIR/ca/ca.pem), does one job, waits for the
server to acknowledge it, and logs out. Exit 0 on success; on failure or
timeout (default 15 s for the whole job) exit non-zero with one line on
stderr. A JID without '@' gets the XMPP domain, or the MUC domain where a
room is meant (--type groupchat, --room, create-room). Only listen, online and approve send presence, so the
other subcommands neither take USER's offline messages nor show USER online.

  send TO TEXT [--id ID] [--type chat|groupchat] [--nick N] [--wait-receipt]
      One message (TEXT '-': read stdin), with an origin-id (XEP-0359) equal
      to its id and a receipt request (XEP-0184); prints the id. groupchat:
      joins TO as N (default USER) and waits for the room's echo; chat: an
      IQ ping answered after it means the server routed it. --wait-receipt:
      then also wait for the recipient's receipt (it comes to this session;
      once this session is gone, Prosody hands it to another of USER's).
  flood TO N [--prefix P] [--type ...] [--nick N]
      N messages "P 1" .. "P N" (default prefix "flood") written in batches,
      then a ping (chat) or the echo of the last one (groupchat); the time
      taken on stderr. The loopback Prosody takes ~4.5 ms a message, so give
      10000 a --timeout of 120. Mind its per-user archive cap (10000 items,
      storage_archive_item_limit): near it, every message costs a rewrite of
      the archive file; flood a fresh room (create-room) rather than a user.
  listen [--count N] [--from JID] [--contains X] [--room ROOM [--nick N]]
         [--receipts] [--xml]
      One JSON line per incoming message with a body (or a retraction):
      {"from","type","id","origin_id","stanza_id","body","replace","retract"}
      until N (default 1) matched, exit 1 on timeout. Answers receipt
      requests. --receipts: also one line per receipt {"from","type","id",
      "receipt"} and chat marker {"from","type","id","displayed"}; these count
      too (--contains then matches the acknowledged id). --from matches a
      bare or full JID. "READY" on stderr once online (and in the room).
      Also "delay": the stamp of a message stored while USER was offline
      (these come at login), and with --xml "xml": the stanza as received.
      With --room only that room's messages count.
  correct TO ORIG_ID TEXT [--type ...] [--nick N]   XEP-0308 correction
  retract TO ORIG_ID [--type ...] [--nick N]
      XEP-0424 retraction, old (fasten, retract:0) and new (retract:1) form
      in one message, with a fallback body.
  raw XML
      Writes XML to the stream as is, then pings: fails if the server
      closed the stream over it.
  archive JID_OR_ROOM [--count]
      USER's MAM archive with JID, or the room's archive (JID on the MUC
      domain), all pages (Prosody gives at most 50 a page), oldest first:
      JSON lines {"stanza_id","from","body","origin_id","replace","retract"}
      (entries without a body are skipped). --count: the server's count of
      all entries (RSM <count/>, one query): paging takes ~2 s a page once
      an archive holds 10000 (Prosody's file storage reads it all per page).
  subscribe JID          presence subscription request to JID
  approve JID            wait for JID's request, accept it, subscribe back
  roster                 JSON lines {"jid","name","subscription","ask"}
  online [--show away|dnd|xa|chat] [--status TEXT] [--seconds S] [--accept]
      Stays online (default until SIGTERM/SIGINT); READY on stderr; --accept
      accepts subscription requests (and subscribes back).
  create-room ROOM [--nick N] [--members a,b]
      Creates and configures (persistent, public, archived, unlocked) ROOM,
      members affiliated; an existing room of USER's is configured again.

CHAT_PEER_DEBUG=1 in the environment: progress of flood and archive on stderr.

Examples (servers in /tmp/atrium-test-servers):
  P=tests/integration/chat_peer.py; D=/tmp/atrium-test-servers
  $P $D alice listen --count 2 > got.json &   # wait for READY on stderr
  $P $D bob send alice "hello"; $P $D bob archive alice --count
  $P $D alice create-room bench --members bob
  $P $D bob flood bench 10000 --type groupchat --timeout 120
  $P $D bob archive bench@conference.example.test --count
"""

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "servers"))
import serverlib  # noqa: E402
import seed_chat  # noqa: E402  (join: MUC join that waits for our own presence)

NS_CLIENT = "jabber:client"
NS_SID = "urn:xmpp:sid:0"
NS_RECEIPTS = "urn:xmpp:receipts"
NS_MARKERS = "urn:xmpp:chat-markers:0"
NS_CORRECT = "urn:xmpp:message-correct:0"
NS_FASTEN = "urn:xmpp:fasten:0"
NS_RETRACT0 = "urn:xmpp:message-retract:0"
NS_RETRACT1 = "urn:xmpp:message-retract:1"
NS_FALLBACK = "urn:xmpp:fallback:0"
NS_HINTS = "urn:xmpp:hints"
NS_MAM = "urn:xmpp:mam:2"
NS_RSM = "http://jabber.org/protocol/rsm"
NS_FORWARD = "urn:xmpp:forward:0"
NS_DATA = "jabber:x:data"
NS_PING = "urn:xmpp:ping"
RETRACT_FALLBACK = "This person attempted to retract a previous message"
FLOOD_BATCH = 500       # messages per transport write in flood
MAM_PAGE = 1000         # asked per MAM page; the server may return fewer


class Failure(Exception):
    """A job failed; the message is the one line printed on stderr."""


def q(tag, ns):
    return f"{{{ns}}}{tag}"


def out(obj):
    """One JSON line on stdout, flushed: tests read it while we run."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def bare(jid):
    return jid.split("/", 1)[0]


class Peer:
    """One logged-in slixmpp session plus what the subcommands share."""

    def __init__(self, env, user):
        self.env = env
        self.user = user
        self.domain = env["XMPP_DOMAIN"]
        self.muc_domain = env["MUC_DOMAIN"]
        self.client = None
        self.lost = None            # future: set when the stream ends
        self.stream_error = ""
        self.errors = {}            # id -> condition of bounced messages
        self.message_hooks = []     # callables(ET.Element) for every <message>

    def jid(self, name, room=False):
        if "@" in name:
            return name
        return f"{name}@{self.muc_domain if room else self.domain}"

    async def connect(self, timeout):
        """Log in (STARTTLS, CA-checked) without sending presence."""
        # slixmpp logs failures we report ourselves, in one line
        logging.getLogger("slixmpp").setLevel(logging.CRITICAL)
        import slixmpp
        from slixmpp.xmlstream.handler import Callback
        from slixmpp.xmlstream.matcher import MatchXPath

        # A resource of our own: a second session of USER (atrium, another
        # peer) must not be replaced by this one.
        resource = f"peer-{os.getpid()}"
        c = slixmpp.ClientXMPP(f"{self.user}@{self.domain}/{resource}",
                               serverlib.user_password(self.env, self.user))
        c.ca_certs = Path(self.env["CA_FILE"])
        for plugin in ("xep_0030", "xep_0004", "xep_0045"):
            c.register_plugin(plugin)
        c.auto_authorize = None     # subscriptions are ours to answer
        c.auto_subscribe = False
        self.client = c
        loop = asyncio.get_running_loop()
        self.lost = loop.create_future()
        started = loop.create_future()

        def fail(why):
            for f in (started, self.lost):
                if not f.done():
                    f.set_exception(Failure(why))
                    # read by wait() if anyone waits; no "never retrieved" noise
                    f.add_done_callback(lambda f: f.cancelled() or f.exception())

        def on_stream_error(err):
            self.stream_error = f"{err['condition']} {err['text']}".strip()

        def on_disconnected(_):
            why = "server closed the stream"
            fail(f"{why}: {self.stream_error}" if self.stream_error else why)

        c.add_event_handler("session_start", lambda _: started.done() or started.set_result(True))
        c.add_event_handler("failed_all_auth", lambda _: fail(f"{self.user}: authentication failed"))
        c.add_event_handler("connection_failed", lambda e: fail(f"connection failed: {e}"))
        c.add_event_handler("ssl_invalid_chain", lambda e: fail(f"TLS certificate not trusted: {e}"))
        c.add_event_handler("stream_error", on_stream_error)
        c.add_event_handler("disconnected", on_disconnected)
        c.register_handler(Callback("chat_peer messages", MatchXPath(f"{{{NS_CLIENT}}}message"),
                                    self._on_message))
        c.connect(address=(self.env["XMPP_HOST"], int(self.env["XMPP_PORT"])),
                  force_starttls=True)
        try:
            await asyncio.wait_for(started, timeout)
        except asyncio.TimeoutError:
            raise Failure(f"{self.user}: no session within {timeout} s") from None

    def _on_message(self, stanza):
        xml = stanza.xml
        if xml.get("type") == "error":
            err = xml.find(q("error", NS_CLIENT))
            cond = "error"
            if err is not None and len(err):
                cond = err[0].tag.split("}")[-1]
            self.errors[xml.get("id")] = cond
        for hook in list(self.message_hooks):
            hook(xml)

    async def wait(self, fut, what):
        """Await FUT; fail at once if the stream ends meanwhile."""
        fut = asyncio.ensure_future(fut)
        try:
            done, _ = await asyncio.wait([fut, self.lost], return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not fut.done():
                fut.cancel()
        if fut in done:
            return fut.result()
        self.lost.result()          # raises the Failure naming why
        raise Failure(f"stream ended while waiting for {what}")

    async def iq(self, iq, what):
        from slixmpp.exceptions import IqError, IqTimeout
        try:
            return await self.wait(asyncio.ensure_future(iq.send()), what)
        except IqError as e:
            raise Failure(f"{what}: {e.iq['error']['condition']} {e.iq['error']['text']}".strip()) from None
        except IqTimeout:
            raise Failure(f"{what}: no answer") from None

    async def ping(self):
        """An IQ ping to our server: once answered, what we sent before is processed."""
        iq = self.client.make_iq_get(ito=self.domain)
        iq.append(ET.Element(q("ping", NS_PING)))
        await self.iq(iq, "ping")

    def check_bounces(self, ids):
        for i in ids:
            if i in self.errors:
                raise Failure(f"message {i} bounced: {self.errors[i]}")

    async def join(self, room, nick):
        """Join ROOM as NICK (no history); return our own presence."""
        fut = asyncio.ensure_future(seed_chat.join(self.client, room, nick, timeout=3600))
        try:
            return await self.wait(fut, f"joining {room}")
        except RuntimeError as e:
            raise Failure(str(e)) from None

    def echo_waiter(self, room, msg_id):
        """A future set when ROOM reflects our groupchat message MSG_ID."""
        peer = self
        fut = asyncio.get_running_loop().create_future()

        def hook(xml):
            if fut.done() or xml.get("id") != msg_id or bare(xml.get("from", "")) != room:
                return
            if xml.get("type") == "groupchat":
                fut.set_result(xml)
            elif xml.get("type") == "error":
                fut.set_exception(Failure(f"{room} refused message {msg_id}: {peer.errors.get(msg_id)}"))
        self.message_hooks.append(hook)
        return fut

    async def disconnect(self):
        if self.client is not None and not self.lost.done():
            self.lost.cancel()      # our own logout is no failure
            await serverlib.xmpp_disconnect(self.client)


def message_xml(to, mtype, msg_id, body=None, children=(), receipt=False):
    """Serialise one <message>: origin-id = id, optional receipt request."""
    parts = [f"<message xmlns='{NS_CLIENT}' to={quoteattr(to)} type={quoteattr(mtype)}"
             f" id={quoteattr(msg_id)}>"]
    if body is not None:
        parts.append(f"<body>{escape(body)}</body>")
    parts.extend(children)
    parts.append(f"<origin-id xmlns='{NS_SID}' id={quoteattr(msg_id)}/>")
    if receipt:
        parts.append(f"<request xmlns='{NS_RECEIPTS}'/>")
    parts.append("</message>")
    return "".join(parts)


async def deliver(peer, to, mtype, nick, stanzas):
    """Send [(id, xml)] to TO and wait until the server has them all.

    groupchat: join first, then wait for the echo of the last one; chat: a
    ping answered after them, and none of them bounced."""
    c = peer.client
    if mtype == "groupchat":
        await peer.join(to, nick)
        echo = peer.echo_waiter(to, stanzas[-1][0])
    for i in range(0, len(stanzas), FLOOD_BATCH):
        c.send_raw("".join(x for _, x in stanzas[i:i + FLOOD_BATCH]))
        await asyncio.sleep(0)      # let the transport drain and replies in
    if os.environ.get("CHAT_PEER_DEBUG"):
        print(f"written {len(stanzas)} at {time.monotonic():.2f}", file=sys.stderr)
    if mtype == "groupchat":
        await peer.wait(echo, f"the room's echo of {stanzas[-1][0]}")
    await peer.ping()
    peer.check_bounces(i for i, _ in stanzas)


def read_text(text):
    return sys.stdin.read() if text == "-" else text


def receipt_waiter(peer, msg_id):
    """A future set when a XEP-0184 receipt for MSG_ID comes back."""
    fut = asyncio.get_running_loop().create_future()

    def hook(xml):
        rec = xml.find(q("received", NS_RECEIPTS))
        if rec is not None and rec.get("id") == msg_id and not fut.done():
            fut.set_result(xml.get("from"))
    peer.message_hooks.append(hook)
    return fut


async def cmd_send(peer, a):
    to = peer.jid(a.to, a.type == "groupchat")
    msg_id = a.id or peer.client.new_id()
    receipt = receipt_waiter(peer, msg_id)
    await deliver(peer, to, a.type, a.nick or peer.user,
                  [(msg_id, message_xml(to, a.type, msg_id, read_text(a.text), receipt=True))])
    print(msg_id, flush=True)
    if a.wait_receipt:
        print(f"receipt from {await peer.wait(receipt, f'the receipt for {msg_id}')}",
              file=sys.stderr)


async def cmd_flood(peer, a):
    to = peer.jid(a.to, a.type == "groupchat")
    run = f"{os.getpid()}-{int(time.time())}"
    stanzas = []
    for n in range(1, a.n + 1):
        msg_id = f"flood-{run}-{n}"
        stanzas.append((msg_id, message_xml(to, a.type, msg_id, f"{a.prefix} {n}")))
    t0 = time.monotonic()
    await deliver(peer, to, a.type, a.nick or peer.user, stanzas)
    print(f"{a.n} messages in {time.monotonic() - t0:.2f} s", file=sys.stderr)


async def cmd_correct(peer, a):
    to = peer.jid(a.to, a.type == "groupchat")
    msg_id = peer.client.new_id()
    replace = f"<replace xmlns='{NS_CORRECT}' id={quoteattr(a.orig_id)}/>"
    await deliver(peer, to, a.type, a.nick or peer.user,
                  [(msg_id, message_xml(to, a.type, msg_id, read_text(a.text), [replace], receipt=True))])
    print(msg_id)


async def cmd_retract(peer, a):
    to = peer.jid(a.to, a.type == "groupchat")
    msg_id = peer.client.new_id()
    orig = quoteattr(a.orig_id)
    children = [
        f"<apply-to xmlns='{NS_FASTEN}' id={orig}><retract xmlns='{NS_RETRACT0}'/></apply-to>",
        f"<retract xmlns='{NS_RETRACT1}' id={orig}/>",
        f"<fallback xmlns='{NS_FALLBACK}' for='{NS_RETRACT1}'/>",
        f"<store xmlns='{NS_HINTS}'/>",
    ]
    await deliver(peer, to, a.type, a.nick or peer.user,
                  [(msg_id, message_xml(to, a.type, msg_id, RETRACT_FALLBACK, children))])
    print(msg_id)


async def cmd_raw(peer, a):
    peer.client.send_raw(a.xml)
    await peer.ping()


def describe(xml, archive_jid):
    """The JSON fields of one message element (live or from the archive)."""
    body = xml.findtext(q("body", NS_CLIENT))
    origin = xml.find(q("origin-id", NS_SID))
    stanza_id = None
    for sid in xml.findall(q("stanza-id", NS_SID)):
        if sid.get("by") == archive_jid or stanza_id is None:
            stanza_id = sid.get("id")
    replace = xml.find(q("replace", NS_CORRECT))
    retract = xml.find(q("retract", NS_RETRACT1))
    retract_id = retract.get("id") if retract is not None else None
    if retract_id is None:
        apply_to = xml.find(q("apply-to", NS_FASTEN))
        if apply_to is not None and apply_to.find(q("retract", NS_RETRACT0)) is not None:
            retract_id = apply_to.get("id")
    return {
        "from": xml.get("from"),
        "type": xml.get("type", "normal"),
        "id": xml.get("id"),
        "origin_id": origin.get("id") if origin is not None else None,
        "stanza_id": stanza_id,
        "body": body,
        "replace": replace.get("id") if replace is not None else None,
        "retract": retract_id,
    }


def answer_receipt(client, xml):
    """XEP-0184: acknowledge a request (never in a room, never to errors)."""
    msg_id = xml.get("id")
    if (xml.find(q("request", NS_RECEIPTS)) is None or not msg_id
            or xml.get("type") in ("groupchat", "error")):
        return
    mtype = "chat" if xml.get("type") == "chat" else "normal"
    client.send_raw(f"<message xmlns='{NS_CLIENT}' to={quoteattr(xml.get('from', ''))}"
                    f" type='{mtype}' id={quoteattr(client.new_id())}>"
                    f"<received xmlns='{NS_RECEIPTS}' id={quoteattr(msg_id)}/></message>")


async def cmd_listen(peer, a):
    from slixmpp.xmlstream import tostring
    c = peer.client
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    seen = [0]
    room = peer.jid(a.room, room=True) if a.room else None
    own = c.boundjid.bare

    def matches(event, text):
        frm = event["from"] or ""
        if a.from_ and a.from_ not in (frm, bare(frm)):
            return False
        return a.contains is None or (text is not None and a.contains in text)

    def emit(event, text):
        if done.done() or not matches(event, text):
            return
        out(event)
        seen[0] += 1
        if seen[0] >= a.count and not done.done():
            done.set_result(True)

    def hook(xml):
        if xml.find(q("result", NS_MAM)) is not None or xml.get("type") == "error":
            return
        answer_receipt(c, xml)
        if room is not None and bare(xml.get("from", "")) != room:
            return                  # --room: that room's messages only
        if xml.get("type") == "groupchat" and room is None:
            return
        delay = xml.find(q("delay", "urn:xmpp:delay"))
        if delay is not None and xml.get("type") == "groupchat":
            return                  # room history, not live
        ev = describe(xml, room if xml.get("type") == "groupchat" else own)
        # stored while USER was offline (Prosody's mod_offline): its stamp
        ev["delay"] = delay.get("stamp") if delay is not None else None
        if a.xml:
            ev["xml"] = tostring(xml)
        if ev["body"] is not None or ev["retract"] is not None:
            emit(ev, ev["body"])
        if a.receipts:
            base = {"from": xml.get("from"), "type": xml.get("type", "normal"), "id": xml.get("id")}
            rec = xml.find(q("received", NS_RECEIPTS))
            if rec is not None:
                emit(dict(base, receipt=rec.get("id")), rec.get("id"))
            mark = xml.find(q("displayed", NS_MARKERS))
            if mark is not None:
                emit(dict(base, displayed=mark.get("id")), mark.get("id"))

    peer.message_hooks.append(hook)
    c.send_presence()
    if room:
        await peer.join(room, a.nick or peer.user)
    await peer.ping()               # presence processed: we are reachable
    print("READY", file=sys.stderr, flush=True)
    try:
        await peer.wait(done, "messages")
    except asyncio.CancelledError:
        raise Failure(f"timed out: {seen[0]} of {a.count} messages") from None


async def cmd_archive(peer, a):
    c = peer.client
    target = peer.jid(a.jid)
    is_room = bare(target).split("@")[-1] == peer.muc_domain
    records = []
    after = None
    pages = 0
    while True:
        queryid = c.new_id()
        page = []

        def hook(xml, queryid=queryid, page=page):
            res = xml.find(q("result", NS_MAM))
            if res is None or res.get("queryid") != queryid:
                return
            fwd = res.find(q("forwarded", NS_FORWARD))
            m = fwd.find(q("message", NS_CLIENT)) if fwd is not None else None
            if m is not None:
                page.append((res.get("id"), m))

        peer.message_hooks.append(hook)
        iq = c.make_iq_set(ito=bare(target) if is_room else None)
        query = ET.Element(q("query", NS_MAM), {"queryid": queryid})
        if not is_room:
            form = ET.SubElement(query, q("x", NS_DATA), {"type": "submit"})
            for var, val in (("FORM_TYPE", NS_MAM), ("with", bare(target))):
                field = ET.SubElement(form, q("field", NS_DATA), {"var": var})
                if var == "FORM_TYPE":
                    field.set("type", "hidden")
                ET.SubElement(field, q("value", NS_DATA)).text = val
        rsm = ET.SubElement(query, q("set", NS_RSM))
        ET.SubElement(rsm, q("max", NS_RSM)).text = "0" if a.count else str(MAM_PAGE)
        if after is not None:
            ET.SubElement(rsm, q("after", NS_RSM)).text = after
        iq.append(query)
        result = await peer.iq(iq, f"MAM query of {target}")
        peer.message_hooks.remove(hook)
        pages += 1
        fin = result.xml.find(q("fin", NS_MAM))
        if fin is None:
            raise Failure("MAM answer without <fin/>")
        if os.environ.get("CHAT_PEER_DEBUG"):
            print(f"page {pages}: {len(page)} at {time.monotonic():.2f}", file=sys.stderr)
        if a.count:
            # max 0: the server counts (paging through a big archive on
            # Prosody's file storage takes minutes: it reads the whole
            # archive for every page)
            total = fin.findtext(f"{q('set', NS_RSM)}/{q('count', NS_RSM)}")
            if total is None:
                raise Failure("the server gave no <count/> for the archive")
            print(total)
            return
        archive_jid = bare(target) if is_room else c.boundjid.bare
        for sid, m in page:
            ev = describe(m, archive_jid)
            if ev["body"] is None:
                continue
            records.append({"stanza_id": sid, "from": ev["from"], "body": ev["body"],
                            "origin_id": ev["origin_id"], "replace": ev["replace"],
                            "retract": ev["retract"]})
        last = fin.findtext(f"{q('set', NS_RSM)}/{q('last', NS_RSM)}")
        if fin.get("complete") in ("true", "1") or not page or not last:
            break
        after = last
        await asyncio.sleep(0)
    if os.environ.get("CHAT_PEER_DEBUG"):
        print(f"{len(records)} records in {pages} pages", file=sys.stderr)
    if a.count:
        print(len(records))
    else:
        for r in records:
            out(r)


def send_presence_type(client, to, ptype):
    client.send_raw(f"<presence xmlns='{NS_CLIENT}' to={quoteattr(to)} type='{ptype}'/>")


def accept(client, jid):
    send_presence_type(client, jid, "subscribed")
    send_presence_type(client, jid, "subscribe")


def subscription_waiter(peer, on_request):
    """Call ON_REQUEST(bare jid) for each incoming subscription request."""
    from slixmpp.xmlstream.handler import Callback
    from slixmpp.xmlstream.matcher import MatchXPath

    def handler(pres):
        if pres.xml.get("type") == "subscribe":
            on_request(bare(pres.xml.get("from", "")))
    peer.client.register_handler(Callback("chat_peer subscribe",
                                          MatchXPath(f"{{{NS_CLIENT}}}presence"), handler))


async def cmd_subscribe(peer, a):
    send_presence_type(peer.client, peer.jid(a.jid), "subscribe")
    await peer.ping()


async def cmd_approve(peer, a):
    want = peer.jid(a.jid)
    fut = asyncio.get_running_loop().create_future()
    subscription_waiter(peer, lambda j: j == want and not fut.done() and fut.set_result(j))
    # Prosody hands pending requests over on initial presence
    peer.client.send_presence()
    await peer.wait(fut, f"a subscription request from {want}")
    accept(peer.client, want)
    await peer.ping()


async def cmd_roster(peer, a):
    iq = peer.client.make_iq_get()
    iq.append(ET.Element(q("query", "jabber:iq:roster")))
    result = await peer.iq(iq, "roster")
    for item in result.xml.iter(q("item", "jabber:iq:roster")):
        out({"jid": item.get("jid"), "name": item.get("name"),
             "subscription": item.get("subscription", "none"), "ask": item.get("ask")})


async def cmd_online(peer, a):
    c = peer.client
    peer.message_hooks.append(lambda xml: answer_receipt(c, xml))
    if a.accept:
        subscription_waiter(peer, lambda j: accept(c, j))
    kw = {}
    if a.show:
        kw["pshow"] = a.show
    if a.status:
        kw["pstatus"] = a.status
    c.send_presence(**kw)
    await peer.ping()
    print("READY", file=sys.stderr, flush=True)
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, lambda: stop.done() or stop.set_result(True))
    if a.seconds is not None:
        asyncio.get_running_loop().call_later(a.seconds, lambda: stop.done() or stop.set_result(True))
    await peer.wait(stop, "the end")


ROOM_CONFIG = dict(seed_chat.ROOM_CONFIG)


async def cmd_create_room(peer, a):
    c = peer.client
    room = peer.jid(a.room, room=True)
    pres = await peer.join(room, a.nick or peer.user)
    codes = {int(code) for code in pres["muc"]["status_codes"]}
    affiliation = pres["muc"]["affiliation"]
    if 201 not in codes and affiliation != "owner":
        print(f"{room} exists, {peer.user} is {affiliation}: left as it is", file=sys.stderr)
        return
    muc = c.plugin["xep_0045"]
    config = dict(ROOM_CONFIG, **{"muc#roomconfig_roomname": room.split("@")[0],
                                  "muc#roomconfig_roomdesc": f"{room.split('@')[0]} (chat_peer)"})
    form = await peer.wait(asyncio.ensure_future(muc.get_room_config(room)), "the room's form")
    submit = c.plugin["xep_0004"].make_form(ftype="submit")
    fields = form.get_fields()
    missing = set(config) - set(fields)
    if missing:
        raise Failure(f"{room}: server's config form lacks {sorted(missing)}")
    for var, field in fields.items():
        if var == "FORM_TYPE" or var in config:
            submit.add_field(var=var, ftype=field["type"], value=config.get(var, field["value"]))
    await peer.wait(asyncio.ensure_future(muc.set_room_config(room, submit)), "configuring the room")
    for m in filter(None, (a.members or "").split(",")):
        await peer.wait(asyncio.ensure_future(
            muc.set_affiliation(room, "member", jid=peer.jid(m.strip()))), f"making {m} a member")
    print(room)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="chat_peer.py", description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dir")
    p.add_argument("user", choices=("alice", "bob", "carol"))
    p.add_argument("--timeout", type=float, default=15.0)
    sub = p.add_subparsers(dest="cmd", required=True)

    def typed(sp):
        sp.add_argument("--type", choices=("chat", "groupchat"), default="chat")
        sp.add_argument("--nick")
        sp.add_argument("--timeout", type=float, default=argparse.SUPPRESS)
        return sp

    s = typed(sub.add_parser("send"))
    s.add_argument("to")
    s.add_argument("text")
    s.add_argument("--id")
    s.add_argument("--wait-receipt", action="store_true")
    s = typed(sub.add_parser("flood"))
    s.add_argument("to")
    s.add_argument("n", type=int)
    s.add_argument("--prefix", default="flood")
    s = typed(sub.add_parser("correct"))
    s.add_argument("to")
    s.add_argument("orig_id")
    s.add_argument("text")
    s = typed(sub.add_parser("retract"))
    s.add_argument("to")
    s.add_argument("orig_id")
    s = sub.add_parser("listen")
    s.add_argument("--count", type=int, default=1)
    s.add_argument("--from", dest="from_")
    s.add_argument("--contains")
    s.add_argument("--room")
    s.add_argument("--nick")
    s.add_argument("--receipts", action="store_true")
    s.add_argument("--xml", action="store_true")
    s = sub.add_parser("raw")
    s.add_argument("xml")
    s = sub.add_parser("archive")
    s.add_argument("jid")
    s.add_argument("--count", action="store_true")
    for name in ("subscribe", "approve"):
        sub.add_parser(name).add_argument("jid")
    sub.add_parser("roster")
    s = sub.add_parser("online")
    s.add_argument("--show", choices=("away", "dnd", "xa", "chat"))
    s.add_argument("--status")
    s.add_argument("--seconds", type=float)
    s.add_argument("--accept", action="store_true")
    s = sub.add_parser("create-room")
    s.add_argument("room")
    s.add_argument("--nick")
    s.add_argument("--members")
    for sp in sub.choices.values():
        if "--timeout" not in sp._option_string_actions:
            sp.add_argument("--timeout", type=float, default=argparse.SUPPRESS)
    return p.parse_args(argv)


COMMANDS = {
    "send": cmd_send, "flood": cmd_flood, "correct": cmd_correct, "retract": cmd_retract,
    "listen": cmd_listen, "raw": cmd_raw, "archive": cmd_archive, "subscribe": cmd_subscribe,
    "approve": cmd_approve, "roster": cmd_roster, "online": cmd_online,
    "create-room": cmd_create_room,
}


async def run(a):
    env = serverlib.load_env(a.dir)
    peer = Peer(env, a.user)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + a.timeout
    try:
        await peer.connect(a.timeout)
        job = COMMANDS[a.cmd](peer, a)
        if a.cmd == "online":
            await job               # runs for --seconds or until killed
        else:
            try:
                await asyncio.wait_for(job, max(0.1, deadline - loop.time()))
            except asyncio.TimeoutError:
                raise Failure(f"{a.cmd}: timed out after {a.timeout:g} s") from None
    finally:
        await peer.disconnect()


def main():
    a = parse_args(sys.argv[1:])
    try:
        asyncio.run(run(a))
    except BrokenPipeError:     # the reader (head, a test) had enough
        sys.stderr.close()
        os._exit(0)
    except Failure as e:
        sys.exit(f"chat_peer {a.user} {a.cmd}: {e}")
    except KeyboardInterrupt:
        sys.exit(f"chat_peer {a.user} {a.cmd}: interrupted")


if __name__ == "__main__":
    main()
