"""Search that finds words inside Chinese text, on SQLite FTS5 and PostgreSQL alike.

Wagtail's database search backend cuts text into words at spaces and punctuation (SQLite's
FTS5 ``unicode61`` tokenizer, PostgreSQL's text search parser). Chinese has no spaces, so to
both of them "依法实施行政处罚的" is a single word and "行政处罚" inside it is never found.

The mechanism chosen here: every run of Chinese characters in an indexed field is indexed a
second time as its overlapping two-character pieces (依法 法实 实施 施行 行政 政处 处罚 罚的),
and a Chinese query term is searched as the *phrase* of its own pieces (行政 政处 处罚): the
pieces must stand next to each other in that order, which is exactly "the text contains the
term". Why this rather than the alternatives:

- jieba segmentation needs a new dependency and loads a 5 MB dictionary into every process,
  and it finds only the words it happened to cut: "处罚" inside its word "行政处罚" is not a
  token of its own unless the search mode indexes every sub-word as well;
- a pg_trgm index serves PostgreSQL only, and PostgreSQL extracts no trigrams from Chinese
  under the C locale; the SQLite default would still need a second mechanism;
- two-character pieces are plain text to both backends, so the same index rows and the same
  query work on SQLite (``make run``) and PostgreSQL, with the backends' own ranking (a title
  match scores above a body match).

A query term of a single Chinese character cannot be answered from two-character pieces (and
would match nearly every lesson); ``query_is_too_short`` lets the page ask for more instead.
The law library's article search matches substrings in SQL (``cms.laws.selectors``) and needs
none of this.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from wagtail.search import index
from wagtail.search.query import And, Phrase, PlainText, SearchQuery

# CJK Unified Ideographs, Extension A, the compatibility block and Extensions B–F.
CJK_RUN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]+")
# What stays of a term outside Chinese characters: words the backends tokenize themselves.
WORD_RE = re.compile(r"\w+")
NON_WORD_RE = re.compile(r"\W+")
# A query is cut to this many distinct terms and each term to this many characters, so a
# pasted paragraph cannot become a query of thousands of phrases.
MAX_QUERY_TERMS = 10
MAX_TERM_LENGTH = 40


def cjk_bigrams(text: str) -> list[str]:
    """The overlapping two-character pieces of every run of Chinese characters in ``text``."""
    pieces: list[str] = []
    for run in CJK_RUN_RE.findall(text):
        pieces.extend(run[start : start + 2] for start in range(len(run) - 1))
    return pieces


def cjk_pieces_text(value: object) -> str:
    """The text to index alongside ``value``: its words, with every Chinese run replaced by
    its two-character pieces (this also sets apart a word written against Chinese, as "PDF"
    in "PDF文件"); empty when ``value`` holds no Chinese."""
    if isinstance(value, (list, tuple)):
        text = " ".join(str(item) for item in value if item)
    else:
        text = "" if value is None else str(value)
    if not CJK_RUN_RE.search(text):
        return ""
    pieces = CJK_RUN_RE.sub(lambda match: f" {' '.join(cjk_bigrams(match.group()))} ", text)
    # Punctuation becomes space: PostgreSQL under the C locale takes "。" for a letter.
    return NON_WORD_RE.sub(" ", pieces).strip()


class CJKPiecesField(index.SearchField):
    """Indexes the Chinese two-character pieces of a field, next to the field's own
    ``SearchField``.

    It keeps the field's name, so ``CJKPiecesField("title")`` adds to the index's title column
    (and its higher weight). Being of another class, it is kept beside the plain field when
    the model's search fields are de-duplicated (by class and name).
    """

    def get_value(self, obj):
        return cjk_pieces_text(super().get_value(obj))


def cjk_pieces_fields(fields: Iterable[object]) -> list[CJKPiecesField]:
    """A ``CJKPiecesField`` for every plain ``SearchField`` of ``fields``, same name and boost."""
    return [
        CJKPiecesField(field.field_name, boost=field.boost, **field.kwargs)
        for field in fields
        if type(field) is index.SearchField
    ]


def query_terms(query: str) -> list[str]:
    """The distinct whitespace-separated terms of a query, in order, cut to the limits."""
    terms: list[str] = []
    for term in (query or "").split():
        term = term[:MAX_TERM_LENGTH]
        if term not in terms:
            terms.append(term)
        if len(terms) == MAX_QUERY_TERMS:
            break
    return terms


def _term_queries(term: str) -> list[SearchQuery]:
    """One term as backend queries: a phrase of pieces per Chinese run, the other words plain."""
    queries: list[SearchQuery] = []
    position = 0
    for match in CJK_RUN_RE.finditer(term):
        queries.extend(PlainText(word) for word in WORD_RE.findall(term[position : match.start()]))
        run = match.group()
        if len(run) > 1:
            queries.append(Phrase(" ".join(cjk_bigrams(run))))
        position = match.end()
    queries.extend(PlainText(word) for word in WORD_RE.findall(term[position:]))
    return queries


def cjk_search_query(terms: list[str]) -> SearchQuery | None:
    """The backend query that every term must match, or ``None`` when nothing is searchable."""
    queries = [query for term in terms for query in _term_queries(term)]
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else And(queries)


def query_is_too_short(terms: list[str]) -> bool:
    """Whether the terms give nothing to search (e.g. a single Chinese character)."""
    return cjk_search_query(terms) is None
