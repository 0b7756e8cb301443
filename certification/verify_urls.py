"""Public verification, mounted at ``/verify/`` (no login)."""

from django.urls import path

from . import views

app_name = "verify"

urlpatterns = [
    path("", views.verify_search, name="search"),
    path("<str:code>", views.verify_code, name="code"),
]
