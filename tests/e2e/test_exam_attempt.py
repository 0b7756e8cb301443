"""Sitting an exam in a real browser: autosave, going offline, reloading, submitting."""

import re

import pytest
from playwright.sync_api import expect

from exams.models import Attempt, AttemptStatus
from tests.e2e.exam_helpers import show_question
from tests.factories import UserFactory

# serialized_rollback: the flush after a transactional test would otherwise remove the data
# that migrations create (the Wagtail root page, the default site) for the tests that follow.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Correct-Horse-42"


def _choose(page, position, index):
    """Click the index-th option of a question; returns the option id the page sent."""
    show_question(page, position)
    option = page.locator(f"#q-{position} .exam-q__option").nth(index)
    option.click()
    return int(option.locator("input").first.get_attribute("value"))


def _saved(attempt):
    return {s.position: s.selected for s in attempt.slots.order_by("position") if s.selected}


def test_sit_exam_offline_reload_and_submit(live_server, page, browser_context, open_session, org):
    learner = UserFactory(org_unit=org.departments[org.districts[0].code][0], password=PASSWORD)
    status = page.locator("[data-save-status]")

    # Log in through the real form, landing on the start page.
    page.goto(f"{live_server.url}/accounts/login/?next=/exams/session/{open_session.pk}/")
    page.get_by_label("工号或电子邮箱").fill(learner.employee_number)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("form.stacked [type=submit]").click()
    expect(page.get_by_role("heading", name=open_session.title)).to_be_visible()

    page.get_by_role("button", name="开始答题").click()
    expect(page).to_have_url(re.compile(r"/exams/attempt/\d+/$"))
    attempt = Attempt.objects.get(user=learner)
    expect(page.locator("[data-timer]")).to_have_text(re.compile(r"^\d{2}:\d{2}$"))
    expect(page.locator(".exam-q")).to_have_count(20)

    # Online: each answer is saved at once.
    chosen = {1: [_choose(page, 1, 0)], 2: [_choose(page, 2, 3)], 16: [_choose(page, 16, 1)]}
    expect(status).to_have_text("已保存")
    expect(page.locator("[data-answered]")).to_have_text("3")
    assert _saved(attempt) == chosen

    # Offline: answers wait in the queue, the page says how many.
    browser_context.set_offline(True)
    chosen[4] = [_choose(page, 4, 2)]
    chosen[12] = sorted([_choose(page, 12, 0), _choose(page, 12, 3)])
    expect(status).to_have_text("离线（2 条待发送）")
    expect(page.locator('[data-palette="12"]')).to_have_class(re.compile("is-answered"))
    assert 4 not in _saved(attempt)

    # Back online: the queue empties.
    browser_context.set_offline(False)
    expect(status).to_have_text("已保存")
    assert _saved(attempt) == chosen

    # The server cannot be reached, and the page is reloaded before the answer got through:
    # the answer comes back from localStorage, newer than the server's, and is sent again.
    page.route("**/save", lambda route: route.abort())
    chosen[5] = [_choose(page, 5, 1)]
    expect(status).to_have_text("离线（1 条待发送）")
    page.reload()
    expect(page.locator(f'input[name="q5"][value="{chosen[5][0]}"]')).to_be_checked()
    expect(status).to_have_text("离线（1 条待发送）")
    assert 5 not in _saved(attempt)
    page.unroute("**/save")
    expect(status).to_have_text("已保存")
    assert _saved(attempt) == chosen

    # A plain reload: every answer is still checked.
    page.reload()
    for position, ids in chosen.items():
        for option_id in ids:
            expect(page.locator(f'input[name="q{position}"][value="{option_id}"]')).to_be_checked()
    expect(page.locator("[data-answered]")).to_have_text(str(len(chosen)))

    # Flag a question; the palette shows it.
    show_question(page, 7)
    page.locator("#q-7").get_by_role("button", name="标记").click()
    expect(page.locator("#q-7").get_by_role("button", name="标记")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator('[data-palette="7"]')).to_have_class(re.compile("is-flagged"))
    assert attempt.slots.get(position=7).flagged

    # Readable at phone width: nothing sticks out sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Submit through the confirmation page.
    page.get_by_role("link", name="交卷", exact=True).click()
    expect(page).to_have_url(re.compile(r"/submit/$"))
    expect(page.get_by_text(f"还有 {20 - len(chosen)} 道题未作答")).to_be_visible()
    page.get_by_role("button", name="确认交卷").click()
    expect(page).to_have_url(re.compile(r"/result/$"))
    expect(page.get_by_role("heading", name="考试成绩")).to_be_visible()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED
    expect(page.locator(".exam-result__score")).to_contain_text(f"{attempt.score.normalize():f}")
    assert page.evaluate(f"localStorage.getItem('exam-attempt:{attempt.pk}')") is None


def test_page_submits_by_itself_when_time_runs_out(live_server, page, open_session, org):
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone

    learner = UserFactory(org_unit=org.departments[org.districts[0].code][0], password=PASSWORD)
    open_session.closes_at = timezone.now() + timedelta(seconds=12)  # the deadline, too
    open_session.save()
    client = Client()
    client.force_login(learner)
    cookie = client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
    page.goto(f"{live_server.url}/exams/session/{open_session.pk}/")
    page.get_by_role("button", name="开始答题").click()
    expect(page.locator(".exam-q")).to_have_count(20)
    chosen = _choose(page, 3, 1)
    expect(page).to_have_url(re.compile(r"/result/$"), timeout=30_000)
    attempt = Attempt.objects.get(user=learner)
    assert attempt.status == AttemptStatus.SUBMITTED
    assert attempt.slots.get(position=3).selected == [chosen]
