"""With English chosen, no message the platform shows is left in Chinese.

Three nets: (a) every Chinese string literal in the apps' code is either wrapped in a
translation call or explicitly listed below as data (file syntax, law titles, parsing
patterns) with the reason; (b) every lazy message constant of the apps, rendered in English,
has no Chinese left; (c) real paths (starting an exam too early, saving too late, importing
broken question files and a broken candidates sheet) show English messages.
"""

import ast
import fnmatch
import importlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise

from tests.exams import conftest as exam_fixtures

# The exam fixtures (a law library, a bank, a blueprint, an open session, the org tree).
law_library = exam_fixtures.law_library
exam_bank = exam_fixtures.exam_bank
blueprint = exam_fixtures.blueprint
org = exam_fixtures.org
open_session = exam_fixtures.open_session

ROOT = Path(settings.BASE_DIR)
APPS = ("cms", "learning", "exams", "certification")
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# What a reader of English should not see: Han characters and CJK punctuation (、。“”（）：；).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
# Quoted text in an English message is what the reader types or what their file says (the
# roster's "是"/"否", a Word list's "答案：" line, a law's 《title》): it stays as it is.
QUOTED = re.compile(r'"[^"]*"|《[^》]*》')


def chinese_left(text: str) -> bool:
    return bool(CJK.search(QUOTED.sub("", str(text))))


TRANSLATION_CALLS = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "pgettext",
    "pgettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "npgettext",
    "npgettext_lazy",
    "format_lazy",  # its first argument is a translated pattern
}

# Chinese literals that are data, not messages: what files, people and laws write, which the
# platform must read and write as they are in every language. Keyed "<file>::<name>", the
# module-level name the literal is assigned to or the function it sits in.
DATA = {
    # Spreadsheet column headers and their accepted spellings: the files' own syntax.
    "cms/people/roster.py::COL_*": "the roster template's column headers",
    "cms/people/roster.py::ROSTER_COLUMNS": "other names offices give the roster's columns",
    "cms/people/roster.py::YES": "是/否 cells of the roster",
    "cms/people/roster.py::COLUMN_DOCS": "the template's sample row (a name, a rank)",
    "cms/people/roster.py::roster_template_xlsx": "the template's sheet names",
    "learning/training_sheet.py::COL_*": "the training sheet's column headers",
    "learning/training_sheet.py::TRAINING_COLUMNS": "other names of the training columns",
    "learning/training_sheet.py::KIND_BY_LABEL": "category words written in the sheet's cells",
    "learning/training_sheet.py::training_template_xlsx": "the template's sample row and sheets",
    "exams/services/sessions.py::COL_*": "the candidates sheet's column headers",
    "exams/services/sessions.py::CANDIDATE_SHEET_COLUMNS": "other names of the candidates columns",
    "exams/formats/session_sheets.py::*": "the candidates template's sheet name and sample row",
    "exams/formats/spreadsheet.py::*COLUMNS": "the question-bank template's column headers",
    "exams/formats/spreadsheet.py::*_LABEL*": "kind labels written in the 题型 column",
    "exams/formats/spreadsheet.py::WIDTHS": "the template's column headers",
    "exams/formats/spreadsheet.py::_parse_row": "cells read by their column headers",
    "exams/formats/spreadsheet.py::_export_row": "cells written under their column headers",
    "exams/formats/spreadsheet.py::_xlsx": "the exported sheet's name",
    "exams/formats/spreadsheet.py::template_workbook": "the template's headers and sample rows",
    "exams/formats/text.py::KIND_LABELS": "kind labels typed in question files (单选题, 判断)",
    "exams/formats/text.py::*_WORDS": "true/false answers typed in question files (对, 错)",
    "exams/formats/wordlist.py::KIND_NAMES": "the kind headings a Word list is written with",
    "exams/formats/wordlist.py::*KEY*": "the keys of a Word list's lines (答案：, 解析：)",
    "exams/formats/wordlist.py::*_CN*": "Chinese numerals of question numbers",
    "exams/formats/wordlist.py::*chinese*": "Chinese numerals of question numbers",
    "exams/formats/wordlist.py::_heading": "the headings of a Word list (…题)",
    "exams/formats/wordlist.py::_export_question": "a Word list's syntax, written on export",
    "exams/formats/wordlist.py::INDEFINITE_NAME": "a heading word of Word question lists",
    "exams/formats/wordlist.py::_CN": "Chinese numerals of question numbers",
    "exams/formats/wordlist.py::PICTURE_IN_TEXT": "the picture marker written into a stem",
    "exams/formats/moodle.py::DIFFICULTY_TAG": "Moodle tag names the platform reads back",
    "exams/formats/moodle.py::CITATION_TAG": "Moodle tag names the platform reads back",
    "exams/formats/moodle.py::DEFAULT_CRITERION": "a rubric criterion stored with the question",
    "exams/formats/moodle_xml.py::MODEL_ANSWER_HEADING": "graderinfo headings read back on import",
    "exams/formats/moodle_xml.py::RUBRIC_HEADING": "graderinfo headings read back on import",
    "exams/formats/moodle_xml.py::KIND_TAG": "Moodle tag names the platform reads back",
    "exams/formats/moodle_xml.py::CASE_ANALYSIS_TAG": "Moodle tag names the platform reads back",
    "exams/services/questions.py::_PART_RE": "a citation pattern (第…款, 第…项)",
    "exams/services/questions.py::UNSORTED_TOPIC": "the topic row created for unsorted questions",
    "exams/services/question_images.py::COLLECTION_NAME": "the image collection's stored name",
    # The law library: titles, numbering and citations are the laws' own words.
    "cms/laws/*": "law titles, article numbering (第…条, 款, 项) and citation syntax",
    "cms/courses/services.py::COURSE_*": "the workflow's and task's stored names",
    "cms/people/models.py::*": "role group names stored in the database",
    "exams/article_suggestions.py::*": "stop words of question stems",
    "exams/services/topics.py::*": "the seeded topic tree's names",
    "exams/forms.py::_initial_from": "true/false option texts (对/错) stored with the question",
    "exams/forms.py::preview_version": "true/false option texts (对/错) stored with the question",
    "exams/forms.py::_check_soundness": "matches the soundness rule's Chinese source text",
    "exams/services/questions.py::_options_json": "true/false option texts stored",
    "exams/services/questions.py::_parsed_fingerprint": "true/false option texts stored",
    "cms/people/admin_views.py::TEMPLATE_FILENAME": "the template's file name offices file",
    "learning/admin_views.py::TEMPLATE_FILENAME": "the template's file name offices file",
    "certification/views_hr.py::hr_appointment_pdf": "the PDF's file name offices file",
    # Operators' command-line tools (run on the server, in its language).
    "cms/courses/management/*": "command-line output",
    "cms/people/management/*": "command-line output",
    "learning/management/*": "command-line output",
    "certification/management/*": "command-line output",
}


