from django.urls import path

from . import views_hr

app_name = "hr"

urlpatterns = [
    path("", views_hr.hr_dashboard, name="dashboard"),
    path("unit/<int:unit_id>/", views_hr.hr_unit_detail, name="unit"),
    path("person/<int:person_id>/", views_hr.hr_person_detail, name="person"),
    path(
        "person/<int:person_id>/appointment.pdf",
        views_hr.hr_appointment_pdf,
        name="appointment_pdf",
    ),
    path("appointment/", views_hr.hr_appointment_search, name="appointment"),
    path("report.pdf", views_hr.hr_report_pdf, name="report_pdf"),
    path("export/<str:table>.<str:fmt>", views_hr.hr_export, name="export"),
    path("appraisal/<int:year>/", views_hr.hr_appraisal, name="appraisal"),
    path("appraisal/<int:year>/compute/", views_hr.hr_appraisal_compute, name="appraisal_compute"),
    path("appraisal/<int:year>/lock/", views_hr.hr_appraisal_lock, name="appraisal_lock"),
    path("appraisal/record/<int:record_id>/", views_hr.hr_record, name="record"),
    path("jobs/<int:job_id>/", views_hr.hr_job, name="job"),
    path("jobs/<int:job_id>/download/", views_hr.hr_job_download, name="job_download"),
]
