"""Item analysis of a session (试题分析): read its graded attempts, compute, store.

``item_analysis_request`` is what the session's page calls: a small session is analysed
during the request, a large one by the django-tasks task ``item_analysis_task``, which calls
``item_analysis_run``; the page shows the row's progress meanwhile. The statistics themselves
are ``exams.analysis`` (pure numpy); this module only turns the database's rows into its
input, in three queries whatever the session's size (the attempts, their slots as plain
values, the question versions used), and stores the result: the session's ``ItemAnalysis``
row (JSON for the page and the export) and one ``ItemStatistic`` row per item (a question's
figures across sessions).
"""

from __future__ import annotations

import json
import logging
import math
from datetime import timedelta

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connections, transaction
from django.db.models import FloatField, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from wagtail.log_actions import log

from ..analysis import Responses, analyse, item_flags, seconds_per_response
from ..balance_selectors import graded_papers_spread
from ..models import (
    FINISHED_STATUSES,
    Attempt,
    AttemptSlot,
    BlueprintSection,
    ExamSession,
    ItemAnalysis,
    ItemStatistic,
    QuestionVersion,
)

logger = logging.getLogger(__name__)

# A queued or running analysis older than this is taken to have died (a worker restart):
# asking again starts a new run instead of waiting for it.
STALE_AFTER = timedelta(minutes=15)
PROGRESS_EVERY_ROWS = 50_000
STEM_EXCERPT = 60
LETTERS = "ABCDEFGH"


def graded_attempts(session: ExamSession):
    """The attempts an analysis reads: finished and scored (void and running ones are not)."""
    return Attempt.objects.filter(
        session=session, status__in=FINISHED_STATUSES, score__isnull=False
    )


def _epoch(value) -> float:
    return value.timestamp() if value is not None else math.nan


def _progress(analysis_id: int, done: int, total: int | None = None) -> None:
    fields = {"done": done}
    if total is not None:
        fields["total"] = total
    ItemAnalysis.objects.filter(pk=analysis_id).update(**fields)


