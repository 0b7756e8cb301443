"""Hostile uploads against a normal one: refusal time and peak memory of each, in fresh
processes (``tests/upload_probe.py``), printed. Run by ``make bench``.

The reference is a valid 10,000-row roster read by the same shared reader (the parse an
import does before its database checks); the hostile files go through all four upload
services. Peak growth is ``ru_maxrss`` over the process's own peak after start-up.
"""

import json
import subprocess
import sys
from pathlib import Path

from tests import bombs

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["roster", "training", "candidates", "questions"]


def _probe(path: Path, importers: list[str]) -> list[dict]:
    completed = subprocess.run(
        [sys.executable, "-m", "tests.upload_probe", str(path), *importers],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(completed.stdout)


def test_bench_upload_bombs(tmp_path):
    bomb = bombs.zip_bomb()
    files = {
        "reference: valid roster, 10,000 rows": (bombs.roster_xlsx(10_000), ["table"]),
        "zip bomb (inflates to 300 MB)": (bomb, ["table", *SERVICES]),
        "zip bomb, directory lying about sizes": (bombs.lying_zip_bomb(bomb), ["table"]),
        "1,000,000-row roster": (bombs.million_rows(), ["table", *SERVICES]),
        "1,000,000 compact rows (passes size checks)": (
            bombs.million_compact_rows(),
            ["table", *SERVICES],
        ),
        "cell in column XFD": (bombs.far_column(), ["table"]),
    }
    print()
    for label, (data, importers) in files.items():
        path = tmp_path / "upload.xlsx"
        path.write_bytes(data)
        results = _probe(path, importers)
        inflated = bombs.inflated_size(data) / 1024 / 1024
        print(f"BENCH {label}: {len(data) / 1024 / 1024:.2f} MB, declares {inflated:.0f} MB")
        for r in results:
            outcome = r["error"] or (r["messages"][0] if r["messages"] else "accepted")
            print(
                f"BENCH   {r['importer']:<10} {r['seconds']:7.3f} s  "
                f"peak +{r['peak_growth_mb']:6.1f} MB (process {r['peak_mb']:.0f} MB)  {outcome}"
            )
