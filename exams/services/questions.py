"""Writes to the question bank: create, edit (versioning), retire, move, import, amendments."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from cms.db import filter_in
from cms.laws.alignment import ArticleChange, ChangeStatus, UnitChange, article_units
from cms.laws.citations import CitationError, CitationResolver, CitedPart
from cms.laws.models import Article, LawVersion
from cms.laws.numerals import chinese_to_int
from cms.laws.selectors import stored_alignment

from .. import soundness
from ..formats.base import ParsedOption, ParsedQuestion
from ..formats.detect import parse_questions_file
from ..formats.html import html_to_text, sanitize_html
from ..models import (
    MARKED_KINDS,
    AmendmentFlag,
    Citation,
    Question,
    QuestionKind,
    QuestionStatus,
    QuestionVersion,
    Topic,
)

ERR_NO_TOPIC = _("未指定知识点：请在文件中填写知识点，或在导入时选择一个知识点。")
ERR_UNKNOWN_TOPIC = _("知识点“%(topic)s”不存在。")
WARN_DUPLICATE_EXISTING = _("可能重复：与题库中第 %(pk)s 号试题的题干、选项和答案相同。")
WARN_DUPLICATE_IN_FILE = _("可能重复：与本文件%(other)s的试题题干、选项和答案相同。")
DRAFT_NO_CITATION = _("没有法条引用，导入为草稿（待补充法条）。")
DRAFT_CITATION = _("法条引用无法解析，导入为草稿（待补充法条）：%(reason)s")
NOT_KEPT_WEIGHTS = _("未保留：选项权重（分值比例）%(weights)s，本平台按正确选项计分。")
ERR_CITATION = _("法条引用无法解析：%(reason)s")
ERR_RUBRIC = _("案例分析题、简答题须有评分标准：每行一项，写明评分要点和分值（大于 0）。")
# Questions that name no category, in an import given no topic, go here (created if missing).
UNSORTED_TOPIC = "未分类"

Articles = Sequence[Article | CitedPart]


def normalize_stem(stem: str) -> str:
    """Text used to find duplicates: no markup, no whitespace, no trailing punctuation."""
    text = html_to_text(stem)
    text = re.sub(r"[\s\u3000]+", "", text)
    return text.rstrip("。？?.（）() ")[:255]


def topic_by_path(path: str, *, create: bool = False, parent: Topic | None = None) -> Topic | None:
    """Find a topic by its name or "a/b/c" path; with create=True make the missing nodes
    (under ``parent`` when given, else at the root)."""
    names = topic_path_names(path)
    if not names:
        return None
    if len(names) == 1 and not create and parent is None:
        return Topic.objects.filter(name=names[0]).order_by("depth").first()
    node = parent
    for name in names:
        children = Topic.get_root_nodes() if node is None else node.get_children()
        found = children.filter(name=name).first()
        if found is None:
            if not create:
                return None
            found = Topic.add_root(name=name) if node is None else node.add_child(name=name)
        node = found
    return node


def topic_path_names(path: str) -> list[str]:
    return [p.strip() for p in path.replace("›", "/").split("/") if p.strip()]


def rich_text(value: str, text_format: str = "html") -> str:
    """A field as stored: what a person typed is escaped (line breaks kept as ``<br>``), HTML
    from another system is sanitised. ``"<b>"`` typed in a spreadsheet stays four characters."""
    if text_format == "text":
        lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        return "<br>".join(escape(line) for line in lines)
    return sanitize_html(value)


def _options_json(
    kind: str,
    options: Sequence[ParsedOption],
    answer_true: bool | None,
    text_format: str = "html",
) -> list[dict]:
    if kind == QuestionKind.TRUE_FALSE:
        return [
            {"id": 1, "text": "对", "correct": bool(answer_true)},
            {"id": 2, "text": "错", "correct": not answer_true},
        ]
    rows = []
    for i, option in enumerate(options, start=1):
        row = {
            "id": i,
            "text": rich_text(option.text, text_format),
            "correct": bool(option.correct),
        }
        if option.feedback.strip():
            row["feedback"] = rich_text(option.feedback.strip(), text_format)
        rows.append(row)
    return rows


def _soundness_content(
    kind: str,
    stem: str,
    options: Sequence[ParsedOption],
    answer_true: bool | None,
    indefinite: bool,
) -> dict:
    return {
        "kind": kind,
        "stem_text": html_to_text(stem),
        "options": [(html_to_text(o.text) or o.text, bool(o.correct)) for o in options],
        "answer_true": answer_true,
        "indefinite": indefinite,
    }


def question_problems(
    *,
    kind: str,
    stem: str,
    options: Sequence[ParsedOption] = (),
    answer_true: bool | None = None,
    indefinite: bool = False,
    citations: int | None = None,
) -> list[str]:
    """The soundness rule (exams/soundness.py) for service arguments: the structure problems,
    plus the activation problems when ``citations`` (how many resolve) is given."""
    content = _soundness_content(kind, stem, options, answer_true, indefinite)
    if citations is None:
        return soundness.structure_problems(**content)
    return soundness.activation_problems(citations=citations, **content)


def _parts(articles: Articles) -> list[CitedPart]:
    parts: list[CitedPart] = []
    for item in articles:
        part = item if isinstance(item, CitedPart) else CitedPart(item)
        if part not in parts:
            parts.append(part)
    return parts


def _citations_bulk_create(version: QuestionVersion, parts: Sequence[CitedPart]) -> None:
    Citation.objects.bulk_create(
        Citation(version=version, article=p.article, paragraph=p.paragraph, item=p.item, position=i)
        for i, p in enumerate(parts)
    )


def rubric_json(kind: str, rubric: Sequence) -> list[dict]:
    """A rubric as stored: ``[{"criterion", "points"}]`` from (criterion, points) pairs or
    ``RubricCriterion``s; empty for machine-scored kinds. ``ValidationError`` if a marked
    kind's rubric is empty or has a criterion without text or with points not above 0."""
    if kind not in MARKED_KINDS:
        return []
    rows = []
    for item in rubric:
        criterion, points = (
            (item.criterion, item.points) if hasattr(item, "criterion") else (item[0], item[1])
        )
        try:
            value = Decimal(str(points).strip())
        except (InvalidOperation, ValueError) as exc:
            raise ValidationError(ERR_RUBRIC) from exc
        criterion = str(criterion).strip()
        if not criterion or not value.is_finite() or value <= 0 or value > 1000:
            raise ValidationError(ERR_RUBRIC)
        rows.append({"criterion": criterion, "points": str(value.normalize())})
    if not rows:
        raise ValidationError(ERR_RUBRIC)
    return rows


