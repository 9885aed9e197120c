from django.contrib import admin
from django.urls import include, path

from counter.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("", include("queueing.urls")),
    path("", include("notices.urls")),
    path("", include("supervision.urls")),
    path("", include("outreach.urls")),
    path("", include("appointments.urls")),
]
