#!/usr/bin/env bash
# Make sure a RabbitMQ broker answers on 127.0.0.1:${AMQP_PORT:-5672} (guest/guest), for tests and
# local runs. Uses the one already running if any; otherwise installs Debian's rabbitmq-server
# (apt) and starts it detached. Production points HARVEST__AMQP__URL at its own broker.
set -euo pipefail
PORT="${AMQP_PORT:-5672}"

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

if answers; then
  echo "rabbitmq-up: 127.0.0.1:$PORT already answers" >&2
  exit 0
fi
if ! command -v rabbitmq-server >/dev/null 2>&1; then
  echo "rabbitmq-up: installing rabbitmq-server (Debian package)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq rabbitmq-server >/dev/null
fi
echo "rabbitmq-up: starting rabbitmq-server" >&2
rabbitmq-server -detached >/dev/null 2>&1 || true
for _ in $(seq 1 150); do
  if answers; then
    rabbitmqctl -q await_startup >/dev/null 2>&1 || true
    echo "rabbitmq-up: ready on 127.0.0.1:$PORT" >&2
    exit 0
  fi
  sleep 0.4
done
echo "rabbitmq-up: RabbitMQ did not come up on port $PORT" >&2
exit 1
