"""Reads of the item analysis: a session's stored analysis, a question's figures across the
sessions the reader may manage, and the flags' reasons in the reader's language."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from . import analysis
from .models import ItemAnalysis, ItemStatistic, Question
from .session_selectors import sessions_visible_to

FLAG_REASONS = {
    analysis.TOO_EASY: _(
        "过易：得分率 %(value)s 高于 %(limit)s，几乎所有考生都答对，区分不出掌握程度。"
    ),
    analysis.TOO_HARD: _("过难：得分率 %(value)s 低于 %(limit)s，请检查题干和答案是否有误。"),
    analysis.NEGATIVE_DISCRIMINATION: _(
        "区分度为负（%(value)s）：高分考生反而更常答错，请检查答案是否有误。"
    ),
    analysis.LOW_DISCRIMINATION: _(
        "区分度 %(value)s 低于 %(limit)s：答对与否和考生的总体水平关系不大。"
    ),
    analysis.WEAK_DISTRACTOR: _(
        "干扰项 %(options)s 的选择率低于 %(limit)s，几乎无人选择，起不到干扰作用。"
    ),
}
FLAG_LABELS = {
    analysis.TOO_EASY: _("过易"),
    analysis.TOO_HARD: _("过难"),
    analysis.NEGATIVE_DISCRIMINATION: _("区分度为负"),
    analysis.LOW_DISCRIMINATION: _("区分度低"),
    analysis.WEAK_DISTRACTOR: _("干扰项无效"),
}
RELIABILITY_KINDS = {"kr20": _("KR-20"), "alpha": _("克朗巴赫 α 系数")}
PERCENT_CODES = (analysis.WEAK_DISTRACTOR,)


def _percent(value) -> str:
    return f"{value * 100:.1f}%"


def flag_reason(flag: dict, option_labels: dict[int, str] | None = None) -> str:
    """One flag's reason, worded with the item's figures (option letters for distractors)."""
    template = FLAG_REASONS.get(flag["code"])
    if template is None:
        return flag["code"]
    if flag["code"] in PERCENT_CODES:
        value, limit = _percent(flag["value"]), _percent(flag["limit"])
    else:
        value, limit = f"{flag['value']:.2f}", f"{flag['limit']:.2f}"
    labels = option_labels or {}
    options = "、".join(labels.get(o, str(o)) for o in flag.get("options", []))
    return str(template % {"value": value, "limit": limit, "options": options})


def flag_label(code: str) -> str:
    return str(FLAG_LABELS.get(code, code))


def item_reasons(item: dict) -> list[str]:
    labels = {o["id"]: o["label"] for o in item.get("options", [])}
    return [flag_reason(f, labels) for f in item.get("flags", [])]


def session_analysis(session) -> ItemAnalysis | None:
    return ItemAnalysis.objects.filter(session=session).first()


def question_statistics(question: Question, user) -> QuerySet[ItemStatistic]:
    """The question's figures in every finished analysis of a session the user may manage,
    newest session first."""
    return (
        ItemStatistic.objects.filter(
            question=question,
            analysis__status=ItemAnalysis.Status.DONE,
            analysis__session__in=sessions_visible_to(user).values("pk"),
        )
        .select_related("analysis__session", "version")
        .order_by("-analysis__session__closes_at", "version__number")
    )
