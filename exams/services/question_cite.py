"""The bulk "cite" tool: give drafts (待补充法条) their citation, and activate the sound ones."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from wagtail.log_actions import log

from cms.laws.citations import CitedPart

from ..formats.base import ParsedOption
from ..models import Question, QuestionKind, QuestionStatus
from .questions import question_set_status, question_update, version_problems


@dataclass
class CiteResult:
    cited: int = 0
    activated: int = 0
    not_activated: dict[int, list[str]] | None = None  # question pk -> reasons


@transaction.atomic
def questions_cite(
    *, citations: dict[int, list[CitedPart]], activate: bool = False, actor=None
) -> CiteResult:
    """Add the given citations (question pk -> parts) to each question's current version
    (a new version where the old one was used), audited; with ``activate`` a draft that the
    soundness rule then accepts becomes active, and the others are listed with the reasons."""
    result = CiteResult(not_activated={})
    questions = Question.objects.select_for_update(of=("self",)).select_related("current_version")
    for question in questions.filter(pk__in=list(citations)).order_by("pk"):
        version = question.current_version
        if version is None or question.status == QuestionStatus.RETIRED:
            continue
        existing = [
            CitedPart(c.article, c.paragraph, c.item)
            for c in version.citations.select_related("article__version__law")
        ]
        parts = existing + [p for p in citations[question.pk] if p not in existing]
        if parts != existing:
            true_false = version.kind == QuestionKind.TRUE_FALSE
            question_update(
                question=question,
                kind=version.kind,
                stem=version.stem,
                options=()
                if true_false
                else [
                    ParsedOption(o["text"], o["correct"], feedback=o.get("feedback", ""))
                    for o in version.options
                ],
                answer_true=version.options[0]["correct"] if true_false else None,
                explanation=version.explanation,
                difficulty=version.difficulty,
                articles=parts,
                actor=actor,
                model_answer=version.model_answer,
                rubric=[(c["criterion"], c["points"]) for c in version.rubric],
            )
            question.refresh_from_db()
            log(
                instance=question,
                action="exams.question.cite",
                user=actor,
                data={
                    "before": [p.label for p in existing],
                    "after": [p.label for p in parts],
                },
            )
            result.cited += 1
        if activate and question.status == QuestionStatus.DRAFT:
            problems = version_problems(question.current_version)
            if problems:
                result.not_activated[question.pk] = problems
                continue
            try:
                question_set_status(question=question, status=QuestionStatus.ACTIVE, actor=actor)
            except ValidationError as exc:
                result.not_activated[question.pk] = exc.messages
                continue
            result.activated += 1
    return result
