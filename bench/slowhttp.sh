#!/usr/bin/env bash
# Runs Debian's slowhttptest against weft in slowloris, slow-body and slow-read
# modes (1,000 connections each, on 127.0.0.1 only) and prints each verdict.
# Needs: apt-get install slowhttptest
set -euo pipefail
cd "$(dirname "$0")/.."
command -v slowhttptest >/dev/null || { echo "slowhttptest is not installed: apt-get install slowhttptest"; exit 1; }
DENO=${DENO:-deno}
PORT=${PORT:-7990}
ROOT=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null; rm -rf "$ROOT"' EXIT
cp static/* "$ROOT"/
head -c 5000000 /dev/urandom >"$ROOT/big.bin"
ulimit -n 20000 || true
"$DENO" run --allow-net --allow-read mod.ts --port "$PORT" --root "$ROOT" --quiet &
SERVER=$!
sleep 2
URL="http://127.0.0.1:$PORT"
run() {
  local name=$1
  shift
  local verdict
  verdict=$(slowhttptest -c 1000 -r 200 -p 3 -l 45 "$@" 2>&1 | grep -a "service available" | tail -1 | sed 's/\x1b\[[0-9;]*m//g' | awk '{print $NF}')
  echo "$name: service available: ${verdict:-unknown}"
}
run slowloris -H -i 10 -t GET -u "$URL/" -x 24
run slow-body -B -i 5 -s 8192 -t POST -u "$URL/" -x 10
run slow-read -X -w 512 -y 1024 -n 5 -z 32 -k 3 -u "$URL/big.bin"
