"""Autosave under load: 1,000 candidates saving answers against gunicorn + PostgreSQL.

One run starts a throwaway PostgreSQL cluster, migrates it, seeds candidates with started
attempts and logged-in sessions, serves the project with gunicorn (``tests.bench.settings``),
and drives it with locust: first the exam endpoint (``/exams/attempt/<id>/save``, attempt
token), then the same load against a plain session-authenticated save view for comparison.
After each run every acknowledged save is checked against the database (lost answers).

Knobs (environment): BENCH_USERS (1000), BENCH_DURATION (45 s), BENCH_WORKER_CLASS
(gthread), BENCH_WORKERS (2 × cores + 1), BENCH_THREADS (4, gthread only).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_BIN = Path(
    os.environ.get(
        "BENCH_PG_BIN",
        max(
            Path("/usr/lib/postgresql").glob("*/bin"),
            default=Path("/nonexistent"),
            key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        ),
    )
)
USERS = int(os.environ.get("BENCH_USERS", "1000"))
DURATION = int(os.environ.get("BENCH_DURATION", "45"))
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "gthread")
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(ordered: list[float], p: int) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def _as_postgres(*command: str) -> None:
    subprocess.run(
        ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(command)],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _stop(process: subprocess.Popen) -> None:
    """Stop a process we started (it leads its own process group) and its children."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


class Cluster:
    """A PostgreSQL cluster in a temp dir, owned by ``postgres``, on a private port."""

    def __init__(self):
        self.data = Path(tempfile.mkdtemp(prefix="bench-pg."))
        shutil.chown(self.data, "postgres")
        self.port = _free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/bench"

    def start(self) -> None:
        _as_postgres(
            f"{PG_BIN}/initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8"
        )
        options = (
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c max_connections=200"
        )
        _as_postgres(
            f"{PG_BIN}/pg_ctl",
            "-D",
            str(self.data),
            "-o",
            f"'{options}'",
            "-l",
            str(self.data / "log"),
            "-w",
            "start",
        )
        _as_postgres(f"{PG_BIN}/createdb", "-h", "127.0.0.1", "-p", str(self.port), "bench")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                [
                    "su",
                    "postgres",
                    "-s",
                    "/bin/sh",
                    "-c",
                    f"{PG_BIN}/pg_ctl -D {self.data} -m immediate -w stop",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        shutil.rmtree(self.data, ignore_errors=True)


class Bench:
    def __init__(self, stack: ExitStack, workdir: Path, database_url: str):
        self.stack = stack
        self.workdir = workdir
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.bench.settings",
            "DATABASE_URL": database_url,
            "PYTHONPATH": str(ROOT),
        }

    def python(self, *args: str, timeout: float = 900) -> str:
        done = subprocess.run(
            [str(BIN / "python"), *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise AssertionError(f"{args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done.stdout

    def spawn(self, name: str, *command: str, env: dict | None = None) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "w")  # noqa: SIM115 (closed by the stack)
        self.stack.callback(log.close)
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env or self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.stack.callback(_stop, process)
        return process

    def gunicorn(self) -> str:
        port = _free_port()
        command = [
            str(BIN / "gunicorn"),
            "cms.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            WORKER_CLASS,
            "--backlog",
            "4096",
        ]
        if WORKER_CLASS == "gthread":
            command += ["--threads", str(THREADS)]
        process = self.spawn("gunicorn", *command)
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/exams/attempt/0/save", timeout=2)
            except urllib.error.HTTPError as exc:
                if exc.code == 405:  # GET refused by require_POST: Django is serving
                    break
            except OSError:
                pass
            if process.poll() is not None or time.time() > deadline:
                raise AssertionError((self.workdir / "gunicorn.log").read_text()[-3000:])
            time.sleep(0.3)
        return base

    def locust(self, base: str, mode: str, credentials: Path) -> dict:
        acks = self.workdir / f"acks-{mode}.jsonl"
        stats = self.workdir / f"stats-{mode}.json"
        env = {
            **self.env,
            "AUTOSAVE_MODE": mode,
            "AUTOSAVE_CREDENTIALS": str(credentials),
            "AUTOSAVE_ACKS": str(acks),
            "AUTOSAVE_STATS": str(stats),
        }
        process = self.spawn(
            f"locust-{mode}",
            str(BIN / "locust"),
            "-f",
            str(ROOT / "tests/bench/autosave_locustfile.py"),
            "--headless",
            "--users",
            str(USERS),
            "--spawn-rate",
            str(USERS),
            "--run-time",
            f"{DURATION}s",
            "--host",
            base,
            "--only-summary",
            "--loglevel",
            "WARNING",
            env=env,
        )
        process.wait(timeout=DURATION + 120)
        measured = json.loads(stats.read_text())
        latencies = sorted(measured["latencies_ms"])
        verdict = json.loads(
            self.python("-m", "tests.bench.autosave_data", "verify", str(acks))
            .strip()
            .splitlines()[-1]
        )
        figures = {
            "requests": len(latencies),
            "errors": sum(measured["errors"].values()),
            "error_kinds": measured["errors"],
            "rps": len(latencies) / DURATION,
            **{f"p{p}": _percentile(latencies, p) for p in (50, 95, 99)},
            **verdict,
        }
        figures["saves_per_s"] = figures["acknowledged"] / DURATION
        server = f"gunicorn {WORKER_CLASS} {WORKERS} workers" + (
            f" x {THREADS} threads" if WORKER_CLASS == "gthread" else ""
        )
        print(
            f"BENCH autosave [{mode}] {USERS} users, {DURATION} s, {server}: "
            f"{figures['saves_per_s']:.0f} acknowledged saves/s "
            f"({figures['requests']} requests, {figures['rps']:.0f}/s), "
            f"latency p50 {figures['p50']:.0f} ms / p95 {figures['p95']:.0f} ms / "
            f"p99 {figures['p99']:.0f} ms, errors {figures['errors']} {figures['error_kinds'] or ''}, "
            f"lost answers {figures['lost']} of "
            f"{figures['acknowledged']} acknowledged",
            flush=True,
        )
        return figures


@pytest.mark.skipif(not (PG_BIN / "initdb").exists(), reason="needs PostgreSQL binaries")
def test_autosave_under_load(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("autosave")
    with ExitStack() as stack:
        cluster = Cluster()
        stack.callback(cluster.remove)
        cluster.start()
        bench = Bench(stack, workdir, cluster.url)
        started = time.perf_counter()
        bench.python("manage.py", "migrate", "--noinput", "-v", "0")
        print(f"\nBENCH migrate (PostgreSQL): {time.perf_counter() - started:.1f} s")
        credentials = workdir / "credentials.json"
        started = time.perf_counter()
        print(
            bench.python("-m", "tests.bench.autosave_data", "seed", str(USERS), str(credentials)),
            end="",
        )
        print(f"BENCH seed total: {time.perf_counter() - started:.1f} s")
        base = bench.gunicorn()

        ours = bench.locust(base, "token", credentials)
        bench.python("-m", "tests.bench.autosave_data", "reset")
        plain = bench.locust(base, "plain", credentials)

        ratio = ours["saves_per_s"] / plain["saves_per_s"] if plain["saves_per_s"] else float("inf")
        print(
            f"BENCH autosave ours / plain: {ours['saves_per_s']:.0f} / "
            f"{plain['saves_per_s']:.0f} saves/s = {ratio:.2f} (target >= 2)"
        )
        assert ours["acknowledged"] > 0 and plain["acknowledged"] > 0
        assert ours["lost"] == 0, ours["examples"]
        assert plain["lost"] == 0, plain["examples"]
