from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("notifications/", views.notifications, name="notifications"),
]
