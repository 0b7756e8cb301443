"""The people admin and every scoped admin view, tried as an attacker with one district login.

The attacker is ``hr-xihu``-like: HR of 西湖区 (or a 西湖区 exam administrator), with TOTP and
a session that passed it. Each test tries what issue #10 found and asserts the refusal and
that nothing outside the district reaches the response body.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from wagtail.admin.viewsets import viewsets as admin_viewsets
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from cms.admin_scoping import ScopedViewSetMixin
from cms.people.models import Role, RoleAssignment, User
from cms.people.roster import national_id_check_digit
from cms.people.selectors import people_manageable_by, user_may_manage_person
from cms.people.services import PERSON_NOT_MANAGEABLE, person_set_password, role_assign
from exams.models import Attempt, AttemptStatus, Blueprint, ExamKind, ExamSession, Topic
from learning.models import StudyHourEntry
from tests.factories import UserFactory, login_with_mfa

pytestmark = pytest.mark.django_db

FULL_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
NEW_PASSWORD = "Attacker-Chosen-99"


@pytest.fixture
def xihu(tree):
    return tree.districts[0]


@pytest.fixture
def shangcheng(tree):
    return tree.districts[1]


@pytest.fixture
def hr_xihu(tree, xihu):
    hr = UserFactory(
        name="西湖人事", employee_number="hr-xihu", org_unit=tree.departments_of(xihu)[0]
    )
    role_assign(user=hr, role=Role.HR, scope=xihu)
    return hr


@pytest.fixture
def hr_client(client, hr_xihu):
    login_with_mfa(client, hr_xihu)
    return client


@pytest.fixture
def superuser(tree, xihu):
    """A superuser who happens to sit in 西湖区, so that HR of 西湖区 can see them."""
    return UserFactory(
        name="超级管理员",
        employee_number="root",
        is_superuser=True,
        is_staff=True,
        org_unit=tree.departments_of(xihu)[1],
    )


@pytest.fixture
def learner(tree, xihu):
    return UserFactory(
        name="西湖学员",
        national_id="11010519491231002X",
        org_unit=tree.departments_of(xihu)[1],
    )


@pytest.fixture
def outsider(tree, shangcheng):
    return UserFactory(
        name="上城学员",
        employee_number="SC0001",
        national_id="330102198001010018",
        phone="13900000001",
        email="sc0001@example.gov.cn",
        org_unit=tree.departments_of(shangcheng)[0],
    )


def _edit_data(person: User, **changes) -> dict:
    data = {
        "employee_number": person.employee_number,
        "name": person.name,
        "org_unit": person.org_unit_id,
        "rank": person.rank,
        "email": person.email,
        "phone": person.phone,
        "national_id": "",
        "is_active": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _edit_url(person: User) -> str:
    return reverse("wagtailusers_users:edit", args=[person.pk])


def _refused(response) -> bool:
    """Wagtail's admin turns PermissionDenied into a redirect home with an error message."""
    if response.status_code == 403:
        return True
    return response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")


def _assert_no_trace(content: str, person: User) -> None:
    for value in (person.name, person.employee_number, person.national_id, person.phone):
        if value:
            assert value not in content, value
    if person.email:
        assert person.email not in content


# --- copy: removed, so nobody can be overwritten through it -----------------------------------


def test_copy_of_superuser_and_of_outsider_is_not_routed(hr_client, superuser, outsider, tree):
    with pytest.raises(NoReverseMatch):
        reverse("wagtailusers_users:copy", args=[superuser.pk])
    password_hash = superuser.password
    for target in (superuser, outsider):
        url = f"/admin/users/copy/{target.pk}/"
        response = hr_client.get(url)
        assert response.status_code == 404
        _assert_no_trace(response.content.decode(), outsider)
        response = hr_client.post(
            url,
            {
                "employee_number": target.employee_number,
                "name": "被篡改",
                "org_unit": tree.departments_of(tree.districts[0])[0].pk,
                "email": "attacker@example.com",
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
            },
        )
        assert response.status_code == 404
    superuser.refresh_from_db()
    assert superuser.is_superuser and superuser.name == "超级管理员"
    assert superuser.password == password_hash and not superuser.check_password(NEW_PASSWORD)
    assert User.objects.filter(name="被篡改").count() == 0


