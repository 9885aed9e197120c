#!/usr/bin/env bash
# Install what the tests need and run the whole suite: lint, migrations check,
# the Django and live-server tests, then the browser tests in headless Chromium.
# DATABASE_URL / REDIS_URL switch the suite to PostgreSQL / Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_setup.sh
setup_debian gettext chromium fonts-noto-cjk
setup_python requirements-test.txt
setup_axe
compile_messages
python manage.py collectstatic --noinput -v0

# COUNTER_CHECKS=0 skips the lint, type and migration checks (a second run on other engines).
if [ "${COUNTER_CHECKS:-1}" != 0 ]; then
  ruff check .
  ruff format --check .
  mypy counter queueing notices supervision outreach appointments
  python manage.py makemigrations --check --dry-run -v1
  python manage.py check
fi

# Two worker processes (pytest-xdist), each with its own test database and Redis database;
# COUNTER_TEST_WORKERS sets how many (0: everything in this one process).
workers=(-n "${COUNTER_TEST_WORKERS:-2}" --dist worksteal)
# In file order here (-p no:randomly); scripts/loop.sh also shuffles it, to find tests that need an order.
pytest -p no:randomly "${workers[@]}" tests --ignore=tests/e2e "$@"
# Playwright's sync API and pytest-asyncio don't share one process well.
pytest -p no:randomly "${workers[@]}" tests/e2e "$@"
