from django.urls import path

from . import views_api

app_name = "exams"

urlpatterns = [
    path("attempt/<int:attempt_id>/save", views_api.answer_save_view, name="answer_save"),
]
