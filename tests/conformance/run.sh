#!/usr/bin/env bash
# make conformance: the ETSI NGSI-LD API conformance suite against an empty `citytwin broker`.
#
#   tests/conformance/run.sh CITYTWIN_BIN SHARED_DIR [OUTDIR]
#
# Creates the suite's venv from PyPI when missing, starts `citytwin broker` empty on a free
# port (restarted empty before each group), runs SHARED_DIR/conformance/run-etsi.sh on the
# groups `now` and `later`, prints the summary, and fails when a test listed in
# tests/conformance/expected-pass.txt did not pass (so what passes stays passing). Then a
# Python NGSI-LD client from PyPI (ngsildclient, tests/conformance/pypi_client.py) runs
# its create/read/update/query/batch/subscription/temporal calls against an empty broker.
# `ETSI_UPDATE_EXPECTED=1` writes the tests that passed into expected-pass.txt instead.
# `CONFORMANCE_GROUPS="temporal"` runs only those groups (run-etsi's names) and skips the
# check, for working on one area.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN="$(realpath "${1:?the citytwin binary}")"
SHARED="$(realpath "${2:?the shared folder (with conformance/)}")"
OUT="${3:-${TMPDIR:-/tmp}/citytwin-conformance-$(date +%Y%m%d-%H%M%S)}"
RUNNER="$SHARED/conformance/run-etsi.sh"
SUITE="$SHARED/conformance/ngsi-ld-test-suite"
VENV="${ETSI_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/ngsi-ld-test-suite-venv}"
[ -x "$RUNNER" ] || { echo "no suite runner at $RUNNER (set SHARED=…)" >&2; exit 2; }

if ! "$VENV/bin/python" -c 'import robot, RequestsLibrary, JSONLibrary, HttpCtrl, deepdiff, requests' 2>/dev/null; then
  echo "conformance: creating the suite's Python environment in $VENV (PyPI)" >&2
  python3 -m venv "$VENV"
  sed 's#^-e ./libraries/robotframework-httpctrl#robotframework-httpctrl==0.3.3#' \
    "$SUITE/requirements.txt" > "$OUT.requirements.txt"
  "$VENV/bin/pip" install -q -r "$OUT.requirements.txt"
  rm -f "$OUT.requirements.txt"
fi

PORT="${CONFORMANCE_PORT:-$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
mkdir -p "$OUT"
PIDFILE="$OUT/broker.pid"
# The broker's start/restart, as run-etsi's ETSI_RESET_CMD runs it before each group.
cat > "$OUT/broker.sh" <<SH
#!/usr/bin/env bash
if [ -f "$PIDFILE" ]; then kill "\$(cat "$PIDFILE")" 2>/dev/null; sleep 0.5; fi
[ "\${1:-start}" = stop ] && exit 0
"$BIN" broker --bind 127.0.0.1:$PORT --db :memory: >> "$OUT/broker.log" 2>&1 &
echo \$! > "$PIDFILE"
for i in \$(seq 1 100); do
  (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && exit 0
  sleep 0.1
done
echo "the broker did not start listening on $PORT" >&2; exit 1
SH
chmod +x "$OUT/broker.sh"
trap '"$OUT/broker.sh" stop' EXIT
"$OUT/broker.sh" start

ETSI_VENV="$VENV" ETSI_RESET_CMD="$OUT/broker.sh" \
  "$RUNNER" "http://127.0.0.1:$PORT/ngsi-ld/v1" "$OUT" ${CONFORMANCE_GROUPS:-now later}
cat "$OUT/summary.md" | sed -n '1,60p'
[ -z "${CONFORMANCE_GROUPS:-}" ] || exit 0

# A client library from PyPI against an empty broker: create, read, update, query (q and
# geo), batch, a subscription with its notification, temporal, delete.
CLIENT_VENV="${NGSILD_CLIENT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/ngsild-client-venv}"
if ! "$CLIENT_VENV/bin/python" -c 'import ngsildclient' 2>/dev/null; then
  echo "conformance: installing ngsildclient from PyPI in $CLIENT_VENV" >&2
  python3 -m venv "$CLIENT_VENV"
  "$CLIENT_VENV/bin/pip" install -q 'ngsildclient==0.5.2'
fi
"$OUT/broker.sh" start
"$CLIENT_VENV/bin/python" "$HERE/pypi_client.py" "$PORT" 2>"$OUT/pypi-client.log" \
  || { echo "conformance: the PyPI client check failed (see $OUT/pypi-client.log)" >&2; exit 1; }
"$VENV/bin/python" "$HERE/check.py" "$OUT/summary.json" "$HERE/expected-pass.txt"
