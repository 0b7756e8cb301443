"""The demo bank is worth sitting, as loaded by the demo (the real law library, the real csv):
multiple-choice items have wrong options a candidate could fall for, true/false items keyed 对
make the candidate apply or recognise the rule instead of spotting the article's own sentence,
the 行政复议法实施条例 and the 2018 constitutional amendment are examined, and Q379 (监察法 留置)
follows the 2024 text."""

import csv
import difflib
import re

import pytest
from django.conf import settings

from cms.laws.services import law_library_import
from exams.demo import DEMO_DIR, DEMO_FILES
from exams.models import Question, QuestionKind
from exams.services import questions_import

pytestmark = pytest.mark.django_db

# The files this bank is made of (the demo may load other files after them).
BANK_FILES = ["questions_part1.csv", "questions_part2.csv"]
# Options that are wrong because they overstate ("一律", "唯一") are given away by their wording.
GIVEAWAYS = ("一律", "唯一")
IMPLEMENTING_REGULATIONS = "administrative-reconsideration-law-implementing-regulations"
AMENDMENT_2018 = "constitution-amendment-2018"
# The amendment's own articles. Its article 52 quotes the five new articles of the
# Constitution (第一百二十三条 … 第一百二十七条); the import reads those quotations as articles
# 123-127 of the amendment, so a question cites them from the Constitution itself.
AMENDMENT_OWN_ARTICLES = range(32, 53)

PUNCTUATION_RE = re.compile(r"[\s，,。；;：:、“”‘’（）()《》！？?!…—\-]")
PREFIX_RE = re.compile(r"^(?:根据|依照|按照|依据)[^，,]{0,40}?[，,]")


def _plain(text: str) -> str:
    return PUNCTUATION_RE.sub("", text)


def copies_article(stem: str, article_text: str) -> bool:
    """The stem (without its "根据《…》，" lead-in) is the article's wording: a verbatim piece of
    it, or at least 80% of it made of runs of four or more characters taken from it."""
    core = _plain(PREFIX_RE.sub("", stem.strip()))
    body = _plain(article_text)
    if not core:
        return True
    if core in body:
        return True
    matcher = difflib.SequenceMatcher(None, core, body, autojunk=False)
    copied = sum(block.size for block in matcher.get_matching_blocks() if block.size >= 4)
    return copied / len(core) >= 0.8


def test_the_copy_check_tells_a_copied_stem_from_a_situation():
    article = "对当事人的同一个违法行为，不得给予两次以上罚款的行政处罚。"
    assert copies_article("对当事人的同一个违法行为，不得给予两次以上罚款的行政处罚。", article)
    assert copies_article("根据行政处罚法，对当事人的同一违法行为，不得给予两次以上罚款。", article)
    assert not copies_article(
        "当事人的一个违法行为同时违反两部法律、均应给予罚款的，行政机关只能罚款一次。", article
    )


@pytest.fixture
def bank() -> list[Question]:
    """The bank as the demo loads it, in load order (Q1 … Qn), versions and citations fetched."""
    assert set(BANK_FILES) <= set(DEMO_FILES)
    law_library_import(directory=settings.SHARED_DIR / "laws")
    for name in BANK_FILES:
        report = questions_import(data=(DEMO_DIR / name).read_bytes(), filename=name)
        assert report.errors == [], report.errors[:3]
    return list(
        Question.objects.order_by("pk")
        .select_related("current_version")
        .prefetch_related("current_version__citations__article__version__law")
    )


def _articles(question: Question) -> list:
    return [citation.article for citation in question.current_version.citations.all()]


def _label(position: int, question: Question) -> str:
    return f"Q{position} {question.current_version.stem_text[:30]}"


def test_every_multiple_choice_has_two_plausible_wrong_options(bank):
    multiple = [
        (i, q) for i, q in enumerate(bank, 1) if q.current_version.kind == QuestionKind.MULTIPLE
    ]
    assert len(multiple) >= 95
    too_few = []
    for position, question in multiple:
        options = question.current_version.options
        texts = [o["text"] for o in options]
        assert len(set(texts)) == len(texts), _label(position, question)
        plausible = [
            o["text"]
            for o in options
            if not o["correct"] and not any(word in o["text"] for word in GIVEAWAYS)
        ]
        if len(plausible) < 2:
            too_few.append(_label(position, question))
    assert too_few == []


def test_true_false_items_keyed_true_do_not_copy_the_article(bank):
    true_false = [
        (i, q) for i, q in enumerate(bank, 1) if q.current_version.kind == QuestionKind.TRUE_FALSE
    ]
    keyed_true = [
        (i, q)
        for i, q in true_false
        if [o["text"] for o in q.current_version.options if o["correct"]] == ["对"]
    ]
    assert 0.35 <= len(keyed_true) / len(true_false) <= 0.65  # a mix of 对 and 错
    copied = [
        _label(i, q)
        for i, q in keyed_true
        if copies_article(q.current_version.stem_text, "\n".join(a.text for a in _articles(q)))
    ]
    assert len(copied) <= 0.1 * len(keyed_true), copied


def _citing(bank, law_key: str) -> list[tuple[int, Question]]:
    return [
        (i, q)
        for i, q in enumerate(bank, 1)
        if any(a.version.law.key == law_key for a in _articles(q))
    ]


def test_the_implementing_regulations_are_examined(bank):
    citing = _citing(bank, IMPLEMENTING_REGULATIONS)
    assert len(citing) >= 15
    assert {q.current_version.kind for _i, q in citing} == {"single", "multiple", "true_false"}
    assert len({a.number for _i, q in citing for a in _articles(q)}) >= 15


def test_the_2018_amendment_is_examined_through_its_own_articles(bank):
    citing = _citing(bank, AMENDMENT_2018)
    assert len(citing) >= 15
    assert {q.current_version.kind for _i, q in citing} == {"single", "multiple", "true_false"}
    cited = [
        a.number for _i, q in citing for a in _articles(q) if a.version.law.key == AMENDMENT_2018
    ]
    assert set(cited) <= set(AMENDMENT_OWN_ARTICLES)
    assert len(set(cited)) >= 12
    # The supervision commissions' own section is cited from the Constitution.
    constitution = {
        a.number for _i, q in citing for a in _articles(q) if a.version.law.key == "constitution"
    }
    assert {124, 125, 126, 127} <= constitution


def test_q379_follows_the_2024_supervision_law(bank):
    question = bank[378]
    version = question.current_version
    (article,) = _articles(question)
    assert (article.version.law.key, article.number) == ("supervision-law", 48)
    assert article.version.is_current and article.version.version_date.isoformat() == "2024-12-25"
    assert "可以再延长二个月" in article.text
    assert "留置" in version.stem_text and "2024" in version.stem_text
    (right,) = [o["text"] for o in version.options if o["correct"]]
    assert "不得超过三个月" in right and "延长一次" in right and "再延长二个月" in right
    assert "国家监察委员会批准或者决定" in right
    # The reading of the text before 2024 (no further extension) is offered as a wrong answer.
    wrong = [o["text"] for o in version.options if not o["correct"]]
    assert any("不得再延长" in text for text in wrong)
    assert "再延长二个月" in version.explanation


def test_no_stem_opens_with_the_plan_to_test_another_regulation():
    for name in BANK_FILES:
        with open(DEMO_DIR / name, encoding="utf-8") as source:
            for line, row in enumerate(csv.DictReader(source), start=2):
                assert "实施方案" not in row["题干"], (name, line)
