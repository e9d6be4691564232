#!/bin/bash
# imap.sh - net/imap.c against the loopback Dovecot: runs the Dovecot group
# of the unit test test_net_imap (imaps and STARTTLS, LIST with special use,
# SELECT with CONDSTORE, envelopes, a body byte for byte, flags, the TLS
# policy with a wrong CA and with pins, a wrong password, the worker-thread
# conn) and turns its cmocka lines into TAP. The test puts its own three
# mails into a private mailbox of alice (tests/integration/imap_seed.py) and
# removes it at the end. Uses the shared test servers in
# $ATRIUM_TEST_SERVERS (tests/run starts them) and the unit test binary in
# $ATRIUM_UNIT_DIR (default build/tests).
set -u
cd "$(dirname "$0")/../.." || exit 1
S=${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}
UNIT_DIR=${ATRIUM_UNIT_DIR:-build/tests}
T_DIR=$(mktemp -d /tmp/atrium-imap.XXXXXX)
trap 'rm -rf "$T_DIR"' EXIT
. tests/integration/tap.lib
set -a
. "$S/env"
set +a

bin=$UNIT_DIR/test_net_imap
if [ ! -x "$bin" ]; then
	not_ok "the unit test binary $bin exists (make unit first)"
	exit 1
fi
ATRIUM_SRC_DIR=$PWD ATRIUM_IMAP_IT=1 "$bin" >"$T_DIR/out" 2>&1
status=$?
# only the Dovecot group's results (the unit group runs in the unit
# suite), and not the summary's list of failures again
in_it=0
summary=0
while IFS= read -r line; do
	case $line in
	*"listed below:"*) summary=1 ;;
	*"] Running "*) summary=0 ;;
	esac
	[ "$summary" -eq 1 ] && continue
	case $line in
	"# "*) echo "$line" ;; # measurements
	*"[ RUN      ] it_"*) in_it=1 ;;
	*"[       OK ] it_"*) ok "imap: ${line##* }" ;;
	*"[  FAILED  ] it_"* | *"[  ERROR   ] it_"* | *"[  SKIPPED ] it_"*) not_ok "imap: ${line##* }" ;;
	esac
done <"$T_DIR/out"
if [ "$in_it" -eq 0 ] || [ "$status" -ne 0 ]; then
	not_ok "test_net_imap exits 0 with its Dovecot group run (exit $status)"
	sed 's/^/# /' "$T_DIR/out" | tail -40
fi
t_done
