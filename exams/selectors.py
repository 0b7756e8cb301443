"""Reads of the exam app: the question bank as lists, exports and review material."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.laws.alignment import ArticleChange, ChangeStatus, text_diff
from cms.laws.citations import citation_format
from cms.laws.models import Article
from cms.people.models import Role
from cms.people.selectors import people_visible_to

from .formats.base import ExportQuestion, ParsedOption, RubricCriterion
from .models import (
    FINISHED_STATUSES,
    AmendmentFlag,
    Attempt,
    AttemptEvent,
    AttemptSlot,
    AttemptStatus,
    BlueprintSection,
    Candidate,
    Citation,
    ExamKind,
    ExamSession,
    Mark,
    Question,
    QuestionKind,
    QuestionStatus,
    RefusedChange,
    RegradeChange,
    ResultRelease,
    ReviewPolicy,
    Topic,
)
from .services.attempts import (
    attempt_refusal,
    attempts_allowed,
    candidate_for,
    grace,
    refusal_for,
)
from .services.question_images import images_for_export
from .services.transitions import attempt_finalize


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
        stem, images = images_for_export(version.stem)
        explanation, more = images_for_export(version.explanation)
        images += [image for image in more if image.name not in {i.name for i in images}]
        result.append(
            ExportQuestion(
                kind=version.kind,
                stem=stem,
                options=[]
                if true_false
                else [
                    ParsedOption(
                        o["text"],
                        o["correct"],
                        # Moodle weights and per-answer feedback, where the bank keeps them;
                        # the exporters check weights against the key before writing them.
                        o.get("fraction", 1.0 if o["correct"] else 0.0),
                        o.get("feedback", ""),
                    )
                    for o in version.options
                ],
                answer_true=version.options[0]["correct"] if true_false else None,
                explanation=explanation,
                difficulty=version.difficulty,
                topic=paths[question.topic_id],
                citations="；".join(
                    citation_format(c.article, c.paragraph, c.item) for c in version.citations.all()
                ),
                name=question.name or f"Q{question.pk}",
                indefinite=version.indefinite,
                images=images,
                model_answer=version.model_answer,
                rubric=[RubricCriterion(c["criterion"], c["points"]) for c in version.rubric],
            )
        )
    return result


EXPORT_FORMATS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "gift": ("text/plain; charset=utf-8", "gift.txt"),
    "xml": ("application/xml", "xml"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "txt": ("text/plain; charset=utf-8", "txt"),
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
    if fmt == "docx":
        from .formats.wordlist import questions_docx

        return questions_docx(items)
    if fmt == "txt":
        from .formats.wordlist import questions_text

        return questions_text(items).encode("utf-8")
    raise ValueError(f"unknown export format {fmt!r}")


def questions_drawable(queryset: QuerySet[Question] | None = None) -> QuerySet[Question]:
    """Only active questions go into new papers: never drafts, needs-review or retired ones."""
    queryset = queryset if queryset is not None else Question.objects.all()
    return queryset.filter(status=QuestionStatus.ACTIVE, current_version__isnull=False)


def open_amendment_flags(question: Question) -> QuerySet[AmendmentFlag]:
    return question.amendment_flags.filter(resolved_at__isnull=True).select_related(
        "old_article__version__law", "suggested_article__version__law"
    )


@dataclass(frozen=True)
class AmendmentReviewRow:
    """One flagged citation on the 修法复核 page: old text, new text with the changes marked."""

    flag: AmendmentFlag
    field: object
    diff_html: str


def amendment_review_rows(flags, form) -> list[AmendmentReviewRow]:
    rows = []
    for flag in flags:
        diff = ""
        if flag.suggested_article is not None:
            diff = ArticleChange(
                flag.old_article,
                flag.suggested_article,
                ChangeStatus.CHANGED,
                0.0,
                text_diff(flag.old_article.text, flag.suggested_article.text),
            ).diff_html
        rows.append(AmendmentReviewRow(flag, form[form.field_name(flag)], diff))
    return rows


def topics_with_counts() -> QuerySet[Topic]:
    return Topic.objects.annotate(
        active=Count("questions", filter=Q(questions__status=QuestionStatus.ACTIVE)),
        total=Count("questions"),
    ).order_by("path")


# --- Candidate pages: my exams, the paper, results and review -------------------------------
#
# These reads decide what a candidate may see of an attempt: the paper without keys while it
# is being sat, the score according to the session's release rule, and answers, keys and
# explanations only under the review policy.


@dataclass(frozen=True)
class PaperOption:
    id: int
    letter: str
    text: str
    chosen: bool
    key: bool | None = None  # None on the candidate's paper: keys never leave before the end
    feedback: str = ""  # per-answer feedback (sanitised or escaped), with the keys only


@dataclass(frozen=True)
class PaperQuestion:
    position: int
    section: int
    section_title: str
    kind: str
    kind_label: str
    multiple: bool
    points: Decimal
    stem: str
    options: list[PaperOption]
    selected: list[int]
    seq: int
    flagged: bool
    earned: Decimal | None = None
    explanation: str = ""
    articles: list = field(default_factory=list)
    # Questions marked by people: the written answer; with keys (review after release) the
    # model answer, the rubric and the marks (criterion scores and comments) that counted.
    hand_marked: bool = False
    text: str = ""
    model_answer: str = ""
    rubric: list = field(default_factory=list)
    marks: list = field(default_factory=list)
    indefinite: bool = False

    @property
    def answered(self) -> bool:
        return bool(self.text.strip()) if self.hand_marked else bool(self.selected)

    @property
    def correct(self) -> bool | None:
        if self.earned is None:
            return None
        return self.earned >= self.points


def attempt_for_candidate(attempt_id: int, user, *, now: datetime | None = None) -> Attempt:
    """The user's own attempt (Http404 for anybody else's), finalised first if overdue.

    The lazy finalisation is the one write a read does here: an attempt whose time ran out is
    graded with what was saved the first time anyone looks at it (DESIGN §4).
    """
    now = now or timezone.now()
    refused = RefusedChange.objects.filter(attempt=OuterRef("pk"))
    corrected = RegradeChange.objects.filter(attempt=OuterRef("pk"))
    attempt = get_object_or_404(
        Attempt.objects.select_related("session").annotate(
            has_refused_changes=Exists(refused), has_corrections=Exists(corrected)
        ),
        pk=attempt_id,
        user_id=user.pk,
    )
    if attempt.status == AttemptStatus.IN_PROGRESS and now > attempt.deadline + grace():
        attempt = attempt_finalize(attempt=attempt, now=now)
    return attempt


def attempt_for_staff(attempt_id: int, user) -> Attempt:
    """Any attempt of a person within the exam admin's scope (superusers: everyone)."""
    people = people_visible_to(user, role=Role.EXAM_ADMIN)
    return get_object_or_404(
        Attempt.objects.select_related("session", "user", "user__org_unit").filter(user__in=people),
        pk=attempt_id,
    )


