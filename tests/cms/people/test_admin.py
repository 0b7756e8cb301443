"""The back office for people: scoped listings, masked IDs, forms and the roster upload."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from cms.people import roster
from cms.people.models import OrgUnit, Role, RoleAssignment, User
from cms.people.services import role_assign
from cms.uploads import SESSION_PREFIX, UPLOAD_EXPIRED
from tests.cms.people.roster_files import roster_row, write_roster
from tests.factories import UserFactory, give_totp

pytestmark = pytest.mark.django_db

PEOPLE_URL = reverse("wagtailusers_users:index")
UNITS_URL = reverse("orgunit:index")
ASSIGNMENTS_URL = reverse("roleassignment:index")


@pytest.fixture
def hr_xihu(tree):
    xihu = tree.districts[0]
    hr = UserFactory(name="人事甲", org_unit=tree.departments_of(xihu)[0])
    role_assign(user=hr, role=Role.HR, scope=xihu)
    give_totp(hr)
    return hr


@pytest.fixture
def hr_client(client, hr_xihu):
    client.force_login(hr_xihu)
    return client


@pytest.fixture
def admin_client_mfa(client, tree):
    admin = UserFactory(is_superuser=True, is_staff=True, org_unit=tree.city)
    give_totp(admin)
    client.force_login(admin)
    return client


def test_staff_without_totp_is_sent_to_set_it_up(client, tree):
    hr = UserFactory(org_unit=tree.city)
    role_assign(user=hr, role=Role.HR, scope=tree.city)
    client.force_login(hr)
    response = client.get(PEOPLE_URL)
    assert response.status_code == 302
    assert reverse("mfa_activate_totp") in response["Location"]


def test_hr_people_listing_shows_own_district_only(hr_client, tree):
    xihu, shangcheng = tree.districts
    UserFactory(name="西湖甲", org_unit=tree.departments_of(xihu)[1])
    UserFactory(name="上城乙", org_unit=tree.departments_of(shangcheng)[0])
    UserFactory(name="市里丙", org_unit=tree.city)
    response = hr_client.get(PEOPLE_URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert "西湖甲" in content and "人事甲" in content
    assert "上城乙" not in content and "市里丙" not in content


def test_listing_masks_national_id(hr_client, tree):
    person = UserFactory(
        name="西湖甲",
        national_id="11010519491231002X",
        org_unit=tree.departments_of(tree.districts[0])[0],
    )
    content = hr_client.get(PEOPLE_URL).content.decode()
    assert person.masked_national_id == "110***********002X"
    assert "110***********002X" in content
    assert "11010519491231002X" not in content


def test_hr_cannot_open_person_outside_scope(hr_client, tree):
    outsider = UserFactory(org_unit=tree.departments_of(tree.districts[1])[0])
    insider = UserFactory(org_unit=tree.departments_of(tree.districts[0])[0])
    for view in ("edit", "delete", "history"):
        url = reverse(f"wagtailusers_users:{view}", args=[outsider.pk])
        assert hr_client.get(url).status_code == 404, view
    response = hr_client.get(reverse("wagtailusers_users:edit", args=[insider.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="name"' in content and 'name="employee_number"' in content
    assert 'name="first_name"' not in content
    assert 'name="is_superuser"' not in content  # roles go through role assignments


def test_hr_edits_person_within_scope(hr_client, tree):
    dept_a, dept_b = tree.departments_of(tree.districts[0])
    person = UserFactory(org_unit=dept_a, email="p@example.gov.cn")
    url = reverse("wagtailusers_users:edit", args=[person.pk])
    data = {
        "employee_number": person.employee_number,
        "name": "改过的名字",
        "org_unit": dept_b.pk,
        "rank": "二级主任科员",
        "email": "p@example.gov.cn",
        "phone": "",
        "national_id": "",
        "is_active": "on",
    }
    response = hr_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert (person.name, person.org_unit, person.rank) == ("改过的名字", dept_b, "二级主任科员")

    outside = tree.departments_of(tree.districts[1])[0]
    response = hr_client.post(url, {**data, "org_unit": outside.pk})
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.org_unit == dept_b


def test_admin_creates_person_without_password(admin_client_mfa, tree):
    dept = tree.departments_of(tree.districts[0])[0]
    response = admin_client_mfa.post(
        reverse("wagtailusers_users:add"),
        {
            "employee_number": "NEW001",
            "name": "新人",
            "org_unit": dept.pk,
            "email": "new@example.gov.cn",
            "national_id": "11010519491231002X",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    person = User.objects.get(employee_number="NEW001")
    assert person.name == "新人" and person.org_unit == dept
    assert not person.has_usable_password()


def test_admin_person_form_rejects_bad_national_id(admin_client_mfa, tree):
    response = admin_client_mfa.post(
        reverse("wagtailusers_users:add"),
        {"employee_number": "NEW002", "name": "新人", "national_id": "110105194912310021"},
    )
    assert response.status_code == 200
    assert roster.NATIONAL_ID_CHECK_DIGIT in response.context["form"].errors["national_id"]
    assert not User.objects.filter(employee_number="NEW002").exists()


def _listing_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_people_listing_query_budget(hr_client, tree, django_assert_max_num_queries):
    depts = tree.departments_of(tree.districts[0])
    UserFactory.create_batch(4, org_unit=depts[0])  # 5 with the HR officer
    five = _listing_queries(hr_client, PEOPLE_URL)
    UserFactory.create_batch(45, org_unit=depts[1])
    fifty = _listing_queries(hr_client, PEOPLE_URL + "?per_page=50")
    assert fifty == five
    with django_assert_max_num_queries(five):
        hr_client.get(PEOPLE_URL)


def test_org_unit_listing_shows_tree_and_path(hr_client, tree):
    response = hr_client.get(UNITS_URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert "杭州市 / 西湖区 / 西湖区司法局" in content
    assert "上城区" not in content
    table = response.context["table"]
    names = [row.name for row in table.data]
    assert names == ["西湖区", "西湖区市场监管局", "西湖区司法局"]  # tree order (by code)


def test_org_unit_listing_query_budget(admin_client_mfa, tree, django_assert_max_num_queries):
    small = _listing_queries(admin_client_mfa, UNITS_URL)
    for i in range(20):
        OrgUnit.objects.get(code="330106").add_child(
            instance=OrgUnit(name=f"科室{i}", code=f"330106-K{i:02d}", kind="section")
        )
    large = _listing_queries(admin_client_mfa, UNITS_URL)
    assert large == small
    with django_assert_max_num_queries(small):
        admin_client_mfa.get(UNITS_URL)


def test_admin_creates_child_unit(admin_client_mfa, tree):
    xihu = tree.districts[0]
    response = admin_client_mfa.post(
        reverse("orgunit:add"),
        {"parent": xihu.pk, "name": "西湖区教育局", "code": "330106-JYJ", "kind": "department"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    unit = OrgUnit.objects.get(code="330106-JYJ")
    assert unit.get_parent() == xihu


def test_hr_assigns_role_only_within_scope(hr_client, tree):
    xihu, shangcheng = tree.districts
    colleague = UserFactory(org_unit=tree.departments_of(xihu)[1])
    outsider = UserFactory(org_unit=tree.departments_of(shangcheng)[0])
    url = reverse("roleassignment:add")
    response = hr_client.post(url, {"user": outsider.pk, "role": "hr", "scope": xihu.pk})
    assert response.status_code == 200
    assert "user" in response.context["form"].errors
    response = hr_client.post(url, {"user": colleague.pk, "role": "exam_admin", "scope": xihu.pk})
    assert "role" in response.context["form"].errors
    response = hr_client.post(url, {"user": colleague.pk, "role": "hr", "scope": shangcheng.pk})
    assert "scope" in response.context["form"].errors
    response = hr_client.post(url, {"user": colleague.pk, "role": "hr", "scope": xihu.pk})
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=colleague, role="hr", scope=xihu).exists()
    colleague.refresh_from_db()
    assert colleague.is_staff


def test_assignment_listing_scoped_and_budgeted(hr_client, tree, django_assert_max_num_queries):
    xihu, shangcheng = tree.districts
    for _ in range(5):
        role_assign(user=UserFactory(org_unit=xihu), role=Role.HR, scope=xihu)
    role_assign(
        user=UserFactory(name="外区人事", org_unit=shangcheng), role=Role.HR, scope=shangcheng
    )
    few = _listing_queries(hr_client, ASSIGNMENTS_URL)
    for _ in range(10):
        role_assign(user=UserFactory(org_unit=xihu), role=Role.HR, scope=xihu)
    with django_assert_max_num_queries(few):
        response = hr_client.get(ASSIGNMENTS_URL)
    assert "外区人事" not in response.content.decode()


def test_hr_bulk_deactivates_only_within_scope(hr_client, tree):
    outsider = UserFactory(org_unit=tree.departments_of(tree.districts[1])[0])
    insider = UserFactory(org_unit=tree.departments_of(tree.districts[0])[1])
    base = reverse("wagtail_bulk_action", args=("people", "user", "set_active_state"))

    hr_client.post(f"{base}?id={outsider.pk}&id={insider.pk}", {"mark_as_active": "False"})
    outsider.refresh_from_db()
    insider.refresh_from_db()
    assert outsider.is_active and insider.is_active  # refused as a whole

    response = hr_client.post(f"{base}?id={insider.pk}", {"mark_as_active": "False"})
    assert response.status_code == 302
    insider.refresh_from_db()
    assert not insider.is_active


# --- roster upload -----------------------------------------------------------------------------
ROSTER_URL = reverse("people_roster_upload")
CONFIRM_URL = reverse("people_roster_confirm")


def _upload(client, path, **extra):
    with open(path, "rb") as fh:
        return client.post(ROSTER_URL, {"file": fh, **extra})


def test_roster_page_and_template_download(hr_client):
    response = hr_client.get(ROSTER_URL)
    assert response.status_code == 200
    assert reverse("people_roster_template") in response.content.decode()
    response = hr_client.get(reverse("people_roster_template"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in workbook["花名册"][1]] == roster.COLUMNS


def test_roster_upload_needs_hr(client, tree):
    author = UserFactory(org_unit=tree.city)
    role_assign(user=author, role=Role.COURSE_AUTHOR, scope=tree.city)
    give_totp(author)
    client.force_login(author)
    response = client.get(ROSTER_URL)
    # Wagtail turns PermissionDenied into a redirect to the dashboard with a message.
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    assert client.get(reverse("people_roster_template")).status_code == 302


def test_roster_upload_with_errors_shows_report_and_writes_nothing(hr_client, tree, tmp_path):
    path = write_roster(
        tmp_path / "r.xlsx",
        [roster_row("XH001", "张三", "330106-SFJ"), roster_row("XH002", "李四", "330102-SFJ")],
    )
    response = _upload(hr_client, path)
    assert response.status_code == 200
    content = response.content.decode()
    assert "单位“330102-SFJ”不在您的管辖范围内。" in content
    assert "<td>第 3 行</td>" in content
    assert "确认导入" not in content
    assert SESSION_PREFIX + "roster" not in hr_client.session
    assert not User.objects.filter(employee_number__startswith="XH").exists()


def test_roster_upload_preview_then_confirm(hr_client, tree, tmp_path):
    dept = tree.departments_of(tree.districts[0])[0]
    leaving = UserFactory(name="将离职", org_unit=dept)
    path = write_roster(
        tmp_path / "r.xlsx",
        [roster_row("XH001", "张三", dept.code), roster_row("XH002", "李四", dept.code)],
    )
    response = _upload(hr_client, path, deactivate_missing="on")
    content = response.content.decode()
    assert "将新增 2 人，更新 0 人，未变 0 人，停用 1 人。" in content
    assert "将离职" in content and "确认导入" in content
    assert not User.objects.filter(employee_number="XH001").exists()

    token = response.context["token"]
    response = hr_client.post(CONFIRM_URL, {"token": token}, follow=True)
    assert "已导入：新增 2 人，更新 0 人，未变 0 人，停用 1 人。" in response.content.decode()
    assert User.objects.filter(employee_number__in=["XH001", "XH002"]).count() == 2
    leaving.refresh_from_db()
    assert not leaving.is_active
    response = hr_client.post(CONFIRM_URL, {"token": token}, follow=True)
    assert str(UPLOAD_EXPIRED) in response.content.decode()


def test_roster_upload_refuses_oversize_file(hr_client, tree, tmp_path, settings):
    settings.UPLOAD_MAX_BYTES = 512 * 1024
    path = tmp_path / "big.csv"
    path.write_text("工号,姓名,单位代码\n" + "XH001,张三,330106-SFJ\n" * 30_000, encoding="utf-8")
    response = _upload(hr_client, path)
    assert response.status_code == 200
    assert "文件过大：不能超过 0.5 MB。" in response.content.decode()


def test_menu_group_and_admin_pages_render(admin_client_mfa, tree):
    response = admin_client_mfa.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    content = response.content.decode("unicode_escape")  # the sidebar is JSON
    for label in ("人员与组织", "人员", "组织单位", "角色授权", "导入花名册"):
        assert label in content
    person = UserFactory(org_unit=tree.city)
    for url in (
        reverse("wagtailusers_users:add"),
        reverse("wagtailusers_users:history", args=[person.pk]),
        reverse("orgunit:add"),
        reverse("orgunit:edit", args=[tree.city.pk]),
        reverse("roleassignment:add"),
        reverse("wagtailadmin_account"),
    ):
        assert admin_client_mfa.get(url).status_code == 200, url


def test_hr_revokes_assignment_through_admin(hr_client, tree):
    xihu = tree.districts[0]
    colleague = UserFactory(org_unit=xihu)
    assignment = role_assign(user=colleague, role=Role.HR, scope=xihu)
    response = hr_client.post(reverse("roleassignment:delete", args=[assignment.pk]))
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert not colleague.groups.exists()
    assert hr_client.get(reverse("roleassignment:edit", args=[assignment.pk])).status_code != 200
