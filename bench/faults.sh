#!/usr/bin/env bash
# The fault tests (故障演练, tests/faults, docs/faults.md), verbosely, with the per-fault summary
# printed at the end and written to instance/faults-summary.txt (FAULTS_SUMMARY overrides).
#
#   bench/faults.sh                     # on SQLite (+ the private Redis/PostgreSQL the tests start)
#   TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/wgt_faults \
#   TEST_REDIS_URL=redis://127.0.0.1:6379/8 bench/faults.sh      # on PostgreSQL + Redis
#   bench/faults.sh -k redis            # extra arguments go to pytest
#
# The tests start their own redis-server and PostgreSQL cluster on free ports and never stop
# or restart the machine's shared ones.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
[ -x "$python" ] || python=python3
mkdir -p instance
export FAULTS_SUMMARY=${FAULTS_SUMMARY:-instance/faults-summary.txt}
started=$(date +%s)
status=0
"$python" -m pytest tests/faults -v -s -p no:cacheprovider "$@" || status=$?
echo "fault tests took $(( $(date +%s) - started )) s; summary in $FAULTS_SUMMARY"
exit "$status"
