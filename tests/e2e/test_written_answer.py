"""A written answer (case analysis) in a real browser: typed, saved after a pause in typing,
kept across reloads (also when the server could not be reached), and counted as answered."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cms.laws.models import Article
from exams.models import (
    Attempt,
    AttemptSlot,
    Blueprint,
    BlueprintSection,
    ExamKind,
    ExamSession,
)
from exams.services import question_create
from tests.e2e.exam_helpers import show_question
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Correct-Horse-42"


@pytest.fixture
def case_session(exam_bank, org):
    article = Article.objects.get(version__law__key="administrative-licensing-law", number=42)
    question_create(
        topic=exam_bank,
        kind="case_analysis",
        stem="某局受理许可申请后三十日仍未作出决定。请分析。",
        articles=[article],
        model_answer="应当二十日内作出决定。",
        rubric=[("审查期限", "5"), ("结论", "5")],
    )
    bp = Blueprint.objects.create(name="案例卷")
    for order, (kind, count, points) in enumerate([("single", 2, 5), ("case_analysis", 1, 20)]):
        section = BlueprintSection.objects.create(
            blueprint=bp, sort_order=order, title=kind, kind=kind, count=count, points=points
        )
        section.topics.add(exam_bank)
    now = timezone.now()
    return ExamSession.objects.create(
        title="执法资格考试（案例分析）",
        kind=ExamKind.QUALIFICATION,
        blueprint=bp,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=3),
        duration_minutes=60,
        eligible_unit=org.city,
        marking_tolerance=Decimal(2),
    )


def test_typed_text_is_saved_and_survives_reload(live_server, page, case_session, org):
    learner = UserFactory(org_unit=org.departments[org.districts[0].code][0], password=PASSWORD)
    status = page.locator("[data-save-status]")
    page.goto(f"{live_server.url}/accounts/login/?next=/exams/session/{case_session.pk}/")
    page.get_by_label("工号或电子邮箱").fill(learner.employee_number)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("form.stacked [type=submit]").click()
    page.get_by_role("button", name="开始答题").click()
    expect(page).to_have_url(re.compile(r"/exams/attempt/\d+/$"))
    attempt = Attempt.objects.get(user=learner)
    slot = AttemptSlot.objects.get(attempt=attempt, hand_marked=True)
    show_question(page, slot.position)
    area = page.locator(f"#q-{slot.position}-text")

    area.press_sequentially("该局逾期未作决定", delay=20)
    expect(status).to_have_text("已保存")  # sent once typing paused
    slot.refresh_from_db()
    assert slot.text == "该局逾期未作决定"
    expect(page.locator("[data-answered]")).to_have_text("1")

    page.reload()
    expect(page.locator(f"#q-{slot.position}-text")).to_have_value("该局逾期未作决定")

    # The server cannot be reached: the text waits in localStorage and survives a reload.
    page.route("**/save", lambda route: route.abort())
    area = page.locator(f"#q-{slot.position}-text")
    area.focus()
    area.evaluate("el => el.setSelectionRange(el.value.length, el.value.length)")
    area.press_sequentially("，违反第四十二条。", delay=20)
    area.blur()
    expect(status).to_have_text(re.compile("离线"))
    page.reload()
    expected = "该局逾期未作决定，违反第四十二条。"
    expect(page.locator(f"#q-{slot.position}-text")).to_have_value(expected)
    page.unroute("**/save")
    expect(status).to_have_text("已保存")
    slot.refresh_from_db()
    assert slot.text == expected