def _version_create(
    *,
    question: Question,
    number: int,
    kind: str,
    stem: str,
    options: list[dict],
    explanation: str,
    difficulty: int,
    articles: Articles,
    actor=None,
    model_answer: str = "",
    rubric: list[dict] | None = None,
    indefinite: bool = False,
) -> QuestionVersion:
    stem = sanitize_html(stem)
    version = QuestionVersion(
        question=question,
        number=number,
        kind=kind,
        stem=stem,
        stem_text=html_to_text(stem),
        stem_key=normalize_stem(stem),
        options=options,
        explanation=sanitize_html(explanation),
        difficulty=difficulty,
        created_by=actor,
        model_answer=model_answer if kind in MARKED_KINDS else "",
        rubric=rubric or [],
        indefinite=bool(indefinite) and kind == QuestionKind.MULTIPLE,
    )
    version.full_clean(exclude=["question"])
    version.save()
    _citations_bulk_create(version, _parts(articles))
    return version


def _refuse(problems: list[str]) -> None:
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def question_create(
    *,
    topic: Topic,
    kind: str,
    stem: str,
    options: Sequence[ParsedOption] = (),
    answer_true: bool | None = None,
    explanation: str = "",
    difficulty: int = 3,
    articles: Articles,
    actor=None,
    status: str = QuestionStatus.ACTIVE,
    model_answer: str = "",
    rubric: Sequence = (),
    indefinite: bool = False,
    name: str = "",
) -> Question:
    """Create a question; ``ValidationError`` (with the soundness rule's reasons) for one that
    is unusable, or that would be active without a resolving citation."""
    rubric_rows = rubric_json(kind, rubric)
    parts = _parts(articles)
    _refuse(
        question_problems(
            kind=kind,
            stem=stem,
            options=options,
            answer_true=answer_true,
            indefinite=indefinite,
            citations=len(parts) if status == QuestionStatus.ACTIVE else None,
        )
    )
    question = Question.objects.create(
        topic=topic, status=status, created_by=actor, name=name.strip()[:255]
    )
    version = _version_create(
        model_answer=model_answer,
        rubric=rubric_rows,
        question=question,
        number=1,
        kind=kind,
        stem=stem,
        options=_options_json(kind, options, answer_true),
        explanation=explanation,
        difficulty=difficulty,
        articles=parts,
        actor=actor,
        indefinite=indefinite,
    )
    question.current_version = version
    question.save(update_fields=["current_version"])
    log(instance=question, action="wagtail.create", user=actor)
    question_check_citations(question=question)
    return question


