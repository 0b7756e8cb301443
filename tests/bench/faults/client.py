"""Simulated candidates: the exam page's protocol (exams/static/exams/attempt.js) over HTTPS.

Each candidate loads the paper page with its session cookie (token, seconds left, sequence
numbers of the saved answers, CSRF token), then changes answers now and then. Every change
gets the next number of a counter that only grows and replaces the queue entry of its
question; the queue is sent at once, one request at a time; a network error or a 5xx keeps
the queue and retries with exponential backoff (1 s to 30 s) and when the network comes back.
A heartbeat goes every 30 s. A renewed token in an answer (extra time) is used from then on.
At the page's 00:00 it takes no more changes, flushes what is pending within the network
grace, waits for the network, and submits the form (session cookie + CSRF token).

HTTP/1.1 with h11 over asyncio streams (both already in the environment), one keep-alive
connection per candidate like a browser tab (a second one for a submit racing a save).
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import re
import ssl
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

import h11

MIN_BACKOFF, MAX_BACKOFF = 1.0, 30.0
HEARTBEAT_SECONDS = 30.0


# Strong references to the send loops in flight (the event loop keeps only weak ones).
RUNNING: set[asyncio.Task] = set()


class NetworkError(Exception):
    pass


class Offline(NetworkError):
    """The candidate's network is down: fetch() fails at once."""


@dataclass
class Response:
    status: int
    headers: dict[str, list[str]]
    body: bytes

    def json(self) -> dict:
        try:
            return json.loads(self.body)
        except ValueError:
            return {}


class Connection:
    """One keep-alive HTTP/1.1 connection (reopened after an error or a close)."""

    def __init__(self, host: str, port: int, context: ssl.SSLContext):
        self.host, self.port, self.context = host, port, context
        self.reader = self.writer = None
        self.conn: h11.Connection | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(
            self.host, self.port, ssl=self.context, server_hostname="localhost"
        )
        self.conn = h11.Connection(h11.CLIENT)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = self.conn = None

    async def request(self, method: str, path: str, headers: list, body: bytes = b"") -> Response:
        for attempt in (1, 2):
            reused = self.conn is not None
            try:
                if self.conn is None:
                    await self._open()
                return await self._exchange(method, path, headers, body)
            except (OSError, h11.ProtocolError, asyncio.IncompleteReadError, EOFError) as exc:
                got_bytes = getattr(exc, "got_bytes", False)
                self.close()
                # A browser retries a request once when a reused idle connection turns out to
                # have been closed by the server before any answer came.
                if attempt == 1 and reused and not got_bytes:
                    continue
                raise NetworkError(f"{type(exc).__name__}: {exc}") from exc
        raise AssertionError("unreachable")

    async def _exchange(self, method, path, headers, body) -> Response:
        conn = self.conn
        all_headers = [("Host", f"127.0.0.1:{self.port}"), *headers]
        if body or method == "POST":
            all_headers.append(("Content-Length", str(len(body))))
        data = conn.send(h11.Request(method=method, target=path, headers=all_headers))
        if body:
            data += conn.send(h11.Data(data=body))
        data += conn.send(h11.EndOfMessage())
        self.writer.write(data)
        await self.writer.drain()
        status, response_headers, chunks, got = 0, {}, [], False
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                raw = await self.reader.read(65536)
                if not raw:
                    exc = EOFError("connection closed")
                    exc.got_bytes = got
                    raise exc
                got = True
                conn.receive_data(raw)
                continue
            if isinstance(event, h11.Response):
                status = event.status_code
                for name, value in event.headers:
                    response_headers.setdefault(name.decode().lower(), []).append(value.decode())
            elif isinstance(event, h11.Data):
                chunks.append(event.data)
            elif isinstance(event, h11.EndOfMessage):
                break
        if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
            self.close()
        else:
            conn.start_next_cycle()
        return Response(status, response_headers, b"".join(chunks))


@dataclass
class Stats:
    """Shared by all candidates (one event loop: no locks needed)."""

    by_status: Counter = field(default_factory=Counter)  # "save 200", "save net", ...
    fault_at: dict[str, float] = field(default_factory=dict)
    acks: int = 0
    stale_acks: int = 0
    renewed_tokens: int = 0
    submits: Counter = field(default_factory=Counter)
    refused_late: int = 0
    page_loads: int = 0
    offline_recovery: list = field(default_factory=list)  # back online -> first ack, s
    saves: list = field(default_factory=list)  # (sent, answered, ok): network or 5xx = not ok

    def recovery(self, fault: str, window: float = 60.0) -> tuple[float | None, int]:
        """Seconds from the fault to the first acknowledged save sent after the last failed
        one (5xx, network error) answered in the window after it; and how many failed."""
        at = self.fault_at[fault]
        failed = [sent for sent, done, ok in self.saves if not ok and at <= done < at + window]
        after = max(failed, default=at)
        done = [d for sent, d, ok in self.saves if ok and sent >= after]
        return (min(done) - at if done else None), len(failed)


