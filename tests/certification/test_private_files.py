"""Private files (issue #10, finding 4): HR exports, certificate and card zips and pending
question imports live in the private storage under random names, never under MEDIA_ROOT; they
are downloaded only by their creator (while holding the role) or a superuser, and purged after
the retention period.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import re
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import re_path, reverse
from django.utils import timezone
from django.views.static import serve

from certification.models import BatchJob, Certificate
from certification.selectors import MSG_JOB_FILE_EXPIRED
from cms.people.models import Role, RoleAssignment
from cms.people.services import role_assign, role_revoke
from cms.uploads import pending_upload_read as pending_import_read
from cms.uploads import pending_upload_save as pending_import_save
from cms.urls import urlpatterns as site_urlpatterns
from exams.models import ExamKind
from tests.factories import UserFactory, give_totp

from .conftest import sat
from .hr_data import YEAR, small_city

pytestmark = pytest.mark.django_db

TOKEN_NAME = re.compile(r"^certification/jobs/(?P<token>[A-Za-z0-9_-]{32})\.(csv|xlsx|zip)$")


def _media(request, path):
    return serve(request, path, document_root=django_settings.MEDIA_ROOT)


# What ``make run`` (DEBUG) mounts: MEDIA_ROOT served to anyone at /media/, before the site.
urlpatterns = [re_path(r"^media/(?P<path>.*)$", _media), *site_urlpatterns]


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def city():
    return small_city()


@pytest.fixture
def superuser():
    user = UserFactory(is_superuser=True, is_staff=True, name="系统管理员")
    give_totp(user)
    return user


def _background_export(client, hr, settings, table="people", fmt="csv") -> BatchJob:
    settings.HR_EXPORT_SYNC_MAX_ROWS = 0  # every export runs as a job and leaves a file
    client.force_login(hr)
    response = client.get(reverse("hr:export", args=[table, fmt]), {"year": YEAR})
    job = BatchJob.objects.filter(created_by=hr).latest("pk")
    assert response.url == reverse("hr:job", args=[job.pk])
    assert job.status == BatchJob.Status.DONE
    client.logout()
    return job


def _files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_export_file_is_private_under_a_random_name(
    client, city, settings, media_root, private_root
):
    job = _background_export(client, city.hr_a, settings)

    match = TOKEN_NAME.match(job.file.name)
    assert match, job.file.name
    assert not re.search(r"\d{8}-\d{4}", job.file.name)  # no timestamp in the stored name
    assert "人员明细" not in job.file.name
    assert re.fullmatch(rf"人员明细-{YEAR}-\d{{8}}-\d{{4}}\.csv", job.download_name)
    assert (private_root / job.file.name).is_file()
    assert _files_under(media_root) == []  # nothing at all in the public media root
    other = _background_export(client, city.hr_a, settings)
    assert TOKEN_NAME.match(other.file.name)["token"] != match["token"]
    with pytest.raises(ValueError):
        job.file.url  # noqa: B018  private files have no URL


def test_anonymous_get_of_media_never_reaches_an_export(
    client, city, settings, media_root, private_root
):
    job = _background_export(client, city.hr_a, settings)
    settings.ROOT_URLCONF = __name__
    media_root.mkdir(parents=True, exist_ok=True)
    (media_root / "lesson.png").write_bytes(b"\x89PNG public")
    assert client.get("/media/lesson.png").status_code == 200  # /media/ is served, as in DEBUG
    token_name = job.file.name
    guesses = [
        token_name,
        token_name.rsplit("/", 1)[-1],
        f"certification/batches/{job.download_name}",
        job.download_name,
        f"../private/{token_name}",
        quote(f"../private/{token_name}"),
        f"..%2Fprivate%2F{token_name}",
    ]
    for guess in guesses:
        response = client.get(f"/media/{guess}")
        assert response.status_code in (400, 404), guess  # 400: path traversal refused
        assert "人员甲" not in _body(response).decode(errors="replace")


def test_download_refuses_anonymous_and_other_people(client, city, settings):
    job = _background_export(client, city.hr_a, settings)
    download = reverse("hr:job_download", args=[job.pk])
    page = reverse("hr:job", args=[job.pk])
    admin_download = reverse("certification_admin:job_download", args=[job.pk])

    for url in (download, page):
        response = client.get(url)
        assert response.status_code == 302 and reverse("account_login") in response.url
    assert client.get(admin_download).status_code == 302  # to the admin's login

    client.force_login(city.hr_b)  # HR of another district
    for url in (download, page, admin_download):
        assert client.get(url).status_code == 404

    learner = UserFactory(org_unit=city.people["甲"].org_unit)
    client.force_login(learner)
    assert client.get(download).status_code == 403

    colleague = UserFactory(org_unit=city.tree.city, name="另一位西湖人事")
    role_assign(user=colleague, role=Role.HR, scope=city.tree.districts[0])
    give_totp(colleague)
    client.force_login(colleague)  # same scope, but not the creator
    assert client.get(download).status_code == 404


def test_creator_and_superuser_download_the_csv(client, city, settings, superuser):
    job = _background_export(client, city.hr_a, settings)
    download = reverse("hr:job_download", args=[job.pk])
    for user in (city.hr_a, superuser):
        client.force_login(user)
        response = client.get(download)
        assert response.status_code == 200
        assert response["Content-Disposition"] == (
            f"attachment; filename*=utf-8''{quote(job.download_name)}"
        )
        assert "no-store" in response["Cache-Control"]
        rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))
        assert rows[0][:3] == ["工号", "姓名", "单位"]
        names = sorted(row[1] for row in rows[1:])
        assert names == ["人员丁", "人员丙", "人员乙", "人员甲"]  # 西湖区 only, no 人员戊
    page = client.get(reverse("hr:job", args=[job.pk])).content.decode()
    assert download in page and job.download_name in page


def test_xlsx_export_downloads_through_the_admin_view_too(client, city, settings):
    from openpyxl import load_workbook

    job = _background_export(client, city.hr_a, settings, fmt="xlsx")
    assert TOKEN_NAME.match(job.file.name)
    client.force_login(city.hr_a)
    response = client.get(reverse("certification_admin:job_download", args=[job.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(_body(response))).active
    assert [c.value for c in sheet[1]][:3] == ["工号", "姓名", "单位"]
    assert sorted(r[1] for r in sheet.iter_rows(min_row=2, values_only=True)) == [
        "人员丁", "人员丙", "人员乙", "人员甲",
    ]  # fmt: skip


def test_creator_who_lost_the_role_can_no_longer_download(client, city, settings):
    job = _background_export(client, city.hr_a, settings)
    role_assign(user=city.hr_a, role=Role.LEGAL_AFFAIRS, scope=city.tree.districts[0])
    role_revoke(assignment=RoleAssignment.objects.get(user=city.hr_a, role=Role.HR))
    client.force_login(city.hr_a)
    assert client.get(reverse("hr:job_download", args=[job.pk])).status_code == 403
    admin_download = reverse("certification_admin:job_download", args=[job.pk])
    assert client.get(admin_download).status_code == 404  # legal affairs: not an HR export


def test_certificate_batch_zip_is_private_and_only_for_its_creator(
    client, legal, xihu_dept, tree, media_root, private_root, superuser
):
    for i in range(2):
        person = UserFactory(org_unit=xihu_dept, name=f"任前{i}")
        sat(person, ExamKind.PRE_APPOINTMENT, passed=True, when=timezone.now())
    session = Certificate.objects.first().attempt.session
    client.force_login(legal)
    client.post(reverse("certification_admin:batch"), {"session": session.pk})
    job = BatchJob.objects.get(kind=BatchJob.Kind.CERTIFICATE_PDFS)
    assert TOKEN_NAME.match(job.file.name) and job.file.name.endswith(".zip")
    assert re.fullmatch(rf"批量证书-{job.pk}-\d{{8}}-\d{{6}}\.zip", job.download_name)
    assert (private_root / job.file.name).is_file() and _files_under(media_root) == []
    download = reverse("certification_admin:job_download", args=[job.pk])
    page = client.get(reverse("certification_admin:job", args=[job.pk])).content.decode()
    assert download in page and job.download_name in page

    response = client.get(download)
    assert response.status_code == 200
    assert quote(job.download_name) in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(_body(response)))
    assert len(archive.namelist()) == 2
    assert all(archive.read(n).startswith(b"%PDF") for n in archive.namelist())

    other_legal = UserFactory(org_unit=tree.districts[1], name="上城法制")
    role_assign(user=other_legal, role=Role.LEGAL_AFFAIRS, scope=tree.districts[1])
    give_totp(other_legal)
    client.force_login(other_legal)
    assert client.get(download).status_code == 404
    assert client.get(reverse("certification_admin:job", args=[job.pk])).status_code == 404
    client.force_login(superuser)
    assert client.get(download).status_code == 200
    client.logout()
    response = client.get(download)
    assert response.status_code == 302 and "login" in response.url


def _age(path: Path, days: int) -> None:
    stamp = (timezone.now() - datetime.timedelta(days=days)).timestamp()
    os.utime(path, (stamp, stamp))


def test_purge_removes_files_past_retention_and_the_page_says_expired(
    client, city, settings, private_root
):
    settings.PRIVATE_FILE_RETENTION_DAYS = 7
    old = _background_export(client, city.hr_a, settings)
    new = _background_export(client, city.hr_a, settings)
    BatchJob.objects.filter(pk=old.pk).update(
        finished_at=timezone.now() - datetime.timedelta(days=8)
    )
    BatchJob.objects.filter(pk=new.pk).update(
        finished_at=timezone.now() - datetime.timedelta(days=6)
    )
    stray = private_root / "certification" / "jobs" / "left-behind.zip"
    stray.write_bytes(b"PK old")
    _age(stray, 9)
    stale_import = pending_import_save(data=b"old upload")
    _age(private_root / "uploads" / "pending" / stale_import, 8)
    fresh_import = pending_import_save(data=b"new upload")

    out = io.StringIO()
    call_command("purge_private_files", "--dry-run", stdout=out)
    assert f"job #{old.pk}: file would delete" in out.getvalue()
    assert (private_root / old.file.name).exists() and stray.exists()
    assert BatchJob.objects.get(pk=old.pk).file_expired_at is None

    out = io.StringIO()
    call_command("purge_private_files", stdout=out)
    assert "deleted (older than 7 days): 1 job files, 1 stray files, 1 pending imports" in (
        out.getvalue()
    )
    assert not (private_root / old.file.name).exists() and not stray.exists()
    assert (private_root / new.file.name).exists()
    assert pending_import_read(token=stale_import) is None
    assert pending_import_read(token=fresh_import) == b"new upload"
    old.refresh_from_db()
    assert old.file.name == "" and old.file_expired_at is not None
    assert old.status == BatchJob.Status.DONE and old.download_name  # the row stays

    client.force_login(city.hr_a)
    note_start = str(MSG_JOB_FILE_EXPIRED).split("%")[0]
    page = client.get(reverse("hr:job", args=[old.pk]))
    assert note_start in page.content.decode() and "7 天" in page.content.decode()
    assert reverse("hr:job_download", args=[old.pk]) not in page.content.decode()
    response = client.get(reverse("hr:job_download", args=[old.pk]))
    assert response.status_code == 410 and note_start in response.content.decode()
    assert client.get(reverse("hr:job_download", args=[new.pk])).status_code == 200
    client.force_login(city.hr_b)  # the expiry note is no reason to show others the job
    assert client.get(reverse("hr:job_download", args=[old.pk])).status_code == 404


def test_purge_with_zero_days_clears_everything(client, city, settings, private_root):
    job = _background_export(client, city.hr_a, settings)
    call_command("purge_private_files", "--days", "0", stdout=io.StringIO())
    job.refresh_from_db()
    assert job.file_expired and _files_under(private_root / "certification") == []