@transaction.atomic
def question_update(
    *,
    question: Question,
    kind: str,
    stem: str,
    options: Sequence[ParsedOption] = (),
    answer_true: bool | None = None,
    explanation: str = "",
    difficulty: int = 3,
    articles: Articles,
    topic: Topic | None = None,
    actor=None,
    model_answer: str = "",
    rubric: Sequence = (),
    indefinite: bool | None = None,
    name: str | None = None,
) -> QuestionVersion:
    """Edit a question. A version an attempt has used is never changed: a new one is made.

    ``ValidationError`` for content the soundness rule refuses; an active question keeps at
    least one resolving citation. ``indefinite`` and ``name`` left ``None`` stay as they were,
    and an option whose text is unchanged keeps its per-answer feedback unless given one."""
    rubric_rows = rubric_json(kind, rubric)
    parts = _parts(articles)
    question = Question.objects.select_for_update().get(pk=question.pk)
    current = question.current_version
    if indefinite is None:
        indefinite = bool(current and current.indefinite)
    if current is not None:
        feedback = {o["text"]: o["feedback"] for o in current.options if o.get("feedback")}
        options = [
            o
            if o.feedback or sanitize_html(o.text) not in feedback
            else ParsedOption(o.text, o.correct, o.fraction, feedback[sanitize_html(o.text)])
            for o in options
        ]
    _refuse(
        question_problems(
            kind=kind,
            stem=stem,
            options=options,
            answer_true=answer_true,
            indefinite=indefinite,
            citations=len(parts) if question.status == QuestionStatus.ACTIVE else None,
        )
    )
    before = _snapshot(current)
    fields = dict(
        kind=kind,
        stem=stem,
        options=_options_json(kind, options, answer_true),
        explanation=explanation,
        difficulty=difficulty,
        articles=parts,
        actor=actor,
        model_answer=model_answer,
        rubric=rubric_rows,
        indefinite=indefinite,
    )
    if current is None or current.locked:
        number = (current.number + 1) if current else 1
        version = _version_create(question=question, number=number, **fields)
        question.current_version = version
    else:
        version = current
        version.citations.all().delete()
        stem = sanitize_html(stem)
        version.kind, version.stem, version.stem_text = kind, stem, html_to_text(stem)
        version.stem_key = normalize_stem(stem)
        version.options = fields["options"]
        version.explanation = sanitize_html(explanation)
        version.difficulty = difficulty
        version.model_answer = model_answer if kind in MARKED_KINDS else ""
        version.rubric = rubric_rows
        version.indefinite = bool(indefinite) and kind == QuestionKind.MULTIPLE
        version.created_by = actor
        version.full_clean()
        version.save()
        _citations_bulk_create(version, parts)
    if topic is not None:
        question.topic = topic
    if name is not None:
        question.name = name.strip()[:255]
    question.save()
    log(
        instance=question,
        action="exams.question.edit",
        user=actor,
        data={"before": before, "after": _snapshot(version)},
    )
    return version


def version_problems(
    version: QuestionVersion, *, for_activation: bool = True, citations: int | None = None
) -> list[str]:
    """The soundness rule for a stored version (its citations are resolved articles);
    ``citations`` instead of the stored ones' count when they are about to change."""
    true_false = version.kind == QuestionKind.TRUE_FALSE
    options = [] if true_false else [ParsedOption(o["text"], o["correct"]) for o in version.options]
    answer_true = bool(version.options and version.options[0]["correct"]) if true_false else None
    return question_problems(
        kind=version.kind,
        stem=version.stem,
        options=options,
        answer_true=answer_true,
        indefinite=version.indefinite,
        citations=(version.citations.count() if citations is None else citations)
        if for_activation
        else None,
    )


def _snapshot(version: QuestionVersion | None) -> dict:
    if version is None:
        return {}
    return {
        "version": version.number,
        "kind": version.kind,
        "stem": version.stem_text,
        "options": version.options,
        "explanation": version.explanation,
        "difficulty": version.difficulty,
        "model_answer": version.model_answer,
        "rubric": version.rubric,
        "citations": [c.label for c in version.citations.select_related("article__version__law")],
    }


@transaction.atomic
def questions_retire(*, questions: Iterable[Question], actor=None) -> int:
    count = 0
    for question in Question.objects.select_for_update().filter(pk__in=[q.pk for q in questions]):
        if question.status == QuestionStatus.RETIRED:
            continue
        before = question.status
        question.status = QuestionStatus.RETIRED
        question.save(update_fields=["status", "updated_at"])
        log(
            instance=question,
            action="exams.question.retire",
            user=actor,
            data={"before": before, "after": question.status},
        )
        count += 1
    return count


ERR_STATUS_BY_HAND = _("“待复核”由修法检查自动标记，不能手工设置。")
ERR_OPEN_FLAGS = _("该试题所引法条已修改，须先完成修法复核才能启用。")


@transaction.atomic
def question_set_status(*, question: Question, status: str, actor=None) -> Question:
    """Change a question's status by hand: draft, active or retired.

    "Needs review" is set only by the amendment check, and a question with open amendment
    flags becomes active only through question_resolve_amendment. Activating asks the
    soundness rule: a draft without a resolving citation (待补充法条) stays a draft.
    """
    question = Question.objects.select_for_update().get(pk=question.pk)
    before = question.status
    if status == before:
        return question
    if status == QuestionStatus.NEEDS_REVIEW:
        raise ValidationError(ERR_STATUS_BY_HAND)
    if (
        status == QuestionStatus.ACTIVE
        and question.amendment_flags.filter(resolved_at__isnull=True).exists()
    ):
        raise ValidationError(ERR_OPEN_FLAGS)
    if status == QuestionStatus.ACTIVE:
        if question.current_version is None:
            raise ValidationError(soundness.ERR_EMPTY_STEM)
        _refuse(version_problems(question.current_version))
    question.status = status
    question.save(update_fields=["status", "updated_at"])
    action = {
        QuestionStatus.RETIRED: "exams.question.retire",
        QuestionStatus.ACTIVE: "exams.question.reactivate",
    }.get(status, "exams.question.edit")
    log(instance=question, action=action, user=actor, data={"before": before, "after": status})
    return question


