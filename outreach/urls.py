from django.urls import path

from outreach import views

app_name = "outreach"

urlpatterns = [
    path("outreach/", views.officers_page, name="officers"),
    path("outreach/requests/new/", views.staff_request, name="staff_request"),
    path("outreach/requests/<int:pk>/schedule/", views.schedule, name="schedule"),
    path("outreach/requests/<int:pk>/decline/", views.decline, name="decline"),
    path("outreach/requests/<int:pk>/outcome/", views.outcome, name="outcome"),
    path("outreach/requests/<int:pk>/move/<str:direction>/", views.move, name="move"),
    path("outreach/route/<str:day>/", views.route_sheet, name="route_sheet"),
    path("outreach/cases/new/", views.open_case, name="open_case"),
    path("outreach/cases/status/", views.case_status, name="case_status"),
    path("outreach/cases/<str:code>/delivery/", views.case_delivery, name="case_delivery"),
    path("outreach/figures/<slug:site>/", views.figures, name="figures"),
    path("outreach/audit/<slug:site>/", views.audit, name="audit"),
    # Fixed paths (SPEC "Outreach"): the public request page and a request's status page.
    path("outreach/<slug:site>/", views.request_page, name="request"),
    path("o/<str:code>/", views.status_page, name="status"),
]
