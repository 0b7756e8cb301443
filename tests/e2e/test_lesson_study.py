"""A learner studies a lesson in Chromium: time accrues only while the page is visible, and
reaching the minimum time, the end and the self-check completes it; 'my learning' moves.

The browser's timers run on Playwright's clock and the server's on time-machine's, moved
forward together, so a 30-second heartbeat interval takes no real time.
"""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.test import Client

from learning.models import LessonProgress, StudyHourEntry
from tests.factories import UserFactory
from tests.learning.conftest import (  # noqa: F401  (fixtures)
    SHANGHAI,
    block,
    course_index,
    lessons_of,
    make_course,
    self_check,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

HEARTBEAT = re.compile(r"/learning/lessons/\d+/heartbeat/$")


def set_visibility(page, state: str) -> None:
    """What the browser does when the tab goes to the background or comes back."""
    page.evaluate(
        """state => {
            Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
            Object.defineProperty(document, "hidden", {value: state === "hidden", configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        state,
    )


def test_lesson_accrues_only_while_visible_and_completes(live_server, page, make_course):  # noqa: F811
    paragraphs = [
        block("paragraph", f"<p>第{i}段：行政复议的申请、受理与审理。</p>") for i in range(40)
    ]
    body = [*paragraphs, self_check("check-1"), block("paragraph", "<p>本课结束。</p>")]
    course = make_course(lessons=1, minutes=1, hours="20", body=body, title="行政复议法精讲")
    lesson = lessons_of(course)[0]
    learner = UserFactory(name="张晓明")
    heartbeats: list[str] = []
    page.on("request", lambda r: heartbeats.append(r.url) if HEARTBEAT.search(r.url) else None)

    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=True) as server_clock:
        client = Client()
        client.force_login(learner)
        cookie = client.cookies["sessionid"].value
        page.context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])

        def advance(seconds: int) -> None:
            server_clock.shift(seconds)
            page.clock.run_for(seconds * 1000)

        page.goto(f"{live_server.url}/learning/")
        year_bar = page.locator("[data-year-progress]")
        assert year_bar.get_attribute("aria-valuenow") == "0"

        page.clock.install()
        with page.expect_response(HEARTBEAT):  # the opening heartbeat starts the stretch
            page.goto(f"{live_server.url}{lesson.url}")
        accrued = page.locator("[data-study-accrued]")
        assert accrued.inner_text() == "0 分 0 秒"

        page.mouse.move(50, 200)
        page.mouse.move(60, 220)
        with page.expect_response(HEARTBEAT):
            advance(30)
        page.wait_for_function(
            "document.querySelector('[data-study-accrued]').textContent === '0 分 30 秒'"
        )

        # In the background: no heartbeats, no time, however long.
        with page.expect_response(HEARTBEAT):
            set_visibility(page, "hidden")
        sent = len(heartbeats)
        advance(150)
        assert len(heartbeats) == sent
        assert LessonProgress.objects.get(user=learner, lesson=lesson).active_seconds == 30

        # Back in front: a new stretch; the hidden minutes earned nothing.
        with page.expect_response(HEARTBEAT):
            set_visibility(page, "visible")
        page.mouse.move(70, 240)
        with page.expect_response(HEARTBEAT):
            advance(30)
        page.wait_for_function(
            "document.querySelector('[data-study-accrued]').textContent === '1 分 0 秒'"
        )
        status = page.locator("[data-study-status]")
        assert "请读到本课结尾" in status.inner_text()
        assert LessonProgress.objects.get(user=learner, lesson=lesson).completed_at is None

        # Answer the self-check, then read to the end: complete.
        page.locator("form[data-self-check] input").first.check()
        with page.expect_response(HEARTBEAT):
            page.locator("form[data-self-check] button[type=submit]").click()
        # Clicking the self-check's button may already have scrolled the end into view (its
        # heartbeat can then come before this line): wait for the outcome, not for one request.
        page.locator("[data-lesson-end]").scroll_into_view_if_needed()
        page.wait_for_function(
            "document.querySelector('[data-lesson-study]').dataset.completed === 'true'"
        )
        assert status.inner_text() == "本课已完成。"
        progress = LessonProgress.objects.get(user=learner, lesson=lesson)
        assert progress.completed_at is not None and progress.active_seconds == 60
        assert StudyHourEntry.objects.get(user=learner).hours == 20

        # 'My learning': the year's bar moved to 20 of 40 hours, the course is completed.
        page.goto(f"{live_server.url}/learning/")
        assert page.locator("[data-year-progress]").get_attribute("aria-valuenow") == "50"
        assert page.locator("[data-year-counted]").inner_text() == "20"
        assert "行政复议法精讲" in page.locator("#completed-heading + table").inner_text()

        # Coming back to the lesson resumes at the end where the learner left.
        page.goto(f"{live_server.url}{lesson.url}")
        page.wait_for_function("window.scrollY > 0")
