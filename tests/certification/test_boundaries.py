"""Certification reaches the exam app only through its public surface: ``exams.api``,
``exams.data`` (plain dataclasses and enums) and ``exams.signals``; never its models,
selectors or services. Read from the source, so a new module is covered as it is added."""

from __future__ import annotations

import ast
from pathlib import Path

import certification
from exams import data
from exams.models import ExamKind as ExamKindChoices

ALLOWED = {"exams.api", "exams.data", "exams.signals"}
ROOT = Path(certification.__file__).parent


def _exam_imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "exams":
                found += [(node.lineno, f"exams.{alias.name}") for alias in node.names]
            elif node.module.startswith("exams."):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, alias.name)
                for alias in node.names
                if alias.name == "exams" or alias.name.startswith("exams.")
            ]
    return found


def test_certification_imports_only_the_exam_apps_public_surface():
    modules = [p for p in ROOT.rglob("*.py") if "migrations" not in p.parts]
    assert len(modules) > 20  # the walk found the package
    offending = [
        f"{path.relative_to(ROOT.parent)}:{line} {name}"
        for path in modules
        for line, name in _exam_imports(path)
        if name not in ALLOWED
    ]
    assert offending == []


def test_the_check_itself_sees_a_models_import(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from exams.models import ExamKind\nfrom exams import selectors\nimport exams.services\n"
        "from exams.api import sittings\n",
        encoding="utf-8",
    )
    names = [name for _line, name in _exam_imports(probe)]
    assert [n for n in names if n not in ALLOWED] == [
        "exams.models",
        "exams.selectors",
        "exams.services",
    ]


def test_exam_kinds_have_one_source_of_truth():
    assert [k.value for k in data.ExamKind] == [c.value for c in ExamKindChoices]
    assert [k.name for k in data.ExamKind] == [c.name for c in ExamKindChoices]


def test_exams_data_imports_only_the_standard_library():
    tree = ast.parse(Path(data.__file__).read_text(encoding="utf-8"))
    modules = {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    } | {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert modules <= {"__future__", "datetime", "enum", "dataclasses", "decimal"}
