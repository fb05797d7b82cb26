#!/usr/bin/env bash
# Runs wrk (Debian's, /usr/bin/wrk) with tools/wrk-autocomplete.lua against a running `./rnn serve`
# that serves a char-lm named lm: opens CONNECTIONS streams with curl, then drives them for SECONDS
# (a request slower than 30 s counts as a timeout; wrk's default of 2 s cuts a loaded server's tail).
#   tools/wrk-autocomplete.sh [URL=http://127.0.0.1:8080] [CONNECTIONS=64] [SECONDS=20] [THREADS=2]
set -euo pipefail
URL="${1:-http://127.0.0.1:8080}"
CONNECTIONS="${2:-64}"
SECONDS_="${3:-20}"
THREADS="${4:-2}"
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IDS="$(mktemp)"
trap 'while read -r id; do curl -s -X DELETE "$URL/v1/streams/$id" >/dev/null; done < "$IDS"; rm -f "$IDS"' EXIT
for _ in $(seq "$CONNECTIONS"); do
  curl -sf -X POST "$URL/v1/models/lm/streams" | grep -o '"id":"[0-9a-f]*"' | cut -d'"' -f4 >> "$IDS"
done
RNN_STREAM_IDS="$IDS" RNN_WRK_THREADS="$THREADS" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_}s" --timeout 30s --latency \
  -s "$DIR/wrk-autocomplete.lua" "$URL"
