"""Demo question bank: about 400 questions written from the real law texts (exams/demo_data/)."""

from pathlib import Path

from .services import questions_import

DEMO_DIR = Path(__file__).resolve().parent / "demo_data"
DEMO_FILES = ["questions_part1.csv", "questions_part2.csv"]


class DemoBankError(RuntimeError):
    pass


def demo_load(*, stdout) -> None:
    """Import the demo bank; questions already present are skipped, so a re-run adds nothing."""
    for name in DEMO_FILES:
        path = DEMO_DIR / name
        report = questions_import(data=path.read_bytes(), filename=name, skip_duplicates=True)
        if report.errors:
            details = "; ".join(f"{e.position}: {e.message}" for e in report.errors[:5])
            raise DemoBankError(f"{name}: {report.summary}: {details}")
        stdout.write(f"{name}: {report.summary}\n")
