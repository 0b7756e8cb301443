"""Which article a question most likely rests on, found by its wording (for the "cite" tool).

A simple, fast score: the share of character bigrams the question's stem and key have in
common with an article's text (Chinese has no spaces to split words on, and two-character
pieces are what legal terms are made of). Only the current versions' articles are searched;
the index is built once per request (a few thousand articles, one query).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from cms.laws.models import Article

from .formats.html import html_to_text
from .models import QuestionKind, QuestionVersion

_NOT_TEXT = re.compile(r"[\s\W_]+", re.UNICODE)
# Bigrams every question and many articles share; they say nothing about which article.
_COMMON = frozenset(
    {"下列", "列说", "说法", "法正", "正确", "确的", "的是", "错误", "以下", "属于", "应当", "可以"}
)


def bigrams(text: str) -> frozenset[str]:
    text = _NOT_TEXT.sub("", text)
    return frozenset(text[i : i + 2] for i in range(len(text) - 1)) - _COMMON


@dataclass(frozen=True)
class Suggestion:
    article: Article
    score: float


class ArticleIndex:
    def __init__(self) -> None:
        self.entries = [
            (article, bigrams(article.text))
            for article in Article.objects.filter(version__is_current=True).select_related(
                "version__law"
            )
        ]

    def suggest(self, text: str, *, limit: int = 3) -> list[Suggestion]:
        wanted = bigrams(text)
        if not wanted:
            return []
        scored = []
        for article, grams in self.entries:
            common = len(wanted & grams)
            if common:
                scored.append(Suggestion(article, common / math.sqrt(len(wanted) * len(grams))))
        scored.sort(key=lambda s: (-s.score, s.article.version.law_id, s.article.number))
        return scored[:limit]


def question_search_text(version: QuestionVersion) -> str:
    """The stem and the key: what the cited article must support."""
    if version.kind == QuestionKind.TRUE_FALSE:
        key = ""
    else:
        key = " ".join(html_to_text(o["text"]) for o in version.options if o["correct"])
    return f"{version.stem_text} {key}"
