"""The 修法复核 of the demo bank's 21 questions on the 2017 行政复议法: where each rule stands in
the 2023 text, and that no question goes live again without a reviewer checking its key.

The demo bank numbers its questions in file order: ``questions_part1.csv`` holds Q1–Q213, so
line ``n`` of ``questions_part2.csv`` is Q(212 + n). Lines 29–49 cite 行政复议法（2017）.
"""

import csv
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.models import ModelLogEntry

from cms.laws.models import Article
from exams.demo import DEMO_DIR
from exams.models import AmendmentFlag, Question, QuestionStatus
from exams.selectors import questions_drawable
from exams.services import question_resolve_amendment, questions_import
from exams.services.questions import ERR_NOT_CONFIRMED
from exams.soundness import ERR_NO_CITATION
from tests.factories import UserFactory, give_totp

pytestmark = pytest.mark.django_db

FIRST_LINE = 29  # Q241
PART1_COUNT = 213

# Q number -> (2017 article, expected 2023 article, paragraph, item; None = not checked), and
# why, read from the two texts (shared/laws/administrative-reconsideration-law_*.md).
EXPECTED = {
    241: (12, (24, 1, 1), "¶1 工作部门的行为: now 本级人民政府管辖 under §24 ¶1 (一), not §28"),
    242: (15, (24, 4, 0), "(二) 派出机构: now §24 ¶4, 由本级人民政府管辖"),
    243: (15, None, "¶2 the 发生地县级政府 channel and its 转送 were not kept"),
    244: (18, None, "the 县级政府 转送 within 七日 was not kept"),
    245: (17, (30, 3, 0), "¶2 受理 on receipt -> §30 ¶3 视为受理 when the 审查期限 ends"),
    246: (22, (49, 1, 0), "书面审查 principle -> §49 普通程序 听取意见, 书面审理 only as fallback"),
    247: (31, (62, 1, 0), "¶1 60日 and the extension -> §62 ¶1 (机构负责人批准)"),
    248: (4, (3, 2, 0), "the principles -> §3 ¶2 (高效、便民、为民)"),
    249: (9, (20, 1, 0), "¶1 六十日 from 知道 -> §20 ¶1 知道或者应当知道"),
    250: (20, (35, 1, 0), "上级 责令受理 -> §35 责令纠正, 上级复议机关可以直接受理"),
    251: (40, (88, 2, 0), "¶2 工作日 (五日、七日) -> §88 ¶2 (三日、五日、七日、十日)"),
    252: (7, (13, 1, None), "the list of reviewable 规定 -> §13 ¶1 规范性文件"),
    253: (21, (42, 1, None), "不停止执行 and its exceptions -> §42 (应当停止执行)"),
    254: (28, (64, 1, None), "¶1 (三) 撤销 grounds -> §64 ¶1 撤销或者部分撤销"),
    255: (30, (23, 1, 2), "¶1 自然资源 复议前置 -> §23 ¶1 (二); ¶2 最终裁决 not kept"),
    256: (3, (4, None, None), "法制工作机构 -> §4 行政复议机构"),
    257: (22, (49, 1, 0), "听取意见 when requested -> §49 普通程序 听取当事人意见"),
    258: (25, (41, 1, 1), "撤回 -> §41 ¶1 (一) 撤回经机构准予, 终止"),
    259: (3, (6, 2, 0), "¶2 法律职业资格 -> §6 ¶2 (plus 统一职前培训)"),
    260: (11, (22, None, None), "书面/口头申请 -> §22 (口头 only if 书面有困难)"),
    261: (23, (47, 1, 0), "¶2 查阅 -> §47 查阅、复制, new exceptions"),
}
#: Rewritten beyond what text alignment finds (a principle turned into a procedure rule).
NOT_FOUND_BY_TEXT = {246, 257}


def _amended_rows() -> bytes:
    with open(DEMO_DIR / "questions_part2.csv", encoding="utf-8") as source:
        reader = csv.DictReader(source)
        rows = [row for row in reader if "（2017）" in row["法条"]]
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames)
        writer.writeheader()
        writer.writerows(rows)
    assert len(rows) == len(EXPECTED)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def flagged(law_library) -> dict[int, Question]:
    """The 21 demo questions, imported while 2023 is current: each is flagged at once."""
    report = questions_import(data=_amended_rows(), filename="demo-2017.csv")
    assert report.errors == [] and report.imported == 21
    questions = list(Question.objects.order_by("pk"))
    return {PART1_COUNT + FIRST_LINE - 1 + i: q for i, q in enumerate(questions)}


