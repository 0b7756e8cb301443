"""The wrong-answer book on a 360 × 740 phone: cards that fit the width, reachable with the
keyboard (the filter and the PDF link)."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from exams.models import Question
from exams.services.practice_record import Answered, record_answers
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Phone-Book-2026"


def test_the_book_reads_as_cards_on_a_phone(live_server, browser_context, exam_bank, org):
    learner = UserFactory(org_unit=org.departments[org.districts[0].code][0], password=PASSWORD)
    for minutes, question in enumerate(
        Question.objects.select_related("current_version").order_by("pk")[:3]
    ):
        version = question.current_version
        wrong = [o["id"] for o in version.options if not o["correct"]][:1]
        record_answers(
            user_id=learner.pk,
            answers=[
                Answered(
                    question_id=question.pk,
                    version_id=version.pk,
                    correct=False,
                    at=timezone.now() + timedelta(minutes=minutes),
                    selected=wrong,
                )
            ],
            source="practice",
        )
    page = browser_context.new_page()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/accounts/login/?next=/exams/wrong-answers/")
    page.get_by_label("工号或电子邮箱").fill(learner.employee_number)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("form.stacked [type=submit]").click()
    page.wait_for_url("**/exams/wrong-answers/")
    cards = page.locator(".wrong-book__entry")
    assert cards.count() == 3
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways ({width} px)"
    for i in range(3):
        box = cards.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert "再答对 2 次移出错题本" in cards.first.inner_text()
    # The PDF link is reached with the keyboard.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent").startswith("导出 PDF"):
            break
    else:
        raise AssertionError("the PDF link is not reachable with Tab")
    shots = os.environ.get("SCREENSHOT_DIR")
    if shots:
        page.screenshot(path=f"{shots}/wrong_book_360.png", full_page=True)
