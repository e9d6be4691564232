"""Helpers shared by the Python scripts in tests/servers/ (seed and checks).

Reads the DIR/env file that tests/servers/up writes and opens TLS connections
that verify the servers' certificate against DIR/ca/ca.pem, so the scripts
exercise the same trust path as atrium. Debian's python3-slixmpp is used
(run these scripts with /usr/bin/python3).
"""

import asyncio
import logging
import shlex
import ssl
import sys
from pathlib import Path


def load_env(state_dir):
    """Return DIR/env as a dict; exit with a message if up has not run."""
    path = Path(state_dir) / "env"
    try:
        text = path.read_text()
    except OSError as e:
        sys.exit(f"cannot read {path} ({e.strerror}): run tests/servers/up {state_dir} first")
    env = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key] = shlex.split(value)[0] if value else ""
    return env


def tls_context(env):
    """A client TLS context trusting only the test CA, checking host names."""
    return ssl.create_default_context(cafile=env["CA_FILE"])


def user_password(env, user):
    return env[user.upper() + "_PASSWORD"]


def xmpp_client(env, user, plugins=("xep_0030", "xep_0045", "xep_0004", "xep_0313")):
    """A slixmpp client for USER that trusts only the test CA."""
    # slixmpp warns about its pure-Python stringprep on import; that is fine here
    logging.getLogger("slixmpp").setLevel(logging.ERROR)
    import slixmpp  # imported here: the mail scripts do not need it

    client = slixmpp.ClientXMPP(f"{user}@{env['XMPP_DOMAIN']}/seed", user_password(env, user))
    client.ca_certs = Path(env["CA_FILE"])
    for plugin in plugins:
        client.register_plugin(plugin)
    return client


async def xmpp_connect(client, env, timeout=15, direct_tls=False):
    """Connect (STARTTLS, or direct TLS), authenticate, wait for the session.

    Raises RuntimeError naming the reason if any of it fails."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def finish(result=None, error=None):
        if not done.done():
            if error:
                done.set_exception(RuntimeError(error))
            else:
                done.set_result(result)

    client.add_event_handler("session_start", lambda _: finish(True))
    client.add_event_handler("failed_all_auth", lambda _: finish(error=f"{client.boundjid.bare}: authentication failed"))
    client.add_event_handler("connection_failed", lambda e: finish(error=f"{client.boundjid.bare}: connection failed: {e}"))
    client.add_event_handler("ssl_invalid_chain", lambda e: finish(error=f"{client.boundjid.bare}: TLS certificate not trusted: {e}"))
    client.add_event_handler("disconnected", lambda e: finish(error=f"{client.boundjid.bare}: disconnected: {e}"))
    port = int(env["XMPP_TLS_PORT" if direct_tls else "XMPP_PORT"])
    client.connect(address=(env["XMPP_HOST"], port), use_ssl=direct_tls,
                   force_starttls=not direct_tls)
    try:
        await asyncio.wait_for(done, timeout)
    except asyncio.TimeoutError:
        raise RuntimeError(f"{client.boundjid.bare}: no session within {timeout} s") from None
    client.send_presence()


async def xmpp_disconnect(*clients):
    """Close the streams (what was sent is flushed first), at most ~3 s."""
    await asyncio.wait([asyncio.ensure_future(c.disconnect(wait=2.0)) for c in clients], timeout=3)
