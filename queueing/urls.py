from django.urls import path

from queueing import views

app_name = "queueing"

urlpatterns = [
    path("", views.home, name="home"),
]
