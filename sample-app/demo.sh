#!/usr/bin/env bash
# Three sample-app nodes on loopback: the bootstrap node is killed (SIGKILL) and restarted on the
# same ports with the same identity, and the other two go DOWN and come back UP on their own.
#
#   ./mvnw -B -q -DskipTests -pl sample-app -am package && sample-app/demo.sh
#
# Ports: HTTP 18081-18083, libp2p (QUIC and TCP) 14001-14003, all on 127.0.0.1. Node files go to a
# temporary folder, removed at the end with the processes.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=sample-app/target/libp2p-sample-app-0.1.0-SNAPSHOT.jar
[ -f "$JAR" ] || { echo "demo: build the sample app first: ./mvnw -B -q -DskipTests -pl sample-app -am package" >&2; exit 1; }
command -v curl >/dev/null || { echo "demo: needs curl" >&2; exit 1; }

WORK=$(mktemp -d)
declare -A PIDS
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

# start <n> [extra args...]: node n on HTTP 1808n and libp2p 1400n, its files in $WORK/node<n>.
start() {
  local n=$1; shift
  mkdir -p "$WORK/node$n"
  java -XX:+ExitOnOutOfMemoryError -jar "$JAR" \
    --server.port=1808"$n" \
    --libp2p.identity.key-file="$WORK/node$n/identity.key" \
    --libp2p.listen=/ip4/127.0.0.1/udp/1400"$n"/quic-v1,/ip4/127.0.0.1/tcp/1400"$n" \
    --logging.file.name="$WORK/node$n/node.log" --logging.pattern.console= \
    "$@" >"$WORK/node$n/out.txt" 2>&1 &
  PIDS[$n]=$!
}

# status <n>: the node's libp2p health status (UP, DOWN, or '-' if it does not answer).
status() {
  curl -s --max-time 2 "http://127.0.0.1:1808$1/actuator/health/libp2p" | sed -n 's/.*"status":"\([A-Z_]*\)".*/\1/p' || true
}

show() {
  for n in 1 2 3; do
    local health
    health=$(curl -s --max-time 2 "http://127.0.0.1:1808$n/actuator/health/libp2p" || true)
    printf '  node %s: %-5s connectedPeers=%s\n' "$n" "$(echo "$health" | sed -n 's/.*"status":"\([A-Z_]*\)".*/\1/p')" \
      "$(echo "$health" | sed -n 's/.*"connectedPeers":\([0-9]*\).*/\1/p')"
  done
}

# wait_for <seconds> <status> <nodes...>: until every node named reports the status.
wait_for() {
  local deadline=$(( $(date +%s) + $1 )) want=$2; shift 2
  while :; do
    local all=1
    for n in "$@"; do [ "$(status "$n")" = "$want" ] || all=0; done
    [ $all = 1 ] && return 0
    [ "$(date +%s)" -lt "$deadline" ] || { echo "demo: timed out waiting for $want on nodes $*" >&2; show; return 1; }
    sleep 0.1
  done
}

echo "Starting node 1, the bootstrap node (the first of its network: healthy alone)"
start 1
wait_for 60 UP 1
PEER1=$(curl -s "http://127.0.0.1:18081/api/info" | sed -n 's/.*"peerId":"\([^"]*\)".*/\1/p')
BOOTSTRAP="/ip4/127.0.0.1/udp/14001/quic-v1/p2p/$PEER1,/ip4/127.0.0.1/tcp/14001/p2p/$PEER1"
echo "  node 1 is $PEER1"

echo "Starting nodes 2 and 3, bootstrapping from node 1 (healthy with 2 peers each)"
start 2 --libp2p.bootstrap.peers="$BOOTSTRAP" --libp2p.health.min-peers=2
start 3 --libp2p.bootstrap.peers="$BOOTSTRAP" --libp2p.health.min-peers=2
wait_for 90 UP 2 3
show

echo "Killing node 1 with SIGKILL"
kill -KILL "${PIDS[1]}"; wait "${PIDS[1]}" 2>/dev/null || true; unset 'PIDS[1]'
killed=$(now)
wait_for 30 DOWN 2 3
echo "  nodes 2 and 3 DOWN $(elapsed "$killed") after the kill"
show

echo "Restarting node 1 on the same ports with the same identity"
restarted=$(now)
start 1
wait_for 60 UP 1
echo "  node 1 UP $(elapsed "$restarted") after the restart"
wait_for 60 UP 2 3
echo "  nodes 2 and 3 UP $(elapsed "$restarted") after the restart"
show
echo "Done; stopping the nodes."
