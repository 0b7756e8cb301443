"""One way in, tried as an attacker would: every login-capable URL, sessions that skipped the
second factor, and lock-outs that must not become a weapon against a colleague."""

from urllib.parse import urlsplit

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth.views import LoginView
from django.core import mail
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from cms.people.adapters import ACCOUNT_LOCKED_MESSAGE, TOO_MANY_FROM_CLIENT_MESSAGE
from cms.people.models import Role
from cms.people.selectors import SESSION_MFA_ATTRIBUTE, people_visible_to, units_visible_to
from cms.people.services import role_assign
from cms.people.views import login_redirect
from tests.factories import UserFactory, give_totp

pytestmark = pytest.mark.django_db

PASSWORD = "Xihu-2026-law"
NEW_PASSWORD = "Qiantang-river-77"
SECRET = "JBSWY3DPEHPK3PXP"  # give_totp's secret


def totp_code() -> str:
    import time

    return format_hotp_value(hotp_value(SECRET, int(time.time()) // mfa_settings.TOTP_PERIOD))


@pytest.fixture
def hr_xihu(tree):
    user = UserFactory(employee_number="H0001", org_unit=tree.districts[0])
    user.set_password(PASSWORD)
    user.save()
    role_assign(user=user, role=Role.HR, scope=tree.districts[0], actor=None)
    give_totp(user)
    return user


@pytest.fixture
def superuser(tree):
    user = UserFactory(
        employee_number="A0001", org_unit=tree.city, is_superuser=True, is_staff=True
    )
    user.set_password(PASSWORD)
    user.save()
    give_totp(user)
    return user


def learner(tree, number: str):
    user = UserFactory(employee_number=number, org_unit=tree.departments_of(tree.districts[0])[0])
    user.set_password(PASSWORD)
    user.save()
    return user


def post_login(client, login: str, password: str = PASSWORD, ip: str = "10.1.1.1", **extra):
    return client.post(
        reverse("account_login"), {"login": login, "password": password}, REMOTE_ADDR=ip, **extra
    )


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


STAFF_PAGES = ["/admin/", "/admin/users/", "/hr/", "/hr/export/people.csv"]


# --- Every login-capable URL ----------------------------------------------------------------
def _login_view_routes(resolver=None, prefix=""):
    """Routes of every mounted view that is a Django LoginView (Wagtail's included)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _login_view_routes(entry, route)
        elif isinstance(entry, URLPattern):
            view_class = getattr(entry.callback, "view_class", None)
            if view_class is not None and issubclass(view_class, LoginView):
                yield route.lstrip("^").rstrip("$")


def test_every_django_login_view_mounted_is_shadowed_by_the_hand_over_to_allauth():
    routes = sorted(set(_login_view_routes()))
    assert "_util/login/" in routes  # wagtail_urls' front-end login
    assert "admin/login/" in routes  # the Wagtail admin's login
    for route in routes:
        assert resolve("/" + route).func is login_redirect, route


@pytest.mark.parametrize("path", ["/_util/login/", "/admin/login/"])
def test_a_post_with_the_right_password_to_a_wagtail_login_url_signs_nobody_in(
    client, hr_xihu, path
):
    data = {"username": "H0001", "password": PASSWORD, "login": "H0001", "next": "/hr/"}
    response = client.post(path, data)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("account_login")
    assert signed_in_user_id(client) is None
    for page in STAFF_PAGES:
        assert client.get(page).status_code == 302, page
        assert urlsplit(client.get(page)["Location"]).path == reverse("account_login")


def test_allauth_password_step_alone_signs_no_staff_member_in(client, hr_xihu, frozen_time):
    response = post_login(client, "H0001")
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_user_id(client) is None
    for page in STAFF_PAGES:
        assert urlsplit(client.get(page)["Location"]).path == reverse("account_login")
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert signed_in_user_id(client) == str(hr_xihu.pk)
    assert client.get("/hr/").status_code == 200


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_a_session_that_skipped_the_second_factor_reaches_no_staff_page(
    client, hr_xihu, page, frozen_time
):
    """Having a TOTP device is not enough: this session never passed it."""
    client.force_login_without_mfa(hr_xihu)
    response = client.get(page)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("mfa_reauthenticate")
    # The code proves the factor; the same session then goes on.
    passed = client.post(response["Location"], {"code": totp_code()})
    assert passed.status_code == 302
    assert client.get(page).status_code == 200


def test_a_superuser_session_without_the_second_factor_sees_nobody(client, superuser, tree):
    client.force_login_without_mfa(superuser)
    response = client.get(reverse("wagtailusers_users:index"))
    assert urlsplit(response["Location"]).path == reverse("mfa_reauthenticate")


def test_scope_selectors_give_a_session_without_the_second_factor_nobody(superuser, hr_xihu, tree):
    """Defence in depth: even a view that forgot its guard shows such a session nothing."""
    UserFactory(org_unit=tree.departments_of(tree.districts[0])[0])
    for user in (superuser, hr_xihu):
        assert people_visible_to(user).exists()
        setattr(user, SESSION_MFA_ATTRIBUTE, False)  # as the middleware marks such a session
        assert not people_visible_to(user).exists()
        assert not units_visible_to(user).exists()
        setattr(user, SESSION_MFA_ATTRIBUTE, True)
        assert people_visible_to(user).exists()


def test_password_reset_link_does_not_sign_in(client, hr_xihu):
    client.post(reverse("account_reset_password"), {"email": hr_xihu.email})
    link = next(word for word in mail.outbox[0].body.split() if "/password/reset/key/" in word)
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert signed_in_user_id(client) is None
    assert urlsplit(client.get("/hr/")["Location"]).path == reverse("account_login")


# --- Lock-outs that protect, not block ------------------------------------------------------
def test_a_stranger_cannot_lock_a_colleague_out(client, tree):
    victim = learner(tree, "E1001")
    for _ in range(12):
        post_login(client, "E1001", "guess", ip="10.9.9.9")
    refused = post_login(client, "E1001", PASSWORD, ip="10.9.9.9")
    assert signed_in_user_id(client) is None
    assert str(TOO_MANY_FROM_CLIENT_MESSAGE % {"minutes": 5}) in refused.content.decode()
    # The owner, at their own desk, signs in.
    assert post_login(client, "E1001", PASSWORD, ip="10.1.1.1").status_code == 302
    assert signed_in_user_id(client) == str(victim.pk)


def test_made_up_names_behind_one_office_nat_do_not_block_real_learners(client, tree):
    people = [learner(tree, f"E200{i}") for i in range(3)]
    for i in range(10):
        post_login(client, f"X999{i}", "guess", ip="10.0.0.1")
    for person in people:
        client.logout()
        assert post_login(client, person.employee_number, ip="10.0.0.1").status_code == 302
        assert signed_in_user_id(client) == str(person.pk)


@override_settings(LOGIN_ACCOUNT_FUSE_FAILURES=8)
def test_many_clients_blow_the_account_fuse_and_the_reset_opens_it(client, tree, frozen_time):
    owner = learner(tree, "E1001")
    for i in range(8):
        post_login(client, "E1001", "guess", ip=f"10.8.0.{i}")
    refused = post_login(client, "E1001", PASSWORD, ip="10.1.1.1")
    assert signed_in_user_id(client) is None
    assert str(ACCOUNT_LOCKED_MESSAGE % {"minutes": 30}) in refused.content.decode()
    frozen_time.shift(10 * 60)
    refused = post_login(client, "E1001", PASSWORD, ip="10.1.1.1")
    assert str(ACCOUNT_LOCKED_MESSAGE % {"minutes": 20}) in refused.content.decode()

    client.post(reverse("account_reset_password"), {"email": owner.email}, REMOTE_ADDR="10.1.1.1")
    link = next(word for word in mail.outbox[-1].body.split() if "/password/reset/key/" in word)
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert post_login(client, "E1001", NEW_PASSWORD, ip="10.1.1.1").status_code == 302
    assert signed_in_user_id(client) == str(owner.pk)


@override_settings(LOGIN_ACCOUNT_FUSE_FAILURES=8, LOGIN_ACCOUNT_FUSE_LOCK_SECONDS=600)
def test_the_account_fuse_opens_by_itself_after_the_lock_period(client, tree, frozen_time):
    learner(tree, "E1001")
    for i in range(8):
        post_login(client, "E1001", "guess", ip=f"10.8.0.{i}")
    assert signed_in_user_id(client) is None
    frozen_time.shift(601)
    assert post_login(client, "E1001", PASSWORD, ip="10.1.1.1").status_code == 302


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_clients_are_told_apart_by_forwarded_for(client, tree):
    learner(tree, "E1001")
    for _ in range(6):
        post_login(client, "E1001", "guess", ip="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9")
    ok = post_login(client, "E1001", PASSWORD, ip="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.1.1")
    assert ok.status_code == 302


def test_without_a_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_limit(client, tree):
    learner(tree, "E1001")
    for i in range(6):
        post_login(client, "E1001", "guess", ip="10.9.9.9", HTTP_X_FORWARDED_FOR=f"10.7.7.{i}")
    refused = post_login(client, "E1001", PASSWORD, ip="10.9.9.9", HTTP_X_FORWARDED_FOR="10.1.1.1")
    assert signed_in_user_id(client) is None
    assert str(TOO_MANY_FROM_CLIENT_MESSAGE % {"minutes": 5}) in refused.content.decode()


def test_login_by_code_is_not_a_way_in(client, hr_xihu):
    response = client.post(reverse("account_confirm_login_code"), {"code": "ABCDEF"})
    assert signed_in_user_id(client) is None
    assert response.status_code in (302, 404)


def test_staff_cannot_turn_their_authenticator_off(client, hr_xihu, frozen_time):
    client.force_login(hr_xihu)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.post(reverse("mfa_deactivate_totp"), {})
    assert hr_xihu.authenticator_set.filter(type="totp").exists()
