#!/usr/bin/env bash
# The embedded default: one Celery worker (with beat) on a folder queue beside the dev server.
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p var/queue/messages var/queue/control var/log

"$BIN/celery" -A config worker --beat --pool=solo --loglevel=info \
  --schedule var/celerybeat-schedule >var/log/worker.log 2>&1 &
WORKER_PID=$!
stop() { kill "$WORKER_PID" 2>/dev/null || true; wait "$WORKER_PID" 2>/dev/null || true; }
trap stop EXIT INT TERM

echo "Worker running (pid $WORKER_PID, log: var/log/worker.log)."
echo "Commons: http://${HOST:-127.0.0.1}:${PORT:-8000}/  (Ctrl-C to stop)"
"$BIN/python" manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}"