@transaction.atomic
def questions_move(*, questions: Iterable[Question], topic: Topic, actor=None) -> int:
    count = 0
    for question in Question.objects.select_for_update().filter(pk__in=[q.pk for q in questions]):
        if question.topic_id == topic.pk:
            continue
        before = question.topic.name
        question.topic = topic
        question.save(update_fields=["topic", "updated_at"])
        log(
            instance=question,
            action="exams.question.move",
            user=actor,
            data={"before": before, "after": topic.name},
        )
        count += 1
    return count


# --- Amendments ------------------------------------------------------------------------------

ERR_NOT_CONFIRMED = _("请先核对答案：勾选“已核对答案与新法条一致”，或编辑试题。")
ERR_STILL_OLD = _("仍引用已修改的旧版本法条“%(article)s”：请改为现行版本的法条，或删除该引用。")
ERR_NOT_CURRENT = _("“%(article)s”不是现行版本的法条。")
ERR_CANNOT_ACTIVATE = _("试题不能启用：%(problems)s")

#: ``第十五条第一款第二项`` / ``第十五条第二款`` / ``第四十一条第（一）项`` in an explanation.
_PART_RE = (
    r"{label}(?:第([一二三四五六七八九十]+)款)?(?:第[（(]?([一二三四五六七八九十]+)[)）]?项)?"
)


class LawComparisons:
    """What became of old articles in the current version of their law, read from the stored
    alignment once per pair of versions and reused across questions."""

    def __init__(self) -> None:
        self._currents: dict[int, LawVersion] = {}
        self._changes: dict[tuple[int, int], dict[int, ArticleChange]] = {}

    def counterpart(self, article: Article) -> ArticleChange:
        law_id = article.version.law_id
        if law_id not in self._currents:
            self._currents[law_id] = LawVersion.objects.select_related("law").get(
                law_id=law_id, is_current=True
            )
        current = self._currents[law_id]
        if article.version_id == current.pk:
            return ArticleChange(article, article, ChangeStatus.UNCHANGED, 1.0)
        key = (article.version_id, current.pk)
        if key not in self._changes:
            changes = stored_alignment(old=article.version, new=current)
            self._changes[key] = {c.old.pk: c for c in changes if c.old is not None}
        return self._changes[key][article.pk]


def _question_text(version: QuestionVersion) -> str:
    """What a question says about the law: stem, the correct answers and the explanation."""
    keys = [o["text"] for o in version.options if o.get("correct")]
    return "\n".join([version.stem_text, *keys, html_to_text(version.explanation)])


def tested_part(version: QuestionVersion, change: ArticleChange) -> UnitChange | None:
    """The paragraph or item of the old article that the question tests.

    A reference in the question (``第十五条第二款``, ``第二十八条第一款第三项``) narrows it;
    among what is left, the part whose text the question covers most. A part the new version
    kept is preferred to one it dropped when the question covers it at least half as much (a
    question touching a surviving rule is pointed to where that rule is now).
    """
    parts = list(change.parts)
    if not parts:
        return None
    text = _question_text(version)
    pattern = _PART_RE.format(label=re.escape(change.old.label))
    named: set[tuple[int, int]] = set()
    # The explanation names the basis of the key; the stem may name other parts as context.
    for source in (html_to_text(version.explanation), version.stem_text):
        for match in re.finditer(pattern, source):
            if match.group(1) or match.group(2):
                paragraph = chinese_to_int(match.group(1)) if match.group(1) else 0
                item = chinese_to_int(match.group(2)) if match.group(2) else 0
                named.add((paragraph, item))
        if named:
            break
    units = {(u.paragraph, u.item): u.text for u in article_units(change.old.text)}
    keys = [o["text"] for o in version.options if o.get("correct")]
    basis = set(_bigrams("\n".join([*keys, html_to_text(version.explanation)])))
    question = set(_bigrams(text))

    def covered(part: UnitChange, words: set[str]) -> int:
        unit = units.get((part.old_paragraph, part.old_item), "")
        return len({gram for gram in _bigrams(unit) if gram in words})

    def is_named(part: UnitChange) -> bool:
        return any(
            (not paragraph or part.old_paragraph == paragraph)
            and (not item or part.old_item == item)
            for paragraph, item in named
        )

    candidates = [p for p in parts if is_named(p)] if named else parts
    candidates = candidates or parts
    best = max(candidates, key=lambda p: (covered(p, question), p.new is not None))
    if best.new is None:
        # The key may rest on a part the new version kept as well (a question on both
        # paragraphs of an article): point to that one when the key covers it about as much.
        floor = covered(best, basis) / 2
        kept = [p for p in parts if p.new is not None and covered(p, basis) >= max(floor, 1)]
        if kept:
            return max(kept, key=lambda p: covered(p, basis))
    return best


def _bigrams(text: str) -> list[str]:
    text = "".join(text.split())
    return [text[k : k + 2] for k in range(len(text) - 1)]