# --- who may manage whom ----------------------------------------------------------------------


@pytest.fixture
def colleague_hr(tree, xihu):
    person = UserFactory(name="同级人事", org_unit=tree.departments_of(xihu)[1])
    role_assign(user=person, role=Role.HR, scope=tree.departments_of(xihu)[1])
    return person


@pytest.fixture
def city_exam_admin(tree, xihu):
    """Sits in 西湖区 but holds a city-wide staff role."""
    person = UserFactory(name="市考试管理员", org_unit=tree.departments_of(xihu)[0])
    role_assign(user=person, role=Role.EXAM_ADMIN, scope=tree.city)
    return person


def test_password_of_superuser_equal_and_other_staff_roles_is_refused(
    hr_client, hr_xihu, superuser, colleague_hr, city_exam_admin
):
    for target in (superuser, colleague_hr, city_exam_admin, hr_xihu):
        before = User.objects.get(pk=target.pk).password
        url = _edit_url(target)
        assert _refused(hr_client.get(url)), target
        data = _edit_data(target, password1=NEW_PASSWORD, password2=NEW_PASSWORD)
        assert _refused(hr_client.post(url, data)), target
        assert User.objects.get(pk=target.pk).password == before
        if target is hr_xihu:  # one's own password: the account page, not the people admin
            continue
        with pytest.raises(PermissionDenied) as refused:
            person_set_password(person=target, password=NEW_PASSWORD, actor=hr_xihu)
        assert refused.value.args[0] == PERSON_NOT_MANAGEABLE
    assert not ModelLogEntry.objects.filter(action="people.password_set").exists()
    assert mail.outbox == []


