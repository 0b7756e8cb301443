"""Learner templates use the site's own classes: no Wagtail admin classes (``w-…``) outside the
admin's templates, and every table marked as cards names its columns on its cells."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("cms", "learning", "exams", "certification")
SITE_CSS = ROOT / "cms" / "static" / "css" / "site.css"

CLASS_ATTR = re.compile(r"""\bclass\s*=\s*(["'])(.*?)\1""", re.S)
TEMPLATE_CODE = re.compile(r"{%.*?%}|{{.*?}}", re.S)


def _is_admin(path: Path) -> bool:
    """Templates the Wagtail admin renders: they live in an ``admin`` folder (or Wagtail's own)."""
    parts = path.relative_to(ROOT).parts
    return any(part == "admin" or part.startswith("wagtail") for part in parts)


def learner_templates() -> list[Path]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("templates/**/*.html")):
            if not _is_admin(path):
                found.append(path)
    return found


def class_tokens(source: str) -> list[str]:
    tokens = []
    for match in CLASS_ATTR.finditer(source):
        tokens.extend(TEMPLATE_CODE.sub(" ", match.group(2)).split())
    return tokens


def wagtail_admin_classes(source: str) -> list[str]:
    return [token for token in class_tokens(source) if token.startswith("w-")]


def test_the_scan_finds_learner_templates_and_admin_classes():
    paths = {p.relative_to(ROOT).as_posix() for p in learner_templates()}
    assert "exams/templates/exams/attempt_detail.html" in paths
    assert "learning/templates/learning/my_learning.html" in paths
    assert not any("/admin/" in p for p in paths)
    # The scanner itself: it sees a w- class among others, through template code, and in
    # single quotes; it does not take a word that merely contains "w-" (law-quote).
    assert wagtail_admin_classes('<h2 class="a w-sr-only {% if x %}b{% endif %}">') == ["w-sr-only"]
    assert wagtail_admin_classes("<p class='w-panel'>") == ["w-panel"]
    assert wagtail_admin_classes('<div class="law-quote {{ css }}">') == []


@pytest.mark.parametrize("path", learner_templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_learner_template_uses_no_wagtail_admin_class(path):
    used = wagtail_admin_classes(path.read_text(encoding="utf-8"))
    assert not used, (
        f"{path.relative_to(ROOT)} uses Wagtail admin classes {used}: use the site's own"
    )


def test_site_css_defines_the_shared_classes():
    css = SITE_CSS.read_text(encoding="utf-8")
    assert re.search(r"^\.visually-hidden\s*{", css, re.M)
    phone = css.split("@media (max-width: 600px)")
    assert any("table.table-cards td[data-label]::before" in block for block in phone[1:])


TABLE = re.compile(r"<table\b[^>]*>.*?</table>", re.S)
ROW = re.compile(r"<tr\b.*?</tr>", re.S)
CELL = re.compile(r"<td\b[^>]*>")


def _unlabelled_cells(table: str) -> list[str]:
    """Cells of a card table that would show no column name: every <td> needs data-label, except
    one spanning the row (colspan) or one beside a row header (<th scope="row"> is its name)."""
    missing = []
    for row in ROW.findall(table):
        row_header = 'scope="row"' in row
        for cell in CELL.findall(row):
            if "data-label=" in cell or "colspan" in cell or row_header:
                continue
            missing.append(cell)
    return missing


def test_the_label_check_catches_a_missing_label():
    table = '<table class="table-cards"><tr><td data-label="a">1</td><td>2</td></tr></table>'
    assert _unlabelled_cells(table) == ["<td>"]


@pytest.mark.parametrize("path", learner_templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_card_tables_label_every_cell(path):
    source = path.read_text(encoding="utf-8")
    for table in TABLE.findall(source):
        opening = table[: table.index(">") + 1]
        if "table-cards" not in class_tokens(opening):
            continue
        assert not _unlabelled_cells(table), (
            f"{path.relative_to(ROOT)}: a card table's cell has no data-label"
        )
        for label in re.findall(r'data-label="([^"]*)"', table):
            assert label.startswith("{% translate ") or label.startswith("{% trans "), (
                f"{path.relative_to(ROOT)}: data-label {label!r} is not translated"
            )
