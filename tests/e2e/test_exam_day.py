"""Exam day in a real browser: the page at 00:00, answers queued offline past the deadline, two
devices on one attempt, and extra time reaching a page that is already open.

Deadlines are made short by moving the running attempt's deadline in the database (the
server's time is the only one that counts) and the network grace is shortened for the run.
"""

import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from exams.models import Attempt, AttemptStatus, RefusedChange
from exams.services import attempt_extend
from tests.e2e.exam_helpers import show_question
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

GRACE = 2  # seconds of network grace in these tests


@pytest.fixture(autouse=True)
def short_grace(settings):
    settings.EXAM_NETWORK_GRACE_SECONDS = GRACE


@pytest.fixture
def learner(org):
    return UserFactory(org_unit=org.departments[org.districts[0].code][0])


def _sign_in(context, live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])


def _start(page, live_server, session) -> Attempt:
    page.goto(f"{live_server.url}/exams/session/{session.pk}/")
    page.get_by_role("button", name="开始答题").click()
    expect(page.locator(".exam-q")).to_have_count(20)
    return Attempt.objects.get(session=session, status=AttemptStatus.IN_PROGRESS)


def _deadline_in(attempt, seconds: float) -> None:
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() + timedelta(seconds=seconds)
    )


def _option(page, position, index):
    show_question(page, position)
    return page.locator(f"#q-{position} .exam-q__option").nth(index)


def _choose(page, position, index) -> int:
    option = _option(page, position, index)
    option.click()
    return int(option.locator("input").first.get_attribute("value"))


def _saves(page) -> list[dict]:
    """Every save request the page sends, in order (the body as JSON)."""
    sent: list[dict] = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.post_data_json) if request.url.endswith("/save") else None
        ),
    )
    return sent


def test_at_zero_every_input_locks_and_nothing_answered_later_is_sent(
    live_server, page, open_session, learner
):
    _sign_in(page.context, live_server, learner)
    attempt = _start(page, live_server, open_session)
    _deadline_in(attempt, 6)
    page.reload()
    sent = _saves(page)
    first = _choose(page, 1, 0)
    expect(page.locator("[data-save-status]")).to_have_text("已保存")

    # 00:00: the inputs lock before the page submits. The lock lasts only as long as the last
    # delivery and the submit take, so the page itself notes what it looked like, and tries to
    # answer question 2 on the locked page (sessionStorage outlives the navigation).
    page.evaluate(
        """() => {
          const watch = setInterval(() => {
            const inputs = [...document.querySelectorAll(".exam-q input")];
            if (!inputs.length || !inputs[0].disabled) return;
            clearInterval(watch);
            const late = document.querySelector("#q-2 input");
            late.click();
            late.dispatchEvent(new Event("change", { bubbles: true }));
            sessionStorage.setItem("locked", JSON.stringify({
              timer: document.querySelector("[data-timer]").textContent,
              all: inputs.every((i) => i.disabled),
              lateChecked: late.checked,
            }));
          }, 10);
        }"""
    )
    expect(page).to_have_url(re.compile(r"/result/$"), timeout=30_000)
    locked = page.evaluate("JSON.parse(sessionStorage.getItem('locked'))")
    assert locked == {"timer": "00:00", "all": True, "lateChecked": False}

    assert [body["position"] for body in sent] == [1]  # nothing after the deadline was sent
    attempt.refresh_from_db()
    assert attempt.is_finished and attempt.status != AttemptStatus.VOIDED
    assert attempt.slots.get(position=1).selected == [first]
    assert attempt.slots.get(position=2).selected == []


def test_answers_queued_offline_past_the_deadline_are_named_on_the_result_page(
    live_server, page, open_session, learner
):
    _sign_in(page.context, live_server, learner)
    attempt = _start(page, live_server, open_session)
    _deadline_in(attempt, 8)
    page.reload()
    status = page.locator("[data-save-status]")
    first = _choose(page, 1, 0)
    expect(status).to_have_text("已保存")

    page.context.set_offline(True)
    _choose(page, 4, 2)  # answered in time, but it cannot be delivered
    expect(status).to_have_text("离线（1 条待发送）")
    expect(page.locator("#q-4 input").first).to_be_disabled(timeout=15_000)  # 00:00
    time.sleep(GRACE + 2)  # still offline when the grace has passed
    # Still on the paper (the address keeps the question shown): waiting to deliver, not submitting.
    assert page.url.split("#")[0].endswith(f"/attempt/{attempt.pk}/")
    page.context.set_offline(False)

    expect(page).to_have_url(re.compile(r"/result/$"), timeout=30_000)
    notice = page.get_by_role("alert")
    expect(notice).to_contain_text("考试结束后才送达服务器，未被接受")
    expect(notice).to_contain_text("第 4 题")
    assert "第 1 题" not in notice.inner_text()
    refused = RefusedChange.objects.get(attempt=attempt)
    assert (refused.position, refused.why) == (4, RefusedChange.Why.LATE)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.EXPIRED
    assert attempt.slots.get(position=1).selected == [first]
    assert attempt.slots.get(position=4).selected == []