def attempt_remaining_seconds(attempt: Attempt, *, now: datetime | None = None) -> int:
    """Seconds until the deadline, the server's clock being the only one that counts."""
    now = now or timezone.now()
    return max(0, int((attempt.deadline - now).total_seconds()))


def attempt_paper(attempt: Attempt, *, with_keys: bool = False) -> list[PaperQuestion]:
    """The attempt's questions as the candidate saw them: pinned versions, pinned option order.

    Two queries whatever the paper's length (four with keys: the cited articles, and the
    corrected keys of questions whose key was wrong).
    Without ``with_keys`` the result carries no key, no explanation and no citation, so that
    a template cannot leak them by mistake.
    """
    slots = attempt.slots.select_related("question_version").order_by("position")
    if with_keys:
        slots = slots.prefetch_related(
            Prefetch(
                "question_version__citations",
                queryset=Citation.objects.select_related("article__version__law"),
            ),
            Prefetch("marks", queryset=Mark.objects.order_by("round")),
        )
    sections = list(
        BlueprintSection.objects.filter(blueprint_id=attempt.session.blueprint_id)
        .order_by("sort_order", "pk")
        .values_list("title", flat=True)
    )
    slots = list(slots)
    rules = None
    if with_keys:  # a corrected key is shown in place of the wrong one the version holds
        from .services.scoring import scoring_rules

        rules = scoring_rules(
            session_id=attempt.session_id,
            question_ids=[slot.question_version.question_id for slot in slots],
        )
    paper = []
    for slot in slots:
        version = slot.question_version
        by_id = {o["id"]: o for o in version.options}
        keys = set(
            rules.key(version.question_id, version.number, version.correct_ids) if rules else ()
        )
        chosen = set(slot.selected)
        options = []
        for index, option_id in enumerate(slot.option_order):
            option = by_id[option_id]
            options.append(
                PaperOption(
                    id=option_id,
                    letter=option_letter(index),
                    text=option["text"],
                    chosen=option_id in chosen,
                    key=option_id in keys if with_keys else None,
                    feedback=option.get("feedback", "") if with_keys else "",
                )
            )
        paper.append(
            PaperQuestion(
                position=slot.position,
                section=slot.section,
                section_title=sections[slot.section] if slot.section < len(sections) else "",
                kind=version.kind,
                kind_label=version.kind_label,
                multiple=slot.multiple,
                indefinite=version.indefinite,
                points=slot.points,
                stem=version.stem,
                options=options,
                selected=list(slot.selected),
                seq=slot.seq,
                flagged=slot.flagged,
                earned=slot.earned if with_keys else None,
                explanation=version.explanation if with_keys else "",
                articles=[c.article for c in version.citations.all()] if with_keys else [],
                hand_marked=slot.hand_marked,
                text=slot.text,
                model_answer=version.model_answer if with_keys else "",
                rubric=version.rubric if with_keys else [],
                marks=_counted_marks(slot, version.rubric) if with_keys else [],
            )
        )
    return paper