def test_password_of_plain_learner_is_set_audited_and_the_person_told(hr_client, hr_xihu, learner):
    response = hr_client.post(
        _edit_url(learner), _edit_data(learner, password1=NEW_PASSWORD, password2=NEW_PASSWORD)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    learner.refresh_from_db()
    assert learner.check_password(NEW_PASSWORD)

    entry = ModelLogEntry.objects.get(action="people.password_set")
    assert entry.user_id == hr_xihu.pk and entry.object_id == str(learner.pk)
    assert NEW_PASSWORD not in str(entry.data)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [learner.email]
    assert learner.employee_number in message.body and "西湖人事" in message.body
    assert NEW_PASSWORD not in message.body

    # An edit without a new password changes no password and tells no one.
    response = hr_client.post(_edit_url(learner), _edit_data(learner, rank="二级主任科员"))
    assert response.status_code == 302
    assert ModelLogEntry.objects.filter(action="people.password_set").count() == 1
    assert len(mail.outbox) == 1


def test_person_without_email_still_gets_the_password_and_the_audit(hr_xihu, learner):
    learner.email = ""
    learner.save()
    person_set_password(person=learner, password=NEW_PASSWORD, actor=hr_xihu)
    learner.refresh_from_db()
    assert learner.check_password(NEW_PASSWORD)
    assert ModelLogEntry.objects.filter(action="people.password_set").count() == 1
    assert mail.outbox == []


def test_edit_form_cannot_escalate(hr_client, learner):
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="后门")
    response = hr_client.post(
        _edit_url(learner),
        {**_edit_data(learner), "is_superuser": "on", "is_staff": "on", "groups": [group.pk]},
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert not learner.is_superuser and not learner.is_staff
    assert not learner.groups.exists()


def test_staff_cannot_deactivate_or_delete_an_equal_role_or_a_superuser(
    hr_client, colleague_hr, superuser, learner
):
    base = reverse("wagtail_bulk_action", args=("people", "user", "set_active_state"))
    for target in (colleague_hr, superuser):
        hr_client.post(f"{base}?id={target.pk}", {"mark_as_active": "False"})
        assert User.objects.get(pk=target.pk).is_active, target
        assert _refused(hr_client.post(reverse("wagtailusers_users:delete", args=[target.pk])))
        assert User.objects.filter(pk=target.pk).exists()
    delete = reverse("wagtail_bulk_action", args=("people", "user", "delete"))
    hr_client.post(f"{delete}?id={colleague_hr.pk}&id={superuser.pk}")
    assert User.objects.filter(pk__in=[colleague_hr.pk, superuser.pk]).count() == 2

    # A learner in the district is HR's to manage.
    hr_client.post(f"{base}?id={learner.pk}", {"mark_as_active": "False"})
    assert not User.objects.get(pk=learner.pk).is_active


def test_bulk_action_pages_never_name_someone_out_of_scope(hr_client, outsider, learner):
    for action in ("set_active_state", "delete", "assign_role"):
        base = reverse("wagtail_bulk_action", args=("people", "user", action))
        response = hr_client.get(f"{base}?id={outsider.pk}&id={learner.pk}")
        assert _refused(response), action
        _assert_no_trace(response.content.decode(), outsider)


def test_listing_links_only_people_one_may_manage(hr_client, learner, colleague_hr):
    content = hr_client.get(reverse("wagtailusers_users:index")).content.decode()
    assert _edit_url(learner) in content
    assert colleague_hr.name in content  # in scope: listed
    assert _edit_url(colleague_hr) not in content  # but not editable


def test_manageable_people_rule(hr_xihu, learner, colleague_hr, superuser, outsider, tree):
    manageable = set(people_manageable_by(hr_xihu))
    assert learner in manageable
    assert not manageable & {colleague_hr, superuser, outsider, hr_xihu}
    assert user_may_manage_person(superuser, colleague_hr)
    assert not user_may_manage_person(learner, learner)


# --- national ID numbers ----------------------------------------------------------------------


def test_edit_form_never_shows_the_full_national_id_and_blank_keeps_it(hr_client, learner):
    url = _edit_url(learner)
    content = hr_client.get(url).content.decode()
    assert learner.masked_national_id in content
    assert learner.national_id not in content
    assert not FULL_ID.search(content)

    assert hr_client.post(url, _edit_data(learner, national_id="")).status_code == 302
    learner.refresh_from_db()
    assert learner.national_id == "11010519491231002X"

    # An invalid edit re-renders the form: still no stored number in it.
    response = hr_client.post(url, _edit_data(learner, employee_number="bad number!"))
    assert response.status_code == 200
    assert not FULL_ID.search(response.content.decode())

    new_id = "33010619900101001" + national_id_check_digit("33010619900101001")
    assert hr_client.post(url, _edit_data(learner, national_id=new_id)).status_code == 302
    learner.refresh_from_db()
    assert learner.national_id == new_id
    assert new_id not in hr_client.get(url).content.decode()


# --- every admin view of a scoped model -------------------------------------------------------


def test_user_views_outside_scope_are_404(hr_client, outsider):
    for view in ("edit", "delete", "history", "history_results", "usage"):
        url = reverse(f"wagtailusers_users:{view}", args=[outsider.pk])
        for method in (hr_client.get, hr_client.post):
            response = method(url)
            assert response.status_code == 404, (view, method)
            _assert_no_trace(response.content.decode(), outsider)
    outsider.refresh_from_db()
    assert outsider.is_active


def test_study_hour_entry_views_outside_scope_are_404(hr_client, outsider, learner):
    theirs = StudyHourEntry.objects.create(
        user=outsider,
        year=2026,
        hours=Decimal("2"),
        kind="online",
        title="上城课程",
        source="t:1",
        date=timezone.localdate(),
    )
    ours = StudyHourEntry.objects.create(
        user=learner,
        year=2026,
        hours=Decimal("2"),
        kind="online",
        title="西湖课程",
        source="t:2",
        date=timezone.localdate(),
    )
    for view in ("inspect", "history", "usage", "edit", "delete"):
        response = hr_client.get(reverse(f"learning_entries:{view}", args=[theirs.pk]))
        assert response.status_code == 404, view
        _assert_no_trace(response.content.decode(), outsider)
    response = hr_client.get(reverse("learning_entries:inspect", args=[ours.pk]))
    assert response.status_code == 200 and learner.name in response.content.decode()
    for fmt in ("csv", "xlsx"):
        response = hr_client.get(reverse("learning_entries:index") + f"?export={fmt}")
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert "上城课程".encode() not in body and outsider.name.encode() not in body


def test_role_assignment_views_outside_scope_are_404(hr_client, tree, shangcheng):
    other_hr = UserFactory(name="上城人事", org_unit=tree.departments_of(shangcheng)[0])
    assignment = role_assign(user=other_hr, role=Role.HR, scope=shangcheng)
    for view in ("history", "history_results", "usage", "delete", "edit"):
        response = hr_client.get(reverse(f"roleassignment:{view}", args=[assignment.pk]))
        assert response.status_code == 404, view
        assert "上城人事" not in response.content.decode()
    assert hr_client.post(reverse("roleassignment:delete", args=[assignment.pk])).status_code == 404
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_org_unit_views_outside_scope_are_404(hr_client, shangcheng):
    for view in ("edit", "delete", "history", "usage"):
        response = hr_client.get(reverse(f"orgunit:{view}", args=[shangcheng.pk]))
        assert response.status_code == 404, view


# --- exam sessions and the site history report ------------------------------------------------


@pytest.fixture
def exam_admin_xihu(tree, xihu):
    admin = UserFactory(name="西湖考试管理员", org_unit=tree.departments_of(xihu)[0])
    role_assign(user=admin, role=Role.EXAM_ADMIN, scope=xihu)
    return admin


@pytest.fixture
def exam_admin_shangcheng(tree, shangcheng):
    admin = UserFactory(name="上城考试管理员", org_unit=tree.departments_of(shangcheng)[0])
    role_assign(user=admin, role=Role.EXAM_ADMIN, scope=shangcheng)
    return admin


def _session(unit, title, created_by=None) -> ExamSession:
    now = timezone.now()
    return ExamSession.objects.create(
        title=title,
        kind=ExamKind.ANNUAL_LAW,
        blueprint=Blueprint.objects.get_or_create(name="年度学法考试")[0],
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=1),
        duration_minutes=60,
        eligible_unit=unit,
        created_by=created_by,
    )