def question_check_citations(
    *, question: Question, comparisons: LawComparisons | None = None
) -> int:
    """Flag a question whose cited article is no longer the law as it stands now.

    A citation of an old version's article is fine when the current version has the same text
    under the same number (the citation is moved to the current article); when the text changed,
    moved to another number, or was removed, the question needs review. The flag names the
    paragraph/item the question tests and where that rule stands now (from the stored
    alignment). Returns the flags made.
    """
    version = question.current_version
    comparisons = comparisons or LawComparisons()
    made = 0
    for citation in version.citations.select_related("article__version__law"):
        article = citation.article
        if article.version.is_current:
            continue
        change = comparisons.counterpart(article)
        if change.status == ChangeStatus.UNCHANGED:
            citation.article = change.new
            citation.save(update_fields=["article"])
            continue
        part = tested_part(version, change)
        if part is not None:
            suggested = (part.new, part.new_paragraph, part.new_item)
            old_part = (part.old_paragraph, part.old_item)
        else:
            suggested, old_part = (change.new, 0, 0), (0, 0)
        if suggested[0] is None:
            flag_change = AmendmentFlag.Change.REMOVED
        elif change.status == ChangeStatus.MOVED:
            flag_change = AmendmentFlag.Change.MOVED
        else:
            flag_change = AmendmentFlag.Change.CHANGED
        _, created = AmendmentFlag.objects.get_or_create(
            question=question,
            old_article=article,
            resolved_at=None,
            defaults={
                "suggested_article": suggested[0],
                "suggested_paragraph": suggested[1],
                "suggested_item": suggested[2],
                "old_paragraph": old_part[0],
                "old_item": old_part[1],
                "change": flag_change,
            },
        )
        made += created
    if made and question.status == QuestionStatus.ACTIVE:
        question.status = QuestionStatus.NEEDS_REVIEW
        question.save(update_fields=["status", "updated_at"])
        log(
            instance=question,
            action="exams.question.needs_review",
            user=None,
            data={"before": QuestionStatus.ACTIVE, "after": QuestionStatus.NEEDS_REVIEW},
        )
    return made


@transaction.atomic
def questions_flag_amended(*, previous: LawVersion, version: LawVersion) -> int:
    """After a new version of a law is imported: check every question citing the old one."""
    questions = (
        Question.objects.filter(current_version__citations__article__version=previous)
        .distinct()
        .select_related("current_version")
    )
    flagged = 0
    comparisons = LawComparisons()
    for question in questions:
        if question_check_citations(question=question, comparisons=comparisons):
            flagged += 1
    return flagged


def _flag_snapshot(flag: AmendmentFlag) -> dict:
    return {
        "old_article": str(flag.old_article),
        "old_part": flag.old_label,
        "change": flag.change,
        "suggested": flag.suggested_label,
    }


@transaction.atomic
def question_resolve_amendment(
    *,
    question: Question,
    replacements: dict[int, Article | None],
    confirmed: bool,
    actor=None,
) -> QuestionVersion:
    """Close the amendment review of a question whose key the reviewer checked.

    ``replacements`` maps each flagged old article's id to the current article that now
    carries its rule, or ``None`` to drop the citation; ``confirmed`` is the reviewer's
    statement that the key (stem, answer, explanation unchanged) is right under the new
    articles. Refused (``ValidationError``) unless confirmed, unless every flagged citation is
    given a current article or dropped, and unless the question may then become active
    (``version_problems``: the soundness rule, with at least one resolving citation). Re-points
    the citations (a new version if the old one was used), resolves the flags, reactivates
    the question and writes one audit entry with before and after.
    """
    if not confirmed:
        raise ValidationError(ERR_NOT_CONFIRMED)
    question = Question.objects.select_for_update().get(pk=question.pk)
    current = question.current_version
    flags = list(
        question.amendment_flags.filter(resolved_at__isnull=True).select_related(
            "old_article__version__law", "suggested_article__version__law"
        )
    )
    flagged = {flag.old_article_id for flag in flags}
    articles: list[Article] = []
    for citation in current.citations.select_related("article__version"):
        if citation.article_id in flagged:
            if citation.article_id not in replacements:
                raise ValidationError(ERR_STILL_OLD % {"article": citation.article})
            replacement = replacements[citation.article_id]
            if replacement is None:
                continue
            if not replacement.version.is_current:
                raise ValidationError(ERR_NOT_CURRENT % {"article": replacement})
            article = replacement
        else:
            article = citation.article
        if article not in articles:
            articles.append(article)
    problems = version_problems(current, citations=len(articles))
    if problems:
        raise ValidationError(ERR_CANNOT_ACTIVATE % {"problems": "；".join(problems)})
    before = {
        "status": question.status,
        "citations": [str(c.article) for c in current.citations.select_related("article")],
        "flags": [_flag_snapshot(flag) for flag in flags],
    }
    tf = current.kind == QuestionKind.TRUE_FALSE
    version = question_update(
        question=question,
        kind=current.kind,
        stem=current.stem,
        options=[ParsedOption(o["text"], o["correct"]) for o in current.options] if not tf else (),
        answer_true=current.options[0]["correct"] if tf else None,
        explanation=current.explanation,
        difficulty=current.difficulty,
        articles=articles,
        actor=actor,
        model_answer=current.model_answer,
        rubric=[(c["criterion"], c["points"]) for c in current.rubric],
    )
    question.refresh_from_db()
    question.amendment_flags.filter(resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=actor
    )
    question.status = QuestionStatus.ACTIVE
    question.save(update_fields=["status", "updated_at"])
    log(
        instance=question,
        action="exams.question.amendment_resolve",
        user=actor,
        data={
            "before": before,
            "after": {
                "status": question.status,
                "citations": [str(a) for a in articles],
                "confirmed": True,
            },
        },
    )
    return version


