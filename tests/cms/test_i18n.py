"""Simplified Chinese by default; the English translation is complete and compiled."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

PO = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _po_entries(text: str) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for each entry; plural forms are checked on msgstr[0]."""
    entries = []
    for block in re.split(r"\n\s*\n", text):
        fuzzy = "#, fuzzy" in block or bool(re.search(r"^#,.*fuzzy", block, re.M))
        msgid = _joined(block, "msgid")
        msgstr = _joined(block, "msgstr") if 'msgstr "' in block else _joined(block, r"msgstr\[0\]")
        if msgid is not None and msgid != "":
            entries.append((msgid, msgstr or "", fuzzy))
    return entries


def _joined(block: str, keyword: str) -> str | None:
    match = re.search(rf"^{keyword} (\"(?:[^\"\\]|\\.)*\"(?:\n\"(?:[^\"\\]|\\.)*\")*)", block, re.M)
    if not match:
        return None
    raw = "".join(re.findall(r"\"((?:[^\"\\]|\\.)*)\"", match.group(1)))
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), raw)


def test_every_message_has_an_english_translation():
    entries = _po_entries(PO.read_text(encoding="utf-8"))
    assert len(entries) > 200
    missing = [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy]
    assert missing == []


def test_compiled_catalogue_matches_the_po_file():
    catalogue = gettext.GNUTranslations(MO.open("rb"))
    for msgid, msgstr, _fuzzy in _po_entries(PO.read_text(encoding="utf-8"))[:400]:
        assert catalogue.gettext(msgid) == msgstr, msgid


@pytest.mark.django_db
def test_chinese_by_default_and_english_on_request(client):
    page = client.get("/laws/")
    assert '<html lang="zh-CN">' in page.content.decode()
    assert "法律法规库" in page.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/laws/")
    assert '<html lang="en">' in page.content.decode()
    assert "Law library" in page.content.decode()


@pytest.mark.django_db
def test_an_english_browser_still_gets_chinese_until_the_switch_is_used(client):
    page = client.get("/laws/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="zh-CN">' in page.content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/laws/"})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/laws/").content.decode()
