"""Run one import on one file in a fresh process and print what it cost, as JSON.

    python -m tests.upload_probe <path> <importer> [<importer> ...]

Importers: roster, training, candidates, questions (the four upload services, in dry-run
mode) and table (the shared reader alone, also the reference for a valid file: it needs no
database). A refused file never reaches the database, so the services run on the empty
in-memory test database; one that was not refused fails there, which shows in "error".
Peak memory: before each importer the process's peak resident size is reset to its current
size (Linux: "5" to /proc/self/clear_refs), so that the peak afterwards (VmHWM, the figure
``ru_maxrss`` reports, see ``_peak_mb``) is that of that import alone; the growth is that peak less the resident size before it (Django set up,
pandas and openpyxl imported, the file read into memory as an upload would be). Where the
reset is not allowed, the growth is over the start-up peak, so it can only read low there:
"peak_reset" says which.
"""

from __future__ import annotations

import io
import json
import os
import resource
import sys
import time


def _importers():
    from cms import spreadsheets
    from cms.people.services import roster_import
    from exams.models import ExamSession
    from exams.services.questions import questions_import
    from exams.services.sessions import candidates_import
    from learning.services import offline_training_import

    def messages(errors) -> list[str]:
        return [getattr(e, "message", str(e)) for e in errors]

    def table(data: bytes, name: str):
        try:
            frame = spreadsheets.read_table(data, name)
        except spreadsheets.SpreadsheetFileError as exc:
            return [str(exc)]
        return [f"read {len(frame)} rows"]

    return {
        "table": table,
        "roster": lambda data, name: messages(
            roster_import(file=io.BytesIO(data), filename=name, dry_run=True).errors
        ),
        "training": lambda data, name: messages(
            offline_training_import(file=io.BytesIO(data), filename=name, dry_run=True).errors
        ),
        "candidates": lambda data, name: messages(
            candidates_import(
                session=ExamSession(), data=data, filename=name, actor=None, dry_run=True
            ).errors
        ),
        "questions": lambda data, name: messages(
            questions_import(data=data, filename=name, dry_run=True).errors
        ),
    }


def _status_mb(field: str) -> float | None:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return None


def _peak_mb() -> float:
    """This process's own peak resident size (VmHWM, what ``ru_maxrss`` reports for it).

    ``ru_maxrss`` itself is not used where /proc is there: after fork and exec it is at least
    the peak of the parent's memory at the fork (the kernel carries the old image's peak
    over), so under a 700 MB pytest process every probe would start at 700 MB.
    """
    peak = _status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _resident_mb() -> float:
    resident = _status_mb("VmRSS")
    return resident if resident is not None else _peak_mb()


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    import django

    django.setup()
    import openpyxl  # noqa: F401  (start-up cost, not the file's)
    import pandas  # noqa: F401

    path, names = argv[0], argv[1:]
    importers = _importers()
    with open(path, "rb") as handle:
        data = handle.read()
    filename = os.path.basename(path)
    results = []
    for name in names:
        reset = _reset_peak()
        before = _resident_mb() if reset else _peak_mb()
        start = time.perf_counter()
        try:
            messages, error = importers[name](data, filename), None
        except Exception as exc:  # reported, so that the caller sees what went wrong
            messages, error = [], f"{type(exc).__name__}: {exc}"
        results.append(
            {
                "importer": name,
                "seconds": round(time.perf_counter() - start, 3),
                "peak_growth_mb": round(max(0.0, _peak_mb() - before), 1),
                "peak_mb": round(_peak_mb(), 1),
                "peak_reset": reset,
                "messages": messages[:3],
                "error": error,
            }
        )
    json.dump(results, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1:])
