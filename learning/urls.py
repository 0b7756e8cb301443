from django.urls import path

from . import views

app_name = "learning"

urlpatterns = [
    path("", views.my_learning, name="my_learning"),
    path("lessons/<int:lesson_id>/heartbeat/", views.lesson_heartbeat, name="lesson_heartbeat"),
    path("courses/<int:course_id>/enrol/", views.course_enrol, name="course_enrol"),
]
