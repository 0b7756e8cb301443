from django.urls import path

from . import views

app_name = "laws"

urlpatterns = [
    path("", views.law_index, name="index"),
]
