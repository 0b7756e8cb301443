"""A new version of a law flags the questions whose cited article changed, moved or vanished."""

import pytest

from cms.laws.models import Article, LawVersion
from cms.laws.services import law_library_import
from exams.formats.base import ParsedOption
from exams.models import AmendmentFlag, QuestionStatus
from exams.selectors import questions_drawable
from exams.services import question_create, question_resolve_amendment, topic_by_path

from .conftest import laws_subset

pytestmark = pytest.mark.django_db

OLD_FILE = "legislation-law_2023-03-13.md"


def _article(law_key: str, year: int, number: int) -> Article:
    return Article.objects.get(
        version__law__key=law_key, version__version_date__year=year, number=number
    )


def _question(article: Article, stem: str):
    return question_create(
        topic=topic_by_path("依法行政与法治政府"),
        kind="single",
        stem=stem,
        options=[ParsedOption("甲", True), ParsedOption("乙", False)],
        articles=[article],
    )


@pytest.fixture
def only_2015_imported(tmp_path):
    directory = laws_subset(tmp_path / "laws", ["legislation-law"], exclude_files=(OLD_FILE,))
    law_library_import(directory=directory)
    return tmp_path


@pytest.mark.postgres
def test_importing_the_new_version_flags_changed_moved_but_not_unchanged(only_2015_imported):
    unchanged = _question(_article("legislation-law", 2015, 1), "立法法的立法目的是什么")
    moved = _question(_article("legislation-law", 2015, 37), "法律草案公布征求意见的期限")
    changed = _question(_article("legislation-law", 2015, 8), "只能制定法律的事项")

    law_library_import(directory=laws_subset(only_2015_imported / "all", ["legislation-law"]))

    for q in (unchanged, moved, changed):
        q.refresh_from_db()
    assert unchanged.status == QuestionStatus.ACTIVE
    new_first = _article("legislation-law", 2023, 1)
    assert list(unchanged.current_version.articles.all()) == [new_first]
    assert moved.status == QuestionStatus.NEEDS_REVIEW
    flag = moved.amendment_flags.get()
    assert flag.change == AmendmentFlag.Change.MOVED
    assert flag.suggested_article == _article("legislation-law", 2023, 40)
    assert changed.status == QuestionStatus.NEEDS_REVIEW
    assert changed.amendment_flags.get().change == AmendmentFlag.Change.CHANGED
    assert set(questions_drawable()) == {unchanged}


def test_reviewer_confirms_the_key_repoints_and_reactivates(only_2015_imported):
    moved = _question(_article("legislation-law", 2015, 37), "法律草案公布征求意见的期限")
    law_library_import(directory=laws_subset(only_2015_imported / "all", ["legislation-law"]))
    moved.refresh_from_db()
    flag = moved.amendment_flags.get()

    question_resolve_amendment(
        question=moved,
        replacements={flag.old_article_id: flag.suggested_article},
        confirmed=True,
    )

    moved.refresh_from_db()
    assert moved.status == QuestionStatus.ACTIVE
    assert list(moved.current_version.articles.all()) == [_article("legislation-law", 2023, 40)]
    assert not moved.amendment_flags.filter(resolved_at__isnull=True).exists()
    assert moved in questions_drawable()


def test_citing_an_old_version_that_changed_flags_at_once(law_library):
    old = _article("administrative-reconsideration-law", 2017, 9)
    assert not old.version.is_current
    question = question_create(
        topic=topic_by_path("行政复议"),
        kind="true_false",
        stem="申请期限为知道之日起六十日内",
        answer_true=True,
        articles=[old],
    )
    question.refresh_from_db()
    assert question.status == QuestionStatus.NEEDS_REVIEW
    assert LawVersion.objects.get(pk=old.version_id).law.versions.count() == 2


def test_status_by_hand_never_skips_the_amendment_review(law_library):
    from django.core.exceptions import ValidationError

    from exams.services import question_set_status
    from exams.services.questions import ERR_OPEN_FLAGS, ERR_STATUS_BY_HAND

    old = _article("administrative-reconsideration-law", 2017, 9)
    flagged = question_create(
        topic=topic_by_path("行政复议"),
        kind="true_false",
        stem="按2017年文本的申请期限",
        answer_true=True,
        articles=[old],
    )
    with pytest.raises(ValidationError) as refused:
        question_set_status(question=flagged, status=QuestionStatus.ACTIVE)
    assert refused.value.messages == [str(ERR_OPEN_FLAGS)]
    fine = _question(_article("constitution", 2018, 1), "国家性质")
    with pytest.raises(ValidationError) as by_hand:
        question_set_status(question=fine, status=QuestionStatus.NEEDS_REVIEW)
    assert by_hand.value.messages == [str(ERR_STATUS_BY_HAND)]
    question_set_status(question=fine, status=QuestionStatus.RETIRED)
    question_set_status(question=fine, status=QuestionStatus.ACTIVE)
    fine.refresh_from_db()
    assert fine.status == QuestionStatus.ACTIVE