def _epochs(texts) -> np.ndarray:
    """Timestamps as the database writes them in text (ISO 8601, UTC) to epoch seconds;
    missing ones NaN. One vectorised parse instead of a datetime object per row."""
    series = pd.Series(texts, dtype="object")
    try:
        parsed = pd.to_datetime(series, utc=True, format="ISO8601")
    except ValueError:
        parsed = pd.to_datetime(series, utc=True, format="mixed")
    return (parsed - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(dtype=float)


def session_responses(session: ExamSession, *, progress=None) -> tuple[Responses, dict]:
    """The session's graded responses as ``exams.analysis.Responses``, and what is needed to
    describe its items (``versions``: id -> version values; ``version_ids``: the item order).

    Three queries: attempts, slots (plain values, never a model per slot), versions; a
    fourth reads the paper's length when ``progress(done, total)`` is to be told how many
    slot rows have been read. The slots' answers, marks and save times are read as text and numbers
    and converted column by column (one JSON parse, one timestamp parse), which keeps
    500,000 rows to a few seconds.
    """
    attempt_rows = list(
        graded_attempts(session).order_by("pk").values_list("pk", "started_at", "score")
    )
    attempt_ids = np.array([pk for pk, _, _ in attempt_rows], dtype=np.int64)
    started = np.array([_epoch(s) for _, s, _ in attempt_rows], dtype=float)
    scores = np.array([float(score) for _, _, score in attempt_rows], dtype=float)

    slots = (
        AttemptSlot.objects.filter(
            attempt__session=session,
            attempt__status__in=FINISHED_STATUSES,
            attempt__score__isnull=False,
        )
        .annotate(
            selected_text=Cast("selected", TextField()),
            earned_value=Cast("earned", FloatField()),
            points_value=Cast("points", FloatField()),
            saved_text=Cast("saved_at", TextField()),
        )
        .order_by()  # no sort: rows are matched to attempts by id
        .values_list(
            "attempt_id",
            "position",
            "question_version_id",
            "selected_text",
            "earned_value",
            "points_value",
            "saved_text",
        )
    )
    # Progress counts rows against the expected number (attempts × the blueprint's paper
    # length), which costs a tiny query where counting the slots would scan them all.
    total_rows = (
        len(attempt_rows)
        * sum(
            BlueprintSection.objects.filter(blueprint_id=session.blueprint_id).values_list(
                "count", flat=True
            )
        )
        if progress
        else 0
    )
    # The ORM writes the query; the cursor reads it, so that no per-value converter runs
    # (the casts above already give text and floats).
    sql, params = slots.query.sql_with_params()
    rows: list[tuple] = []
    with connections[slots.db].cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(PROGRESS_EVERY_ROWS):
            rows.extend(chunk)
            if progress:
                progress(len(rows), max(total_rows, len(rows)))
    columns = list(zip(*rows, strict=True)) if rows else [()] * 7
    del rows
    slot_attempts, positions, version_ids, selected, earned, points, saved = columns
    version_ids = np.array(version_ids, dtype=np.int64)
    used, item = np.unique(version_ids, return_inverse=True)
    used = used.tolist()
    versions = {
        pk: {"question_id": q, "number": number, "kind": kind, "stem": stem, "options": options}
        for pk, q, number, kind, stem, options in QuestionVersion.objects.filter(
            pk__in=used
        ).values_list("pk", "question_id", "number", "kind", "stem_text", "options")
    }
    attempt = np.searchsorted(attempt_ids, np.array(slot_attempts, dtype=np.int64))
    saved_at = _epochs(saved)
    responses = Responses(
        attempt=attempt,
        item=item.astype(np.int64),
        position=np.array(positions, dtype=np.int64),
        earned=np.nan_to_num(np.array(earned, dtype=float)),
        points=np.array(points, dtype=float),
        selected=json.loads("[" + ",".join(t or "[]" for t in selected) + "]"),
        seconds=seconds_per_response(
            attempt, saved_at, started[attempt] if len(attempt) else started
        ),
        scores=scores,
        item_options=[
            [(o["id"], bool(o.get("correct"))) for o in versions[pk]["options"]] for pk in used
        ],
    )
    return responses, {"versions": versions, "version_ids": used}


def _round(value, digits: int = 4):
    return None if value is None else round(value, digits)


def analysis_results(responses: Responses, meta: dict, rules: dict) -> tuple[dict, list]:
    """The stored JSON (session figures, rules, items) and each item's figures."""
    session, figures = analyse(responses)
    # Where each item sat on the papers (its most frequent position), and its points.
    position_of: dict[int, int] = {}
    points_of: dict[int, float] = {}
    if len(responses.item):
        span = int(responses.position.max()) + 1
        pairs, counts = np.unique(responses.item * span + responses.position, return_counts=True)
        pair_items, pair_positions = pairs // span, pairs % span
        # Per item, the position with the most rows (ties: the first position).
        for index in np.lexsort((pair_positions, -counts, pair_items)):
            position_of.setdefault(int(pair_items[index]), int(pair_positions[index]))
        most = np.zeros(len(figures))
        np.maximum.at(most, responses.item, responses.points)
        points_of = {j: float(most[j]) for j in range(len(figures))}
    items = []
    for item in figures:
        version_id = meta["version_ids"][item.index]
        version = meta["versions"][version_id]
        item.flags = item_flags(item, rules)
        texts = {o["id"]: o.get("text", "") for o in version["options"]}
        items.append(
            {
                "question_id": version["question_id"],
                "version_id": version_id,
                "version": version["number"],
                "kind": version["kind"],
                "stem": version["stem"][:STEM_EXCERPT],
                "position": position_of.get(item.index),
                "points": points_of.get(item.index),
                "candidates": item.candidates,
                "facility": _round(item.facility),
                "discrimination": _round(item.discrimination),
                "upper_lower": _round(item.upper_lower),
                "mean_seconds": _round(item.mean_seconds, 1),
                "omitted": _round(item.omitted),
                "options": [
                    {
                        "id": o.id,
                        "label": LETTERS[i] if i < len(LETTERS) else str(i + 1),
                        "text": texts.get(o.id, "")[:STEM_EXCERPT],
                        "correct": o.correct,
                        "count": o.count,
                        "rate": _round(o.rate),
                    }
                    for i, o in enumerate(item.options)
                ],
                "flags": [{**f, "value": _round(f["value"])} for f in item.flags],
            }
        )
    items.sort(key=lambda i: (i["position"] or 0, i["question_id"], i["version"]))
    results = {
        "session": {
            "attempts": session.attempts,
            "mean": _round(session.mean, 2),
            "sd": _round(session.sd, 2),
            "reliability": _round(session.reliability),
            "reliability_kind": session.reliability_kind,
            "sem": _round(session.sem, 2),
            "positions": session.positions,
            "items": len(items),
            "flagged": sum(1 for i in items if i["flags"]),
        },
        "rules": rules,
        "items": items,
    }
    return results, items


def _papers_figures(session: ExamSession) -> dict:
    """How far apart the graded candidates' papers were in difficulty (their expected scores,
    from the balanced draw), stored with the analysis."""
    figures = graded_papers_spread(session)
    return {
        "papers": figures.count,
        "min": _round(figures.minimum, 2),
        "mean": _round(figures.mean, 2),
        "max": _round(figures.maximum, 2),
        "sd": _round(figures.sd, 2),
        "target": _round(figures.target, 2),
        "band": figures.band,
        "within_band": _round(figures.within_band),
    }


def item_analysis_run(analysis_id: int) -> dict:
    """Compute the session's item analysis and store it; progress goes to the row."""
    analysis = ItemAnalysis.objects.select_related("session").get(pk=analysis_id)
    ItemAnalysis.objects.filter(pk=analysis_id).update(
        status=ItemAnalysis.Status.RUNNING, done=0, total=0
    )
    try:
        responses, meta = session_responses(
            analysis.session, progress=lambda done, total: _progress(analysis_id, done, total)
        )
        rules = dict(settings.EXAMS_ITEM_FLAGS)
        results, items = analysis_results(responses, meta, rules)
        results["papers"] = _papers_figures(analysis.session)
        rows = len(responses.item)
        with transaction.atomic():
            ItemStatistic.objects.filter(analysis_id=analysis_id).delete()
            ItemStatistic.objects.bulk_create(
                ItemStatistic(
                    analysis_id=analysis_id,
                    question_id=item["question_id"],
                    version_id=item["version_id"],
                    candidates=item["candidates"],
                    facility=item["facility"],
                    discrimination=item["discrimination"],
                    upper_lower=item["upper_lower"],
                    mean_seconds=item["mean_seconds"],
                    flags=[f["code"] for f in item["flags"]],
                )
                for item in items
            )
            ItemAnalysis.objects.filter(pk=analysis_id).update(
                status=ItemAnalysis.Status.DONE,
                results=results,
                attempt_count=results["session"]["attempts"],
                computed_at=timezone.now(),
                done=rows,
                total=rows,
            )
    except Exception:
        logger.exception("item analysis %s failed", analysis_id)
        ItemAnalysis.objects.filter(pk=analysis_id).update(status=ItemAnalysis.Status.FAILED)
        raise
    return results["session"]


def item_analysis_request(*, session: ExamSession, actor=None) -> ItemAnalysis:
    """Compute (or recompute) the session's item analysis: now when the session is small,
    otherwise in the background. Asking while a run is under way returns that run."""
    now = timezone.now()
    with transaction.atomic():
        analysis, _ = ItemAnalysis.objects.select_for_update().get_or_create(session=session)
        if (
            analysis.running
            and analysis.requested_at is not None
            and now - analysis.requested_at < STALE_AFTER
        ):
            return analysis
        analysis.status = ItemAnalysis.Status.QUEUED
        analysis.requested_at = now
        analysis.requested_by = actor
        analysis.done = analysis.total = 0
        analysis.task_result_id = ""
        analysis.save()
        log(
            instance=session,
            action="exams.session.item_analysis",
            user=actor,
            data={"analysis_id": analysis.pk},
        )
    if graded_attempts(session).count() <= settings.EXAMS_ITEM_ANALYSIS_INLINE_MAX:
        item_analysis_run(analysis.pk)
    else:
        from ..tasks import item_analysis_task

        result = item_analysis_task.enqueue(analysis.pk)
        ItemAnalysis.objects.filter(pk=analysis.pk).update(task_result_id=str(result.id))
    analysis.refresh_from_db()
    return analysis
