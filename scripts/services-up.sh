#!/usr/bin/env bash
# Bring up what tests and the demo talk to: RabbitMQ and the MongoDB-compatible test server.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/rabbitmq-up.sh"
"$here/mongo-up.sh"
