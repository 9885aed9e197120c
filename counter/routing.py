"""WebSocket routes (SPEC "Fixed paths"): display, phone and desk sockets.

Only the desk socket reads the officer's session. The display and phone
sockets are anonymous and skip the session middleware, which otherwise runs
on every message sent (a lobby's display sockets send the most of all).
"""

from channels.auth import AuthMiddlewareStack
from django.urls import URLPattern, path

from queueing import consumers
from supervision.consumers import RatingTabletConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/v1/sites/<slug:site>/display/", consumers.DisplayConsumer.as_asgi()),
    path("ws/v1/tickets/<str:token>/", consumers.TicketConsumer.as_asgi()),
    path("ws/v1/sites/<slug:site>/desks/<int:number>/", AuthMiddlewareStack(consumers.DeskConsumer.as_asgi())),
    path("ws/v1/sites/<slug:site>/desks/<int:number>/rating/", RatingTabletConsumer.as_asgi()),
]
