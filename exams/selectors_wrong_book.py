"""Reading a person's wrong-answer book (错题本): the questions still in it, each as the version
they got wrong, with their answer, the key, the explanation and the cited articles' text.

A fixed number of queries whatever the number of entries: the page's records (with their
version and topic), their citations (with the articles, versions and laws), the corrected keys,
the practice rounds and the exam attempts they were got wrong in, and, only when an article of
a superseded version is cited, its current counterpart (two).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from cms.laws.models import Law
from cms.laws.selectors import current_counterparts

from .models import (
    AnswerSource,
    Attempt,
    Citation,
    PracticeRound,
    QuestionKind,
    QuestionRecord,
    Topic,
)
from .selectors import CitedArticle, cited_article, option_letter
from .services.practice_record import clear_streak
from .services.scoring import scoring_rules

PAGE_SIZE = 10

SOURCE_REVIEW_LABEL = _("考试回顾")


@dataclass(frozen=True)
class BookOption:
    letter: str
    text: str
    chosen: bool
    key: bool


@dataclass(frozen=True)
class BookEntry:
    question_id: int
    topic: str
    kind: str
    kind_label: str
    stem: str
    options: list[BookOption]
    answer: str  # the letters chosen, in the version's order ("A、C"); "" for none
    key: str  # the key's letters ("B")
    explanation: str
    model_answer: str
    written: str  # a written answer (marked kinds)
    articles: list[CitedArticle]
    source: str  # AnswerSource value
    source_label: str  # 练习 / 每日一练 / 模拟考试 / 考试回顾
    source_title: str  # the round's or the exam's title
    wrong_at: datetime | None
    times_wrong: int
    times_answered: int
    to_clear: int  # right answers in a row still needed to leave the book
    letters: bool = True  # false for true/false questions (options shown without letters)


@dataclass(frozen=True)
class BookFilters:
    topics: list[Topic]
    laws: list[Law]
    topic: Topic | None
    law: Law | None

    @property
    def active(self) -> bool:
        return self.topic is not None or self.law is not None


def _in_book(user) -> QuerySet[QuestionRecord]:
    return QuestionRecord.objects.filter(user_id=user.pk, in_book=True)


def wrong_book_filters(user, *, topic_id: str | None, law_key: str | None) -> BookFilters:
    """The topics and laws of the person's book (for the filter menus) and the chosen ones
    (an unknown or foreign choice is ignored). Two queries."""
    records = _in_book(user)
    topic_ids = records.values("question__topic_id")
    version_ids = records.values("wrong_version_id")
    topics = list(Topic.objects.filter(pk__in=topic_ids).order_by("path"))
    laws = list(
        Law.objects.filter(
            Exists(
                Citation.objects.filter(
                    version_id__in=version_ids, article__version__law=OuterRef("pk")
                )
            )
        ).order_by("category", "title")
    )
    topic = next((t for t in topics if str(t.pk) == (topic_id or "").strip()), None)
    law = next((x for x in laws if x.key == (law_key or "").strip()), None)
    return BookFilters(topics=topics, laws=laws, topic=topic, law=law)


def wrong_book_records(user, filters: BookFilters) -> QuerySet[QuestionRecord]:
    """The person's records in the book, newest wrong first, as the filters narrow them."""
    records = _in_book(user)
    if filters.topic is not None:
        records = records.filter(question__topic_id=filters.topic.pk)
    if filters.law is not None:
        records = records.filter(
            Exists(
                Citation.objects.filter(
                    version_id=OuterRef("wrong_version_id"), article__version__law=filters.law
                )
            )
        )
    return (
        records.select_related("wrong_version", "question__topic", "question__current_version")
        .prefetch_related(
            Prefetch(
                "wrong_version__citations",
                queryset=Citation.objects.select_related("article__version__law"),
            )
        )
        .order_by("-last_wrong_at", "-pk")
    )


