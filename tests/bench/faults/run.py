"""``make bench-faults``: the production topology of deploy/ on this machine, under faults.

PostgreSQL (a throwaway cluster), two gunicorn app servers started from
deploy/systemd/fazhi-app@.service (each its own master, restarted as systemd would), the task
worker (fazhi-worker.service), the 30-second close-overdue timer, and nginx (Debian's package,
installed with apt-get when missing) running deploy/nginx/fazhi.conf with the run's ports and
paths; all with ``cms.settings.production``. Simulated candidates (tests/bench/faults/client.py)
speak the exam page's protocol over HTTPS while the run kills one app server (``kill -9`` of
its master), restarts PostgreSQL, takes 20 % of the candidates offline for 30 s, submits
attempts while their saves are in flight, gives extra time, and lets deadlines pass.

It prints the figures and exits 1 unless the four integrity figures are 0: acknowledged answers
lost, graded answers that differ from the last acknowledged one, answers stored after the
attempt finished, attempts finalised later than deadline + grace + 1 minute.

Knobs (environment): BENCH_FAULTS_USERS (1000), BENCH_FAULTS_DURATION (120 s, at least 60 for
the full fault schedule), BENCH_FAULTS_THINK (8 s: mean time between a candidate's answer
changes), BENCH_FAULTS_LOAD_CONCURRENCY (16 papers opened at a time before the window), BENCH_FAULTS_SEED (11), GUNICORN_WORKERS / GUNICORN_THREADS (2 / 4 per app server),
BENCH_FAULTS_KEEP=1 keeps the run's directory (logs) for a look afterwards.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

from tests.bench.faults.client import Candidate, Plan, Stats, client_context
from tests.bench.test_bench_autosave import PG_BIN, Cluster, _free_port, _stop

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
USERS = int(os.environ.get("BENCH_FAULTS_USERS", "1000"))
DURATION = float(os.environ.get("BENCH_FAULTS_DURATION", "120"))
THINK = float(os.environ.get("BENCH_FAULTS_THINK", "8"))
LOAD_CONCURRENCY = int(os.environ.get("BENCH_FAULTS_LOAD_CONCURRENCY", "16"))
SEED = int(os.environ.get("BENCH_FAULTS_SEED", "11"))
KEEP = os.environ.get("BENCH_FAULTS_KEEP") == "1"
GRACE = 30.0  # EXAM_NETWORK_GRACE_SECONDS (checked against the settings after migrate)
OFFLINE_SECONDS = 30.0


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- the units of deploy/systemd, as systemd would run them here ---------------------------


class Unit:
    """The ExecStart lines and RestartSec of a unit file, with this checkout's paths."""

    def __init__(self, name: str, instance: str = ""):
        text = (DEPLOY / "systemd" / name).read_text()
        self.name = name.replace("@", f"@{instance}") if instance else name
        self.commands = []
        for line in text.splitlines():
            if line.startswith("ExecStart="):
                command = line.split("=", 1)[1]
                command = command.replace("/srv/fazhi/.venv/bin/", f"{BIN}/")
                command = command.replace("/srv/fazhi", str(ROOT)).replace("%i", instance)
                self.commands.append(shlex.split(command))
        match = re.search(r"^RestartSec=(\d+)", text, re.M)
        self.restart_sec = float(match.group(1)) if match else 0.1
        match = re.search(r"^OnUnitActiveSec=(\d+)s", text, re.M)
        self.every = float(match.group(1)) if match else None
        if not self.commands and not self.every:
            raise SystemExit(f"{name}: no ExecStart")


