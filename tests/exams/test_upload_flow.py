"""The one upload -> check -> confirm flow (cms.uploads.UploadFlowView) through each of its
four imports, as the people it serves and as those it must refuse: another district's HR, a
learner, a tampered or someone else's token, an oversized file; the column-mapping step and
the mapping remembered per org unit and kind of import."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from cms.people.models import ColumnMapping, Role, User
from cms.people.services import role_assign
from cms.uploads import (
    MAPPING_REMEMBERED,
    PENDING_UPLOAD_DIRECTORY,
    SESSION_PREFIX,
    UPLOAD_EXPIRED,
)
from exams.models import Candidate, Question
from exams.session_views import url_name
from learning.models import StudyHourEntry
from tests.exams.test_session_admin import make_exam_admin
from tests.factories import UserFactory, give_totp
from tests.factories import login_with_mfa as staff_login

pytestmark = pytest.mark.django_db

ROSTER_URL = reverse("people_roster_upload")
ROSTER_CONFIRM_URL = reverse("people_roster_confirm")
TRAINING_URL = reverse("learning_training_upload")
QUESTIONS_URL = reverse("exams_bank_import")


def xlsx(rows, *, title_rows=0, sheet_index=0) -> bytes:
    """A workbook with the rows on its first sheet, or on a second sheet after a notes sheet;
    ``title_rows`` lines (a title, then blank) above them."""
    book = Workbook()
    sheet = book.active
    if sheet_index:
        sheet.title = "说明"
        sheet.append(["填写说明"])
        sheet = book.create_sheet("数据")
    for i in range(title_rows):
        sheet.append(["标题"] if i == 0 else [])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def kept_files(private_root) -> list[str]:
    directory = private_root / PENDING_UPLOAD_DIRECTORY
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def make_hr(unit, scope):
    hr = UserFactory(org_unit=unit, is_staff=True)
    role_assign(user=hr, role=Role.HR, scope=scope)
    give_totp(hr)
    return hr


@pytest.fixture
def admin_client(client):
    staff_login(client, UserFactory(is_superuser=True, is_staff=True))
    return client


@pytest.fixture
def districts(org):
    xihu, shangcheng = org.districts
    return {
        "xihu": xihu,
        "shangcheng": shangcheng,
        "xihu_dept": org.departments_of(xihu)[0],
        "shangcheng_dept": org.departments_of(shangcheng)[0],
    }


@pytest.fixture
def hr_xihu(districts):
    return make_hr(districts["xihu_dept"], districts["xihu"])


@pytest.fixture
def hr_shangcheng(districts):
    return make_hr(districts["shangcheng_dept"], districts["shangcheng"])


# --- the roster, with the mapping step ---------------------------------------------------------


def roster_file(dept, header=("人员工号", "姓名", "单位代码")) -> bytes:
    return xlsx([header, ("XH001", "张三", dept.code), ("XH002", "李四", dept.code)], title_rows=2)


def test_roster_with_unknown_header_gets_the_mapping_step_and_it_is_remembered(
    client, hr_xihu, hr_shangcheng, districts, private_root
):
    dept = districts["xihu_dept"]
    client.force_login(hr_xihu)
    response = client.post(ROSTER_URL, {"file": upload("名单.xlsx", roster_file(dept))})
    content = response.content.decode()
    assert "文件中没有找到必需的列：工号。" in content
    assert 'name="map_from" value="人员工号"' in content
    assert "表头位于工作表“Sheet”第 3 行。" in content
    assert "确认导入</button>" not in content
    token = response.context["token"]
    assert kept_files(private_root) == [token]

    response = client.post(
        ROSTER_URL, {"action": "remap", "token": token, "map_from": "人员工号", "map_to": "工号"}
    )
    content = response.content.decode()
    assert str(MAPPING_REMEMBERED) in content
    assert "将新增 2 人，更新 0 人，未变 0 人，停用 0 人。" in content
    assert "确认导入</button>" in content
    mapping = ColumnMapping.objects.get(org_unit=hr_xihu.org_unit, kind="roster")
    assert mapping.mapping == {"人员工号": "工号"}

    response = client.post(ROSTER_CONFIRM_URL, {"token": token}, follow=True)
    assert "已导入：新增 2 人" in response.content.decode()
    assert User.objects.filter(employee_number__in=["XH001", "XH002"]).count() == 2
    assert kept_files(private_root) == []

    # The unit's next file with the same header goes straight to the check...
    again = client.post(ROSTER_URL, {"file": upload("名单.xlsx", roster_file(dept))})
    assert "将新增 0 人，更新 0 人，未变 2 人" in again.content.decode()
    # ...but another unit's HR has not chosen it: the mapping step, for them.
    client.force_login(hr_shangcheng)
    other = client.post(
        ROSTER_URL, {"file": upload("名单.xlsx", roster_file(districts["shangcheng_dept"]))}
    )
    assert "文件中没有找到必需的列：工号。" in other.content.decode()


def test_another_districts_hr_cannot_write_into_this_district(
    client, hr_shangcheng, districts, private_root
):
    client.force_login(hr_shangcheng)
    header = ("工号", "姓名", "单位代码")
    response = client.post(
        ROSTER_URL, {"file": upload("r.xlsx", roster_file(districts["xihu_dept"], header))}
    )
    content = response.content.decode()
    assert f"单位“{districts['xihu_dept'].code}”不在您的管辖范围内。" in content
    assert "确认导入</button>" not in content
    assert kept_files(private_root) == []
    assert not User.objects.filter(employee_number="XH001").exists()


def test_a_token_works_only_for_the_session_that_uploaded_it(
    client, hr_xihu, districts, private_root
):
    header = ("工号", "姓名", "单位代码")
    client.force_login(hr_xihu)
    response = client.post(
        ROSTER_URL, {"file": upload("r.xlsx", roster_file(districts["xihu_dept"], header))}
    )
    token = response.context["token"]

    # Another person (even a superuser) holding the token: not theirs.
    other_client = type(client)()
    staff_login(other_client, UserFactory(is_superuser=True, is_staff=True))
    response = other_client.post(ROSTER_CONFIRM_URL, {"token": token}, follow=True)
    assert str(UPLOAD_EXPIRED) in response.content.decode()
    # A tampered token, a path-like token, no token.
    for forged in ("0" * 32, "../../etc/passwd", ""):
        response = client.post(ROSTER_CONFIRM_URL, {"token": forged}, follow=True)
        assert str(UPLOAD_EXPIRED) in response.content.decode()
    assert not User.objects.filter(employee_number="XH001").exists()
    assert kept_files(private_root) == [token]  # still the uploader's to confirm
    response = client.post(ROSTER_CONFIRM_URL, {"token": token}, follow=True)
    assert User.objects.filter(employee_number="XH001").exists()


def test_an_oversized_file_is_refused_before_it_is_kept(
    client, hr_xihu, districts, private_root, settings
):
    settings.UPLOAD_MAX_BYTES = 512 * 1024
    client.force_login(hr_xihu)
    big = "工号,姓名,单位代码\n" + "XH001,张三,330106-SFJ\n" * 30_000
    admin = type(client)()
    staff_login(admin, UserFactory(is_superuser=True, is_staff=True))
    for who, url in ((client, ROSTER_URL), (client, TRAINING_URL), (admin, QUESTIONS_URL)):
        response = who.post(url, {"file": upload("big.csv", big.encode())})
        assert "文件过大：不能超过 0.5 MB。" in response.content.decode(), url
    assert kept_files(private_root) == []
    assert not [k for k in client.session.keys() if k.startswith(SESSION_PREFIX)]


def test_a_learner_is_refused_every_step(client, districts, private_root):
    learner = UserFactory(org_unit=districts["xihu_dept"])
    client.force_login(learner)
    header = ("工号", "姓名", "单位代码")
    data = roster_file(districts["xihu_dept"], header)
    for url in (ROSTER_URL, ROSTER_CONFIRM_URL, TRAINING_URL, QUESTIONS_URL):
        assert client.get(url).status_code in (302, 403), url
        response = client.post(url, {"file": upload("r.xlsx", data)})
        assert response.status_code in (302, 403), url
        response = client.post(url, {"action": "confirm", "token": "0" * 32})
        assert response.status_code in (302, 403), url
    assert kept_files(private_root) == []
    assert not User.objects.filter(employee_number="XH001").exists()


# --- offline training -----------------------------------------------------------------------


def test_offline_training_with_a_header_on_row_3_of_sheet_2(client, hr_xihu, districts):
    person = UserFactory(org_unit=districts["xihu_dept"], employee_number="E1001")
    rows = [
        ("员工号", "培训项目", "培训日期", "培训学时", "类别"),
        (person.employee_number, "宪法宣讲", "2026-01-05", 2, "线下培训"),
    ]
    data = xlsx(rows, title_rows=2, sheet_index=1)
    client.force_login(hr_xihu)
    response = client.post(TRAINING_URL, {"file": upload("t.xlsx", data)})
    content = response.content.decode()
    assert "将新增 1 条学时记录" in content and "宪法宣讲" in content
    assert not StudyHourEntry.objects.exists()
    client.post(reverse("learning_training_confirm"), {"token": response.context["token"]})
    assert StudyHourEntry.objects.get().user == person


# --- candidate list ---------------------------------------------------------------------------


def test_candidate_list_checks_then_confirms_and_is_bound_to_its_session(
    client, open_session, districts, blueprint
):
    from exams.models import ExamSession

    admin = make_exam_admin(districts["xihu"])
    open_session.eligible_unit = districts["xihu"]
    open_session.save()
    person = UserFactory(org_unit=districts["xihu_dept"], employee_number="XH0001")
    other_session = ExamSession.objects.get(pk=open_session.pk)
    other_session.pk, other_session.title = None, "另一场"
    other_session.save()
    client.force_login(admin)
    url = reverse(url_name("candidates_import"), args=[open_session.pk])
    data = xlsx([("考生工号", "延长时间", "备注"), (person.employee_number, 30, "视力障碍")])
    response = client.post(url, {"file": upload("名单.xlsx", data)})
    content = response.content.decode()
    assert "将新增 1 人，更新 0 人，未变 0 人。" in content and "视力障碍" in content
    token = response.context["token"]

    # The token names this session's list: posted to another session's page it finds nothing.
    other_url = reverse(url_name("candidates_import"), args=[other_session.pk])
    response = client.post(other_url, {"action": "confirm", "token": token}, follow=True)
    assert str(UPLOAD_EXPIRED) in response.content.decode()
    response = client.post(url, {"action": "confirm", "token": token})
    assert response.status_code == 302
    candidate = Candidate.objects.get(session=open_session)
    assert (candidate.user, candidate.extra_minutes, candidate.note) == (person, 30, "视力障碍")
    assert not Candidate.objects.filter(session=other_session).exists()


# --- questions ------------------------------------------------------------------------------


def test_question_bank_with_office_headers_through_the_flow(
    admin_client, law_library, private_root
):
    from tests.exams.formats.test_spreadsheet import office_workbook

    response = admin_client.post(QUESTIONS_URL, {"file": upload("题库.xlsx", office_workbook())})
    content = response.content.decode()
    assert "文件格式：" in content and "可导入 4 道试题" in content
    assert "行政许可证件应当自作出决定之日起几日内颁发？" in content
    assert not Question.objects.exists()
    token = response.context["token"]
    response = admin_client.post(QUESTIONS_URL, {"action": "confirm", "token": token})
    assert response.status_code == 302
    assert Question.objects.count() == 4
    assert kept_files(private_root) == []


def test_question_bank_errors_are_all_listed_by_row(admin_client, law_library):
    rows = [
        ("题型", "题干", "选项A", "选项B", "答案", "难度", "法条", "知识点"),
        ("单选", "第一题", "甲", "乙", "A", 3.5, "宪法第二条", "宪法"),
        ("单选", "第二题", "甲", "乙", "A", 2, "宪法第二条", "宪法"),
        ("多选", "", "甲", "乙", "A", 9, "宪法第二条", "宪法"),
    ]
    response = admin_client.post(QUESTIONS_URL, {"file": upload("q.xlsx", xlsx(rows))})
    errors = [(e.position, e.message) for e in response.context["report"].errors]
    assert [position for position, _ in errors] == ["第 2 行", "第 4 行", "第 4 行", "第 4 行"]
    assert "难度应为 1 到 5 的整数，而不是“3.5”。" in response.content.decode()
    assert "确认导入</button>" not in response.content.decode()
    assert not Question.objects.exists()