@dataclass(frozen=True)
class ReviewMark:
    """A mark that counted, as the candidate's review shows it (no marker's name)."""

    round: int
    total: Decimal
    rows: list  # (criterion, points, score)
    comment: str


def _counted_marks(slot: AttemptSlot, rubric: list[dict]) -> list[ReviewMark]:
    """The marks behind a final mark: the single or the two averaged marks, or the third
    marker's alone when the first two disagreed. Empty until the mark is final."""
    if not slot.hand_marked or slot.mark_round or slot.earned is None:
        return []
    marks = list(slot.marks.all())
    if any(m.round == 3 for m in marks):
        marks = [m for m in marks if m.round == 3]
    return [
        ReviewMark(
            round=m.round,
            total=m.total,
            rows=[
                (c["criterion"], c["points"], m.scores[i] if i < len(m.scores) else "")
                for i, c in enumerate(rubric)
            ],
            comment=m.comment,
        )
        for m in marks
    ]


@dataclass(frozen=True)
class NotAccepted:
    """A question whose last change reached the server after the attempt had closed."""

    position: int
    sent: str  # the refused answer, as the candidate saw the options ("A、C"; "" = cleared)
    kept: str  # the answer that counts
    why: str
    received_at: datetime


@dataclass(frozen=True)
class CitedArticle:
    """A cited article in the exact version the question cites, with what became of it: when
    the law has been amended since, the current version's article that carries it on."""

    article: Article
    label: str  # 行政处罚法第三十二条第一款
    paragraphs: list[str]
    is_amended: bool
    counterpart: Article | None = None


def cited_article(citation, counterparts: dict[int, Article | None]) -> CitedArticle:
    """``citation`` with its article, version and law selected; ``counterparts`` from
    ``cms.laws.selectors.current_counterparts`` over the cited articles."""
    article = citation.article
    return CitedArticle(
        article=article,
        label=citation.label,
        paragraphs=[line for line in article.text.splitlines() if line.strip()],
        is_amended=not article.version.is_current,
        counterpart=counterparts.get(article.pk),
    )


