#!/bin/bash
# A real Prometheus server (Debian's) scrapes the inventory service's /metrics on
# loopback: the target is up and the RED histogram arrives as series.
set -euo pipefail
inventory="$1"
dir="${TEST_TMPDIR:-$(mktemp -d)}"
log="$dir/inventory.log"
prom_log="$dir/prometheus.log"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$log" "$prom_log"; do [ -f "$f" ] && { echo "--- $f ---"; tail -30 "$f"; }; done; exit 1; }

command -v prometheus >/dev/null || fail "prometheus is not installed (tools/bazel installs Debian's package)"

"$inventory" --port=0 --grpc_port=0 >"$log" 2>&1 &
pids+=($!)
port=""
for _ in $(seq 100); do
  port="$(grep -o '"port":[0-9]*' "$log" | head -1 | cut -d: -f2 || true)"
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || fail "inventory did not start"
# Traffic for the histogram.
for _ in 1 2 3; do
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET /api/inventory/SKU-123 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3
  cat <&3 >/dev/null
  exec 3<&-
done

# A free loopback port for Prometheus's own web server.
prom_port=""
for _ in $(seq 50); do
  candidate=$((20000 + RANDOM % 30000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then prom_port=$candidate; break; fi
done
[ -n "$prom_port" ] || fail "no free port for prometheus"
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

query() {  # prints the JSON answer of an instant query
  exec 4<>"/dev/tcp/127.0.0.1/$prom_port" || return 1
  printf 'GET /api/v1/query?query=%s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$1" >&4
  cat <&4
  exec 4<&-
}
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
