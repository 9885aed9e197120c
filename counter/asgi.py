"""ASGI entry point: Django for HTTP, Channels for WebSockets (served by daphne)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "counter.settings")
# Set up Django before importing anything that touches models.
django.setup(set_prefix=False)

from counter.handlers import PooledASGIHandler  # noqa: E402

django_asgi_app = PooledASGIHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from counter.routing import websocket_urlpatterns  # noqa: E402
from queueing import wire  # noqa: E402

wire.skip_unlogged_debug_text()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # The session is read only where it is needed: see counter/routing.py.
        "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)
