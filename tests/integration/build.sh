#!/bin/bash
# build.sh - the build as an administrator uses it: a build without some
# modules (make MODULES=...), and make install into a staging directory.
set -u
cd "$(dirname "$0")/../.." || exit 1
T_DIR=$(mktemp -d /tmp/atrium-build.XXXXXX)
trap 'rm -rf "$T_DIR"' EXIT
. tests/integration/tap.lib

if make -s BUILD="$T_DIR/b" MODULES="mail docs" >"$T_DIR/make.log" 2>&1; then
	ok "make MODULES=\"mail docs\" builds"
else
	not_ok "make MODULES=\"mail docs\" builds"; sed 's/^/# /' "$T_DIR/make.log" | tail -20
fi
ATRIUM_BIN=$T_DIR/b/atrium
at --config /dev/null --home "$T_DIR/h" version
check "... and has only those modules" test "$out" = "atrium 0.1.0 (mail docs)"
at --config /dev/null --home "$T_DIR/h" chat status
check "... a left-out module is refused as not built in" grep -q "the chat module is not built into this atrium" <<<"$errout"
if make -s BUILD="$T_DIR/m" MODULES="mail" >"$T_DIR/make-m.log" 2>&1; then
	ok "make MODULES=mail builds (the docs editor's code comes along for writing mail)"
else
	not_ok "make MODULES=mail builds"; sed 's/^/# /' "$T_DIR/make-m.log" | tail -20
fi
ATRIUM_BIN=$T_DIR/m/atrium
at --config /dev/null --home "$T_DIR/h" version
check "... and has the mail module only (no Docs tab)" test "$out" = "atrium 0.1.0 (mail)"
ATRIUM_BIN=$T_DIR/b/atrium

if make -s install DESTDIR="$T_DIR/root" PREFIX=/usr >"$T_DIR/install.log" 2>&1; then
	ok "make install into DESTDIR"
else
	not_ok "make install into DESTDIR"; sed 's/^/# /' "$T_DIR/install.log" | tail -20
fi
check "... installs the binary" test -x "$T_DIR/root/usr/bin/atrium"
check "... and the man page" test -f "$T_DIR/root/usr/share/man/man1/atrium.1"
t_done
