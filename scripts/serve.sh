#!/usr/bin/env bash
# Install Counter, migrate, create the demo site when the database is empty,
# and serve it with daphne on port 8000 (HTTP and WebSockets).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_setup.sh
setup_python requirements.txt
setup_debian gettext
compile_messages

python manage.py migrate --noinput -v0
python manage.py collectstatic --noinput -v0
if [ "$(python manage.py shell -v 0 -c 'from queueing.models import Site; print(Site.objects.exists())')" = "False" ]; then
  python manage.py seed_demo
fi

port="${PORT:-8000}"
base="http://localhost:${port}"
site="$(python manage.py shell -v 0 -c 'from queueing.models import Site; print(Site.objects.values_list("slug", flat=True).first())')"
cat <<URLS

Counter is starting on ${base}
  kiosk:        ${base}/kiosk/${site}/
  desk:         ${base}/desk/            (sign in at ${base}/accounts/login/)
  display:      ${base}/display/${site}/
  API:          ${base}/api/v1/docs      (OpenAPI: ${base}/api/v1/openapi.json)
  snapshot:     ${base}/api/v1/sites/${site}/snapshot/
  admin:        ${base}/admin/           (create an account: python manage.py createsuperuser)

URLS
exec daphne -b "${BIND:-0.0.0.0}" -p "${port}" counter.asgi:application
