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

ruff check .
ruff format --check .
mypy counter queueing notices supervision outreach appointments
python manage.py makemigrations --check --dry-run -v1
python manage.py check

# In file order here (-p no:randomly); scripts/loop.sh also shuffles it, to find tests that need an order.
pytest -p no:randomly tests --ignore=tests/e2e "$@"
# Playwright's sync API and pytest-asyncio don't share one process well.
pytest -p no:randomly tests/e2e "$@"
