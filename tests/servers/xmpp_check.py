#!/usr/bin/python3 -B
"""xmpp_check.py DIR [--seeded] - check the test Prosody of DIR end to end.

Prints one line per check, "PASS name" or "FAIL name: reason", and exits
non-zero if any failed; tests/integration/servers.sh turns them into TAP.
Checks: login over STARTTLS and over direct TLS (certificate verified against
the test CA), a wrong password is refused, the stream offers stream
management and CSI, the server offers carbons and MAM, a message from alice
reaches bob, a XEP-0363 upload round trip over HTTPS, and a new MUC room with
archiving keeps a message in its MAM archive. With --seeded it also checks the
demo room team@conference.example.test made by seed_chat.py.
"""

import asyncio
import ssl
import sys
import urllib.request
import xml.etree.ElementTree as ET

import serverlib

results = []


def report(name, ok, why=""):
    results.append(ok)
    print(f"PASS {name}" if ok else f"FAIL {name}: {why}", flush=True)


async def check(name, coro):
    """Run one check; a failure is reported, never raised."""
    try:
        await coro
        report(name, True)
    except Exception as e:  # noqa: BLE001 - any failure fails the check
        report(name, False, f"{type(e).__name__}: {e}")


def stream_feature_recorder(client):
    """Remember the namespaces of the stream features the server offers."""
    from slixmpp.xmlstream.handler import Callback
    from slixmpp.xmlstream.matcher import MatchXPath

    seen = set()
    client.register_handler(Callback(
        "record features", MatchXPath("{http://etherx.jabber.org/streams}features"),
        lambda f: seen.update(child.tag.split("}")[0][1:] for child in f.xml)))
    return seen


async def message_delivery(alice, bob):
    got = asyncio.get_running_loop().create_future()
    text = "ping from alice · 你好"
    bob.add_event_handler("message", lambda m: got.done() or m["body"] != text or got.set_result(m))
    alice.send_message(mto=bob.boundjid.full, mbody=text, mtype="chat")
    await asyncio.wait_for(got, 10)


async def upload_round_trip(alice, env):
    ns = "urn:xmpp:http:upload:0"
    data = "uploaded by xmpp_check 上传测试\n".encode()
    iq = alice.make_iq_get(ito=env["UPLOAD_DOMAIN"])
    iq.append(ET.Element(f"{{{ns}}}request", {"filename": "check.txt", "size": str(len(data)),
                                               "content-type": "text/plain"}))
    slot = (await iq.send(timeout=10)).xml.find(f"{{{ns}}}slot")
    if slot is None:
        raise RuntimeError("no upload slot in the reply")
    put = slot.find(f"{{{ns}}}put")
    headers = {h.get("name"): h.text for h in put.findall(f"{{{ns}}}header")}
    headers["Content-Type"] = "text/plain"
    get_url = slot.find(f"{{{ns}}}get").get("url")
    if not get_url.startswith(env["UPLOAD_URL"]):
        raise RuntimeError(f"slot URL {get_url} is not under UPLOAD_URL {env['UPLOAD_URL']}")
    ctx = serverlib.tls_context(env)
    loop = asyncio.get_running_loop()

    def http():
        req = urllib.request.Request(put.get("url"), data=data, headers=headers, method="PUT")
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            if r.status not in (200, 201):
                raise RuntimeError(f"PUT gave HTTP {r.status}")
        with urllib.request.urlopen(get_url, context=ctx, timeout=10) as r:
            if r.read() != data:
                raise RuntimeError("GET returned other bytes than were PUT")
    await loop.run_in_executor(None, http)


async def muc_archive(alice, bob, env):
    from seed_chat import configure, join, say  # same room set-up as the demo seed

    room = f"check-{alice.new_id()[:8].lower()}@{env['MUC_DOMAIN']}"
    pres = await join(alice, room, "alice")
    if "201" not in {str(c) for c in pres["muc"]["status_codes"]}:
        raise RuntimeError(f"{room} was not newly created (no status 201)")
    await configure(alice, room)
    await join(bob, room, "bob")
    text = "archived message 存档消息"
    await say(bob, room, text)
    result = await alice.plugin["xep_0313"].retrieve(jid=room, rsm={"max": 20}, timeout=10)
    bodies = [r["mam_result"]["forwarded"]["stanza"]["body"] for r in result["mam"]["results"]]
    if text not in bodies:
        raise RuntimeError(f"message not in the room archive (archive has {len(bodies)})")
    await alice.plugin["xep_0045"].destroy(room)


async def seeded_room(alice, env):
    room = env["MUC_ROOM"]
    info = await alice.plugin["xep_0030"].get_info(jid=room, timeout=10)
    features = set(info["disco_info"]["features"])
    for wanted in ("muc_persistent", "muc_public", "urn:xmpp:mam:2"):
        if wanted not in features:
            raise RuntimeError(f"{room} lacks feature {wanted}")
    result = await alice.plugin["xep_0313"].retrieve(jid=room, rsm={"max": 50}, timeout=10)
    n = len(result["mam"]["results"])
    if n < 8:
        raise RuntimeError(f"{room} archive has {n} messages, expected at least 8")


async def server_features(alice, env, stream_features):
    missing = [f for f in ("urn:xmpp:sm:3", "urn:xmpp:csi:0") if f not in stream_features]
    info = await alice.plugin["xep_0030"].get_info(jid=env["XMPP_DOMAIN"], timeout=10)
    missing += [f for f in ("urn:xmpp:carbons:2",) if f not in info["disco_info"]["features"]]
    info = await alice.plugin["xep_0030"].get_info(jid=env["ALICE_JID"], timeout=10)
    missing += [f for f in ("urn:xmpp:mam:2",) if f not in info["disco_info"]["features"]]
    if missing:
        raise RuntimeError("not offered: " + ", ".join(missing))


async def main(state_dir, seeded):
    env = serverlib.load_env(state_dir)
    alice = serverlib.xmpp_client(env, "alice")
    bob = serverlib.xmpp_client(env, "bob")
    stream_features = stream_feature_recorder(alice)
    await check("login-starttls", serverlib.xmpp_connect(alice, env))
    await check("login-direct-tls", serverlib.xmpp_connect(bob, env, direct_tls=True))
    if not all(results):
        return

    intruder = serverlib.xmpp_client(env, "carol")
    intruder.password = "wrong-password"

    async def refused():
        try:
            await serverlib.xmpp_connect(intruder, env, timeout=10)
        except RuntimeError as e:
            if "authentication failed" in str(e):
                return
            raise
        raise RuntimeError("login with a wrong password succeeded")
    await check("wrong-password-refused", refused())

    await check("server-features", server_features(alice, env, stream_features))
    await check("message-delivery", message_delivery(alice, bob))
    await check("upload", upload_round_trip(alice, env))
    await check("muc-archive", muc_archive(alice, bob, env))
    if seeded:
        await check("seeded-room", seeded_room(alice, env))
    await serverlib.xmpp_disconnect(alice, bob, intruder)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--seeded"]
    if len(args) != 1:
        sys.exit(__doc__.strip().splitlines()[0])
    try:
        asyncio.run(asyncio.wait_for(main(args[0], "--seeded" in sys.argv), 60))
    except asyncio.TimeoutError:
        report("xmpp-check", False, "timed out after 60 s")
    sys.exit(0 if results and all(results) else 1)