class Service:
    """A long-running unit with Restart=always: restarted RestartSec after it dies."""

    def __init__(self, unit: Unit, env: dict, logdir: Path):
        self.unit, self.env, self.logdir = unit, env, logdir
        self.process: subprocess.Popen | None = None
        self.stopping = False
        self.restarts = 0
        self.log = open(logdir / f"{unit.name}.log", "a")  # noqa: SIM115 (closed in stop)

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.unit.commands[0],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    async def supervise(self) -> None:
        while not self.stopping:
            await asyncio.sleep(0.2)
            if self.process.poll() is not None and not self.stopping:
                say(
                    f"{self.unit.name}: exited ({self.process.returncode}); restart in {self.unit.restart_sec:.0f} s"
                )
                await asyncio.sleep(self.unit.restart_sec)
                if not self.stopping:
                    self.restarts += 1
                    self.start()

    def kill_like_a_crash(self) -> None:
        """kill -9 of the master; then, as systemd does when a unit's main process dies
        (KillMode=mixed), SIGKILL to what is left of the unit (its workers)."""
        pid = self.process.pid
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def stop(self) -> None:
        self.stopping = True
        if self.process is not None:
            _stop(self.process)
        self.log.close()


async def http_up(port: int, timeout: float) -> float:
    """Seconds until something answers HTTP on the port (gunicorn: Django's redirect)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /exams/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            await writer.drain()
            line = await asyncio.wait_for(reader.readline(), 10)
            writer.close()
            if line.startswith(b"HTTP/"):
                return time.monotonic() - started
        except (OSError, TimeoutError):
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError(f"nothing answered on port {port} within {timeout:.0f} s")


# --- nginx ---------------------------------------------------------------------------------


def ensure_nginx() -> str:
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx:
        return nginx
    if os.geteuid() != 0:
        raise SystemExit("nginx is missing: apt-get install nginx (as root), then run again.")
    say("installing nginx (Debian's package)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "nginx"], check=True, env=env, stdout=subprocess.DEVNULL
    )
    return "/usr/sbin/nginx"


def nginx_config(work: Path, app_ports: list[int], https_port: int, http_port: int) -> Path:
    """deploy/nginx/fazhi.conf with the run's ports and paths; every replaced piece must be
    there (the run fails if the deployment file drifts from what it templates)."""
    text = (DEPLOY / "nginx" / "fazhi.conf").read_text()
    replacements = [
        ("server 127.0.0.1:8001 ", f"server 127.0.0.1:{app_ports[0]} "),
        ("server 127.0.0.1:8002 ", f"server 127.0.0.1:{app_ports[1]} "),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen [::]:80;\n", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl;"),
        ("listen [::]:443 ssl http2;\n", ""),
        ("/etc/ssl/fazhi/", f"{work}/tls/"),
        ("/srv/fazhi/var/", f"{work}/var/"),
        ("/var/log/nginx/", f"{work}/log/"),
    ]
    for old, new in replacements:
        if old not in text:
            raise SystemExit(f"deploy/nginx/fazhi.conf: expected {old!r}")
        text = text.replace(old, new)
    (work / "fazhi.conf").write_text(text)
    tmp = work / "nginx-tmp"
    tmp.mkdir()
    shutil.chown(tmp, "www-data")
    main = work / "nginx.conf"
    main.write_text(
        f"""# The bench's stand-in for Debian's /etc/nginx/nginx.conf.
