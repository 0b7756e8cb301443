"""Citations of law articles: ``行政许可法第四十二条``, ``《中华人民共和国行政许可法》第42条``,
``行政复议法（2017）第九条``, ``行政复议法(2017-09-01)第九条``, down to 款 and 项
(``《行政处罚法》第三十二条第一款``, ``第三十二条第一款第（二）项``) and as ranges
(``第九条至第十一条``: three citations).

Policy documents (the city's implementation plan) are cited by part, section, item and
sub-item: ``《市政府依法行政实施方案》二（一）1`` is the canonical form; see the policy branch
at the end of this module for the other forms read.

Several citations may be separated by ``；``, ``;``, ``、`` or line breaks; a citation without a
law name (``行政许可法第四十二条、第四十三条``) refers to the law named before it, and a bare
``第二款`` to the article named before it. Without a version the current version is meant; a
version is written ``（2017）``, ``（2017-09-01）``, ``（2017年）``, ``（2017年修正）``,
``（2021年修订）`` or ``（2017年9月1日）``. A 款 or 项 must exist in the article: its text holds
one paragraph per line, items being the ``（一）…`` lines after their paragraph.
``citation_format`` writes the canonical form that ``citations_resolve`` reads back, so exported
questions re-import to the same articles and parts.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .models import Article, Law, LawVersion
from .numerals import chinese_to_int, int_to_chinese
from .policies import UnitPath, unit_citation_parse, unit_label, unit_number
from .services import TITLE_PREFIX

CITATION_UNRECOGNISED = _("无法识别的法条引用：“%(text)s”")
CITATION_NO_LAW = _("“%(text)s”没有写明法律名称")
LAW_UNKNOWN = _("法律法规库中没有“%(law)s”")
VERSION_UNKNOWN = _("%(law)s没有（%(version)s）这个版本")
VERSION_AMBIGUOUS = _("%(law)s在%(version)s有多个版本，请写明日期，如（%(example)s）")
ARTICLE_UNKNOWN = _("%(law)s没有%(label)s")
CITATION_EMPTY = _("没有法条引用")
PARAGRAPH_UNKNOWN = _("%(article)s没有第%(paragraph)s款（该条共%(count)s款）")
ITEM_UNKNOWN = _("%(article)s%(part)s没有第（%(item)s）项（共%(count)s项）")
RANGE_TOO_LONG = _("“%(text)s”的范围过大（至多%(limit)s条）")

POLICY_AMBIGUOUS = _("“%(name)s”可指多份政策文件：%(titles)s；请写明全称")
POLICY_CITED_BY_ARTICLE = _("《%(law)s》按部分、节、项引用（如“%(example)s”），不按条引用")

SEPARATORS_RE = re.compile(r"[；;、，,\r\n]+")
FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９－（）", "0123456789-()")
_NUM = r"[0-9]+|[零〇一二三四五六七八九十百千两]+"
# A version: (2017), (2017-09-01), (2017年), (2017年修正), (2021年修订), (2017年9月1日).
_VERSION = r"""(?P<bracket>\(\s*(?:
        (?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日(?:修订|修正|公布|施行)?
      | (?P<version>\d{4}(?:-\d{1,2}-\d{1,2})?)年?(?:修订|修正|版|公布|施行)?
    )\s*\))"""
# 第N款 and 第(N)项 / 第N项 after an article.
_PART = rf"(?:第(?P<paragraph>{_NUM})款)?(?:第\(?(?P<item>{_NUM})\)?项)?"
CITATION_RE = re.compile(
    rf"""^(?:《(?P<titled>[^《》]+)》|《?(?P<law>[^《》第()]*?)》?)(?:{_VERSION})?
        第(?P<number>{_NUM})条(?:至第(?P<to>{_NUM})条)?{_PART}$""",
    re.VERBOSE,
)
# A bare 第二款 / 第(三)项 refers to the article cited just before it.
PART_ONLY_RE = re.compile(rf"^(?=第){_PART}$")
ITEM_LINE_RE = re.compile(r"^\s*[（(][一二三四五六七八九十]+[)）]")
#: A range cites at most this many articles (``第一条至第九千条`` is not a citation).
RANGE_LIMIT = 30


class CitationError(ValueError):
    """One or more citations could not be read or resolved; ``errors`` lists each problem."""

    def __init__(self, errors: list[str]):
        self.errors = [str(error) for error in errors]
        super().__init__("；".join(self.errors))


def part_label(paragraph: int | None, item: int | None) -> str:
    """``第一款``, ``第一款第（二）项``, ``第（二）项`` or "" for the whole article."""
    label = f"第{int_to_chinese(paragraph)}款" if paragraph else ""
    if item:
        label += f"第（{int_to_chinese(item)}）项"
    return label


@dataclass(frozen=True)
class Citation:
    """A parsed citation; ``version`` is ``None`` (current), ``"2017"`` or ``"2017-09-01"``;
    ``paragraph`` (款) and ``item`` (项) are 1-based, ``None`` for the whole article."""

    law: str
    number: int
    version: str | None = None
    source: str = ""
    paragraph: int | None = None
    item: int | None = None
    # The bracket as written ("2018年"): a law whose title ends in it (宪法修正案（2018年）)
    # is that law, not a version.
    bracket: str = field(default="", compare=False)

    @property
    def label(self) -> str:
        return f"第{int_to_chinese(self.number)}条"

    @property
    def full_label(self) -> str:
        return self.label + part_label(self.paragraph, self.item)


@dataclass(frozen=True)
class CitedPart:
    """A resolved citation: the article and, when cited, its 款 and 项."""

    article: Article
    paragraph: int | None = None
    item: int | None = None

    @property
    def label(self) -> str:
        return f"{self.article}{part_label(self.paragraph, self.item)}"


def _law_name(name: str) -> str:
    return name.strip().removeprefix(TITLE_PREFIX).strip()


def _numeral(text: str | None) -> int | None:
    """A numeral group of a match as an int; ``None`` if absent; 0 if unreadable."""
    if text is None:
        return None
    try:
        return chinese_to_int(text)
    except ValueError:
        return 0


def _law_written(match: re.Match) -> str:
    """The law's name as written; in 《》 it may hold brackets of its own
    (《中华人民共和国宪法修正案（2018年）》), given back in full width as titles have them."""
    if match["titled"]:
        return match["titled"].replace("(", "（").replace(")", "）")
    return match["law"] or ""


def _version_of(match: re.Match) -> str | None:
    if match["y"]:
        return f"{match['y']}-{int(match['m']):02d}-{int(match['d']):02d}"
    return match["version"]


def _citations_of_piece(
    piece: str, raw: str, previous: Citation | None, errors: list[str]
) -> list[Citation]:
    """The citations one separated piece stands for (a range gives several)."""
    part = PART_ONLY_RE.match(piece)
    if part and previous is not None and (part["paragraph"] or part["item"]):
        paragraph, item = _numeral(part["paragraph"]), _numeral(part["item"])
        if paragraph == 0 or item == 0:
            errors.append(CITATION_UNRECOGNISED % {"text": raw})
            return []
        return [
            Citation(
                law=previous.law,
                number=previous.number,
                version=previous.version,
                source=raw,
                paragraph=paragraph,
                item=item,
            )
        ]
    match = CITATION_RE.match(piece)
    if not match:
        errors.append(CITATION_UNRECOGNISED % {"text": raw})
        return []
    number, last = _numeral(match["number"]), _numeral(match["to"])
    paragraph, item = _numeral(match["paragraph"]), _numeral(match["item"])
    if 0 in (number, last, paragraph, item) or (last is not None and (paragraph or item)):
        errors.append(CITATION_UNRECOGNISED % {"text": raw})
        return []
    if last is not None and last < number:
        errors.append(CITATION_UNRECOGNISED % {"text": raw})
        return []
    if last is not None and last - number + 1 > RANGE_LIMIT:
        errors.append(RANGE_TOO_LONG % {"text": raw, "limit": RANGE_LIMIT})
        return []
    written = _law_written(match)
    law = _law_name(written) or (previous.law if previous else "")
    if not law:
        errors.append(CITATION_NO_LAW % {"text": raw})
        return []
    version = _version_of(match)
    bracket = match["bracket"][1:-1].strip() if match["bracket"] else ""
    if not written.strip() and version is None and previous is not None:
        version = previous.version  # 行政复议法（2017）第九条、第十条: both of the 2017 text
        bracket = previous.bracket
    return [
        Citation(
            law=law,
            number=n,
            version=version,
            source=raw,
            paragraph=paragraph,
            item=item,
            bracket=bracket,
        )
        for n in range(number, (last or number) + 1)
    ]


def citation_parse(text: str) -> list[Citation | PolicyCitation]:
    """Split ``text`` into citations; raise ``CitationError`` naming the unreadable parts."""
    citations: list[Citation | PolicyCitation] = []
    errors: list[str] = []
    previous: Citation | None = None
    previous_policy: PolicyCitation | None = None
    for raw in SEPARATORS_RE.split(POLICY_LABEL_JOIN_RE.sub("", text or "")):
        piece = "".join(raw.split()).translate(FULLWIDTH_DIGITS)
        if not piece:
            continue
        piece_errors: list[str] = []
        found = _citations_of_piece(piece, raw.strip(), previous, piece_errors)
        if found:
            citations.extend(found)
            previous, previous_policy = found[-1], None
            continue
        if not CITATION_RE.match(piece) and not PART_ONLY_RE.match(piece):
            # Not a law's article: perhaps a unit of a policy document.
            policy = policy_citation_parse(piece, source=raw.strip(), previous=previous_policy)
            if policy is not None and not policy.law:
                errors.append(CITATION_NO_LAW % {"text": raw.strip()})
                continue
            if policy is not None:
                citations.append(policy)
                previous, previous_policy = None, policy
                continue
        errors.extend(piece_errors)
    if errors:
        raise CitationError(errors)
    return citations


def article_paragraphs(text: str) -> list[int]:
    """The article's paragraphs (款), each as its number of items (项): one paragraph per line
    of the text, ``（一）…`` lines being items of the paragraph before them."""
    paragraphs: list[int] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if ITEM_LINE_RE.match(line) and paragraphs:
            paragraphs[-1] += 1
        else:
            paragraphs.append(0)
    return paragraphs


def part_problem(article: Article, paragraph: int | None, item: int | None) -> str | None:
    """Why the article has no such 款 / 项 (a message), or ``None`` when it has."""
    if not paragraph and not item:
        return None
    paragraphs = article_paragraphs(article.text)
    name = str(article)
    if paragraph and paragraph > len(paragraphs):
        return str(
            PARAGRAPH_UNKNOWN
            % {
                "article": name,
                "paragraph": int_to_chinese(paragraph),
                "count": int_to_chinese(len(paragraphs)) if paragraphs else "零",
            }
        )
    if item:
        # 第（二）项 without a 款: the items of the article's (first) enumerating paragraph.
        index = (
            paragraph - 1
            if paragraph
            else next((i for i, count in enumerate(paragraphs) if count), 0)
        )
        count = paragraphs[index] if paragraphs else 0
        if item > count:
            return str(
                ITEM_UNKNOWN
                % {
                    "article": name,
                    "part": part_label(paragraph, None),
                    "item": int_to_chinese(item),
                    "count": int_to_chinese(count) if count else "零",
                }
            )
    return None


def citations_resolve(text: str) -> list[Article]:
    """The articles cited in ``text``, in order, duplicates removed.

    Raises ``CitationError`` listing every citation that names an unknown law, version,
    article, 款 or 项 (or that cannot be read), and when ``text`` cites nothing at all.
    """
    return CitationResolver().resolve(text)


def citations_resolve_parts(text: str) -> list[CitedPart]:
    """Like ``citations_resolve``, keeping each citation's 款 and 项."""
    return CitationResolver().resolve_parts(text)


class CitationResolver:
    """Resolves many citation texts with few queries: laws and versions are read once, and the
    articles of each version once, so that importing thousands of questions stays fast."""

    def __init__(self) -> None:
        self._laws: dict[str, Law] | None = None
        self._versions: dict[int, list[LawVersion]] = {}
        self._articles: dict[int, dict[int, Article]] = {}

    def _load_laws(self) -> dict[str, Law]:
        if self._laws is None:
            self._laws = {law.short_title: law for law in Law.objects.all()}
            for version in LawVersion.objects.select_related("law").order_by("-version_date"):
                self._versions.setdefault(version.law_id, []).append(version)
        return self._laws

    def _article(self, version: LawVersion, number: int) -> Article | None:
        if version.pk not in self._articles:
            self._articles[version.pk] = {
                article.number: article
                for article in Article.objects.filter(version=version).select_related(
                    "version__law"
                )
            }
        return self._articles[version.pk].get(number)

    def _policies(self) -> list[Law]:
        return [law for law in self._load_laws().values() if law.is_policy]

    def resolve(self, text: str) -> list[Article]:
        articles: list[Article] = []
        for part in self.resolve_parts(text):
            if part.article not in articles:
                articles.append(part.article)
        return articles

    def resolve_parts(self, text: str) -> list[CitedPart]:
        citations = citation_parse(text)
        if not citations:
            raise CitationError([CITATION_EMPTY])
        laws = self._load_laws()
        errors: list[str] = []
        parts: list[CitedPart] = []
        for citation in citations:
            if isinstance(citation, PolicyCitation):
                law = policy_find(citation.law, self._policies(), errors)
            else:
                law = laws.get(citation.law)
                if law is None and citation.bracket:
                    law = laws.get(f"{citation.law}（{citation.bracket}）")
                    if law is not None:
                        citation = dataclasses.replace(citation, law=law.short_title, version=None)
                if law is not None and law.is_policy:
                    example = f"《{law.short_title}》{unit_label((2, 1, 1, 0))}"
                    errors.append(POLICY_CITED_BY_ARTICLE % {"law": law.title, "example": example})
                    continue
            if law is None:
                if not isinstance(citation, PolicyCitation):
                    errors.append(LAW_UNKNOWN % {"law": citation.law})
                continue
            version = _version_pick(citation, law, self._versions.get(law.pk, []), errors)
            if version is None:
                continue
            article = self._article(version, citation.number)
            if article is None:
                name = (
                    citation.law if version.is_current else f"{citation.law}（{citation.version}）"
                )
                errors.append(ARTICLE_UNKNOWN % {"law": name, "label": citation.label})
            elif problem := part_problem(article, citation.paragraph, citation.item):
                errors.append(problem)
            else:
                part = CitedPart(article, citation.paragraph, citation.item)
                if part not in parts:
                    parts.append(part)
        if errors:
            raise CitationError(errors)
        return parts


def _version_pick(
    citation: Citation, law: Law, versions: list[LawVersion], errors: list[str]
) -> LawVersion | None:
    if citation.version is None:
        current = [version for version in versions if version.is_current]
        if not current:
            errors.append(VERSION_UNKNOWN % {"law": citation.law, "version": _("现行")})
            return None
        return current[0]
    if "-" in citation.version:
        try:
            wanted_date = datetime.date.fromisoformat(
                "-".join(part.zfill(2) for part in citation.version.split("-"))
            )
        except ValueError:
            wanted_date = None
        matches = [version for version in versions if version.version_date == wanted_date]
    else:
        matches = [
            version for version in versions if version.version_date.year == int(citation.version)
        ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        errors.append(
            VERSION_AMBIGUOUS
            % {
                "law": citation.law,
                "version": citation.version,
                "example": f"{matches[0].version_date:%Y-%m-%d}",
            }
        )
    else:
        errors.append(VERSION_UNKNOWN % {"law": citation.law, "version": citation.version})
    return None


def citation_format(article: Article, paragraph: int | None = None, item: int | None = None) -> str:
    """Canonical citation: ``行政许可法第四十二条``, ``行政复议法（2017）第九条`` if not current,
    with its part: ``行政处罚法第三十二条第一款第（二）项``.

    The year alone names the version unless the law has two versions in that year; then the
    full date is written.
    """
    version = article.version
    law = version.law
    name = f"《{law.short_title}》" if law.is_policy else law.short_title
    part = part_label(paragraph, item)
    if version.is_current:
        return f"{name}{article.label}{part}"
    same_year = law.versions.filter(version_date__year=version.version_date.year).count()
    stamp = f"{version.version_date:%Y}" if same_year == 1 else f"{version.version_date:%Y-%m-%d}"
    return f"{name}（{stamp}）{article.label}{part}"


# --- policy documents: parts, sections, items --------------------------------------------
#
# ``《市政府依法行政实施方案》二（一）1`` (canonical, written by ``citation_format``) and the
# forms people write: without 《》, a shorter name that ends the title (``实施方案``,
# ``依法行政实施方案``, ``本市依法行政实施方案``), the unit as ``二(一)1``, ``二、（一）1、``,
# ``第二部分第（一）项第1点``, ``第二部分（一）第一点``, sub-items ``二（一）1（3）``, a version
# ``《…》（2006）二（一）1``; and ``二（一）1、2``, ``…、（二）3`` continuing the one before.

#: ``二、（一）`` (part, section) and ``1、（1）`` (item, sub-item): this 、 joins the parts of
#: one label and separates nothing; in ``1、（二）2`` it separates two items.
POLICY_LABEL_JOIN_RE = re.compile(
    r"(?<=[一二三四五六七八九十])、(?=[（(][一二三四五六七八九十])|(?<=\d)、(?=[（(]\d)"
)
POLICY_VERSION_RE = re.compile(r"^[（(](?P<version>\d{4}(?:-\d{1,2}-\d{1,2})?)[)）]")
POLICY_NAME_PREFIXES = ("本市", "本")
POLICY_NAME_MIN_LENGTH = 4  # "实施方案"; a shorter ending ("方案") names nothing


@dataclass(frozen=True)
class PolicyCitation:
    """A unit of a policy document; ``law`` is the document's name as written."""

    law: str
    path: UnitPath
    version: str | None = None
    source: str = ""
    paragraph: None = None  # a unit has no 款 / 项 of its own
    item: None = None

    @property
    def number(self) -> int:
        return unit_number(self.path)

    @property
    def label(self) -> str:
        return unit_label(self.path)


def policy_citation_parse(
    piece: str, *, source: str = "", previous: PolicyCitation | None = None
) -> PolicyCitation | None:
    """Read one citation of a policy unit (whitespace removed), or ``None`` if it is not one.

    The document's name is the shortest beginning of ``piece`` after which a unit follows;
    without a name the unit continues ``previous`` (same document, part and section).
    """
    if piece.startswith("《"):
        name, sep, rest = piece[1:].partition("》")
        splits = [(name, rest)] if sep else []
    else:
        splits = [(piece[:i], piece[i:]) for i in range(len(piece))]
    for name, rest in splits:
        version = None
        if match := POLICY_VERSION_RE.match(rest):
            version, rest = match["version"], rest[match.end() :]
        continued = previous if not name else None
        path = unit_citation_parse(rest, previous=continued.path if continued else None)
        if path is None:
            continue
        if not name and previous is not None:
            return PolicyCitation(
                law=previous.law, path=path, version=version or previous.version, source=source
            )
        return PolicyCitation(law=name, path=path, version=version, source=source)
    return None


def policy_find(name: str, policies: list[Law], errors: list[str]) -> Law | None:
    """The policy document ``name`` means: its title or short title, or else the one document
    whose title ends with ``name`` (``本市`` / ``本`` left off)."""
    for policy in policies:
        if name in (policy.title, policy.short_title):
            return policy
    bare = name
    for prefix in POLICY_NAME_PREFIXES:
        if bare.startswith(prefix) and len(bare) - len(prefix) >= POLICY_NAME_MIN_LENGTH:
            bare = bare.removeprefix(prefix)
            break
    matches = (
        [policy for policy in policies if policy.title.endswith(bare)]
        if len(bare) >= POLICY_NAME_MIN_LENGTH
        else []
    )
    if len(matches) == 1:
        return matches[0]
    if matches:
        titles = "、".join(f"《{policy.title}》" for policy in matches)
        errors.append(POLICY_AMBIGUOUS % {"name": name, "titles": titles})
    else:
        errors.append(LAW_UNKNOWN % {"law": name})
    return None
