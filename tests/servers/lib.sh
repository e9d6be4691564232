# Shared settings and helpers for tests/servers/{up,down,status,seed}.
# Sourced, not run. Defines the state directory layout, the port plan, the
# test users and the pid-file handling, so every script agrees on them.
#
# Layout of DIR (default /tmp/atrium-servers):
#   ca/          test CA (ca.pem is all a client needs), the server cert, and
#                rogue.pem/.key (self-signed, same names; see ROGUE_DAV_PORT)
#   run/         our pid files, one per service: dovecot smtpd prosody apache
#   log/         one log per service: dovecot.log smtpd.log prosody.log apache.log
#   dovecot/ smtpd/ prosody/ webdav/   configs and server state
#   mail/        Dovecot maildirs (owned by the "mail" user)
#   env          shell assignments for other tools (ports, users, CA_FILE)
#   <user>/      atrium config and store.key for alice, bob and carol

SERVERS_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# init_dir [DIR]: set DIR (absolute). Paths go into server configs unquoted,
# so only plain characters are accepted.
init_dir() {
	DIR=${1:-/tmp/atrium-servers}
	case $DIR in /*) ;; *) DIR=$PWD/$DIR ;; esac
	DIR=${DIR%/}
	case $DIR in *[!A-Za-z0-9._/-]*) die "DIR may contain only letters, digits and ._/- : '$DIR'" ;; esac
}

# set_ports BASE: the port plan, as offsets from BASE.
set_ports() {
	PORT_BASE=$1
	case $PORT_BASE in ''|*[!0-9]*) die "the port base must be a number, not '$PORT_BASE'" ;; esac
	[ "$PORT_BASE" -ge 1024 ] && [ "$PORT_BASE" -le 65000 ] || die "the port base must be in 1024..65000"
	IMAP_PORT=$((PORT_BASE + 0))          # IMAP, STARTTLS
	IMAPS_PORT=$((PORT_BASE + 1))         # IMAP, implicit TLS
	SUBMISSION_PORT=$((PORT_BASE + 2))    # submission, STARTTLS
	SUBMISSIONS_PORT=$((PORT_BASE + 3))   # submission, implicit TLS
	LMTP_PORT=$((PORT_BASE + 4))          # Dovecot LMTP (OpenSMTPD delivers here)
	RELAY_PORT=$((PORT_BASE + 5))         # OpenSMTPD (Dovecot submission relays here)
	XMPP_PORT=$((PORT_BASE + 10))         # XMPP c2s, STARTTLS
	XMPP_TLS_PORT=$((PORT_BASE + 11))     # XMPP c2s, direct TLS (XEP-0368)
	UPLOAD_PORT=$((PORT_BASE + 13))       # Prosody HTTPS: XEP-0363 file share
	DAV_PORT=$((PORT_BASE + 20))          # Apache WebDAV over TLS
	ROGUE_DAV_PORT=$((PORT_BASE + 21))    # the same share with the rogue certificate
}

# The port base DIR's servers were started with (DIR/env), else the default.
started_port_base() {
	local base
	base=$(sed -n 's/^ATRIUM_PORT_BASE=//p' "$DIR/env" 2>/dev/null) || true
	echo "${base:-${ATRIUM_PORT_BASE:-17100}}"
}

DOMAIN=example.test
MUC_DOMAIN=conference.$DOMAIN
UPLOAD_DOMAIN=upload.$DOMAIN
USERS="alice bob carol"
password_of() { echo "$1-pw-1"; }

SERVICES="dovecot smtpd prosody apache"
ports_of() {
	case $1 in
		dovecot) echo "$IMAP_PORT $IMAPS_PORT $SUBMISSION_PORT $SUBMISSIONS_PORT $LMTP_PORT" ;;
		smtpd)   echo "$RELAY_PORT" ;;
		prosody) echo "$XMPP_PORT $XMPP_TLS_PORT $UPLOAD_PORT" ;;
		apache)  echo "$DAV_PORT $ROGUE_DAV_PORT" ;;
	esac
}
log_of() { echo "$DIR/log/$1.log"; }
pidfile_of() { echo "$DIR/run/$1.pid"; }

# The executable a service's pid must belong to (guards against pid reuse).
# Prosody is a Lua script, so its process is the Lua interpreter.
exe_matches() {  # SERVICE PID
	local exe
	exe=$(readlink "/proc/$2/exe" 2>/dev/null) || return 1
	case $1 in
		dovecot) [ "$exe" = /usr/sbin/dovecot ] ;;
		smtpd)   [ "$exe" = /usr/sbin/smtpd ] ;;
		apache)  [ "$exe" = /usr/sbin/apache2 ] ;;
		prosody) case $exe in */lua*) tr '\0' ' ' <"/proc/$2/cmdline" | grep -q prosody ;; *) false ;; esac ;;
	esac
}

# Print the pid of SERVICE if its pid file names a live process of it.
running_pid() {
	local f pid
	f=$(pidfile_of "$1")
	[ -s "$f" ] || return 1
	pid=$(cat "$f")
	case $pid in ''|*[!0-9]*) return 1 ;; esac
	kill -0 "$pid" 2>/dev/null && exe_matches "$1" "$pid" || return 1
	echo "$pid"
}

# True if something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Show the end of a service's log since up last started it, on stderr.
show_log() {
	local log
	log=$(log_of "$1")
	echo "--- last lines of $log:" >&2
	if [ -s "$log" ]; then
		awk '/^=== .* tests\/servers\/up: / { n = 0 } { line[n++] = $0 }
			END { for (i = (n > 25 ? n - 25 : 0); i < n; i++) print line[i] }' "$log" >&2
	else
		echo "(no log written)" >&2
	fi
	echo "---" >&2
}

die() { echo "error: $*" >&2; exit 1; }