def option_letter(index: int) -> str:
    """The letter of the option shown in position ``index`` (0-based): A, B, … H, then 9, 10…"""
    return "ABCDEFGH"[index] if index < 8 else str(index + 1)


def answer_letters(option_order: list[int], selected: list[int]) -> str:
    """The letters of the chosen options as the candidate saw them: ``A、C``."""
    chosen = set(selected or [])
    return "、".join(option_letter(i) for i, option in enumerate(option_order) if option in chosen)


def attempt_refused_changes(attempt: Attempt) -> list[NotAccepted]:
    """The questions whose latest change was refused as late, with what was sent and what
    counts. A refused change equal to the saved answer lost nothing and is left out. Two
    queries however many there are."""
    if getattr(attempt, "has_refused_changes", None) is False:
        return []  # read with the attempt (attempt_for_candidate): no query
    latest: dict[int, RefusedChange] = {}
    for change in RefusedChange.objects.filter(attempt=attempt).order_by("received_at", "pk"):
        latest[change.position] = change
    if not latest:
        return []
    slots = {
        slot.position: slot
        for slot in AttemptSlot.objects.filter(attempt=attempt, position__in=latest).only(
            "position", "option_order", "selected"
        )
    }
    rows = []
    for position, change in sorted(latest.items()):
        slot = slots.get(position)
        if slot is None or sorted(slot.selected) == sorted(change.selected):
            continue
        rows.append(
            NotAccepted(
                position=position,
                sent=answer_letters(slot.option_order, change.selected),
                kept=answer_letters(slot.option_order, slot.selected),
                why=change.get_why_display(),
                received_at=change.received_at,
            )
        )
    return rows


def attempt_void_event(attempt: Attempt) -> AttemptEvent | None:
    """Why and on what basis the attempt's score was voided (None if it was not)."""
    if attempt.status != AttemptStatus.VOIDED:
        return None
    return attempt.events.filter(action=AttemptEvent.Action.VOID).order_by("at", "pk").last()


def attempt_unanswered(attempt: Attempt) -> list[int]:
    """Positions of the questions without a saved answer, in one query."""
    return attempt_open_questions(attempt).unanswered


@dataclass(frozen=True)
class OpenQuestions:
    """What the confirmation page lists before handing in: positions, in paper order."""

    unanswered: list[int]
    flagged: list[int]


def attempt_open_questions(attempt: Attempt) -> OpenQuestions:
    """The unanswered and the flagged questions of an attempt, in one query."""
    unanswered: list[int] = []
    flagged: list[int] = []
    rows = attempt.slots.order_by("position").values_list(
        "position", "selected", "text", "hand_marked", "flagged"
    )
    for position, selected, text, hand_marked, is_flagged in rows:
        if not (text.strip() if hand_marked else selected):
            unanswered.append(position)
        if is_flagged:
            flagged.append(position)
    return OpenQuestions(unanswered=unanswered, flagged=flagged)


def result_visible(attempt: Attempt, *, now: datetime | None = None) -> bool:
    """Whether the candidate may see the score, following the session's release rule."""
    if not attempt.is_finished or attempt.status == AttemptStatus.VOIDED:
        return False
    if attempt.marking_pending:  # 待阅卷: no score to show yet
        return False
    session = attempt.session
    now = now or timezone.now()
    if session.result_release == ResultRelease.IMMEDIATELY:
        return True
    if session.result_release == ResultRelease.AT_CLOSE:
        return now >= session.closes_at
    return session.results_released_at is not None and session.results_released_at <= now


def review_visible(attempt: Attempt, *, now: datetime | None = None) -> bool:
    """Answers, keys and explanations: under "full after close", once the session has closed
    and the results are out (the keys would otherwise give the score away); under "full after
    submit", a mock exam's finished attempt as soon as its score is out. A session of another
    kind holding "full after submit" (the model refuses it; old or hand-edited rows) shows
    nothing before its close, as "full after close" would."""
    now = now or timezone.now()
    session = attempt.session
    if session.review_policy == ReviewPolicy.FULL_AFTER_SUBMIT:
        if session.kind != ExamKind.MOCK and now < session.closes_at:
            return False
        return result_visible(attempt, now=now)
    return (
        session.review_policy == ReviewPolicy.FULL_AFTER_CLOSE
        and now >= session.closes_at
        and result_visible(attempt, now=now)
    )


