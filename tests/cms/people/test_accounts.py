"""Accounts through allauth: login, closed sign-up, password reset/change, staff MFA, profile."""

import re
from datetime import UTC, datetime
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.core import mail
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.http import HttpResponse
from django.urls import path, reverse

import cms.urls
from cms.people.adapters import (
    EMPLOYEE_NUMBER_PASSWORD_MISMATCH_MESSAGE,
    TOO_MANY_FROM_CLIENT_MESSAGE,
)
from cms.people.decorators import staff_required
from cms.people.management.commands.demo_totp import NO_TOTP_MESSAGE, NOT_IN_DEBUG_MESSAGE
from cms.people.mfa import (
    INVALID_TOTP_SECRET_MESSAGE,
    MFA_REQUIRED_MESSAGE,
    MFA_SETUP_NEXT_SESSION_KEY,
    mfa_totp_activate_with_secret,
)
from cms.people.models import OrgUnit, Role, RoleAssignment, User

pytestmark = pytest.mark.django_db

PASSWORD = "Xihu-2026-law"
NEW_PASSWORD = "Qiantang-river-77"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NATIONAL_ID = "330106199001011234"
NOW = datetime(2026, 3, 2, 1, 30, 7, tzinfo=UTC)
# allauth's per-account-and-client window is 5 minutes ("5/5m/key"): the message says so.
TOO_MANY_ATTEMPTS = str(TOO_MANY_FROM_CLIENT_MESSAGE % {"minutes": 5})


# --- A staff page of another app, guarded by staff_required (served by this module's URLs) --
@staff_required
def staff_page(request):
    return HttpResponse("staff page")


@staff_required(roles=[Role.HR])
def hr_page(request):
    return HttpResponse("hr page")


urlpatterns = [
    path("staff-only/", staff_page, name="test_staff_page"),
    path("hr-only/", hr_page, name="test_hr_page"),
    *cms.urls.urlpatterns,
]
with_staff_pages = pytest.mark.urls(__name__)


# --- Fixtures -------------------------------------------------------------------------------
@pytest.fixture
def units():
    city = OrgUnit.add_root(name="杭州市", code="330100", kind=OrgUnit.Kind.CITY)
    district = city.add_child(name="西湖区", code="330106", kind=OrgUnit.Kind.DISTRICT)
    bureau = district.add_child(name="司法局", code="330106-SFJ", kind=OrgUnit.Kind.DEPARTMENT)
    return {"city": city, "district": district, "bureau": bureau}


@pytest.fixture
def learner(units):
    return User.objects.create_user(
        "E1001",
        "zhang.xm@xihu.example.gov.cn",
        PASSWORD,
        name="张晓明",
        phone="13900001111",
        national_id=NATIONAL_ID,
        org_unit=units["bureau"],
        rank="一级主任科员",
        is_leading_cadre=True,
        is_enforcement_officer=True,
    )


@pytest.fixture
def admin_user(units):
    return User.objects.create_superuser(
        "A0001", "admin@example.gov.cn", PASSWORD, name="系统管理员", org_unit=units["city"]
    )


@pytest.fixture
def hr_user(units):
    user = User.objects.create_user(
        "H0001", "hr@xihu.example.gov.cn", PASSWORD, name="孙立新", org_unit=units["district"]
    )
    RoleAssignment.objects.create(user=user, role=Role.HR, scope=units["district"])
    return user


@pytest.fixture
def legal_user(units):
    user = User.objects.create_user(
        "L0001", "legal@example.gov.cn", PASSWORD, name="周明哲", org_unit=units["city"]
    )
    RoleAssignment.objects.create(user=user, role=Role.LEGAL_AFFAIRS, scope=units["city"])
    return user


def totp_code(secret: str = SECRET) -> str:
    """What an authenticator app would show now, by allauth's own HOTP functions."""
    import time

    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def post_login(client, login: str, password: str = PASSWORD, next_url: str | None = None):
    data = {"login": login, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("account_login"), data)


def login_with_totp(client, user, next_url: str = "/"):
    """The real two-step allauth login: password, then the code from the secret."""
    response = post_login(client, user.employee_number, next_url=next_url)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302, response.content.decode()
    return response


def reauthenticate(client, password: str = PASSWORD):
    """allauth wants the password again (fresh) before the second factor may change."""
    response = client.post(
        f"{reverse('account_reauthenticate')}?next={reverse('mfa_activate_totp')}",
        {"password": password},
    )
    assert response.status_code == 302, response.content.decode()
    return response


def logged_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


# --- Login, sign-up, logout, password -----------------------------------------------------
def test_login_by_employee_number(client, learner):
    response = post_login(client, "E1001")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_user_id(client) == str(learner.pk)


