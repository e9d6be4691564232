#!/bin/bash
# smtp.sh - net/smtp.c against the loopback Dovecot submission service:
# runs the server group of the unit test test_net_smtp (STARTTLS and
# implicit TLS deliver to bob's INBOX, checked over IMAPS by
# tests/integration/smtp_helper.py; Bcc delivered without the header; a
# wrong password is E_AUTH; a wrong CA is E_TLS naming the key and nothing
# arrives; a connection lost after the data's end is reported as maybe
# delivered, one lost during the data as not sent; 4xx and 5xx refusals)
# and turns its cmocka lines into TAP. Uses the shared test servers in
# $ATRIUM_TEST_SERVERS (tests/run starts them) and the unit test binary in
# $ATRIUM_UNIT_DIR (default build/tests).
set -u
cd "$(dirname "$0")/../.." || exit 1
S=${ATRIUM_TEST_SERVERS:-/tmp/atrium-test-servers}
UNIT_DIR=${ATRIUM_UNIT_DIR:-build/tests}
T_DIR=$(mktemp -d /tmp/atrium-smtp.XXXXXX)
trap 'rm -rf "$T_DIR"' EXIT
. tests/integration/tap.lib
if [ ! -r "$S/env" ]; then
	not_ok "the test servers' env $S/env exists (tests/servers/up)"
	exit 1
fi
set -a
. "$S/env"
set +a

bin=$UNIT_DIR/test_net_smtp
if [ ! -x "$bin" ]; then
	not_ok "the unit test binary $bin exists (make unit first)"
	exit 1
fi
ATRIUM_SRC_DIR=$PWD ATRIUM_SMTP_IT=1 "$bin" >"$T_DIR/out" 2>&1
status=$?
# only the server group's results (the unit group runs in the unit suite),
# and not the summary's list of failures again
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
	*"[       OK ] it_"*) ok "smtp: ${line##* }" ;;
	*"[  FAILED  ] it_"* | *"[  ERROR   ] it_"* | *"[  SKIPPED ] it_"*) not_ok "smtp: ${line##* }" ;;
	esac
done <"$T_DIR/out"
if [ "$in_it" -eq 0 ] || [ "$status" -ne 0 ]; then
	not_ok "test_net_smtp exits 0 with its server group run (exit $status)"
	sed 's/^/# /' "$T_DIR/out" | tail -40
fi
t_done
