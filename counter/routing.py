"""WebSocket routes (SPEC "Fixed paths"): display, phone and desk sockets."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
