"""The live monitor in a real browser at phone width: the table refreshes itself without a
reload, and an action is reachable and usable with the keyboard alone."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from exams import session_views
from exams.models import Attempt, Candidate
from exams.services import attempt_start
from tests.exams.test_session_admin import make_exam_admin
from tests.factories import UserFactory, record_login_methods

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _sign_in(browser_context, live_server, user):
    """The browser gets the session of a completed allauth login with TOTP."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    record_login_methods(client, user, mfa=True)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    browser_context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_monitor_refreshes_itself_and_extends_by_keyboard(
    live_server, page, browser_context, open_session, org, monkeypatch
):
    monkeypatch.setattr(session_views, "MONITOR_REFRESH_SECONDS", 5)
    district = org.districts[0]
    admin = make_exam_admin(org.city)
    person = UserFactory(org_unit=org.departments[district.code][0], name="监控考生")
    Candidate.objects.create(session=open_session, user=person)
    attempt = attempt_start(
        session=open_session, user=person, now=timezone.now() - timedelta(minutes=5)
    )
    deadline = attempt.deadline
    _sign_in(browser_context, live_server, admin)

    page.goto(f"{live_server.url}/admin/exams/sessions/{open_session.pk}/monitor/")
    row = page.locator(f'tr[data-employee-number="{person.employee_number}"]')
    expect(row.locator('[data-cell="answered"]')).to_have_text("0 / 20")
    expect(row.locator('[data-cell="offline"]')).to_be_visible()
    page.evaluate("window.notReloaded = true")

    # The candidate answers two questions: the table shows it without a reload.
    for slot in attempt.slots.order_by("position")[:2]:
        slot.selected = [slot.option_order[0]]
        slot.saved_at = timezone.now()
        slot.save(update_fields=["selected", "saved_at"])
    expect(row.locator('[data-cell="answered"]')).to_have_text("2 / 20", timeout=15_000)
    expect(row.locator('[data-cell="offline"]')).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True
    # At phone width only the table scrolls sideways, not the page.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    # Extend by keyboard: focus the row's link, follow it, fill the labelled fields, submit.
    row.get_by_role("link", name="延长时间").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/attempts/{attempt.pk}/extend/$"))
    page.get_by_label("延长（分钟）").focus()
    page.keyboard.type("10")
    page.keyboard.press("Tab")
    page.keyboard.type("考场网络故障")
    page.get_by_role("button", name="延长答题时间").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/sessions/{open_session.pk}/monitor/$"))
    expect(page.get_by_text("已为 监控考生 延长 10 分钟")).to_be_visible()
    assert Attempt.objects.get(pk=attempt.pk).deadline == deadline + timedelta(minutes=10)