@dataclass(frozen=True)
class ResultRow:
    title: str
    earned: Decimal
    possible: Decimal
    min_score: Decimal | None = None

    @property
    def percent(self) -> int:
        return int(self.earned * 100 / self.possible) if self.possible else 0


@dataclass(frozen=True)
class AttemptResult:
    attempt: Attempt
    visible: bool
    review: bool
    score: Decimal | None
    passed: bool | None
    earned: Decimal | None
    possible: Decimal | None
    topics: list[ResultRow]
    sections: list[ResultRow]
    awaiting_marking: bool = False  # 待阅卷: finished, written answers not yet all marked


def attempt_result(attempt: Attempt, *, now: datetime | None = None) -> AttemptResult:
    """The result page's figures from the stored breakdown (no query), if released. A paper
    awaiting marking has no figures yet, released or not."""
    if attempt.marking_pending:
        return AttemptResult(attempt, False, False, None, None, None, None, [], [], True)
    visible = result_visible(attempt, now=now)
    if not visible:
        return AttemptResult(attempt, False, False, None, None, None, None, [], [])
    data = attempt.breakdown or {}
    topics = [
        ResultRow(name, Decimal(t["earned"]), Decimal(t["possible"]))
        for name, t in sorted(data.get("topics", {}).items())
    ]
    sections = [
        ResultRow(
            s["title"],
            Decimal(s["earned"]),
            Decimal(s["possible"]),
            Decimal(s["min_score"]) if s.get("min_score") else None,
        )
        for s in data.get("sections", [])
    ]
    return AttemptResult(
        attempt=attempt,
        visible=True,
        review=review_visible(attempt, now=now),
        score=attempt.score,
        passed=attempt.passed,
        earned=Decimal(data["earned"]) if "earned" in data else None,
        possible=Decimal(data["possible"]) if "possible" in data else None,
        topics=topics,
        sections=sections,
    )


@dataclass
class MyExam:
    session: ExamSession
    allowed: int
    used: int
    in_progress: Attempt | None
    latest: Attempt | None
    can_start: bool
    score_visible: bool
    # "成绩已于…因…更正：原 X 分，现 Y 分。" for the session's visible results a regrade changed
    corrections: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.in_progress is not None:
            return _("作答中")
        if self.latest is None:
            return _("未参加")
        if self.latest.status == AttemptStatus.VOIDED:
            return _("成绩作废")
        if self.latest.marking_pending:
            return _("待阅卷")
        return _("已交卷")


@dataclass
class MyExams:
    upcoming: list[MyExam]
    open: list[MyExam]
    finished: list[MyExam]


def _eligible_sessions_q(user) -> Q:
    """Sessions whose candidate list holds the user, or whose rule covers the user's unit."""
    q = Q(candidates__user=user, candidates__listed=True) | Q(attempts__user=user)
    unit = user.org_unit
    if unit is not None:
        steplen = type(unit).steplen
        prefixes = [unit.path[: steplen * d] for d in range(1, unit.depth + 1)]
        rule = Q(eligible_unit__path__in=prefixes)
        if not user.is_leading_cadre:
            rule &= Q(only_leading_cadres=False)
        if not user.is_enforcement_officer:
            rule &= Q(only_enforcement_officers=False)
        q |= rule
    return q


def session_rule_q(session: ExamSession) -> Q:
    """The active people a session's rule admits (its unit's subtree, then the cadre and
    officer flags; ``is_eligible`` is the same rule for one person), as a filter on users;
    nobody for a session without a rule."""
    if session.eligible_unit_id is None:
        return Q(pk__in=[])
    rule = Q(is_active=True, org_unit__path__startswith=session.eligible_unit.path)
    if session.only_leading_cadres:
        rule &= Q(is_leading_cadre=True)
    if session.only_enforcement_officers:
        rule &= Q(is_enforcement_officer=True)
    return rule


