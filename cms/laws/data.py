"""Plain values of the law library that other apps use (standard library only)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ChangeStatus(enum.StrEnum):
    """How an article fared between two versions of a law."""

    UNCHANGED = "unchanged"  # same number, same text (whitespace aside)
    MOVED = "moved"  # same text under another number
    CHANGED = "changed"  # matched by content, text differs (number may differ too)
    ADDED = "added"  # only in the new version
    REMOVED = "removed"  # only in the old version

    @property
    def needs_review(self) -> bool:
        """Whether something citing the old article must be looked at again."""
        return self is not ChangeStatus.UNCHANGED


@dataclass(frozen=True)
class DiffSegment:
    """A run of text in an inline diff: ``kind`` is "equal", "delete" or "insert"."""

    kind: str
    text: str
