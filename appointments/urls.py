from django.urls import path

from appointments import views

app_name = "appointments"

urlpatterns = [
    # Fixed paths (SPEC): the booking page and a booking's page.
    path("book/<slug:site>/", views.book, name="book"),
    path("a/<str:code>/", views.booking_page, name="booking"),
    path("a/<str:code>/cancel/", views.booking_cancel, name="cancel"),
    path("a/<str:code>/calendar.ics", views.booking_ics, name="ics"),
    # The phone ticket page's small form: a mobile number for "3 people ahead" and "called".
    path("t/<str:token>/alerts/", views.ticket_alerts, name="ticket-alerts"),
    # Supervisors: the appointments' figures beside supervision's report.
    path("supervision/<slug:site>/appointments/", views.supervision, name="supervision"),
    path("supervision/<slug:site>/appointments/<slug:table>.csv", views.supervision_csv, name="supervision-csv"),
]