def amendment_flags_resolve_by_edit(*, question: Question, actor=None) -> int:
    """After the question was edited: close the open flags whose old article it no longer
    cites, provided it now has a resolving citation and cites no superseded article (an edit
    is a review only when it is saved with a resolving citation). Returns the flags closed."""
    flags = list(
        question.amendment_flags.filter(resolved_at__isnull=True).select_related("old_article")
    )
    if not flags:
        return 0
    version = question.current_version
    cited = list(version.citations.select_related("article__version"))
    if not cited or any(not c.article.version.is_current for c in cited):
        return 0
    if version_problems(version, citations=len(cited)):
        return 0
    question.amendment_flags.filter(pk__in=[f.pk for f in flags]).update(
        resolved_at=timezone.now(), resolved_by=actor
    )
    log(
        instance=question,
        action="exams.question.amendment_resolve",
        user=actor,
        data={
            "before": {"flags": [_flag_snapshot(flag) for flag in flags]},
            "after": {"citations": [str(c.article) for c in cited], "edited": True},
        },
    )
    return len(flags)


# --- Import ----------------------------------------------------------------------------------


@dataclass
class ImportLine:
    position: str
    message: str


@dataclass
class QuestionImportReport:
    format: str
    imported: int = 0
    skipped: list[ImportLine] = field(default_factory=list)
    errors: list[ImportLine] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    dry_run: bool = False
    # Not refusing anything: possible duplicates (stem + options + key) with the existing question.
    warnings: list[ImportLine] = field(default_factory=list)
    # What the file holds that was not kept, per question (ParsedQuestion.not_kept).
    not_kept: list[ImportLine] = field(default_factory=list)
    # Categories the file names that did not exist, created under the import's topic.
    created_topics: list[str] = field(default_factory=list)
    # Why each draft is a draft, against its position in the file.
    draft_reasons: list[ImportLine] = field(default_factory=list)

    @property
    def drafts(self) -> int:
        """Imported (or importable) as drafts (待补充法条): no citation, or one that does not
        resolve. None when the file has errors, since nothing is imported then."""
        return 0 if self.errors else len(self.draft_reasons)

    @property
    def summary(self) -> str:
        text = f"imported {self.imported}, skipped {len(self.skipped)}, errors {len(self.errors)}"
        if self.drafts:
            text += f", drafts {self.drafts}"
        if self.warnings:
            text += f", warnings {len(self.warnings)}"
        return text


@dataclass
class _Planned:
    """One question that passed validation, with where it goes and what it cites."""

    parsed: ParsedQuestion
    topic: Topic | tuple[str, ...]  # an existing topic, or the path of one to create
    parts: list[CitedPart]
    draft_reason: str = ""


