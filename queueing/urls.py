from django.urls import path

from queueing.views import citizen, desk, display, home, officers

app_name = "queueing"

urlpatterns = [
    path("", home.home, name="home"),
    path("favicon.ico", home.favicon, name="favicon"),
    # Fixed paths (SPEC): the kiosk, the phone ticket page, the desk.
    path("kiosk/<slug:site>/", citizen.kiosk, name="kiosk"),
    path("kiosk/<slug:site>/checklist/<str:prefix>/qr.svg", citizen.kiosk_checklist_qr, name="kiosk-checklist-qr"),
    path("t/<str:token>/", citizen.ticket_page, name="ticket"),
    path("t/<str:token>/print/", citizen.ticket_print, name="ticket-print"),
    path("desk/", desk.desk_index, name="desk-index"),
    path("desk/<int:number>/", desk.desk_page, name="desk"),
    path("display/<slug:site>/", display.display, name="display"),
    path("display/<slug:site>/desk/<int:number>/", display.desk_display, name="desk-display"),
    path("officers/<int:pk>/photo-<int:version>.jpg", officers.officer_photo, name="officer-photo"),
]
