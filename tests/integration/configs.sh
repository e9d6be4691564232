#!/bin/bash
# configs.sh - the configurations tests/servers/up writes for alice, bob and
# carol are valid for atrium as written (private files with passwords, a
# CA file that exists, URLs it accepts) and name the running servers.
# Uses the shared test servers in $ATRIUM_TEST_SERVERS (tests/run starts them).
set -u
cd "$(dirname "$0")/../.." || exit 1
ATRIUM_BIN=${ATRIUM_BIN:-$PWD/atrium}
S=${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}
T_DIR=$(mktemp -d /tmp/atrium-configs.XXXXXX)
trap 'rm -rf "$T_DIR"' EXIT
. tests/integration/tap.lib
. "$S/env"

for u in alice bob carol; do
	cfg=$S/$u/config
	check "$u: config is private (0600)" test "$(stat -c %a "$cfg")" = 600
	at --config "$cfg" --home "$T_DIR/$u" config check
	check "$u: atrium accepts the config" test "$rc" = 0
	[ "$rc" = 0 ] || echo "# $errout"
	at --config "$cfg" --home "$T_DIR/$u" --json mail status
	check "$u: mail account is $u@example.test on IMAPS port $IMAPS_PORT" \
		grep -q "\"account\":\"$u@example.test\".*imaps://127.0.0.1:$IMAPS_PORT" <<<"$out"
	at --config "$cfg" --home "$T_DIR/$u" --json chat status
	check "$u: chat account is $u@$XMPP_DOMAIN" grep -q "\"account\":\"$u@$XMPP_DOMAIN\"" <<<"$out"
	at --config "$cfg" --home "$T_DIR/$u" --json docs status
	check "$u: files share is the team share" grep -qF "\"servers\":[\"$DAV_URL\"]" <<<"$out"
	key=$(sed -n 's/^key_file = //p' "$cfg")
	check "$u: store key file is private and 64 hex digits" \
		bash -c "test \"\$(stat -c %a '$key')\" = 600 && grep -Eqx '[0-9a-f]{64}' '$key'"
done

# every module can be disabled, files included; a disabled module's verbs
# then exit 8 naming the file that disabled it
{ cat "$S/alice/config"; } >"$T_DIR/dis.conf"
sed -i '1i disabled_modules = chat, files' "$T_DIR/dis.conf"
chmod 600 "$T_DIR/dis.conf"
at --config "$T_DIR/dis.conf" --home "$T_DIR/dis" config check
check "disabled_modules = chat, files is accepted" test "$rc" = 0
at --config "$T_DIR/dis.conf" --home "$T_DIR/dis" files ls
check "files ls with files disabled: exit 8 naming the config" \
	eval 'test "$rc" = 8 && grep -qF "files module is disabled by $T_DIR/dis.conf" <<<"$errout"'
t_done