def questions_import(
    *,
    data: bytes,
    filename: str,
    topic: Topic | None = None,
    actor=None,
    dry_run: bool = False,
    skip_duplicates: bool = False,
    mapping: dict | None = None,
    default_citation: str = "",
) -> QuestionImportReport:
    """Validate the whole file; write all of it in one transaction, or nothing.

    Import everything, activate only what is sound: a question whose structure the soundness
    rule refuses is an error naming it; one without a resolving citation (after
    ``default_citation``, used for questions that cite nothing) is imported as a draft with
    the reason. ``topic`` fills questions without a category; a category that does not exist
    is created under ``topic`` (or at the root), listed in ``created_topics``. Possible
    duplicates (same stem, options and key) are warnings; with ``skip_duplicates`` they are
    listed as skipped instead, so that re-importing a bank that grew adds only the new ones.
    """
    fmt, parsed = parse_questions_file(data, filename, mapping=mapping)
    report = QuestionImportReport(format=fmt, dry_run=dry_run)
    report.skipped = [ImportLine(s.position, s.reason) for s in parsed.skipped]
    report.errors = [ImportLine(e.position, e.message) for e in parsed.errors]
    resolver = CitationResolver()
    default_parts: list[CitedPart] = []
    if default_citation.strip():
        try:
            default_parts = resolver.resolve_parts(default_citation)
        except CitationError as exc:
            report.errors.append(ImportLine("--citation", ERR_CITATION % {"reason": exc}))
    topics = _ImportTopics(topic)
    checker = _DuplicateChecker(parsed.questions)
    planned: list[_Planned] = []
    for q in parsed.questions:
        errors = question_problems(
            kind=q.kind,
            stem=rich_text(q.stem, q.text_format),
            options=q.options,
            answer_true=q.answer_true,
            indefinite=q.indefinite,
        )
        if q.kind in MARKED_KINDS:
            try:
                rubric_json(q.kind, q.rubric)
            except ValidationError:
                errors.append(ERR_RUBRIC)
        q_topic = topics.pick(q.topic)
        parts, reason = _import_citations(q, resolver, default_parts)
        report.not_kept.extend(ImportLine(q.position, line) for line in _not_kept(q))
        if q.images:
            q = _readable_images(q, report)
        if errors:
            report.errors.extend(ImportLine(q.position, e) for e in errors)
            continue
        duplicate = checker.check(q)
        if duplicate and skip_duplicates:
            report.skipped.append(ImportLine(q.position, duplicate))
            continue
        if duplicate:
            report.warnings.append(ImportLine(q.position, duplicate))
        if reason:
            report.draft_reasons.append(ImportLine(q.position, reason))
        planned.append(_Planned(q, q_topic, parts, reason))
    report.created_topics = topics.created_paths()
    report.preview = [
        {
            "position": p.parsed.position,
            "kind": p.parsed.kind,
            "indefinite": p.parsed.indefinite,
            "stem": html_to_text(rich_text(p.parsed.stem, p.parsed.text_format))[:80],
            "topic": p.topic.name if isinstance(p.topic, Topic) else "/".join(p.topic),
            "citations": "；".join(part.label for part in p.parts),
            "draft_reason": p.draft_reason,
            "name": p.parsed.name,
        }
        for p in planned[:50]
    ]
    if report.errors or dry_run:
        report.imported = 0 if report.errors else len(planned)
        return report
    if planned:
        with transaction.atomic():
            report.imported = _questions_bulk_create(planned, topics=topics, actor=actor)
            log(
                instance=topics.resolve(planned[0].topic),
                action="exams.questions.import",
                user=actor,
                data={
                    "file": filename,
                    "format": fmt,
                    "imported": report.imported,
                    "drafts": report.drafts,
                    "skipped": len(report.skipped),
                    "created_topics": report.created_topics,
                },
            )
    return report


def _import_citations(
    q: ParsedQuestion, resolver: CitationResolver, default_parts: list[CitedPart]
) -> tuple[list[CitedPart], str]:
    """The question's cited parts and, for a draft, why it is one ("" when it may be active).
    Marked kinds (case analysis, short answer) need a citation like every other."""
    if not q.citations.strip():
        if default_parts:
            return list(default_parts), ""
        return [], DRAFT_NO_CITATION
    try:
        return resolver.resolve_parts(q.citations), ""
    except CitationError as exc:
        return [], DRAFT_CITATION % {"reason": exc}


def _readable_images(q: ParsedQuestion, report: QuestionImportReport) -> ParsedQuestion:
    """The question with only the images that can be kept; the others listed as not kept."""
    from dataclasses import replace

    from .question_images import image_problem

    kept = []
    for image in q.images:
        problem = image_problem(image)
        if problem:
            report.not_kept.append(ImportLine(q.position, problem))
        else:
            kept.append(image)
    return replace(q, images=kept) if len(kept) != len(q.images) else q


def _not_kept(q: ParsedQuestion) -> list[str]:
    lines = list(q.not_kept)
    weights = [o.fraction for o in q.options]
    if any(weights) and q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        # What the key already says: the correct options weigh alike, the others nothing or
        # a penalty (any wrong option scores zero here). Anything else is not kept.
        correct = [o.fraction for o in q.options if o.correct]
        standard = all(f > 0 and abs(f - correct[0]) < 1e-4 for f in correct) and all(
            o.fraction <= 0 for o in q.options if not o.correct
        )
        if not standard:
            shown = "、".join(f"{round(f * 100, 5):g}%" for f in weights)
            lines.append(NOT_KEPT_WEIGHTS % {"weights": shown})
    return lines


class _ImportTopics:
    """Where each question goes: its category (found, or to be created under the import's
    topic, or at the root) or the import's topic for questions that name none."""

    def __init__(self, topic: Topic | None) -> None:
        self.topic = topic
        self.found: dict[str, Topic | tuple[str, ...]] = {}
        self.to_create: dict[tuple[str, ...], None] = {}
        self.made: dict[tuple[str, ...], Topic] = {}

    def pick(self, category: str) -> Topic | tuple[str, ...]:
        names = tuple(topic_path_names(category))
        if not names:
            if self.topic is not None:
                return self.topic
            names = (UNSORTED_TOPIC,)
        key = "/".join(names)
        if key not in self.found:
            self.found[key] = self._find(names)
        return self.found[key]

    def _find(self, names: tuple[str, ...]) -> Topic | tuple[str, ...]:
        if self.topic is not None:
            under = topic_by_path("/".join(names), parent=self.topic)
            if under is not None:
                return under
        existing = topic_by_path("/".join(names))
        if existing is not None:
            return existing
        base = tuple(topic_path_names(self._path_of(self.topic))) if self.topic else ()
        path = base + names
        self.to_create[path] = None
        return path

    @staticmethod
    def _path_of(topic: Topic) -> str:
        return "/".join(t.name for t in [*topic.get_ancestors(), topic])

    def created_paths(self) -> list[str]:
        return ["/".join(path) for path in self.to_create]

    def resolve(self, value: Topic | tuple[str, ...]) -> Topic:
        """The topic itself, creating a missing one (on confirm, inside the transaction)."""
        if isinstance(value, Topic):
            return value
        if value not in self.made:
            node = None
            for name in value:
                children = Topic.get_root_nodes() if node is None else node.get_children()
                found = children.filter(name=name).first()
                if found is None:
                    found = Topic.add_root(name=name) if node is None else node.add_child(name=name)
                node = found
            self.made[value] = node
        return self.made[value]