def _python_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or "demo" in rel or rel.startswith("cms/settings/"):
                continue
            yield rel, path


def _call_name(node) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_regex_call(node) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "re"
    )


def _allowed(rel: str, owner: str) -> bool:
    for key in DATA:
        file, _, name = key.partition("::")
        if file.endswith("/*"):
            if rel.startswith(file[:-1]):
                return True
            continue
        if file != rel:
            continue
        if fnmatch.fnmatchcase(owner, name):
            return True
    return False


def unwrapped_chinese_literals() -> list[str]:
    """Chinese string literals outside translation calls, docstrings, regular expressions and
    the data list above: ``file:line: text``."""
    found = []
    for rel, path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                parents[child] = node
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            if not HAN.search(node.value):
                continue
            chain, owner, parent = [], "", parents.get(node)
            while parent is not None:
                chain.append(parent)
                parent = parents.get(parent)
            first = parents.get(node)
            if isinstance(first, ast.Expr) and isinstance(
                parents.get(first), ast.Module | ast.ClassDef | ast.FunctionDef
            ):
                continue  # a docstring or a bare string: never shown
            wrapped = any(
                isinstance(p, ast.Call) and _call_name(p.func) in TRANSLATION_CALLS for p in chain
            )
            if wrapped or any(_is_regex_call(p) for p in chain):
                continue
            for p in chain:
                if isinstance(p, ast.FunctionDef | ast.AsyncFunctionDef):
                    owner = p.name
                if isinstance(parents.get(p), ast.Module):
                    if isinstance(p, ast.Assign | ast.AnnAssign):
                        targets = p.targets if isinstance(p, ast.Assign) else [p.target]
                        names = [
                            n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)
                        ]
                        owner = names[0] if names else owner
                    elif isinstance(p, ast.FunctionDef | ast.ClassDef):
                        owner = owner or p.name
                    break
            if not _allowed(rel, owner):
                found.append(f"{rel}:{node.lineno} ({owner}): {node.value[:60]!r}")
    return found


def test_every_chinese_literal_is_translated_or_listed_as_data():
    assert unwrapped_chinese_literals() == []


# --- (b) every message constant, rendered in English ------------------------------------------


def _modules():
    for rel, _path in _python_files():
        if "/management/" in rel:
            continue
        name = rel[:-3].replace("/", ".").removesuffix(".__init__")
        yield name, importlib.import_module(name)