def test_login_by_email_any_case(client, learner):
    response = post_login(client, "Zhang.XM@xihu.example.gov.cn")
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(learner.pk)


def test_wrong_password_is_refused(client, learner):
    response = post_login(client, "E1001", "wrong-password")
    assert response.status_code == 200
    assert logged_in_user_id(client) is None
    assert str(EMPLOYEE_NUMBER_PASSWORD_MISMATCH_MESSAGE) in response.content.decode()


def test_login_page_uses_site_layout_and_offers_no_signup(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        response = client.get(reverse("account_login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="site-header"' in html  # our base.html, not allauth's bare layout
    assert "工号或电子邮箱" in html
    assert reverse("account_signup") not in html
    assert reverse("account_reset_password") in html


def test_signup_is_closed(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    assert "不开放注册" in response.content.decode()
    assert 'class="site-header"' in response.content.decode()

    client.post(
        reverse("account_signup"),
        {
            "username": "X9999",
            "email": "new@example.gov.cn",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert not User.objects.filter(employee_number="X9999").exists()


def test_password_reset_by_email(client, learner, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        page = client.get(reverse("account_reset_password"))
    assert 'class="site-header"' in page.content.decode()

    response = client.post(reverse("account_reset_password"), {"email": learner.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [learner.email]
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", message.body)
    assert link, message.body

    response = client.get(link.group(1))
    assert response.status_code == 302  # allauth moves the key into the session
    set_password_url = response["Location"]
    response = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert logged_in_user_id(client) is None  # a reset link never logs anyone in

    assert post_login(client, "E1001", PASSWORD).status_code == 200
    assert post_login(client, "E1001", NEW_PASSWORD).status_code == 302
    assert logged_in_user_id(client) == str(learner.pk)


def test_logout_needs_post(client, learner):
    post_login(client, "E1001")
    page = client.get(reverse("account_logout"))
    assert page.status_code == 200
    assert logged_in_user_id(client) == str(learner.pk)
    client.post(reverse("account_logout"))
    assert logged_in_user_id(client) is None


def test_password_change(client, learner):
    post_login(client, "E1001")
    page = client.get(reverse("account_change_password"))
    assert 'class="site-header"' in page.content.decode()
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    client.post(reverse("account_logout"))
    assert post_login(client, "E1001", NEW_PASSWORD).status_code == 302


# --- Rate limit -----------------------------------------------------------------------------
def test_repeated_failures_lock_the_account_even_for_the_right_password(client, learner):
    for _ in range(5):
        assert post_login(client, "E1001", "wrong-password").status_code == 200
    response = post_login(client, "E1001", PASSWORD)
    assert logged_in_user_id(client) is None
    assert response.status_code == 429 or TOO_MANY_ATTEMPTS in response.content.decode()


def test_switching_between_employee_number_and_email_shares_one_counter(client, learner):
    for login in ["E1001", learner.email, "E1001", learner.email.upper(), "e1001"]:
        post_login(client, login, "wrong-password")
    response = post_login(client, learner.email, PASSWORD)
    assert logged_in_user_id(client) is None
    assert TOO_MANY_ATTEMPTS in response.content.decode()


def test_lock_is_per_account(client, learner, hr_user):
    for _ in range(5):
        post_login(client, "E1001", "wrong-password")
    assert post_login(client, "H0001", PASSWORD).status_code == 302
    assert logged_in_user_id(client) == str(hr_user.pk)


def test_lock_ends_after_the_window(client, learner):
    with time_machine.travel(NOW, tick=False) as traveller:
        for _ in range(5):
            post_login(client, "E1001", "wrong-password")
        assert TOO_MANY_ATTEMPTS in post_login(client, "E1001").content.decode()
        traveller.shift(6 * 60)
        assert post_login(client, "E1001").status_code == 302


# --- Wagtail admin behind allauth and MFA ---------------------------------------------------
def test_anonymous_admin_request_goes_to_allauth_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("account_login")


def test_admin_login_page_redirects_to_allauth_keeping_next(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        response = client.get("/admin/login/?next=/admin/pages/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("account_login")
    assert parse_qs(location.query)["next"] == ["/admin/pages/"]

    foreign = client.get("/admin/login/?next=https://evil.example.com/")
    assert parse_qs(urlsplit(foreign["Location"]).query)["next"] == ["/admin/"]


def test_post_to_admin_login_does_not_authenticate(client, admin_user):
    mfa_totp_activate_with_secret(user=admin_user, secret=SECRET)
    response = client.post("/admin/login/", {"username": "A0001", "password": PASSWORD})
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("account_login")
    assert logged_in_user_id(client) is None
    assert urlsplit(client.get("/admin/")["Location"]).path == reverse("account_login")


def test_staff_without_totp_is_sent_from_admin_to_totp_activation(client, admin_user):
    assert post_login(client, "A0001", next_url="/admin/").status_code == 302
    response = client.get("/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # allauth asks for the password again before any change of the second factor.
    response = client.get(response["Location"])
    assert urlsplit(response["Location"]).path == reverse("account_reauthenticate")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert str(MFA_REQUIRED_MESSAGE) in page.content.decode()
    assert 'class="site-header"' in page.content.decode()
    response = reauthenticate(client)
    assert response["Location"] == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert client.session[SECRET_SESSION_KEY] in page.content.decode()  # for manual entry


def test_learner_is_not_asked_for_totp(client, learner):
    post_login(client, "E1001")
    response = client.get("/admin/")
    # Not our redirect: Wagtail itself refuses a learner without admin access.
    assert response.get("Location") != reverse("mfa_activate_totp")


def test_totp_activation_leads_back_to_where_the_user_was_going(
    client, admin_user, frozen_time, django_capture_on_commit_callbacks
):
    post_login(client, "A0001")
    assert client.get("/admin/pages/")["Location"] == reverse("mfa_activate_totp")
    reauthenticate(client)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]

    # allauth announces the new authenticator after the commit; activating proves the device,
    # so the session counts as second-factor checked from then on.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    codes_page = client.get(response["Location"]).content.decode()
    continue_links = re.findall(r'href="([^"]+)" id="mfa-continue"', codes_page)
    assert continue_links == ["/admin/pages/"]

    assert client.get("/admin/pages/").status_code == 200
    assert MFA_SETUP_NEXT_SESSION_KEY not in client.session


def test_full_mfa_login_reaches_admin(client, admin_user, frozen_time):
    mfa_totp_activate_with_secret(user=admin_user, secret=SECRET)
    response = post_login(client, "A0001", next_url="/admin/")
    assert response["Location"] == reverse("mfa_authenticate")
    assert logged_in_user_id(client) is None  # the password alone is not a login
    assert urlsplit(client.get("/admin/")["Location"]).path == reverse("account_login")

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_wrong_totp_code_is_refused(client, admin_user, frozen_time):
    mfa_totp_activate_with_secret(user=admin_user, secret=SECRET)
    post_login(client, "A0001", next_url="/admin/")
    wrong = f"{(int(totp_code()) + 1) % 10**6:06d}"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert logged_in_user_id(client) is None


# --- staff_required for front-office staff pages --------------------------------------------
@with_staff_pages
def test_staff_page_sends_anonymous_users_to_login(client):
    response = client.get("/staff-only/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("account_login")
    assert parse_qs(location.query)["next"] == ["/staff-only/"]


@with_staff_pages
def test_staff_page_refuses_learners(client, learner):
    post_login(client, "E1001")
    assert client.get("/staff-only/").status_code == 403


@with_staff_pages
def test_staff_page_sends_staff_without_totp_to_activation(client, hr_user):
    post_login(client, "H0001")
    response = client.get("/staff-only/?year=2026")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    assert client.session[MFA_SETUP_NEXT_SESSION_KEY] == "/staff-only/?year=2026"
    reauth_page = client.get(reverse("mfa_activate_totp"), follow=True)
    assert str(MFA_REQUIRED_MESSAGE) in reauth_page.content.decode()
    reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200


@with_staff_pages
def test_staff_page_opens_for_staff_with_totp(
    client, hr_user, frozen_time, django_assert_max_num_queries
):
    mfa_totp_activate_with_secret(user=hr_user, secret=SECRET)
    response = login_with_totp(client, hr_user, next_url="/staff-only/")
    assert response["Location"] == "/staff-only/"
    with django_assert_max_num_queries(4):
        response = client.get("/staff-only/")
    assert response.status_code == 200
    assert response.content == b"staff page"


@with_staff_pages
def test_staff_page_limited_to_roles(client, hr_user, legal_user, frozen_time):
    mfa_totp_activate_with_secret(user=legal_user, secret=SECRET)
    login_with_totp(client, legal_user)
    assert client.get("/hr-only/").status_code == 403
    assert client.get("/staff-only/").status_code == 200

    client.post(reverse("account_logout"))
    cache.clear()  # the same code may not be used twice; a new login needs a fresh window
    frozen_time.shift(mfa_settings.TOTP_PERIOD * 3)
    mfa_totp_activate_with_secret(user=hr_user, secret=SECRET)
    login_with_totp(client, hr_user)
    assert client.get("/hr-only/").status_code == 200


# --- Profile --------------------------------------------------------------------------------
def test_profile_requires_login(client):
    response = client.get(reverse("people:profile"))
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("account_login")


def test_profile_shows_the_person_with_masked_id(
    client, learner, units, django_assert_max_num_queries
):
    RoleAssignment.objects.create(user=learner, role=Role.LEARNER, scope=units["bureau"])
    post_login(client, "E1001")
    with django_assert_max_num_queries(7):  # header: unread count
        response = client.get(reverse("people:profile"))
    html = response.content.decode()
    assert response.status_code == 200
    for expected in [
        "张晓明",
        "E1001",
        "杭州市 / 西湖区 / 司法局",
        "一级主任科员",
        "zhang.xm@xihu.example.gov.cn",
        "13900001111",
        learner.masked_national_id,
        "学员",
        reverse("account_change_password"),
        reverse("mfa_index"),
    ]:
        assert expected in html, expected
    assert NATIONAL_ID not in html
    assert NATIONAL_ID[3:-4] not in html  # not even the birth-date middle part


def test_profile_lists_roles_with_scopes_in_fixed_queries(
    client, hr_user, units, frozen_time, django_assert_max_num_queries
):
    RoleAssignment.objects.create(user=hr_user, role=Role.EXAM_ADMIN, scope=units["city"])
    RoleAssignment.objects.create(user=hr_user, role=Role.LEGAL_AFFAIRS, scope=units["bureau"])
    mfa_totp_activate_with_secret(user=hr_user, secret=SECRET)
    login_with_totp(client, hr_user)
    with django_assert_max_num_queries(7):  # header: unread count
        response = client.get(reverse("people:profile"))
    html = response.content.decode()
    assert re.search(r"人事专员</td><td[^>]*>杭州市 / 西湖区</td>", html)
    assert re.search(r"考试管理员</td><td[^>]*>杭州市</td>", html)
    assert re.search(r"法制审核员</td><td[^>]*>杭州市 / 西湖区 / 司法局</td>", html)
    assert reverse("mfa_view_recovery_codes") in html
    assert "已启用" in html


# --- Demo support ---------------------------------------------------------------------------
def test_activate_with_secret_is_idempotent(admin_user):
    first = mfa_totp_activate_with_secret(user=admin_user, secret=SECRET)
    second = mfa_totp_activate_with_secret(user=admin_user, secret=SECRET.lower())
    assert len(first) == 10
    assert first == second
    types = list(Authenticator.objects.filter(user=admin_user).values_list("type", flat=True))
    assert sorted(types) == sorted([Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES])


def test_activate_with_secret_rejects_non_base32(admin_user):
    with pytest.raises(ValueError, match=str(INVALID_TOTP_SECRET_MESSAGE)):
        mfa_totp_activate_with_secret(user=admin_user, secret="not base32!")
    assert not Authenticator.objects.filter(user=admin_user).exists()


def test_recovery_code_from_activation_logs_in(client, admin_user):
    codes = mfa_totp_activate_with_secret(user=admin_user, secret=SECRET)
    post_login(client, "A0001", next_url="/admin/")
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response["Location"] == "/admin/"
    assert logged_in_user_id(client) == str(admin_user.pk)


def test_demo_totp_refuses_without_debug(admin_user):
    mfa_totp_activate_with_secret(user=admin_user, secret=SECRET)
    with pytest.raises(CommandError, match=str(NOT_IN_DEBUG_MESSAGE)):
        call_command("demo_totp", "A0001", stdout=StringIO())


def test_demo_totp_refuses_account_without_totp(learner, settings):
    settings.DEBUG = True
    with pytest.raises(CommandError) as excinfo:
        call_command("demo_totp", "E1001", stdout=StringIO())
    assert str(excinfo.value) == str(NO_TOTP_MESSAGE % {"employee_number": "E1001"})


def test_demo_totp_prints_the_code_allauth_accepts(client, admin_user, settings, frozen_time):
    mfa_totp_activate_with_secret(user=admin_user, secret=SECRET)
    settings.DEBUG = True
    out = StringIO()
    call_command("demo_totp", "A0001", stdout=out)
    code = re.search(r"验证码：(\d{6})", out.getvalue()).group(1)

    post_login(client, "A0001", next_url="/admin/")
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_demo_totp_force_runs_without_debug(admin_user, frozen_time):
    mfa_totp_activate_with_secret(user=admin_user, secret=SECRET)
    out = StringIO()
    call_command("demo_totp", "A0001", "--force", stdout=out)
    assert re.search(r"验证码：(\d{6})", out.getvalue()).group(1) == totp_code()