def _attempt(session, user) -> Attempt:
    started = timezone.now() - timedelta(minutes=30)
    return Attempt.objects.create(
        session=session,
        user=user,
        number=1,
        seed=1,
        status=AttemptStatus.SUBMITTED,
        started_at=started,
        deadline=started + timedelta(minutes=60),
        finished_at=started + timedelta(minutes=20),
        score=Decimal("80"),
        passed=True,
    )


def test_exam_session_views_outside_scope_are_404(client, exam_admin_xihu, xihu, shangcheng):
    theirs = _session(shangcheng, "上城区年度学法考试")
    ours = _session(xihu, "西湖区年度学法考试")
    log(instance=theirs, action="wagtail.create", user=None)
    login_with_mfa(client, exam_admin_xihu)
    for view in ("edit", "delete", "history", "history_results", "usage"):
        response = client.get(reverse(f"exams_sessions:{view}", args=[theirs.pk]))
        assert response.status_code == 404, view
        assert "上城区年度学法考试" not in response.content.decode()
    assert client.get(reverse("exams_sessions:history", args=[ours.pk])).status_code == 200
    assert client.get(reverse("exams_sessions:usage", args=[ours.pk])).status_code == 200
    listing = client.get(reverse("exams_sessions:index")).content.decode()
    assert "西湖区年度学法考试" in listing and "上城区年度学法考试" not in listing


def test_site_history_shows_a_district_exam_admin_only_their_district(
    client, tree, exam_admin_xihu, exam_admin_shangcheng, learner, outsider, superuser
):
    city_session = _session(tree.city, "全市年度学法考试")
    for candidate in (learner, outsider):
        log(
            instance=_attempt(city_session, candidate), action="exams.attempt.start", user=candidate
        )
    topic = Topic.add_root(name="宪法")
    log(instance=topic, action="wagtail.edit", user=exam_admin_shangcheng)
    log(instance=topic, action="wagtail.edit", user=exam_admin_xihu)

    login_with_mfa(client, exam_admin_xihu)
    url = reverse("wagtailadmin_reports:site_history")
    results_url = reverse("wagtailadmin_reports:site_history_results")
    for response in (client.get(url), client.get(results_url), client.get(url + "?export=csv")):
        assert response.status_code == 200
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode("utf-8-sig")
        assert learner.name in body or "西湖考试管理员" in body
        for name in (outsider.name, outsider.employee_number, "上城考试管理员"):
            assert name not in body, name
    page = client.get(url).content.decode()
    assert learner.name in page and "西湖考试管理员" in page

    # The superuser reads everything.
    login_with_mfa(client, superuser)
    page = client.get(url).content.decode()
    assert outsider.name in page and "上城考试管理员" in page


