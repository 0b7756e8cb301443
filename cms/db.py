"""Queries over many imported keys, in batches.

An import may name tens of thousands of people; ``filter(employee_number__in=all_of_them)``
is one statement with one parameter per key, over SQLite's limit (32,766, or 999 on older
builds: "too many SQL variables") and PostgreSQL's (65,535). Every lookup over keys taken from
an uploaded file goes through ``filter_in`` instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from django.db.models import QuerySet

T = TypeVar("T")

# Under the smallest parameter limit (999) with room for a query's other parameters.
IN_BATCH_SIZE = 500


def in_batches(values: Iterable[T], size: int = IN_BATCH_SIZE) -> Iterator[list[T]]:
    """The distinct values, in their order, as lists of at most ``size``."""
    distinct = list(dict.fromkeys(values))
    for start in range(0, len(distinct), size):
        yield distinct[start : start + size]


def filter_in(queryset: QuerySet, lookup: str, values: Iterable) -> Iterator:
    """The rows of ``queryset.filter(**{lookup: values})``, one query per batch of values
    (none for no values). Works on ``values_list``/``values`` querysets too."""
    for batch in in_batches(values):
        yield from queryset.filter(**{lookup: batch})


def update_in(queryset: QuerySet, lookup: str, values: Iterable, **changes) -> int:
    """``queryset.filter(**{lookup: values}).update(**changes)`` in batches; rows updated."""
    return sum(queryset.filter(**{lookup: batch}).update(**changes) for batch in in_batches(values))
