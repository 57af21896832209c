#!/bin/bash
# tools/bazel run -c opt //tools/bench/broker_shootout [-- --benchmark_filter=...]
# Starts the three brokers on 127.0.0.1 (free ports, private directories, nothing
# kept on disk): sluice's //native:broker, rabbitmq-server (tests/testing/with_rabbitmq.sh)
# and redis-server; runs the shootout against all three in one run; stops them.
set -euo pipefail
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  sed -n '2,5p' "$0" | sed 's/^# //'
  echo "Benchmark flags (--benchmark_filter, --benchmark_repetitions, ...) are passed on."
  exit 0
fi
runfiles="${RUNFILES_DIR:-$0.runfiles}/sluice"
cd "$runfiles"
source tests/testing/free_port.sh
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

command -v redis-server >/dev/null || { echo "redis-server is not installed (tools/bazel installs it)" >&2; exit 1; }
redis_port="$(free_port)"
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
sluice_port="$(free_port)"
native/broker_server/broker --port="$sluice_port" --log_level=warn >"$work/broker.log" 2>&1 &
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$sluice_port") 2>/dev/null && break
  sleep 0.1
done
echo "[shootout] sluice broker on $sluice_port, redis on $redis_port; starting RabbitMQ (about 6 s)" >&2
SHOOTOUT_SLUICE_PORT="$sluice_port" SHOOTOUT_REDIS_PORT="$redis_port" \
  tests/testing/with_rabbitmq.sh tools/bench/broker_shootout/broker_shootout_bench "$@"