def _flag(question: Question) -> AmendmentFlag:
    return AmendmentFlag.objects.select_related("old_article", "suggested_article").get(
        question=question, resolved_at__isnull=True
    )


def _current(number: int) -> Article:
    return Article.objects.get(
        version__law__key="administrative-reconsideration-law",
        version__is_current=True,
        number=number,
    )


def test_each_demo_question_is_pointed_to_where_its_rule_stands_now(flagged):
    found_by_text, wrong = 0, []
    for number, (old_number, expected, reason) in sorted(EXPECTED.items()):
        question = flagged[number]
        assert question.status == QuestionStatus.NEEDS_REVIEW, number
        assert question not in questions_drawable()
        flag = _flag(question)
        assert flag.old_article.number == old_number, number
        found = (
            None
            if flag.suggested_article is None
            else (flag.suggested_article.number, flag.suggested_paragraph, flag.suggested_item)
        )
        if expected is None:
            right = found is None and flag.change == AmendmentFlag.Change.REMOVED
        else:
            right = found is not None and all(
                want is None or got == want for want, got in zip(expected, found, strict=True)
            )
        if number in NOT_FOUND_BY_TEXT:
            # Not found, and not pointed to a wrong article either: the reviewer is told
            # that no counterpart was found and picks §49 by hand.
            assert found is None, (number, found)
            continue
        found_by_text += right
        if not right:
            wrong.append((number, found, reason))
    assert wrong == []
    assert found_by_text == len(EXPECTED) - len(NOT_FOUND_BY_TEXT)


def test_suggestions_are_shown_down_to_paragraph_and_item(flagged):
    assert _flag(flagged[241]).suggested_label == "第二十四条第一款第（一）项"
    assert _flag(flagged[245]).suggested_label == "第三十条第三款"
    assert _flag(flagged[245]).old_label == "第十七条第二款"
    assert _flag(flagged[258]).suggested_label == "第四十一条第（一）项"


def test_2017_article_13_is_paired_with_2023_article_24_item_2(law_library, client):
    from cms.laws.models import LawVersion
    from cms.laws.selectors import stored_alignment

    old, new = LawVersion.objects.filter(law__key="administrative-reconsideration-law").order_by(
        "version_date"
    )
    by_old = {c.old.number: c for c in stored_alignment(old=old, new=new) if c.old}
    article_13 = by_old[13]
    assert article_13.new.number == 24  # not the unrelated 第二十八条 (司法行政部门)
    first = next(p for p in article_13.parts if p.old_paragraph == 1)
    assert (first.new.number, first.new_paragraph, first.new_item) == (24, 1, 2)
    assert first.new_label == "第二十四条第一款第（二）项"

    page = client.get(
        reverse("laws:compare", args=["administrative-reconsideration-law"])
    ).content.decode()
    assert "第一款 → " in page or "第十三条第一款 → " in page
    assert "第二十四条第一款第（二）项" in page


# --- Q245 and Q251 can no longer go live as the old one-click default put them -------------


def test_service_refuses_without_the_reviewers_confirmation(flagged):
    q251 = flagged[251]
    flag = _flag(q251)
    assert flag.suggested_article == _current(88)
    with pytest.raises(ValidationError) as refused:
        question_resolve_amendment(
            question=q251,
            replacements={flag.old_article_id: flag.suggested_article},
            confirmed=False,
        )
    assert refused.value.messages == [str(ERR_NOT_CONFIRMED)]
    q251.refresh_from_db()
    assert q251.status == QuestionStatus.NEEDS_REVIEW
    assert q251 not in questions_drawable()


def test_service_refuses_a_question_left_without_a_citation(flagged):
    q245 = flagged[245]
    flag = _flag(q245)
    with pytest.raises(ValidationError) as refused:
        question_resolve_amendment(
            question=q245, replacements={flag.old_article_id: None}, confirmed=True
        )
    assert str(ERR_NO_CITATION) in refused.value.messages[0]
    q245.refresh_from_db()
    assert q245.status == QuestionStatus.NEEDS_REVIEW
    assert AmendmentFlag.objects.filter(question=q245, resolved_at__isnull=True).exists()
    assert q245 not in questions_drawable()


@pytest.fixture
def reviewer(client):
    user = UserFactory(is_superuser=True, is_staff=True)
    give_totp(user)
    client.force_login(user)
    return client


