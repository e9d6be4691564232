# lib.sh - helpers for TUI tests: a private tmux server, polling capture-pane
# until text appears, and TAP output. Sourced by tests/tui/*.sh.
set -u
ATRIUM_BIN=${ATRIUM_BIN:-$PWD/atrium}
T_SOCK="atrium-tui-$$"
T_DIR=$(mktemp -d /tmp/atrium-tui.XXXXXX)
t_n=0
t_fail=0

tmx() { tmux -L "$T_SOCK" -f /dev/null "$@"; }

t_cleanup() {
	tmx kill-server 2>/dev/null || true
	rm -rf "$T_DIR"
}
trap t_cleanup EXIT

ok() { t_n=$((t_n + 1)); echo "ok $t_n - $1"; }
not_ok() {
	t_n=$((t_n + 1)); t_fail=$((t_fail + 1))
	echo "not ok $t_n - $1"
	echo "# screen:"; tmx capture-pane -p -t t 2>/dev/null | sed 's/^/#   /'
}
check() { # description command...
	local d=$1; shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}

# Start a shell in a fresh session of size WxH; later keys go to it.
t_session() { # W H [env assignments...]
	local w=$1 h=$2; shift 2
	tmx kill-session -t t 2>/dev/null || true
	tmx new-session -d -s t -x "$w" -y "$h" \
		"env -i HOME=$T_DIR PATH=/usr/bin:/bin TERM=tmux-256color LANG=C.UTF-8 $* bash --norc --noprofile"
	tmx set-option -t t -g status off >/dev/null
	tmx resize-window -t t -x "$w" -y "$h" 2>/dev/null || true
	sleep 0.2
}

screen() { tmx capture-pane -p -t t; }
# Row N (0-based) of the screen.
row() { screen | sed -n "$(($1 + 1))p"; }

# Wait until the screen contains a fixed string (default 5 s).
wait_for() { # text [seconds]
	local i limit=$(( ${2:-5} * 50 ))
	for ((i = 0; i < limit; i++)); do
		screen | grep -qF -- "$1" && return 0
		sleep 0.02
	done
	return 1
}
wait_gone() { # text [seconds]
	local i limit=$(( ${2:-5} * 50 ))
	for ((i = 0; i < limit; i++)); do
		screen | grep -qF -- "$1" || return 0
		sleep 0.02
	done
	return 1
}
keys() { tmx send-keys -t t "$@"; }
# Type literally (no key-name interpretation).
type_text() { tmx send-keys -t t -l -- "$1"; }

# The pid of atrium running in the session's shell.
atrium_pid() { pgrep -P "$(tmx display -p -t t '#{pane_pid}')" -x atrium | head -1; }

t_done() {
	[ "$t_fail" -eq 0 ]
}

# Wait until row N contains text (default 5 s).
row_has() { # N text [seconds]
	local i limit=$(( ${3:-5} * 50 ))
	for ((i = 0; i < limit; i++)); do
		row "$1" | grep -qF -- "$2" && return 0
		sleep 0.02
	done
	return 1
}
# Wait until atrium has exited in the session.
atrium_gone() {
	local i
	for ((i = 0; i < 250; i++)); do
		[ -z "$(atrium_pid)" ] && return 0
		sleep 0.02
	done
	return 1
}
# Wait until a whole line of the screen equals text.
line_is() { # text [seconds]
	local i limit=$(( ${2:-5} * 50 ))
	for ((i = 0; i < limit; i++)); do
		screen | grep -qxF -- "$1" && return 0
		sleep 0.02
	done
	return 1
}
