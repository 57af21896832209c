#!/bin/bash
# with_rabbitmq.sh COMMAND ARGS...: runs COMMAND with a private RabbitMQ server (Debian's
# rabbitmq-server) on 127.0.0.1 only, on free ports, with its data in a private
# directory, and stops it afterwards. COMMAND sees:
#   SLUICE_AMQP_URL          amqp://guest:guest@127.0.0.1:PORT
#   SLUICE_RABBITMQ_RESTART  a command that restarts the server's broker (every
#                            connection is dropped; durable queues and persistent
#                            messages stay) and returns once it accepts connections again
# If the server cannot start, this fails with the reason: never a silent skip.
set -euo pipefail
work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/rabbitmq.XXXXXX")"
log="$work/startup.log"

fail() {
  echo "with_rabbitmq: $*" >&2
  for f in "$log" "$work"/log/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -30 "$f" >&2; }; done
  exit 1
}
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || fail "rabbitmq-server is not installed (tools/bazel installs it)"

source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/free_port.sh"
amqp_port="$(free_port)" dist_port="$(free_port)" epmd_port="$(free_port)"

mkdir -p "$work/home" "$work/mnesia" "$work/log"
cat >"$work/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$amqp_port
loopback_users = none
distribution.listener.interface = 127.0.0.1
distribution.listener.port_range.min = $dist_port
distribution.listener.port_range.max = $dist_port
CONF
echo '[].' >"$work/enabled_plugins"
export HOME="$work/home"
export RABBITMQ_MNESIA_BASE="$work/mnesia" RABBITMQ_LOG_BASE="$work/log"
export RABBITMQ_CONFIG_FILE="$work/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$work/enabled_plugins"
export RABBITMQ_NODENAME="sluice$amqp_port@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$amqp_port" RABBITMQ_DIST_PORT="$dist_port"
export ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT="$epmd_port"
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"

/usr/lib/rabbitmq/bin/rabbitmq-server >"$log" 2>&1 &
server_pid=$!
stop() {
  /usr/lib/rabbitmq/bin/rabbitmqctl stop >/dev/null 2>&1 || kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  # The epmd this node started (on its own port), by its pid.
  pkill -f "epmd.*-port $epmd_port" 2>/dev/null || true
  for pid in $(pgrep -x epmd 2>/dev/null); do
    tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "ERL_EPMD_PORT=$epmd_port" && kill "$pid" 2>/dev/null || true
  done
}
trap stop EXIT

# await_port: until the AMQP port answers (60 s at most; it takes 5-6 s).
await_port() {
  for _ in $(seq 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$amqp_port") 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || fail "rabbitmq-server exited while starting"
    sleep 0.1
  done
  fail "rabbitmq-server did not accept connections on 127.0.0.1:$amqp_port within 60 s"
}
await_port

cat >"$work/restart.sh" <<SCRIPT
#!/bin/bash
set -euo pipefail
$(export -p | grep -E 'HOME|RABBITMQ_|ERL_')
/usr/lib/rabbitmq/bin/rabbitmqctl stop_app >/dev/null
/usr/lib/rabbitmq/bin/rabbitmqctl start_app >/dev/null
SCRIPT
chmod +x "$work/restart.sh"

export SLUICE_AMQP_URL="amqp://guest:guest@127.0.0.1:$amqp_port"
export SLUICE_RABBITMQ_RESTART="$work/restart.sh"
"$@"
