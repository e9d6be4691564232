#!/bin/sh
# Install the Debian packages atrium needs to build, test, benchmark and run
# its loopback servers -- only those missing, so a warm machine pays nothing.
# Usage: mk/deps.sh [build|check|demo|bench|fuzz]...
set -eu

build="build-essential pkg-config libncurses-dev libicu-dev libsodium-dev
  libsqlite3-dev libcurl4-gnutls-dev libetpan-dev libstrophe-dev
  libgnutls28-dev libcmocka-dev libzip-dev libexpat1-dev libxml2-dev"
servers="openssl curl dovecot-core dovecot-imapd dovecot-submissiond
  dovecot-lmtpd opensmtpd prosody lua-dbi-sqlite3 apache2 apache2-utils python3-slixmpp
  python3-openpyxl"
check="$build $servers tmux libreoffice-calc-nogui python3-openpyxl man-db groff-base valgrind"
demo="$check"
bench="$build hyperfine neomutt mutt isync profanity vim tmux time nano micro sc gnumeric
  rclone libreoffice-calc-nogui"
fuzz="$build clang libclang-rt-14-dev"

want=""
[ $# -eq 0 ] && set -- build
for set in "$@"; do
	eval "want=\"\$want \$$set\""
done

missing=""
for p in $want; do
	case " $missing " in *" $p "*) continue ;; esac
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$s" = "install ok installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "atrium: missing Debian packages:$missing" >&2
	echo "atrium: install them as root: apt-get install -y$missing" >&2
	exit 1
fi
echo "atrium: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends $missing >/dev/null