def test_two_devices_on_one_attempt_the_later_change_wins(
    live_server, browser_context, open_session, learner
):
    device_a = browser_context.new_page()
    _sign_in(browser_context, live_server, learner)
    attempt = _start(device_a, live_server, open_session)
    browser = browser_context.browser
    other = browser.new_context(viewport={"width": 1024, "height": 800}, locale="zh-CN")
    other.set_default_timeout(15_000)
    try:
        _sign_in(other, live_server, learner)
        device_b = other.new_page()
        device_b.goto(f"{live_server.url}/exams/attempt/{attempt.pk}/")
        expect(device_b.locator(".exam-q")).to_have_count(20)

        # A makes several changes (its sequence numbers run ahead of B's) ...
        for index in (0, 1, 2):
            _choose(device_a, 1, index)
        _choose(device_a, 2, 0)
        expect(device_a.locator("[data-save-status]")).to_have_text("已保存")
        # ... then B changes question 1: B's change is the newest, so it counts.
        on_b = _choose(device_b, 1, 3)
        expect(device_b.locator("[data-save-status]")).to_have_text("已保存")
        assert attempt.slots.get(position=1).selected == [on_b]
        # A changes it again later: now A's counts.
        on_a = _choose(device_a, 1, 1)
        expect(device_a.locator("[data-save-status]")).to_have_text("已保存")
        assert attempt.slots.get(position=1).selected == [on_a]
        # A reload on B shows the saved answer.
        device_b.reload()
        expect(device_b.locator(f'input[name="q1"][value="{on_a}"]')).to_be_checked()

        # When the server answers that it kept another answer than the page's, the page says
        # so as a conflict (a warning, not "saved") and how to see the saved answer.
        kept = int(_option(device_b, 3, 0).locator("input").first.get_attribute("value"))

        def stale(route):
            body = route.request.post_data_json
            route.fulfill(
                json={
                    "ok": True,
                    "position": body["position"],
                    "seq": body["seq"] + 100,
                    "stale": True,
                    "selected": [kept],
                    "remaining": 3000,
                }
            )

        device_b.route("**/save", stale)
        _choose(device_b, 3, 1)
        status = device_b.locator("[data-save-status]")
        expect(status).to_have_attribute("data-state", "conflict")
        expect(status).to_contain_text("第 3 题已在其他设备上更新，刷新页面可查看最新保存的答案")
        expect(device_b.locator("#q-3")).to_have_class(re.compile("is-conflict"))
    finally:
        other.close()


def test_extra_time_reaches_the_open_page(live_server, page, open_session, learner):
    admin = UserFactory(is_superuser=True, is_staff=True)
    _sign_in(page.context, live_server, learner)
    attempt = _start(page, live_server, open_session)
    _deadline_in(attempt, 8)
    page.reload()
    old_deadline = Attempt.objects.get(pk=attempt.pk).deadline
    attempt_extend(attempt_id=attempt.pk, actor=admin, minutes=2, reason="考点断网")

    # The page still counts down to the old deadline; at its 00:00 it asks the server, learns
    # the new time and unlocks (or a save tells it first).
    wait = (old_deadline - timezone.now()).total_seconds() + 3
    time.sleep(max(0, wait))
    expect(page.locator("[data-time-alert]")).to_have_text("考试时间已延长 2 分钟。")
    expect(page.locator("#q-2 input").first).to_be_enabled()
    expect(page.locator("[data-timer]")).to_have_text(re.compile(r"^01:(4|5)\d$"))
    chosen = _choose(page, 2, 1)
    expect(page.locator("[data-save-status]")).to_have_text("已保存")
    assert page.url.split("#")[0].endswith(f"/attempt/{attempt.pk}/")
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert attempt.deadline == old_deadline + timedelta(minutes=2)
    assert attempt.slots.get(position=2).selected == [chosen]