def _source_titles(records: list[QuestionRecord]) -> dict[tuple[str, int], str]:
    ids: dict[str, set[int]] = {"round": set(), "attempt": set()}
    for r in records:
        if r.wrong_source_id is None:
            continue
        kind = (
            "round" if r.wrong_source in (AnswerSource.PRACTICE, AnswerSource.DAILY) else "attempt"
        )
        ids[kind].add(r.wrong_source_id)
    titles: dict[tuple[str, int], str] = {}
    if ids["round"]:
        for pk, title in PracticeRound.objects.filter(pk__in=ids["round"]).values_list(
            "pk", "title"
        ):
            titles["round", pk] = title
    if ids["attempt"]:
        for pk, title in Attempt.objects.filter(pk__in=ids["attempt"]).values_list(
            "pk", "session__title"
        ):
            titles["attempt", pk] = title
    return titles


def _chosen(record: QuestionRecord) -> tuple[set, str]:
    selected = record.wrong_selected
    if isinstance(selected, str):
        return set(), selected
    return {s for s in selected or [] if isinstance(s, int)}, ""


def _citations(record: QuestionRecord) -> list[Citation]:
    # Prefetched with the wrong version; a record whose version is gone shows none.
    return list(record.wrong_version.citations.all()) if record.wrong_version else []


def _entry(record, rules, titles, counterparts, streak) -> BookEntry:
    version = record.wrong_version or record.question.current_version
    chosen, written = _chosen(record)
    key = set(rules.key(version.question_id, version.number, version.correct_ids))
    options = [
        BookOption(option_letter(i), o["text"], o["id"] in chosen, o["id"] in key)
        for i, o in enumerate(version.options)
    ]
    articles = [cited_article(citation, counterparts) for citation in _citations(record)]
    kind = (
        "round" if record.wrong_source in (AnswerSource.PRACTICE, AnswerSource.DAILY) else "attempt"
    )
    source_label = (
        AnswerSource(record.wrong_source).label if record.wrong_source else SOURCE_REVIEW_LABEL
    )
    true_false = version.kind == QuestionKind.TRUE_FALSE
    return BookEntry(
        question_id=record.question_id,
        topic=record.question.topic.name,
        kind=version.kind,
        kind_label=version.kind_label,
        stem=version.stem,
        options=options,
        answer="、".join(o.text if true_false else o.letter for o in options if o.chosen),
        key="、".join(o.text if true_false else o.letter for o in options if o.key),
        explanation=version.explanation,
        model_answer=version.model_answer,
        written=written,
        articles=articles,
        source=record.wrong_source,
        source_label=str(source_label),
        source_title=titles.get((kind, record.wrong_source_id), ""),
        wrong_at=record.last_wrong_at,
        times_wrong=record.times_wrong,
        times_answered=record.times_answered,
        to_clear=max(1, streak - record.right_streak),
        letters=not true_false,
    )


def wrong_book_entries(records: list[QuestionRecord]) -> list[BookEntry]:
    """The records as the book shows them (records from ``wrong_book_records``)."""
    if not records:
        return []
    rules = scoring_rules(session_id=0, question_ids=[r.question_id for r in records])
    titles = _source_titles(records)
    articles = [c.article for r in records for c in _citations(r)]
    counterparts = current_counterparts(articles)
    streak = clear_streak()
    return [_entry(r, rules, titles, counterparts, streak) for r in records]


def wrong_book_page(user, filters: BookFilters, page_number) -> tuple[Page, list[BookEntry]]:
    """One page of the book and its entries."""
    page = Paginator(wrong_book_records(user, filters), PAGE_SIZE).get_page(page_number)
    return page, wrong_book_entries(list(page.object_list))


def wrong_book_all(user, filters: BookFilters) -> list[BookEntry]:
    """The whole (filtered) book, for the PDF."""
    return wrong_book_entries(list(wrong_book_records(user, filters)))
