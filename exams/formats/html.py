"""Sanitising HTML from outside (Moodle XML, GIFT ``[html]``) and turning it into plain text.

Question text from another system is untrusted: only simple formatting survives, and of the
attributes only a link's ``href`` (absolute http, https, mailto), an image's ``src`` / ``alt`` /
``width`` / ``height``, where the image is the question's own (Moodle's ``@@PLUGINFILE@@/<name>``,
or the bank's image view it is rewritten to on import), so no script, style, event handler,
``javascript:`` link or outside tracking image (which would tell another server who is sitting
the exam) can reach a candidate.
"""

import html
import re

import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "sub", "sup", "ul", "ol", "li", "span",
    "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt", "width", "height"}}
LINK_SCHEMES = {"http", "https", "mailto"}
PLUGINFILE = "@@PLUGINFILE@@/"
# Where a question's own images are: in the file (Moodle) and once imported (exams:question_image).
IMAGE_SOURCES = (PLUGINFILE, "/exams/question-images/")
# Dropped together with their content (the text of a script is not question text).
DROPPED_WITH_CONTENT = {"script", "style", "template", "noscript", "iframe", "object", "title"}

_TAG = re.compile(r"<[A-Za-z!/][^<>]*>")  # not across another "<": linear on hostile text
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
_A_WITHOUT_HREF = re.compile(r"<a(?![^>]*\shref=)[^>]*>(.*?)</a>", re.DOTALL)
_SIZE = re.compile(r"^\d{1,4}%?$")
_BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|li|div|h[1-6]|tr)\s*>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")

# Moodle's text formats, as GIFT writes them ("[html]") and as Moodle XML writes them.
TEXT_FORMATS = {
    "html": "html",
    "moodle": "moodle",
    "moodle_auto_format": "moodle",
    "plain": "plain",
    "plain_text": "plain",
    "markdown": "markdown",
    "wiki_like": "plain",
}


def sanitize_html(value: str) -> str:
    """Keep simple formatting only; text without markup or entities is returned unchanged."""
    if "<" not in value and "&" not in value:
        return value
    cleaned = nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes={"*": set(), **ALLOWED_ATTRIBUTES},  # "*": clears generic "title", "lang"
        attribute_filter=_attribute_filter,
        url_schemes=LINK_SCHEMES,
        strip_comments=True,
        link_rel="noopener noreferrer",
    )
    # An image without its picture or a link without its address is left as its text.
    cleaned = _IMG_WITHOUT_SRC.sub("", cleaned)
    return _A_WITHOUT_HREF.sub(r"\1", cleaned)


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        # Only absolute addresses: a relative link would point into this site's own pages.
        scheme = value.split(":", 1)[0].lower() if ":" in value else ""
        return value if scheme in LINK_SCHEMES else None
    if tag == "img" and attribute == "src":
        return value if value.startswith(IMAGE_SOURCES) and "//" not in value else None
    if tag == "img" and attribute in ("width", "height"):
        return value if _SIZE.match(value.strip()) else None
    return value


def looks_like_html(value: str) -> bool:
    """True when the text carries markup (exporters pick Moodle's html format by this)."""
    return bool(_TAG.search(value))


def html_to_text(value: str) -> str:
    """Plain text of an HTML fragment, for comparing stems and for previews."""
    if "<" not in value and "&" not in value:
        return value.strip()
    text = _BLOCK_END.sub("\n", value)
    text = nh3.clean(text, tags=set(), clean_content_tags=DROPPED_WITH_CONTENT)
    text = html.unescape(text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n", text).strip()


def rich_text_from_moodle(value: str, text_format: str) -> str:
    """Text of one Moodle field as we store it: sanitised HTML if markup survives, else plain.

    Moodle's html format without any tag is just text with entities, so it becomes plain text;
    Moodle's own auto-format renders tags and turns line breaks into ``<br>``; plain text and
    markdown are kept as they are (markdown is not rendered).
    """
    value = value.strip()
    kind = TEXT_FORMATS.get(text_format, "html")
    if kind == "html":
        cleaned = sanitize_html(value).strip()
        return cleaned if looks_like_html(cleaned) else html.unescape(cleaned)
    if kind == "moodle" and looks_like_html(value):
        return sanitize_html(value.replace("\r\n", "\n").replace("\n", "<br>")).strip()
    return value
