"""The learner's home (我的), mounted at /my/ under the namespace "home"."""

from django.urls import path

from . import views_home

app_name = "home"

urlpatterns = [
    path("", views_home.home, name="index"),
]
