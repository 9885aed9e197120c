from django.urls import path

from notices import views

app_name = "notices"

urlpatterns = [
    path("notices/preview/<int:pk>/", views.preview, name="preview"),
    path("notices/<slug:site>/", views.index, name="index"),
    # Fixed path (SPEC): a business type's checklist.
    path("notices/<slug:site>/<str:prefix>/", views.checklist, name="checklist"),
    # The short URL of a missing-documents notice (its QR code).
    path("n/<str:code>/", views.notice, name="notice"),
]
