"""The project's URLs plus the benchmark's plain save endpoint (before Wagtail's catch-all)."""

from django.urls import path

from cms.urls import urlpatterns as project_urlpatterns

from .plain_views import plain_answer_save

PLAIN_SAVE_PATH = "bench/plain/attempt/{attempt_id}/save"

urlpatterns = [
    path("bench/plain/attempt/<int:attempt_id>/save", plain_answer_save, name="bench_plain_save"),
    *project_urlpatterns,
]
