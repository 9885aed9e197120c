"""WebSocket routes (SPEC "Fixed paths"): display, phone and desk sockets."""

from django.urls import URLPattern, path

from queueing import consumers

websocket_urlpatterns: list[URLPattern] = [
    path("ws/v1/sites/<slug:site>/display/", consumers.DisplayConsumer.as_asgi()),
    path("ws/v1/tickets/<str:token>/", consumers.TicketConsumer.as_asgi()),
    path("ws/v1/sites/<slug:site>/desks/<int:number>/", consumers.DeskConsumer.as_asgi()),
]
