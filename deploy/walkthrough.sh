#!/bin/bash
# README "Running it for real" → "Without Docker, step by step", run as a new user would:
# a fresh clone of this repository in a temporary directory, its own virtualenv, a new
# PostgreSQL database, a server (2 processes) and a worker; then a booking by chat and the
# confirmation in the worker's log. The conversation's later turns are automated (the
# README leaves them to the reader). Needs PostgreSQL on 127.0.0.1 (trust auth) and a free
# port 8000.   Usage: deploy/walkthrough.sh [REPO]   (default: this checkout)
set -euo pipefail
REPO=$(cd "${1:-$(dirname "$0")/..}" && pwd)
WORK=$(mktemp -d)
DB=frontdesk_walk_$$
cleanup() {
  kill -TERM "${SERVER:-}" "${WORKER:-}" 2>/dev/null || true
  wait 2>/dev/null || true
  psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
git clone -q "$REPO" "$WORK/frontdesk" && cd "$WORK/frontdesk"

python3 -m venv .venv && . .venv/bin/activate && pip install -q -e '.[postgres]' > pip.log 2>&1
psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE $DB"
export FRONTDESK_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/$DB
export FRONTDESK_ENVIRONMENT=production
export FRONTDESK_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(32))')
export FRONTDESK_OUTBOX_WORKER=false
export FRONTDESK_OUTBOX_CONSOLE=true
frontdesk migrate
frontdesk tenant create --slug bella --name "Bella Salon" --timezone America/New_York --phone +12125550100
KEY=$(frontdesk api-key create --tenant bella --name ops)
frontdesk serve --workers 2 > server.log 2>&1 & SERVER=$!
frontdesk worker > worker.log 2>&1 & WORKER=$!
until curl -sf localhost:8000/ready; do sleep 1; done; echo
api() { curl -s -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' "localhost:8000/api/v1/$@"; echo; }
SERVICE=$(api services -d '{"name": "Haircut", "duration_minutes": 30}' | python -c 'import json,sys; print(json.load(sys.stdin)["id"])')
api resources -d '{"name": "Ana", "service_ids": ["'$SERVICE'"], "hours": [{"weekday": 1, "start": "09:00", "end": "17:00"}]}' > /dev/null
FIRST=$(api chat -d '{"message": "Hi, I would like a haircut next Tuesday at 10am"}')
echo "$FIRST"
SESSION=$(echo "$FIRST" | python -c 'import json,sys; print(json.load(sys.stdin)["session_id"])')
for said in yes "Maria Lopez" "212 555 0142" yes; do
  api chat -d "{\"session_id\": \"$SESSION\", \"message\": \"$said\"}" | python -c 'import json,sys; print(json.load(sys.stdin)["reply"])'
done
api appointments | python -c 'import json,sys; a=json.load(sys.stdin); assert len(a) == 1, a; print("booked:", a[0]["start"], a[0]["status"])'
for _ in $(seq 30); do grep -q "SMS to +12125550142" worker.log && break; sleep 1; done
grep "SMS to" worker.log
curl -s localhost:8000/metrics | grep '^frontdesk_bookings_total'
kill -TERM $SERVER $WORKER; wait $SERVER $WORKER; SERVER=; WORKER=
tail -1 worker.log
echo "walkthrough: OK"
