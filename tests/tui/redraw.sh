#!/bin/bash
# redraw.sh - only changed cells are redrawn (see redraw.py).
cd "$(dirname "$0")/../.." || exit 1
d=$(mktemp -d /tmp/atrium-redraw.XXXXXX)
trap 'rm -rf "$d"' EXIT
ATRIUM_BIN=${ATRIUM_BIN:-$PWD/atrium} /usr/bin/python3 tests/tui/redraw.py "$d"