def test_page_shows_old_new_and_the_key_with_nothing_preselected(flagged, reviewer):
    q251 = flagged[251]
    flag = _flag(q251)
    page = reviewer.get(reverse("exams_bank_amendments", args=[q251.pk])).content.decode()
    assert "“五日”、“七日”的规定是指工作日" in page  # old §40 ¶2
    assert "<ins>“三日”、</ins>" in page or "<ins>" in page  # the new text, changes marked
    assert "第八十八条第二款" in page
    assert "“五日”“七日”" in page and "（答案）" in page  # the key next to the texts
    assert q251.current_version.explanation[:15] in page
    assert "已核对答案与新法条一致" in page
    select = page.split(f'name="flag_{flag.pk}"')[1].split("</select>")[0]
    assert re.findall(r'<option value="([^"]*)" selected', select) == [""]  # nothing chosen
    assert 'name="confirmed"' in page and "checked" not in page.split('name="confirmed"')[1][:40]


def test_posting_the_suggestion_without_confirming_leaves_q251_in_review(flagged, reviewer):
    q251 = flagged[251]
    flag = _flag(q251)
    url = reverse("exams_bank_amendments", args=[q251.pk])
    response = reviewer.post(url, {f"flag_{flag.pk}": str(_current(88).pk)})
    assert response.status_code == 200
    assert str(ERR_NOT_CONFIRMED) in response.content.decode()
    q251.refresh_from_db()
    assert q251.status == QuestionStatus.NEEDS_REVIEW
    assert list(
        q251.current_version.articles.values_list("version__version_date__year", flat=True)
    ) == [2017]

    response = reviewer.post(url, {f"flag_{flag.pk}": str(_current(88).pk), "confirmed": "on"})
    assert response.status_code == 302
    q251.refresh_from_db()
    assert q251.status == QuestionStatus.ACTIVE
    assert list(q251.current_version.articles.all()) == [_current(88)]
    entry = ModelLogEntry.objects.filter(
        object_id=str(q251.pk), action="exams.question.amendment_resolve"
    ).get()
    assert entry.data["before"]["status"] == QuestionStatus.NEEDS_REVIEW
    assert entry.data["before"]["flags"][0]["suggested"] == "第八十八条第二款"
    assert entry.data["after"] == {
        "status": QuestionStatus.ACTIVE,
        "citations": [str(_current(88))],
        "confirmed": True,
    }


def test_posting_drop_for_q245_is_refused_even_when_confirmed(flagged, reviewer):
    q245 = flagged[245]
    flag = _flag(q245)
    url = reverse("exams_bank_amendments", args=[q245.pk])
    response = reviewer.post(url, {f"flag_{flag.pk}": "drop", "confirmed": "on"})
    assert response.status_code == 200
    assert str(ERR_NO_CITATION) in response.content.decode()
    q245.refresh_from_db()
    assert q245.status == QuestionStatus.NEEDS_REVIEW
    assert q245 not in questions_drawable()


def test_editing_resolves_the_flag_only_with_a_resolving_citation(flagged, reviewer):
    q245 = flagged[245]
    version = q245.current_version
    edit_url = reverse(Question.snippet_viewset.get_url_name("edit"), args=[q245.pk])
    data = {
        "topic": q245.topic_id,
        "status": QuestionStatus.ACTIVE,
        "kind": version.kind,
        "stem": "行政复议申请的审查期限届满，行政复议机关未作出不予受理决定的，何时视为受理？",
        "option_a": "审查期限届满之日起",
        "option_b": "收到申请之日起",
        "answer": "A",
        "explanation": "根据《行政复议法》第三十条第三款。",
        "difficulty": 3,
        "citations": "",
    }
    response = reviewer.post(edit_url, data)
    assert response.status_code == 200  # no citation: cannot go live
    q245.refresh_from_db()
    assert q245.status == QuestionStatus.NEEDS_REVIEW

    response = reviewer.post(edit_url, {**data, "citations": "行政复议法（2017）第十七条"})
    assert response.status_code == 200  # still the superseded article
    q245.refresh_from_db()
    assert q245.status == QuestionStatus.NEEDS_REVIEW

    response = reviewer.post(edit_url, {**data, "citations": "行政复议法第三十条"})
    assert response.status_code == 302, response.content.decode()[:2000]
    q245.refresh_from_db()
    assert q245.status == QuestionStatus.ACTIVE
    assert list(q245.current_version.articles.all()) == [_current(30)]
    assert not AmendmentFlag.objects.filter(question=q245, resolved_at__isnull=True).exists()
    assert ModelLogEntry.objects.filter(
        object_id=str(q245.pk), action="exams.question.amendment_resolve"
    ).exists()
