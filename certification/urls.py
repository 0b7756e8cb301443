from django.urls import path

from . import views

app_name = "certification"

urlpatterns = [
    path("", views.my_certificates, name="mine"),
    path("appraisal/", views.my_appraisal, name="my_appraisal"),
    path("learning/<int:year>/claim/", views.learning_certificate_claim, name="learning_claim"),
    path("certificate/<int:pk>.pdf", views.certificate_download, name="certificate_pdf"),
    path("card/<int:pk>.pdf", views.card_download, name="card_pdf"),
    path("transcript.pdf", views.transcript_download, name="transcript_pdf"),
    path("transcript/<int:user_id>.pdf", views.transcript_download, name="person_transcript_pdf"),
]
