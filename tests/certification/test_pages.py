"""HTTP: "我的证书" and downloads, the admin credential pages, review and batch jobs."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from certification.models import BatchJob, Certificate, Credential, CredentialStatus
from exams.models import ExamKind
from tests.factories import UserFactory

from .conftest import sat

pytestmark = pytest.mark.django_db


def test_my_certificates_and_own_downloads(
    client, credential, officer, django_assert_max_num_queries
):
    client.force_login(officer)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("certification:mine"))
    assert credential.number in page.content.decode()
    card = client.get(reverse("certification:card_pdf", args=[credential.pk]))
    assert card.status_code == 200 and card["Content-Type"] == "application/pdf"
    transcript = client.get(reverse("certification:transcript_pdf"))
    assert transcript.content.startswith(b"%PDF")


def test_others_cannot_download_but_staff_in_scope_can(client, credential, legal, xihu_dept):
    client.force_login(UserFactory(org_unit=xihu_dept))
    assert client.get(reverse("certification:card_pdf", args=[credential.pk])).status_code == 404
    client.force_login(legal)
    assert client.get(reverse("certification:card_pdf", args=[credential.pk])).status_code == 200
    person = reverse("certification:person_transcript_pdf", args=[credential.holder_id])
    assert client.get(person).status_code == 200


def test_admin_listing_is_scoped_and_transitions_need_a_reason(client, credential, legal, tree):
    client.force_login(legal)
    listing = client.get(reverse("certification_admin:index")).content.decode()
    assert f'data-number="{credential.number}"' in listing
    detail = client.get(reverse("certification_admin:detail", args=[credential.pk]))
    assert 'data-action="suspend"' in detail.content.decode()
    url = reverse("certification_admin:transition", args=[credential.pk, "suspend"])
    client.post(url, {"suspend-reason": "", "suspend-legal_basis": ""})
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.ACTIVE
    client.post(url, {"suspend-reason": "违法执法", "suspend-legal_basis": "第二十条"})
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.SUSPENDED
    outsider = UserFactory(org_unit=tree.districts[1])
    from cms.people.models import Role
    from cms.people.services import role_assign
    from tests.factories import give_totp

    role_assign(user=outsider, role=Role.LEGAL_AFFAIRS, scope=tree.districts[1])
    give_totp(outsider)
    client.force_login(outsider)
    listing = client.get(reverse("certification_admin:index")).content.decode()
    assert f'data-number="{credential.number}"' not in listing
    assert (
        client.get(reverse("certification_admin:detail", args=[credential.pk])).status_code == 404
    )


def test_issue_form(client, legal, officer, xihu_dept):
    client.force_login(legal)
    response = client.post(
        reverse("certification_admin:issue"),
        {
            "employee_number": officer.employee_number,
            "authority": xihu_dept.get_parent().pk,
            "domain": "market",
            "area": "西湖区",
            "reason": "资格考试合格",
            "legal_basis": "",
        },
    )
    credential = Credential.objects.get(holder=officer)
    assert response.status_code == 302 and credential.domain == "market"


def test_review_preview_then_run_as_a_task_with_progress(client, credential, legal):
    year = timezone.localdate().year - 1
    Credential.objects.filter(pk=credential.pk).update(issued_on=datetime.date(year - 1, 5, 1))
    client.force_login(legal)
    preview = client.get(reverse("certification_admin:review"), {"year": year})
    assert "不合格，暂扣" in preview.content.decode()
    assert Credential.objects.get(pk=credential.pk).status == CredentialStatus.ACTIVE
    response = client.post(reverse("certification_admin:review"), {"year": year})
    job = BatchJob.objects.get()
    assert response.url == reverse("certification_admin:job", args=[job.pk])
    assert (job.status, job.done, job.total) == ("done", 1, 1)
    assert job.summary["totals"]["suspended"] == 1
    page = client.get(response.url).content.decode()
    assert 'data-job-status="done"' in page
    assert Credential.objects.get(pk=credential.pk).status == CredentialStatus.SUSPENDED


def test_batch_pdfs_for_a_session_give_one_zip(client, legal, xihu_dept):
    passers = [UserFactory(org_unit=xihu_dept, name=f"任前{i}") for i in range(3)]
    for person in passers:
        sat(person, ExamKind.PRE_APPOINTMENT, passed=True, when=timezone.now())
    session = Certificate.objects.first().attempt.session
    client.force_login(legal)
    response = client.post(reverse("certification_admin:batch"), {"session": session.pk})
    job = BatchJob.objects.get()
    assert response.status_code == 302 and job.status == "done" and job.done == 3
    download = client.get(reverse("certification_admin:job_download", args=[job.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert len(archive.namelist()) == 3
    assert all(archive.read(n).startswith(b"%PDF") for n in archive.namelist())
