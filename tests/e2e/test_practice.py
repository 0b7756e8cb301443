"""Practising on a 360 px phone: choose a topic, answer with the keyboard, get the feedback in
place (fetch), go on to the next question, and reach the round's summary."""

import re

import pytest
from playwright.sync_api import expect

from exams.models import PracticeRound, QuestionRecord
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Correct-Horse-42"


def test_practise_a_topic_on_a_phone_with_the_keyboard(
    live_server, browser_context, exam_bank, settings, tmp_path
):
    settings.PRACTICE_ROUND_SIZE = 2
    learner = UserFactory(password=PASSWORD)
    page = browser_context.new_page()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/accounts/login/?next=/exams/practice/?topic={exam_bank.pk}")
    page.get_by_label("工号或电子邮箱").fill(learner.employee_number)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("form.stacked [type=submit]").click()
    expect(page.get_by_role("heading", name="练习", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator("#mode-topic").get_by_role("button", name="开始练习").click()
    expect(page).to_have_url(re.compile(r"/exams/practice/\d+/$"))
    practice_round = PracticeRound.objects.get(user=learner)

    for number in (1, 2):
        expect(page.locator(".exam-q__legend").first).to_contain_text(f"第 {number} 题")
        page.locator("[data-practice-form] input[name=selected]").first.focus()
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "INPUT":  # checkboxes: one stop each
            page.locator("[data-practice-form] button[type=submit]").focus()
        page.keyboard.press("Enter")
        feedback = page.locator("#feedback")
        expect(feedback).to_be_visible()
        expect(feedback).to_contain_text("正确答案")
        expect(page.locator("[data-practice-progress]")).to_contain_text(f"已答 {number} / 2 题")
        assert page.evaluate("document.activeElement.id") == "feedback"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(tmp_path / f"practice-{number}.png"), full_page=True)
        page.locator("#feedback .practice-next a").click()

    expect(page.get_by_role("heading", name="本轮小结")).to_be_visible()
    practice_round.refresh_from_db()
    assert practice_round.finished_at is not None and practice_round.answered_count == 2
    assert QuestionRecord.objects.filter(user=learner).count() == 2
