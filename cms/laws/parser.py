"""Parse one law text in the library's Markdown format (see ``shared/laws/SOURCE.md``).

The parser is pure (no database) so that the importer and the tests share one reading of
the files: title, history lines, the preamble, and the articles with their chapter/section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .numerals import chinese_to_int

INFO_END = "<!-- INFO END -->"
COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
# Zero-width characters and BOMs left over from the official HTML sources.
INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
ARTICLE_RE = re.compile(r"^第(?P<numeral>[零〇一二三四五六七八九十百千两]+)条 (?P<rest>.*)$")
HEADING_RE = re.compile(r"^(?P<level>#{1,6})\s+(?P<title>.+)$")


class LawParseError(ValueError):
    """The file does not follow the library's Markdown format."""


@dataclass(frozen=True)
class ParsedArticle:
    number: int
    label: str
    chapter: str
    section: str
    text: str


@dataclass
class ParsedLaw:
    title: str
    history: list[str] = field(default_factory=list)
    preamble: list[str] = field(default_factory=list)
    articles: list[ParsedArticle] = field(default_factory=list)


def _paragraphs(text: str) -> list[str]:
    """Non-empty lines, comments and invisible characters removed, outer whitespace trimmed."""
    text = INVISIBLE_RE.sub("", COMMENT_RE.sub("", text))
    return [line.strip() for line in text.splitlines() if line.strip()]


def law_text_parse(text: str) -> ParsedLaw:
    """Parse the Markdown text of one law version."""
    head, sep, body = text.partition(INFO_END)
    if not sep:
        raise LawParseError(f"missing {INFO_END}")
    head_lines = _paragraphs(head)
    if not head_lines or not head_lines[0].startswith("# "):
        raise LawParseError("the first line must be '# <title>'")
    law = ParsedLaw(title=head_lines[0][2:].strip(), history=head_lines[1:])

    chapter = section = ""
    current: dict | None = None

    def close() -> None:
        nonlocal current
        if current is not None:
            law.articles.append(
                ParsedArticle(
                    number=current["number"],
                    label=current["label"],
                    chapter=current["chapter"],
                    section=current["section"],
                    text="\n".join(current["paragraphs"]),
                )
            )
            current = None

    for paragraph in _paragraphs(body):
        heading = HEADING_RE.match(paragraph)
        if heading:
            close()
            title = heading["title"].strip()
            if len(heading["level"]) <= 2:
                chapter, section = title, ""
            else:
                section = title
            continue
        match = ARTICLE_RE.match(paragraph)
        if match:
            close()
            number = chinese_to_int(match["numeral"])
            current = {
                "number": number,
                "label": f"第{match['numeral']}条",
                "chapter": chapter,
                "section": section,
                "paragraphs": [match["rest"].strip()] if match["rest"].strip() else [],
            }
        elif current is not None:
            current["paragraphs"].append(paragraph)
        elif not law.articles:
            law.preamble.append(paragraph)
        else:
            raise LawParseError(f"text outside any article: {paragraph[:40]!r}")
    close()

    numbers = [article.number for article in law.articles]
    if len(numbers) != len(set(numbers)):
        raise LawParseError("duplicate article numbers")
    return law


def law_file_parse(path: Path) -> ParsedLaw:
    """Parse a law file (UTF-8)."""
    return law_text_parse(Path(path).read_text(encoding="utf-8"))
