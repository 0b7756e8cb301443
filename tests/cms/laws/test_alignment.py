"""Alignment by content on the two real amendments in the library."""

import pytest

from cms.laws.alignment import (
    ChangeStatus,
    article_counterpart,
    articles_align,
    text_diff,
    versions_align,
)
from cms.laws.models import Article, LawVersion

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("law_library")]


def _versions(key):
    versions = list(LawVersion.objects.filter(law__key=key).order_by("version_date"))
    assert len(versions) == 2
    return versions


def _by_old(changes):
    return {c.old.number: c for c in changes if c.old is not None}


def _by_new(changes):
    return {c.new.number: c for c in changes if c.new is not None}


@pytest.fixture(scope="module")
def reconsideration(law_library, django_db_blocker):
    with django_db_blocker.unblock():
        old, new = _versions("administrative-reconsideration-law")
        return old, new, versions_align(old, new)


@pytest.fixture(scope="module")
def legislation(law_library, django_db_blocker):
    with django_db_blocker.unblock():
        old, new = _versions("legislation-law")
        return old, new, versions_align(old, new)


def test_every_old_article_appears_once_and_every_new_one_at_least_once(
    reconsideration, legislation
):
    """Two old articles merged into one new article both name it (2017 §13 and §15 -> 2023
    §24), so a new article may stand in more than one row; an old article has one row."""
    for old, new, changes in (reconsideration, legislation):
        olds = [c.old.number for c in changes if c.old]
        news = [c.new.number for c in changes if c.new]
        assert sorted(olds) == list(range(1, old.articles.count() + 1))
        assert sorted(set(news)) == list(range(1, new.articles.count() + 1))
        # Rows follow the new version's order.
        assert news == sorted(news)


def test_reconsideration_law_full_revision(reconsideration):
    _old, _new, changes = reconsideration
    by_old, by_new = _by_old(changes), _by_new(changes)

    # Foreigners' article: same text, 第四十一条 -> 第八十九条.
    moved = by_old[41]
    assert (moved.status, moved.new_number) == (ChangeStatus.MOVED, 89)
    assert moved.renumbered

    # Time limit of 60 days to apply: 第九条 -> 第二十条, rewritten ("具体行政行为" -> "行政行为").
    limit = by_old[9]
    assert (limit.status, limit.new_number) == (ChangeStatus.CHANGED, 20)
    assert "<del>具体</del>" in limit.diff_html
    assert "六十日" in limit.new.text

    # No suspension of enforcement during review: 第二十一条 -> 第四十二条.
    assert (by_old[21].status, by_old[21].new_number) == (ChangeStatus.CHANGED, 42)
    # Officials' misconduct: 第三十五条 -> 第八十一条.
    assert (by_old[35].status, by_old[35].new_number) == (ChangeStatus.CHANGED, 81)

    # Matters outside administrative reconsideration: 2017 §8 ¶2 (mediation of civil
    # disputes goes to arbitration or court) became item (四) of the new list in 2023 §12.
    assert (by_old[8].status, by_old[8].new_number) == (ChangeStatus.CHANGED, 12)
    assert by_new[12].new.text.startswith("下列事项不属于行政复议范围")
    mediation = [p for p in by_old[8].parts if p.old_paragraph == 2]
    assert [(p.new.number, p.new_paragraph, p.new_item) for p in mediation] == [(12, 1, 4)]
    assert mediation[0].new_label == "第十二条第（四）项"
    # New: mediation by the reconsideration body.
    assert by_new[5].status is ChangeStatus.ADDED
    # The old commencement clause is gone, the new one is new.
    assert by_old[43].status is ChangeStatus.REMOVED
    assert by_new[90].status is ChangeStatus.ADDED

    counts = {status: sum(c.status is status for c in changes) for status in ChangeStatus}
    assert counts[ChangeStatus.UNCHANGED] == 0
    assert counts[ChangeStatus.ADDED] > 40  # 43 -> 90 articles


def test_legislation_law_amendment(legislation):
    _old, _new, changes = legislation
    by_old, by_new = _by_old(changes), _by_new(changes)

    # 第一条 and 第二条 are untouched.
    assert by_old[1].status is ChangeStatus.UNCHANGED and by_old[1].new_number == 1
    # "立法应当从实际出发…": same text, 第六条 -> 第七条.
    assert (by_old[6].status, by_old[6].new_number) == (ChangeStatus.MOVED, 7)
    assert (by_old[10].status, by_old[10].new_number) == (ChangeStatus.MOVED, 13)
    # Pilot authorisation 第十三条 -> 第十六条 (gained a paragraph); not the State Council's
    # new 第七十九条, which reads alike but comes much later.
    pilot = by_old[13]
    assert (pilot.status, pilot.new_number) == (ChangeStatus.CHANGED, 16)
    assert "<del>行政管理等领域的</del>" in pilot.diff_html
    assert "<ins>" in pilot.diff_html
    assert by_new[79].status is ChangeStatus.ADDED
    # 第三条 was rewritten round the Party's leadership but keeps the old principles
    # (经济建设为中心, 社会主义道路, 改革开放): the old 第三条's counterpart. Core socialist
    # values (第八条) are new.
    assert (by_old[3].status, by_old[3].new_number) == (ChangeStatus.CHANGED, 3)
    assert by_new[8].status is ChangeStatus.ADDED
    # 法律委员会 became 宪法和法律委员会 in 第二十条 -> 第二十三条.
    renamed = by_old[20]
    assert (renamed.status, renamed.new_number) == (ChangeStatus.CHANGED, 23)
    assert "<ins>宪法和</ins>" in renamed.diff_html


def test_article_counterpart(reconsideration):
    old, new, changes = reconsideration
    article = Article.objects.get(version=old, number=41)

    change = article_counterpart(article, new)

    assert change.status is ChangeStatus.MOVED
    assert change.new == Article.objects.get(version=new, number=89)
    assert article_counterpart(article, new, changes=changes).new_number == 89
    same = article_counterpart(article, old)
    assert same.status is ChangeStatus.UNCHANGED and same.new == article


def test_versions_align_uses_two_queries(reconsideration, django_assert_num_queries):
    old, new, _changes = reconsideration
    with django_assert_num_queries(2):
        versions_align(old, new)


def test_diff_html_is_escaped():
    class Item:
        def __init__(self, number, text):
            self.number, self.text = number, text

    changes = articles_align(
        [Item(1, "甲乙丙丁戊己庚辛壬癸子丑寅卯")], [Item(2, "甲乙丙丁戊己庚辛壬癸<script>子丑寅卯")]
    )
    assert changes[0].status is ChangeStatus.CHANGED
    html = changes[0].diff_html
    assert "<script>" not in html and "<ins>&lt;script&gt;</ins>" in html


def test_whitespace_only_difference_is_not_a_change():
    class Item:
        def __init__(self, number, text):
            self.number, self.text = number, text

    changes = articles_align(
        [Item(3, "本法自公布之日起施行。")], [Item(4, "本法自公布之日起 施行。\n")]
    )
    assert changes[0].status is ChangeStatus.MOVED


def test_text_diff_marks_whole_phrases():
    segments = text_diff("行政机关应当在二十日内作出决定", "行政机关应当在十五日内作出决定")
    kinds = [(s.kind, s.text) for s in segments]
    assert ("delete", "二十") in kinds and ("insert", "十五") in kinds
