from django.urls import path

from . import marking_views, practice_views, views, views_api, views_wrong_book

app_name = "exams"

urlpatterns = [
    path("", views.my_exams, name="my_exams"),
    path("session/<int:session_id>/", views.session_detail, name="session"),
    path("attempt/<int:attempt_id>/", views.attempt_detail, name="attempt"),
    path("attempt/<int:attempt_id>/save", views_api.answer_save_view, name="answer_save"),
    path("attempt/<int:attempt_id>/heartbeat", views_api.heartbeat_view, name="heartbeat"),
    path("attempt/<int:attempt_id>/flag/", views.attempt_flag, name="flag"),
    path("attempt/<int:attempt_id>/submit/", views.attempt_submit_confirm, name="submit"),
    path("attempt/<int:attempt_id>/result/", views.attempt_result, name="result"),
    path("attempt/<int:attempt_id>/review/", views.attempt_review, name="review"),
    path("staff/attempt/<int:attempt_id>/", views.staff_attempt_detail, name="staff_attempt"),
    path("question-images/<int:pk>/", views.question_image, name="question_image"),
    path("wrong-answers/", views_wrong_book.wrong_book, name="wrong_book"),
    path("wrong-answers.pdf", views_wrong_book.wrong_book_pdf, name="wrong_book_pdf"),
    path("practice/", practice_views.practice_choose, name="practice"),
    path("practice/daily/", practice_views.daily, name="daily"),
    path("practice/<int:round_id>/", practice_views.practice_round, name="practice_round"),
    path("marking/", marking_views.marking_queue, name="marking_queue"),
    path(
        "marking/session/<int:session_id>/",
        marking_views.marking_session,
        name="marking_session",
    ),
    path("marking/answer/<int:slot_id>/", marking_views.marking_answer, name="marking_answer"),
]