def _noop_names(module) -> set[str]:
    """Module-level names assigned ``gettext_noop(...)``: stored as Chinese, shown through
    ``gettext`` where they are displayed."""
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    return {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and _call_name(node.value.func) == "gettext_noop"
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _lazy_values(value):
    if isinstance(value, Promise):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _lazy_values(item)
    elif isinstance(value, list | tuple | frozenset | set):
        for item in value:
            yield from _lazy_values(item)


def english_constants_left_in_chinese() -> list[str]:
    left = []
    with translation.override("en"):
        for name, module in _modules():
            noop = _noop_names(module)
            for attr, value in vars(module).items():
                if getattr(value, "__module__", name) != name and not isinstance(value, Promise):
                    continue  # imported classes and functions are checked where they live
                shown = [str(v) for v in _lazy_values(value)]
                if attr in noop:
                    shown.append(translation.gettext(value))
                left += [f"{name}.{attr}: {text[:60]!r}" for text in shown if chinese_left(text)]
    return left


def test_every_message_constant_is_english_when_english_is_chosen():
    assert english_constants_left_in_chinese() == []


# --- (c) what people see on real paths ---------------------------------------------------------

EN = {settings.LANGUAGE_COOKIE_NAME: "en"}


def _no_chinese(texts) -> list[str]:
    texts = [str(t) for t in texts]
    assert texts, "nothing was shown"
    return [t for t in texts if chinese_left(t)]


@pytest.fixture
def english(client):
    client.cookies.load(EN)
    return client


@pytest.mark.django_db
def test_starting_an_exam_before_it_opens_is_refused_in_english(english, open_session, org):
    from exams.services.attempts import ERR_NOT_OPEN
    from tests.factories import UserFactory

    person = UserFactory(org_unit=org.departments[org.districts[0].code][0])
    open_session.opens_at = timezone.now() + timedelta(days=1)
    open_session.closes_at = timezone.now() + timedelta(days=2)
    open_session.save()
    english.force_login(person)
    url = reverse("exams:session", args=[open_session.pk])
    page = english.get(url).content.decode()
    response = english.post(url, follow=True)
    shown = [str(m) for m in response.context["messages"]]
    with translation.override("en"):
        expected = str(ERR_NOT_OPEN)
    assert expected in page
    assert shown == [expected]
    assert _no_chinese(shown) == []


@pytest.mark.django_db
def test_a_save_after_the_deadline_is_refused_in_english(english, open_session, org):
    import time_machine

    from exams.services import attempt_start
    from exams.tokens import token_for
    from tests.factories import UserFactory

    person = UserFactory(org_unit=org.departments[org.districts[0].code][0])
    attempt = attempt_start(session=open_session, user=person)
    token = token_for(
        attempt_id=attempt.pk, user_id=attempt.user_id, deadline=attempt.deadline, writer=1
    )
    late = attempt.deadline + timedelta(seconds=settings.EXAM_NETWORK_GRACE_SECONDS + 1)
    with time_machine.travel(late, tick=False):
        response = english.post(
            reverse("exams:answer_save", args=[attempt.pk]),
            '{"position": 1, "seq": 1, "selected": [1]}',
            content_type="application/json",
            HTTP_X_ATTEMPT_TOKEN=token,
        )
    assert response.status_code in (403, 409)
    assert response.json()["ok"] is False
    assert _no_chinese([response.json()["error"]]) == []


def _report_lines(report) -> list[str]:
    lines = report.errors + report.warnings + report.skipped + report.not_kept
    return [f"{line.position}: {line.message}" for line in lines]


BROKEN_FILES = [
    # (what it is, file name, content): every value in them is ASCII, so any Chinese shown is
    # the platform's.
    (
        "a csv with a bad row",
        "bank.csv",
        "题型,题干,选项A,选项B,答案,难度,知识点,法条\n单选,Which one?,Yes,No,A,9,Topic,\n".encode(),
    ),
    (
        "a GIFT question with an unclosed answer block",
        "bank.gift",
        b"::Q1:: Which one? {=Yes ~No\n",
    ),
    ("a GIFT line with a second answer block", "bank.txt", b"::Q1:: A {=Yes ~No} and {=B ~C}\n"),
    ("a docx that is no Word file", "bank.docx", b"PK\x03\x04 not really a zip"),
    ("an Aiken question without its answer", "bank.txt", b"Which one?\nA. Yes\nB. No\n\nNext?\n"),
    (
        "a Moodle XML file that is not a quiz",
        "bank.xml",
        b'<?xml version="1.0" encoding="UTF-8"?><root/>',
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filename", "content"), [f[1:] for f in BROKEN_FILES], ids=[f[0] for f in BROKEN_FILES]
)
def test_a_broken_question_file_is_reported_in_english(filename, content):
    from exams.services.questions import questions_import

    with translation.override("en"):
        report = questions_import(data=content, filename=filename, dry_run=True)
        shown = _report_lines(report)
    assert report.errors
    assert _no_chinese(shown) == []


@pytest.mark.django_db
def test_a_bad_candidates_sheet_is_reported_in_english(open_session, org):
    from exams.services.sessions import candidates_import

    content = "工号,延长时间（分钟）,增加次数\nNOBODY,abc,1\nNOBODY,5,99\n".encode()
    with translation.override("en"):
        result = candidates_import(
            session=open_session, data=content, filename="candidates.csv", actor=None
        )
        # The column names are the sheet's own headers (its syntax): the rest is the platform's.
        shown = [str(error).replace(error.column, "") for error in result.errors]
    assert len(result.errors) >= 3
    assert _no_chinese(shown) == []