def session_eligible_user_ids(sessions: Iterable[ExamSession]) -> dict[int, set[int]]:
    """Active people who may sit each session, by session id: the listed candidates and
    everyone matching the session's rule (``session_rule_q``).

    One query for the candidate lists, and one per session with a rule (never per person).
    """
    from django.contrib.auth import get_user_model

    sessions = list(sessions)
    found: dict[int, set[int]] = {s.pk: set() for s in sessions}
    listed = Candidate.objects.filter(
        session_id__in=list(found), listed=True, user__is_active=True
    ).values_list("session_id", "user_id")
    for session_id, user_id in listed:
        found[session_id].add(user_id)
    people = get_user_model().objects
    for session in sessions:
        if session.eligible_unit_id is None:
            continue
        found[session.pk].update(
            people.filter(session_rule_q(session)).values_list("pk", flat=True)
        )
    return found


def my_exams(user, *, now: datetime | None = None) -> MyExams:
    """The sessions a person may sit (or has sat), as upcoming / open / finished.

    Three queries whatever the number of sessions. "Open" holds the sessions where the
    person still has something to do (an attempt in progress, or may start one); an open
    session whose attempts are used up moves to "finished".
    """
    now = now or timezone.now()
    if not user.is_active:
        return MyExams([], [], [])
    sessions = list(
        ExamSession.objects.filter(_eligible_sessions_q(user))
        .select_related("eligible_unit")
        .distinct()
        .order_by("opens_at", "pk")
    )
    ids = [s.pk for s in sessions]
    candidates = {c.session_id: c for c in Candidate.objects.filter(session_id__in=ids, user=user)}
    attempts: dict[int, list[Attempt]] = {}
    corrected = RegradeChange.objects.filter(attempt=OuterRef("pk"))
    mine_all = Attempt.objects.filter(session_id__in=ids, user=user).annotate(
        has_corrections=Exists(corrected)
    )
    for attempt in mine_all.order_by("number"):
        attempts.setdefault(attempt.session_id, []).append(attempt)
    result = MyExams([], [], [])
    for session in sessions:
        mine = attempts.get(session.pk, [])
        for attempt in mine:
            attempt.session = session
        current = next((a for a in mine if a.status == AttemptStatus.IN_PROGRESS), None)
        if current is not None and now > current.deadline + grace():
            current = None  # overdue: finalised on next access, no longer resumable
        finished = [a for a in mine if a.is_finished]
        allowed = attempts_allowed(session, candidates.get(session.pk))
        refusal = refusal_for(
            session, user, candidate=candidates.get(session.pk), finished=finished, now=now
        )
        latest = finished[-1] if finished else None
        row = MyExam(
            session=session,
            allowed=allowed,
            used=len(finished),
            in_progress=current,
            latest=latest,
            can_start=refusal is None,
            score_visible=latest is not None and result_visible(latest, now=now),
        )
        if now < session.opens_at:
            result.upcoming.append(row)
        elif now < session.closes_at and (current is not None or row.can_start):
            result.open.append(row)
        else:
            result.finished.append(row)
    _my_corrections([*result.open, *result.finished], now=now)
    result.finished.sort(key=lambda r: r.session.closes_at, reverse=True)
    return result


def _my_corrections(rows: list[MyExam], *, now: datetime) -> None:
    """Attach the regrade notices of the rows' visible results (one query, none if no row)."""
    from .regrade_selectors import attempt_corrections
    from .services.regrade_notices import regrade_notice

    visible = {
        row.latest.pk: row
        for row in rows
        if row.score_visible and getattr(row.latest, "has_corrections", False)
    }
    if not visible:
        return
    for attempt_id, changes in attempt_corrections(visible).items():
        visible[attempt_id].corrections = [regrade_notice(change) for change in changes]