user www-data;
worker_processes auto;
daemon off;
pid {work}/nginx.pid;
error_log {work}/log/error.log warn;
events {{ worker_connections 8192; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    server_tokens off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {work}/fazhi.conf;
}}
"""
    )
    return main


def self_signed(work: Path) -> None:
    tls = work / "tls"
    tls.mkdir()
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(tls / "privkey.pem"),
            "-out",
            str(tls / "fullchain.pem"),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# --- the run -------------------------------------------------------------------------------


class Run:
    def __init__(self, stack: ExitStack, work: Path):
        self.stack, self.work = stack, work
        (work / "log").mkdir()
        for sub in ("static", "media", "private"):
            (work / "var" / sub).mkdir(parents=True)
        os.chmod(work / "var" / "private", 0o750)
        self.cluster = Cluster()
        stack.callback(self.cluster.remove)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cms.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "STATIC_ROOT": str(work / "var" / "static"),
            "MEDIA_ROOT": str(work / "var" / "media"),
            "PRIVATE_STORAGE_ROOT": str(work / "var" / "private"),
            "LOG_LEVEL": "WARNING",
            "GUNICORN_WORKERS": os.environ.get("GUNICORN_WORKERS", "2"),
            "GUNICORN_THREADS": os.environ.get("GUNICORN_THREADS", "4"),
            "PYTHONPATH": str(ROOT),
        }
        self.services: list[Service] = []

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
            raise RuntimeError(f"{args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done.stdout

    def data(self, *args: str) -> str:
        return self.python("-m", "tests.bench.faults.data", *args)

    def service(self, unit: Unit) -> Service:
        service = Service(unit, self.env, self.work / "log")
        self.stack.callback(service.stop)
        self.services.append(service)
        service.start()
        return service

    def pg_restart(self) -> None:
        subprocess.run(
            [
                "su",
                "postgres",
                "-s",
                "/bin/sh",
                "-c",
                f"{PG_BIN}/pg_ctl -D {self.cluster.data} -m fast -w -l {self.cluster.data}/log restart",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def prepare(self) -> None:
        if not (PG_BIN / "initdb").exists():
            raise SystemExit(
                f"PostgreSQL binaries not found in {PG_BIN} (apt-get install postgresql)"
            )
        self.nginx_bin = ensure_nginx()
        started = time.monotonic()
        self.cluster.start()
        self.env["DATABASE_URL"] = self.cluster.url
        self.python("manage.py", "migrate", "--noinput", "-v", "0")
        self.python("manage.py", "collectstatic", "--noinput", "-v", "0")
        self.python("manage.py", "check", "--deploy", "--fail-level", "WARNING")
        say(
            f"PostgreSQL {PG_BIN.parent.name}: migrated, static collected, check --deploy clean "
            f"({time.monotonic() - started:.0f} s)"
        )
        self.credentials_path = self.work / "credentials.json"
        started = time.monotonic()
        for line in self.data("seed", str(USERS), str(self.credentials_path)).splitlines():
            say(line)
        say(f"seeded {USERS} candidates in {time.monotonic() - started:.0f} s")
        self_signed(self.work)
        self.app_ports = [_free_port(), _free_port()]
        self.https_port, self.http_port = _free_port(), _free_port()
        conf = nginx_config(self.work, self.app_ports, self.https_port, self.http_port)
        test = subprocess.run(
            [self.nginx_bin, "-t", "-c", str(conf)], capture_output=True, text=True
        )
        if test.returncode:
            raise RuntimeError(test.stderr)
        self.nginx = subprocess.Popen(
            [self.nginx_bin, "-c", str(conf)],
            stdout=open(self.work / "log" / "nginx.out", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.stack.callback(_stop, self.nginx)

    async def timer(self, unit: Unit, stop: asyncio.Event) -> None:
        """OnUnitActiveSec: the oneshot service again every ``every`` seconds (never two)."""
        runs, failures = 0, 0
        log = open(self.work / "log" / f"{unit.name}.log", "a")  # noqa: SIM115
        try:
            while not stop.is_set():
                process = await asyncio.create_subprocess_exec(
                    *unit.commands[0],
                    cwd=ROOT,
                    env=self.env,
                    stdout=log,
                    stderr=log,
                    start_new_session=True,
                )
                started = time.monotonic()
                rc = await process.wait()
                runs += 1
                failures += rc != 0
                try:
                    await asyncio.wait_for(
                        stop.wait(), max(0.0, unit.every - (time.monotonic() - started))
                    )
                except TimeoutError:
                    pass
        finally:
            log.close()
            self.timer_runs = (runs, failures)

    async def warm_up(self, credentials: list[dict]) -> None:
        """A server that has been up a while: each app thread has served a paper page (the
        first request of a process imports the views and compiles the templates)."""
        started = time.monotonic()
        pages = [
            Candidate(c, self.https_port, client_context(), Stats(), Plan(1, 0), GRACE).load()
            for c in credentials
        ]
        await asyncio.gather(*pages)
        say(f"warmed up with {len(pages)} page loads in {time.monotonic() - started:.1f} s")

    async def main(self) -> dict:
        app_unit = [Unit("fazhi-app@.service", str(p)) for p in self.app_ports]
        apps = [self.service(u) for u in app_unit]
        self.service(Unit("fazhi-worker.service"))
        for port in self.app_ports:
            await http_up(port, 120)
        supervisors = [asyncio.ensure_future(s.supervise()) for s in self.services]
        stop_timer = asyncio.Event()
        close_overdue = Unit("fazhi-close-overdue.service")
        close_overdue.every = Unit("fazhi-close-overdue.timer").every
        timer = asyncio.ensure_future(self.timer(close_overdue, stop_timer))
        say(
            f"up: nginx https://127.0.0.1:{self.https_port} -> app servers {self.app_ports} "
            f"(gunicorn {self.env['GUNICORN_WORKERS']} workers x {self.env['GUNICORN_THREADS']} threads each), "
            f"worker, close-overdue every {close_overdue.every:.0f} s"
        )

        rng = random.Random(SEED)
        credentials = json.loads(self.credentials_path.read_text())
        order = list(range(len(credentials)))
        rng.shuffle(order)
        n = len(order)
        short = order[: n // 4]
        rest = order[n // 4 :]
        racing = set(rest[: n // 10])
        extend_long = rest[n // 10 : n // 10 + 20]
        offline = set(rng.sample(order, n // 5))
        walkers = set(short[: int(len(short) * 0.4)])
        offsets = {i: rng.uniform(0.25 * DURATION, 0.6 * DURATION) for i in short}
        extend_short = (
            [i for i in short if i not in walkers and offsets[i] < 0.35 * DURATION][:20]
            if 0.35 * DURATION + 60 < DURATION - 5
            else []
        )

        await self.warm_up(credentials[: 2 * len(self.app_ports) * 4])
        stats = Stats()
        candidates = [
            Candidate(c, self.https_port, client_context(), stats, Plan(THINK, 0.0), GRACE)
            for c in credentials
        ]

        # Everyone opens the paper first (a few at a time, as candidates arrive in the room);
        # the window with the faults starts once every page is open. The short-deadline group
        # opens last, after its deadlines are set to fall inside the window.
        gate = asyncio.Semaphore(LOAD_CONCURRENCY)

        async def load(candidate: Candidate) -> None:
            async with gate:
                await candidate.load()

        started = time.monotonic()
        short_set = set(short)
        await asyncio.gather(*(load(candidates[i]) for i in range(n) if i not in short_set))
        per_page = (time.monotonic() - started) / max(1, n - len(short))
        lead = per_page * len(short) + 8  # the short group's page loads + setting the deadlines
        plan_path = self.work / "deadlines.json"
        plan_path.write_text(
            json.dumps({credentials[i]["attempt"]: lead + offsets[i] for i in short})
        )
        say(self.data("deadlines", str(plan_path)).strip())
        await asyncio.gather(*(load(candidates[i]) for i in short))
        say(
            f"{stats.page_loads} papers open in {time.monotonic() - started:.0f} s "
            f"({LOAD_CONCURRENCY} at a time)"
        )

        t0 = time.monotonic()
        at = {
            "kill app server": 0.15 * DURATION,
            "extra time": 0.2 * DURATION,
            "restart PostgreSQL": 0.4 * DURATION,
        }
        # 30 s offline from t = 0.55 x duration (shorter in a run too short for it).
        off_start = (
            0.55 * DURATION if DURATION >= 0.55 * DURATION + OFFLINE_SECONDS + 5 else 0.5 * DURATION
        )
        off_seconds = min(OFFLINE_SECONDS, DURATION - off_start - 3)
        offline_window = (t0 + off_start, t0 + off_start + off_seconds)
        for i, candidate in enumerate(candidates):
            candidate.plan = Plan(
                think=THINK,
                stop_at=t0 + DURATION,
                offline=offline_window if i in offline else None,
                submit_racing_at=t0 + rng.uniform(0.3, 0.9) * DURATION if i in racing else None,
                walk_away_before_deadline=rng.uniform(2, 8) if i in walkers else None,
            )
        say(
            f"{n} candidates for {DURATION:.0f} s: {len(short)} with deadlines passing during the run "
            f"({len(walkers)} of them close the tab before 00:00), {len(racing)} submit while a save is "
            f"in flight, {len(offline)} offline for {off_seconds:.0f} s from t={off_start:.0f} s; "
            f"faults: {', '.join(f'{k} at t={v:.0f} s' for k, v in at.items())}"
        )

        tasks = [asyncio.ensure_future(c.run()) for c in candidates]
        recovery: dict[str, str] = {}

        async def until(moment: float) -> None:
            await asyncio.sleep(max(0.0, t0 + moment - time.monotonic()))

        async def kill_app_server() -> None:
            await until(at["kill app server"])
            victim = apps[0]
            say(f"fault: kill -9 the gunicorn master of {victim.unit.name} and its workers")
            killed_at = stats.fault_at["kill app server"] = time.monotonic()
            restarts = victim.restarts
            victim.kill_like_a_crash()
            while victim.restarts == restarts:
                await asyncio.sleep(0.1)
            boot = await http_up(self.app_ports[0], 120)
            back = time.monotonic() - killed_at
            recovery["killed app server serving again"] = (
                f"{back:.1f} s (RestartSec {victim.unit.restart_sec:.0f} s + boot {boot:.1f} s)"
            )
            say(f"{victim.unit.name} serving again {back:.1f} s after the kill")

        async def extra_time() -> None:
            await until(at["extra time"])
            plan = {credentials[i]["attempt"]: 10 for i in extend_long}
            plan.update({credentials[i]["attempt"]: 1 for i in extend_short})
            extend_path = self.work / "extend.json"
            extend_path.write_text(json.dumps(plan))
            out = await asyncio.to_thread(self.data, "extend", str(extend_path))
            say(
                f"extra time: {out.strip().splitlines()[-1]} ({len(extend_short)} with deadlines "
                f"in this run +1 min, {len(extend_long)} others +10 min)"
            )

        async def restart_postgres() -> None:
            await until(at["restart PostgreSQL"])
            say("fault: pg_ctl restart -m fast")
            started = stats.fault_at["restart PostgreSQL"] = time.monotonic()
            await asyncio.to_thread(self.pg_restart)
            recovery["PostgreSQL restart took"] = f"{time.monotonic() - started:.1f} s"
            say(f"PostgreSQL back after {time.monotonic() - started:.1f} s")

        async def network_down() -> None:
            await asyncio.sleep(max(0.0, offline_window[0] - time.monotonic()))
            say(f"fault: {len(offline)} candidates offline for {off_seconds:.0f} s")
            await asyncio.sleep(max(0.0, offline_window[1] - time.monotonic()))
            for i in offline:
                candidates[i].came_online()
            say("offline candidates back online")

        fault_tasks = [
            asyncio.ensure_future(f())
            for f in (kill_app_server, extra_time, restart_postgres, network_down)
        ]
        await asyncio.gather(*tasks)
        say("all candidates done")
        await asyncio.gather(*fault_tasks)

        # Let every deadline that passed in the run be one minute past its grace, so that an
        # attempt the timer failed to finalise shows as late.
        latest = max((c.deadline for i, c in enumerate(candidates) if i in set(short)), default=0)
        wait = latest + GRACE + 65 - time.monotonic()
        if wait > 0:
            say(f"waiting {wait:.0f} s: the last deadline of the run + grace + 1 minute")
            await asyncio.sleep(wait)
        stop_timer.set()
        await timer
        for s in self.services:
            s.stopping = True
        for task in supervisors:
            task.cancel()

        results_path = self.work / "clients.json"
        results_path.write_text(json.dumps([c.result() for c in candidates]))
        verdict = json.loads(self.data("verify", str(results_path)).strip().splitlines()[-1])
        return {
            "stats": stats,
            "verdict": verdict,
            "recovery": recovery,
            "outcomes": Counter(c.outcome for c in candidates),
            "pending_left": dict(
                sum((Counter({c.outcome: len(c.pending)}) for c in candidates), Counter())
            ),
            "restarts": {s.unit.name: s.restarts for s in self.services},
            "elapsed": time.monotonic() - t0,
            # failures after a fault count against it until the next fault (at most 60 s)
            "windows": {
                "kill app server": min(60.0, at["restart PostgreSQL"] - at["kill app server"] - 1),
                "restart PostgreSQL": min(60.0, off_start - at["restart PostgreSQL"] - 1),
            },
        }


def report(figures: dict) -> int:
    stats, v = figures["stats"], figures["verdict"]
    print()
    print(
        f"BENCH faults: {USERS} candidates, {DURATION:.0f} s window ({figures['elapsed']:.0f} s with the drain), "
        f"2 app servers behind nginx, PostgreSQL {PG_BIN.parent.name}"
    )
    print(f"  page loads                       {stats.page_loads}")
    print(
        f"  acknowledged saves               {stats.acks} ({stats.stale_acks} stale: server already had newer)"
    )
    print(f"  renewed tokens used (extra time) {stats.renewed_tokens}")
    print(
        f"  refused as finished / late (409) {stats.refused_late} (RefusedChange rows kept: {v['refused_changes_kept']})"
    )
    print(
        f"  attempts: {v['attempts']} = {v['submitted']} submitted + {v['expired']} expired + {v['in_progress']} in progress"
    )
    print(f"  client outcomes                  {dict(figures['outcomes'])}")
    print(f"  changes left in pages' queues    {figures['pending_left'] or 0}")
    print(f"  timer runs (failed)              {figures.get('timer_runs')}")
    print(f"  unit restarts                    {figures['restarts']}")
    print("  responses by endpoint and status:")
    for key, count in sorted(stats.by_status.items()):
        print(f"      {key:<22} {count}")
    print("  time to recover (fault -> first acknowledged save sent after the last failed one):")
    for fault in stats.fault_at:
        window = figures["windows"][fault]
        seconds, failed = stats.recovery(fault, window)
        shown = f"{seconds:.2f} s" if seconds is not None else "never"
        print(f"      {fault:<32} {shown} ({failed} failed saves in the {window:.0f} s after it)")
    for label, value in figures["recovery"].items():
        print(f"      {label:<32} {value}")
    rec = sorted(stats.offline_recovery)
    if rec:
        print(
            f"      offline -> first ack            min {rec[0]:.2f} s / median {rec[len(rec) // 2]:.2f} s / "
            f"max {rec[-1]:.2f} s ({len(rec)} candidates with queued changes)"
        )
    print(
        f"  slots checked: {v['slots_checked']} ({v['slots_graded_checked']} graded); stored, answer lost in "
        f"transit then acknowledged as stale or not at all: {v['stored_without_ack_received']}; "
        f"refused but stored: {v['refused_but_stored']}"
    )
    integrity = {
        "acknowledged answers lost": v["lost"],
        "graded answer differs from last acknowledged": v["graded_differs"],
        "answers stored after the attempt finished": v["acked_after_finish"],
        "attempts finalised later than deadline + grace + 1 min": v["finalised_late"],
    }
    if v.get("stored_without_ack_by_outcome"):
        print(f"      (by outcome: {v['stored_without_ack_by_outcome']})")
    print("  INTEGRITY")
    for label, value in integrity.items():
        print(f"      {label:<56} {value}")
    for kind, examples in v["examples"].items():
        if examples:
            print(f"      examples {kind}: {examples}")
    ok = not any(integrity.values()) and stats.acks > 0
    print(f"BENCH faults: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="bench-faults."))
    os.chmod(work, 0o755)  # nginx's workers (www-data) read the static files under it
    code = 1
    with ExitStack() as stack:
        if not KEEP:
            stack.callback(shutil.rmtree, work, ignore_errors=True)
        run = Run(stack, work)
        say(f"run directory {work}")
        try:
            run.prepare()
            figures = asyncio.run(run.main())
            figures["timer_runs"] = getattr(run, "timer_runs", None)
            code = report(figures)
        except BaseException as exc:
            say(f"run failed: {type(exc).__name__}: {exc}")
            for log in sorted((work / "log").glob("*")):
                tail = log.read_text(errors="replace")[-1500:]
                if tail.strip():
                    print(f"--- {log.name} (tail)\n{tail}")
            if isinstance(exc, KeyboardInterrupt):
                code = 130
        finally:
            say("stopping everything")
    return code


if __name__ == "__main__":
    sys.exit(main())
