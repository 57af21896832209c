#!/bin/bash
# A real Prometheus server (Debian's) scrapes the inventory service's /metrics on
# loopback: the target is up and the RED histogram arrives as series.
set -euo pipefail
source tests/native/testing/binary_test_lib.sh
inventory="$1"
dir="${TEST_TMPDIR:-$(mktemp -d)}"
log="$dir/inventory.log"
prom_log="$dir/prometheus.log"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

command -v prometheus >/dev/null || fail "prometheus is not installed (tools/bazel installs Debian's package)"

start_binary "$log" "$inventory" --port=0 --grpc_port=0
pids+=("$BINARY_PID")
port="$BINARY_PORT"
# Traffic for the histogram.
for _ in 1 2 3; do http_request "$port" GET /api/inventory/SKU-123 >/dev/null; done

# A free loopback port for Prometheus's own web server.
prom_port=""
for _ in $(seq 50); do
  candidate=$((20000 + RANDOM % 30000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then prom_port=$candidate; break; fi
done
[ -n "$prom_port" ] || fail "no free port for prometheus"
log="$prom_log"  # what fail() shows from here on
cat >"$dir/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: inventory
    static_configs:
      - targets: ['127.0.0.1:$port']
YAML
prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$prom_log" 2>&1 &
pids+=($!)

query() { http_request "$prom_port" GET "/api/v1/query?query=$1"; }  # an instant query
up=""
for _ in $(seq 150); do  # up to 15 s: Prometheus starts, then scrapes every second
  up="$(query 'up%7Bjob%3D%22inventory%22%7D' 2>/dev/null || true)"
  grep -q '"value":\[[0-9.]*,"1"\]' <<<"$up" && break
  sleep 0.1
done
grep -q '"value":\[[0-9.]*,"1"\]' <<<"$up" || fail "the scrape target is not up: $up"
buckets="$(query 'http_request_duration_seconds_bucket%7Broute%3D%22%2Fapi%2Finventory%2F%3AproductId%22%2Cle%3D%225%22%7D')"
grep -q '"status":"success"' <<<"$buckets" || fail "query failed: $buckets"
grep -q '"value":\[[0-9.]*,"3"\]' <<<"$buckets" || fail "the histogram did not arrive as scraped: $buckets"
echo "prometheus scrape test passed"