def _writer_of(token: str) -> int:
    """The page load's number, from the signed token (payload: [attempt, user, expires, writer])."""
    payload = token.split(":", 1)[0]
    payload += "=" * (-len(payload) % 4)
    return int(json.loads(base64.urlsafe_b64decode(payload))[3])


@dataclass
class Plan:
    """What this candidate does beyond answering (chosen by the run)."""

    think: float  # mean seconds between answer changes
    stop_at: float  # monotonic: end of the bench window
    offline: tuple[float, float] | None = None  # monotonic window without network
    submit_racing_at: float | None = None  # change an answer and submit at once
    walk_away_before_deadline: float | None = None  # close the tab this long before 00:00


class Candidate:
    def __init__(self, credential: dict, port: int, context, stats: Stats, plan: Plan, grace):
        self.attempt = credential["attempt"]
        self.session_key = credential["session"]
        self.slots = credential["slots"]  # [position, option count, multiple]
        self.port, self.context, self.stats, self.plan = port, context, stats, plan
        self.grace = grace
        self.idle: list[Connection] = []  # keep-alive connections not in use
        self.token = ""
        self.writer = 0
        self.csrf = ""
        self.csrf_cookie = ""
        self.counter = 0
        self.pending: dict[int, tuple[int, list[int]]] = {}
        self.acks: dict[int, tuple[int, list[int]]] = {}
        self.sent: dict[int, dict[int, list[int]]] = {}
        self.refused: dict[int, list[int]] = {}
        self.deadline = 0.0  # monotonic, from the server's remaining seconds
        self.locked = False
        self.finished = False
        self.flushing = False
        self.backoff = MIN_BACKOFF
        self.retry: asyncio.TimerHandle | None = None
        self.flush_task: asyncio.Task | None = None
        self.outcome = ""
        self.back_online_at: float | None = None

    # --- network ----------------------------------------------------------------------------

    def online(self) -> bool:
        window = self.plan.offline
        now = time.monotonic()
        return not (window and window[0] <= now < window[1])

    async def _fetch(self, method, path, headers, body=b"") -> Response:
        """Like a browser: an idle keep-alive connection if there is one, else a new one."""
        if not self.online():
            for conn in self.idle:
                conn.close()
            self.idle.clear()
            raise Offline("offline")
        conn = self.idle.pop() if self.idle else Connection("127.0.0.1", self.port, self.context)
        try:
            response = await conn.request(method, path, headers, body)
        except NetworkError:
            conn.close()
            raise
        if conn.conn is not None and len(self.idle) < 2:
            self.idle.append(conn)
        else:
            conn.close()
        return response

    def _cookies(self) -> str:
        cookie = f"sessionid={self.session_key}"
        if self.csrf_cookie:
            cookie += f"; csrftoken={self.csrf_cookie}"
        return cookie

    def _timing(self, body: dict) -> None:
        if isinstance(body.get("remaining"), (int, float)):
            self.deadline = time.monotonic() + body["remaining"]
        if body.get("token"):
            if body["token"] != self.token:
                self.stats.renewed_tokens += 1
            self.token = body["token"]

    # --- the page -----------------------------------------------------------------------------

    async def load(self) -> bool:
        for _ in range(8):
            try:
                r = await self._fetch(
                    "GET", f"/exams/attempt/{self.attempt}/", [("Cookie", self._cookies())]
                )
            except NetworkError:
                self.stats.by_status["page net"] += 1
                await asyncio.sleep(2)
                continue
            self.stats.by_status[f"page {r.status}"] += 1
            if r.status in (301, 302) and "/result/" in r.headers.get("location", [""])[0]:
                self.outcome = "finished before the page was opened"
                return False
            if r.status != 200:
                await asyncio.sleep(2)
                continue
            html = r.body.decode()
            self.token = re.search(r'data-token="([^"]+)"', html).group(1)
            self.writer = _writer_of(self.token)
            self.deadline = time.monotonic() + float(
                re.search(r'data-remaining="([0-9.]+)"', html).group(1)
            )
            seqs = [int(s) for s in re.findall(r'data-seq="([0-9]+)"', html)]
            self.counter = max(seqs, default=0)
            match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
            self.csrf = match.group(1) if match else ""
            for cookie in r.headers.get("set-cookie", []):
                if cookie.startswith("csrftoken="):
                    self.csrf_cookie = cookie.split(";", 1)[0].split("=", 1)[1]
            self.stats.page_loads += 1
            return True
        self.outcome = "page never loaded"
        return False

    def came_online(self) -> None:
        """The browser's ``online`` event: reset the backoff and send what is waiting."""
        self.backoff = MIN_BACKOFF
        if self.pending and not self.finished:
            self.back_online_at = time.monotonic()
            self.kick()

    def change(self) -> None:
        """The candidate picks an answer: the newest change of a question replaces its entry."""
        if self.locked or self.finished:
            return
        position, count, multiple = random.choice(self.slots)
        if multiple:
            selected = sorted(random.sample(range(1, count + 1), random.randint(2, count)))
        else:
            selected = [random.randint(1, count)]
        self.counter += 1
        self.pending[position] = (self.counter, selected)
        self.kick()

    def kick(self) -> None:
        if self.retry is not None:
            self.retry.cancel()
            self.retry = None
        if not self.flushing:
            # One send loop at a time (the page's ``flushing`` flag), set before the loop runs.
            self.flushing = True
            self.flush_task = asyncio.ensure_future(self.flush())
            RUNNING.add(self.flush_task)
            self.flush_task.add_done_callback(RUNNING.discard)

    def _go_offline(self) -> None:
        loop = asyncio.get_running_loop()
        if self.retry is not None:
            self.retry.cancel()
        self.retry = loop.call_later(self.backoff, self.kick)
        self.backoff = min(self.backoff * 2, MAX_BACKOFF)

    async def flush(self) -> None:
        """Send the queue, one request at a time (started by ``kick``)."""
        try:
            while self.pending:
                position = min(self.pending)  # JS objects list integer keys in order
                seq, selected = self.pending[position]
                self.sent.setdefault(position, {})[seq] = selected
                sent_at = time.monotonic()
                try:
                    r = await self._fetch(
                        "POST",
                        f"/exams/attempt/{self.attempt}/save",
                        [
                            ("Content-Type", "application/json"),
                            ("X-Attempt-Token", self.token),
                        ],
                        json.dumps(
                            {"position": position, "selected": selected, "seq": seq}
                        ).encode(),
                    )
                except NetworkError as exc:
                    self.stats.by_status[
                        "save offline" if isinstance(exc, Offline) else "save net"
                    ] += 1
                    self._go_offline()
                    return
                self.stats.by_status[f"save {r.status}"] += 1
                self.stats.saves.append((sent_at, time.monotonic(), r.status < 500))
                if r.status >= 500:
                    self._go_offline()
                    return
                body = r.json()
                self.backoff = MIN_BACKOFF
                current = self.pending.get(position)
                if r.status == 200 and body.get("ok"):
                    acked_seq = int(body["seq"])
                    acked = (acked_seq, body["selected"] if body.get("stale") else selected)
                    if position not in self.acks or self.acks[position][0] < acked_seq:
                        self.acks[position] = acked
                    self.stats.acks += 1
                    self.stats.stale_acks += bool(body.get("stale"))
                    if self.back_online_at is not None and sent_at >= self.back_online_at:
                        self.stats.offline_recovery.append(time.monotonic() - self.back_online_at)
                        self.back_online_at = None
                    if current and current[0] <= acked_seq:
                        del self.pending[position]
                    self.counter = max(self.counter, acked_seq)
                    self._timing(body)
                elif r.status == 403:
                    self.outcome = "halted (403)"
                    self.pending.clear()
                    return
                else:  # 409 finished / late, 400: the change is refused, the page says so
                    self.refused.setdefault(position, []).append(seq)
                    if r.status == 409:
                        self.stats.refused_late += 1
                        self.finished = self.finished or bool(body.get("finished"))
                    if current and current[0] <= seq:
                        del self.pending[position]
        finally:
            self.flushing = False

    async def flush_within(self, seconds: float) -> bool:
        until = time.monotonic() + seconds
        self.backoff = MIN_BACKOFF
        while True:
            self.kick()
            if self.flush_task is not None:
                await self.flush_task
            if not self.pending:
                return True
            if time.monotonic() > until or self.outcome.startswith("halted"):
                return False
            await asyncio.sleep(0.5)

    async def heartbeats(self) -> None:
        await asyncio.sleep(random.uniform(0, HEARTBEAT_SECONDS))
        while not self.finished and not self.locked:
            try:
                r = await self._fetch(
                    "POST",
                    f"/exams/attempt/{self.attempt}/heartbeat",
                    [("X-Attempt-Token", self.token)],
                )
                self.stats.by_status[f"heartbeat {r.status}"] += 1
                body = r.json()
                if r.status == 200:
                    self._timing(body)
                elif r.status == 409:
                    self.finished = True
                    return
            except NetworkError as exc:
                self.stats.by_status[
                    "heartbeat offline" if isinstance(exc, Offline) else "heartbeat net"
                ] += 1
            await asyncio.sleep(HEARTBEAT_SECONDS)

    async def submit(self) -> None:
        """POST the submit form; the candidate presses again after an error page."""
        body = urlencode({"csrfmiddlewaretoken": self.csrf}).encode()
        headers = [
            ("Cookie", self._cookies()),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", f"https://127.0.0.1:{self.port}"),
            ("Referer", f"https://127.0.0.1:{self.port}/exams/attempt/{self.attempt}/"),
        ]
        delay = MIN_BACKOFF
        for _ in range(12):
            while not self.online():
                await asyncio.sleep(0.5)
            try:
                r = await self._fetch(
                    "POST", f"/exams/attempt/{self.attempt}/submit/", headers, body
                )
            except NetworkError as exc:
                self.stats.by_status[
                    "submit offline" if isinstance(exc, Offline) else "submit net"
                ] += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            self.stats.by_status[f"submit {r.status}"] += 1
            if r.status in (302, 303) and "/result/" in r.headers.get("location", [""])[0]:
                self.finished = True
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF)
        self.outcome = "submit failed"

    async def time_up(self) -> None:
        """00:00: lock the inputs, send what is pending within the grace, then submit."""
        self.locked = True
        await self.flush_within(max(0.0, self.deadline + self.grace - time.monotonic()))
        await self.submit()
        self.stats.submits["at 00:00"] += 1
        self.outcome = self.outcome or "submitted at 00:00"

    async def submit_racing(self) -> None:
        """A change and the submit leave together (another tab hands in): the save either
        lands before grading or is refused."""
        self.change()
        await self.submit()
        if self.flush_task is not None:
            await self.flush_task
        self.locked = True
        self.stats.submits["racing a save"] += 1
        self.outcome = "submitted racing a save"

    async def run(self) -> None:
        """Sit the exam on the opened page (``load`` first)."""
        if not self.token:
            return
        heartbeat = asyncio.ensure_future(self.heartbeats())
        try:
            await self._answering()
        finally:
            heartbeat.cancel()
            if self.retry is not None:
                self.retry.cancel()
            if self.flush_task is not None and not self.flush_task.done():
                self.flush_task.cancel()  # the tab is closed with a request in flight
            for conn in self.idle:
                conn.close()

    async def _answering(self) -> None:
        plan = self.plan
        while True:
            now = time.monotonic()
            if self.finished:
                self.outcome = self.outcome or "finished (told by the server)"
                return
            if now >= self.deadline:
                await self.time_up()
                return
            if plan.walk_away_before_deadline is not None and (
                now >= self.deadline - plan.walk_away_before_deadline
            ):
                self.outcome = "walked away (tab closed)"
                return
            if plan.submit_racing_at is not None and now >= plan.submit_racing_at:
                await self.submit_racing()
                return
            if now >= plan.stop_at:
                # The end of the bench window: no more changes; send what is waiting.
                self.locked = True
                await self.flush_within(45)
                self.outcome = "still sitting at the end"
                return
            wake = min(
                self.deadline,
                plan.stop_at,
                plan.submit_racing_at or plan.stop_at,
                now + random.expovariate(1 / plan.think),
            )
            if plan.walk_away_before_deadline is not None:
                wake = min(wake, self.deadline - plan.walk_away_before_deadline)
            await asyncio.sleep(max(0.0, wake - now))
            if time.monotonic() < min(self.deadline, plan.stop_at):
                self.change()

    def result(self) -> dict:
        return {
            "attempt": self.attempt,
            "writer": self.writer,
            "acks": {str(p): [s, sel] for p, (s, sel) in self.acks.items()},
            "sent": {str(p): {str(s): sel for s, sel in d.items()} for p, d in self.sent.items()},
            "refused": {str(p): s for p, s in self.refused.items()},
            "pending": {str(p): [s, sel] for p, (s, sel) in self.pending.items()},
            "outcome": self.outcome,
        }


def client_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the run's own self-signed certificate
    return context
