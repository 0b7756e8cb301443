"""Reads of the exam app: the question bank as lists, exports and review material."""

from collections.abc import Iterable

from django.db.models import Count, Prefetch, Q, QuerySet

from cms.laws.citations import citation_format

from .formats.base import ExportQuestion, ParsedOption
from .models import AmendmentFlag, Citation, Question, QuestionKind, QuestionStatus, Topic


def topic_paths() -> dict[int, str]:
    """{topic id: "行政法/行政许可"} for every topic, in one query."""
    topics = list(Topic.objects.order_by("path").values_list("pk", "path", "name", "depth"))
    by_path = {path: name for _pk, path, name, _depth in topics}
    steplen = Topic.steplen
    result = {}
    for pk, path, _name, depth in topics:
        result[pk] = "/".join(by_path[path[: steplen * d]] for d in range(1, depth + 1))
    return result


def questions_with_versions(queryset: QuerySet[Question] | None = None) -> QuerySet[Question]:
    queryset = queryset if queryset is not None else Question.objects.all()
    return queryset.select_related("current_version", "topic").prefetch_related(
        Prefetch(
            "current_version__citations",
            queryset=Citation.objects.select_related("article__version__law"),
        )
    )


def questions_as_export(questions: Iterable[Question]) -> list[ExportQuestion]:
    paths = topic_paths()
    result = []
    for question in questions:
        version = question.current_version
        true_false = version.kind == QuestionKind.TRUE_FALSE
        result.append(
            ExportQuestion(
                kind=version.kind,
                stem=version.stem,
                options=[]
                if true_false
                else [ParsedOption(o["text"], o["correct"], 1.0 if o["correct"] else 0.0) for o in version.options],
                answer_true=version.options[0]["correct"] if true_false else None,
                explanation=version.explanation,
                difficulty=version.difficulty,
                topic=paths[question.topic_id],
                citations="；".join(citation_format(c.article) for c in version.citations.all()),
                name=f"Q{question.pk}",
            )
        )
    return result


EXPORT_FORMATS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "gift": ("text/plain; charset=utf-8", "gift.txt"),
    "xml": ("application/xml", "xml"),
}


def question_bank_export(*, questions: QuerySet[Question], fmt: str) -> bytes:
    """The questions in one of EXPORT_FORMATS, ready to import elsewhere (or back here)."""
    items = questions_as_export(questions_with_versions(questions).order_by("topic__path", "pk"))
    if fmt in ("xlsx", "csv"):
        from .formats.spreadsheet import export_spreadsheet

        return export_spreadsheet(items, fmt=fmt)
    if fmt == "gift":
        from .formats.gift import export_gift

        return export_gift(items).encode("utf-8")
    if fmt == "xml":
        from .formats.moodle_xml import export_moodle_xml

        return export_moodle_xml(items)
    raise ValueError(f"unknown export format {fmt!r}")


def questions_drawable(queryset: QuerySet[Question] | None = None) -> QuerySet[Question]:
    """Only active questions go into new papers: never drafts, needs-review or retired ones."""
    queryset = queryset if queryset is not None else Question.objects.all()
    return queryset.filter(status=QuestionStatus.ACTIVE, current_version__isnull=False)


def open_amendment_flags(question: Question) -> QuerySet[AmendmentFlag]:
    return question.amendment_flags.filter(resolved_at__isnull=True).select_related(
        "old_article__version__law", "suggested_article__version__law"
    )


def topics_with_counts() -> QuerySet[Topic]:
    return Topic.objects.annotate(
        active=Count("questions", filter=Q(questions__status=QuestionStatus.ACTIVE)),
        total=Count("questions"),
    ).order_by("path")