def attempt_correction_notices(attempt: Attempt) -> list[str]:
    """The regrade notices of one attempt's result, oldest first (no query for an attempt
    loaded by ``attempt_for_candidate`` that has none)."""
    if not getattr(attempt, "has_corrections", True):
        return []
    from .regrade_selectors import attempt_corrections
    from .services.regrade_notices import regrade_notice

    return [regrade_notice(c) for c in attempt_corrections([attempt.pk]).get(attempt.pk, [])]


@dataclass(frozen=True)
class SessionOverview:
    session: ExamSession
    question_count: int
    total_points: Decimal
    allowed: int
    used: int
    in_progress: Attempt | None
    refusal: str | None
    finished: list[Attempt]


def session_overview(session_id: int, user, *, now: datetime | None = None) -> SessionOverview:
    """What the start page shows: the session's rules and where this person stands."""
    now = now or timezone.now()
    session = get_object_or_404(ExamSession, pk=session_id)
    totals = session.blueprint.sections.aggregate(
        questions=Sum("count"), points=Sum(F("count") * F("points"))
    )
    mine = list(Attempt.objects.filter(session=session, user=user).order_by("number"))
    current = next((a for a in mine if a.status == AttemptStatus.IN_PROGRESS), None)
    if current is not None and now > current.deadline + grace():
        current = None
    finished = [a for a in mine if a.is_finished]
    for attempt in finished:
        attempt.session = session
    return SessionOverview(
        session=session,
        question_count=totals["questions"] or 0,
        total_points=totals["points"] or Decimal(0),
        allowed=attempts_allowed(session, candidate_for(session, user)),
        used=len(finished),
        in_progress=current,
        refusal=None if current is not None else attempt_refusal(session, user, now=now),
        finished=finished,
    )


# --- Read by certification: exam results for credentials, certificates and transcripts -----


def finished_attempts(
    *,
    user_ids: Iterable[int],
    kinds: Iterable[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    passed: bool | None = None,
) -> QuerySet[Attempt]:
    """Graded attempts of these people (voided ones left out), oldest first, in one query.

    ``since``/``until`` bound ``finished_at`` (``until`` exclusive); the session comes along.
    """
    attempts = (
        Attempt.objects.filter(user_id__in=list(user_ids))
        .exclude(status__in=[AttemptStatus.IN_PROGRESS, AttemptStatus.VOIDED])
        .exclude(marking_pending=True)  # not final: certification never sees a provisional one
        .select_related("session")
        .order_by("finished_at", "pk")
    )
    if kinds is not None:
        attempts = attempts.filter(session__kind__in=list(kinds))
    if since is not None:
        attempts = attempts.filter(finished_at__gte=since)
    if until is not None:
        attempts = attempts.filter(finished_at__lt=until)
    if passed is not None:
        attempts = attempts.filter(passed=passed)
    return attempts


def passed_attempts(user, kinds: Iterable[str], since: datetime | None = None) -> list[Attempt]:
    """The person's passed attempts of these kinds finished at or after ``since``."""
    return list(finished_attempts(user_ids=[user.pk], kinds=kinds, since=since, passed=True))


def question_image_visible_to(user, pk: int, *, bank_staff: bool):
    """The question-bank image ``pk`` if ``user`` may see it, else ``None``: the bank's staff
    (``bank_staff``: permission and a second factor, decided by the view) see every one; a
    candidate only those shown by a question version in one of their own papers (an
    explanation's images once that attempt is finished)."""
    from wagtail.images import get_image_model

    from .services.question_images import COLLECTION_NAME, question_image_url

    image = get_image_model().objects.filter(pk=pk, collection__name=COLLECTION_NAME).first()
    if image is None or bank_staff:
        return image
    src = f'src="{question_image_url(pk)}"'
    shown = AttemptSlot.objects.filter(attempt__user=user).filter(
        Q(question_version__stem__contains=src)
        | Q(question_version__explanation__contains=src, attempt__status__in=FINISHED_STATUSES)
    )
    return image if shown.exists() else None
