#!/usr/bin/python3 -B
"""seed_chat.py DIR - demo chat history on the test Prosody of DIR.

alice creates team@conference.example.test, configures it (persistent,
public, unlocked, archiving on) and invites bob and carol as members; then
the three of them post a short conversation, some of it in Chinese, which the
room's archive (MAM) keeps. Called by tests/servers/seed, once per DIR.
Goes through the real c2s STARTTLS port with certificate checks, like atrium.
"""

import asyncio
import sys

import serverlib

CONVERSATION = [
    ("alice", "Good morning team! This room is our main channel for the Q3 work."),
    ("bob", "Morning! I pushed the draft of the Q3 report to the share: reports/q3.md"),
    ("carol", "大家好！预算表已经更新了，在 budget/2026.xlsx。"),
    ("alice", "谢谢 Carol。Bob, can you check the totals in the budget?"),
    ("bob", "Sure — 我下午看一下，有问题再说。"),
    ("carol", "Reminder: 周五下午三点开会，会议室 B。"),
    ("alice", "👍 Friday 15:00 works for me."),
    ("bob", "Same here. 周五见！"),
]

ROOM_CONFIG = {
    "muc#roomconfig_roomname": "Team",
    "muc#roomconfig_roomdesc": "Team chat · 团队聊天",
    "muc#roomconfig_persistentroom": True,
    "muc#roomconfig_publicroom": True,
    "muc#roomconfig_enablearchiving": True,
    "muc#roomconfig_whois": "anyone",
}


async def join(client, room, nick, timeout=10):
    """Join ROOM as NICK; return our own presence (status 201: room created)."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def on_self(pres):
        if not done.done():
            done.set_result(pres)

    def on_error(pres):
        if not done.done():
            done.set_exception(RuntimeError(f"{nick} cannot join {room}: {pres['error']}"))

    client.add_event_handler(f"muc::{room}::self-presence", on_self)
    client.add_event_handler(f"muc::{room}::presence-error", on_error)
    pres = client.make_presence(pto=f"{room}/{nick}")
    pres.enable("muc_join")
    pres["muc_join"]["history"]["maxstanzas"] = "0"
    client.plugin["xep_0045"].rooms[room] = {}
    client.plugin["xep_0045"].our_nicks[room] = nick
    pres.send()
    try:
        return await asyncio.wait_for(done, timeout)
    finally:
        client.del_event_handler(f"muc::{room}::self-presence", on_self)
        client.del_event_handler(f"muc::{room}::presence-error", on_error)


async def configure(owner, room):
    """Submit the room configuration form (this also unlocks a new room)."""
    muc = owner.plugin["xep_0045"]
    form = await muc.get_room_config(room)
    submit = owner.plugin["xep_0004"].make_form(ftype="submit")
    for var, field in form.get_fields().items():
        if var == "FORM_TYPE" or var in ROOM_CONFIG:
            submit.add_field(var=var, ftype=field["type"],
                             value=ROOM_CONFIG.get(var, field["value"]))
    missing = set(ROOM_CONFIG) - set(form.get_fields())
    if missing:
        raise RuntimeError(f"{room}: server's config form lacks {sorted(missing)}")
    await muc.set_room_config(room, submit)


async def say(client, room, text, timeout=10):
    """Post TEXT and wait until the room reflects it (so order is kept)."""
    loop = asyncio.get_running_loop()
    echoed = loop.create_future()
    msg = client.make_message(mto=room, mbody=text, mtype="groupchat")
    msg_id = msg["id"] = client.new_id()

    def on_message(m):
        if m["id"] == msg_id and not echoed.done():
            echoed.set_result(True)

    client.add_event_handler(f"muc::{room}::message", on_message)
    msg.send()
    try:
        await asyncio.wait_for(echoed, timeout)
    finally:
        client.del_event_handler(f"muc::{room}::message", on_message)


async def main(state_dir):
    env = serverlib.load_env(state_dir)
    room = env["MUC_ROOM"]
    users = ["alice", "bob", "carol"]
    clients = {u: serverlib.xmpp_client(env, u) for u in users}
    await asyncio.gather(*(serverlib.xmpp_connect(c, env) for c in clients.values()))
    try:
        owner = clients["alice"]
        await join(owner, room, "alice")
        await configure(owner, room)
        muc = owner.plugin["xep_0045"]
        for u in ("bob", "carol"):
            await muc.set_affiliation(room, "member", jid=f"{u}@{env['XMPP_DOMAIN']}")
        muc.set_subject(room, "Q3 planning · 第三季度计划")
        await join(clients["bob"], room, "bob")
        await join(clients["carol"], room, "carol")
        for user, text in CONVERSATION:
            await say(clients[user], room, text)

        # The archive must hold the conversation, or the seed did not work.
        result = await owner.plugin["xep_0313"].retrieve(jid=room, rsm={"max": 50}, timeout=10)
        bodies = [r["mam_result"]["forwarded"]["stanza"]["body"] for r in result["mam"]["results"]]
        missing = [t for _, t in CONVERSATION if t not in bodies]
        if missing:
            raise RuntimeError(f"{room}: {len(missing)} messages missing from the archive")
        print(f"chat: {room} created, {len(CONVERSATION)} messages archived")
    finally:
        await serverlib.xmpp_disconnect(*clients.values())


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[0])
    try:
        asyncio.run(main(sys.argv[1]))
    except (RuntimeError, asyncio.TimeoutError) as e:
        sys.exit(f"seed_chat: {e or 'timed out'}")