def test_site_history_is_empty_for_staff_without_a_scope(client, tree, learner):
    from django.contrib.auth.models import Permission

    log(instance=Topic.add_root(name="宪法"), action="wagtail.edit", user=learner)
    stray = UserFactory(name="无范围职员", is_staff=True, org_unit=tree.city)
    stray.user_permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "change_topic", "view_topic"])
    )
    login_with_mfa(client, stray)
    response = client.get(reverse("wagtailadmin_reports:site_history"))
    assert response.status_code == 200
    assert learner.name not in response.content.decode()


# --- no viewset can be left unscoped by accident ----------------------------------------------


def test_every_project_viewset_is_scoped_or_says_why_not():
    project_apps = ("cms.", "learning.", "exams.", "certification.")
    seen = []
    for viewset in admin_viewsets.viewsets:
        if not type(viewset).__module__.startswith(project_apps):
            continue
        seen.append(type(viewset).__name__)
        assert isinstance(viewset, ScopedViewSetMixin) or getattr(viewset, "unscoped_reason", ""), (
            type(viewset).__name__
        )
    assert {"PersonViewSet", "StudyHourEntryViewSet", "ExamSessionViewSet"} <= set(seen)


# --- the roster is no way round the rule ------------------------------------------------------


def _import(tmp_path, rows, actor, **kwargs):
    from cms.people.services import roster_import
    from tests.cms.people.roster_files import write_roster

    path = write_roster(tmp_path / "roster.xlsx", rows)
    with open(path, "rb") as fh:
        return roster_import(file=fh, filename=path.name, actor=actor, **kwargs)


def test_roster_cannot_change_a_superuser_or_a_staff_colleague(
    tmp_path, tree, hr_xihu, superuser, colleague_hr, learner
):
    from tests.cms.people.roster_files import roster_row

    unit = tree.departments_of(tree.districts[0])[1].code
    rows = [
        roster_row(superuser.employee_number, "超级管理员", unit, 电子邮箱="attacker@example.com"),
        roster_row(colleague_hr.employee_number, colleague_hr.name, unit, 在职="否"),
        roster_row(learner.employee_number, "改名学员", unit),
    ]
    result = _import(tmp_path, rows, hr_xihu)
    assert [e.row for e in result.errors] == [2, 3]
    assert {str(e.message) for e in result.errors} == {str(PERSON_NOT_MANAGEABLE)}
    superuser.refresh_from_db()
    colleague_hr.refresh_from_db()
    assert superuser.email != "attacker@example.com" and colleague_hr.is_active
    assert User.objects.get(pk=learner.pk).name == learner.name  # nothing written at all

    # "Deactivate those missing from the file" leaves them alone too.
    result = _import(
        tmp_path,
        [roster_row(learner.employee_number, "改名学员", unit)],
        hr_xihu,
        deactivate_missing=True,
    )
    assert result.ok, result.errors
    assert User.objects.get(pk=superuser.pk).is_active
    assert User.objects.get(pk=colleague_hr.pk).is_active
    assert User.objects.get(pk=learner.pk).name == "改名学员"


def test_page_history_names_only_learners_in_scope(client, tree, learner, outsider, xihu):
    from django.contrib.auth.models import Permission
    from wagtail.models import GroupPagePermission, Page

    page = Page.get_first_root_node().add_child(instance=Page(title="宪法课节", slug="lesson-x"))
    for person in (learner, outsider):
        log(instance=page, action="wagtail.edit", user=person)
    author = UserFactory(name="西湖课程作者", org_unit=tree.departments_of(xihu)[0])
    role_assign(user=author, role=Role.COURSE_AUTHOR, scope=xihu)
    GroupPagePermission.objects.create(
        group=author.groups.get(),
        page=page,
        permission=Permission.objects.get(
            content_type__app_label="wagtailcore", codename="change_page"
        ),
    )
    login_with_mfa(client, author)
    for name in ("wagtailadmin_pages:history", "wagtailadmin_pages:history_results"):
        response = client.get(reverse(name, args=[page.pk]))
        assert response.status_code == 200, name
        content = response.content.decode()
        assert outsider.name not in content
    assert (
        learner.name
        in client.get(reverse("wagtailadmin_pages:history", args=[page.pk])).content.decode()
    )