def _fingerprint(stem_key: str, options: Iterable[tuple[str, bool]]) -> tuple:
    """Stem + options + key, normalised: the same question whatever the option order."""
    pairs = [(normalize_stem(text), correct) for text, correct in options]
    return (
        stem_key,
        frozenset(text for text, _c in pairs),
        frozenset(text for text, correct in pairs if correct),
    )


def _parsed_fingerprint(q: ParsedQuestion) -> tuple:
    stem_key = normalize_stem(rich_text(q.stem, q.text_format))
    if q.kind == QuestionKind.TRUE_FALSE:
        options = [("对", bool(q.answer_true)), ("错", not q.answer_true)]
    else:
        options = [(rich_text(o.text, q.text_format), o.correct) for o in q.options]
    return _fingerprint(stem_key, options)


class _DuplicateChecker:
    """Finds a question with the same stem, options and key, in the bank (one query for the
    whole file, by stem) or earlier in the file. Generic stems ("下列说法正确的是") with other
    options are not duplicates."""

    def __init__(self, questions: Sequence[ParsedQuestion]) -> None:
        keys = {normalize_stem(rich_text(q.stem, q.text_format)) for q in questions}
        self.bank: dict[tuple, int] = {}
        rows = Question.objects.filter(current_version__isnull=False).exclude(
            status=QuestionStatus.RETIRED
        )
        rows = rows.order_by("pk").values_list(
            "pk", "current_version__stem_key", "current_version__options"
        )
        for pk, stem_key, options in filter_in(rows, "current_version__stem_key__in", keys):
            fingerprint = _fingerprint(stem_key, ((o["text"], o["correct"]) for o in options))
            self.bank.setdefault(fingerprint, pk)
        self.file: dict[tuple, str] = {}

    def check(self, q: ParsedQuestion) -> str | None:
        fingerprint = _parsed_fingerprint(q)
        if fingerprint in self.bank:
            return WARN_DUPLICATE_EXISTING % {"pk": self.bank[fingerprint]}
        if fingerprint in self.file:
            return WARN_DUPLICATE_IN_FILE % {"other": self.file[fingerprint]}
        self.file[fingerprint] = q.position
        return None


@transaction.atomic
def _questions_bulk_create(planned: list[_Planned], *, topics: _ImportTopics, actor=None) -> int:
    """Insert validated questions in a few statements (a 10,000-question file stays quick)."""
    from .question_images import question_images_store, stem_with_images

    questions = Question.objects.bulk_create(
        Question(
            topic=topics.resolve(p.topic),
            status=QuestionStatus.DRAFT if p.draft_reason else QuestionStatus.ACTIVE,
            created_by=actor,
            name=p.parsed.name.strip()[:255],
        )
        for p in planned
    )
    versions = []
    for question, p in zip(questions, planned, strict=True):
        q = p.parsed
        stem = rich_text(q.stem, q.text_format)
        explanation = rich_text(q.explanation, q.text_format)
        if q.images:
            urls = question_images_store(images=q.images, actor=actor)
            stem = stem_with_images(stem, urls)
            explanation = stem_with_images(explanation, urls)
        versions.append(
            QuestionVersion(
                question=question,
                number=1,
                kind=q.kind,
                stem=stem,
                stem_text=html_to_text(stem),
                stem_key=normalize_stem(stem),
                options=_options_json(q.kind, q.options, q.answer_true, q.text_format),
                explanation=explanation,
                difficulty=q.difficulty or 3,
                created_by=actor,
                model_answer=q.model_answer if q.kind in MARKED_KINDS else "",
                rubric=rubric_json(q.kind, q.rubric),
                indefinite=q.indefinite and q.kind == QuestionKind.MULTIPLE,
            )
        )
    versions = QuestionVersion.objects.bulk_create(versions)
    for question, version in zip(questions, versions, strict=True):
        question.current_version = version
    Question.objects.bulk_update(questions, ["current_version"])
    Citation.objects.bulk_create(
        Citation(
            version=version,
            article=part.article,
            paragraph=part.paragraph,
            item=part.item,
            position=i,
        )
        for version, p in zip(versions, planned, strict=True)
        for i, part in enumerate(p.parts)
    )
    outdated = {
        question.pk
        for question, p in zip(questions, planned, strict=True)
        if any(not part.article.version.is_current for part in p.parts)
    }
    comparisons = LawComparisons()
    flagged = Question.objects.select_related("current_version")
    for question in filter_in(flagged, "pk__in", outdated):
        question_check_citations(question=question, comparisons=comparisons)
    return len(questions)
