"""Candidates autosaving answers, as fast as the server lets them (locust, headless).

Environment: ``AUTOSAVE_CREDENTIALS`` (the JSON written by ``autosave_data seed``),
``AUTOSAVE_MODE`` (``token``: the exam endpoint with its attempt token; ``plain``: the
benchmark's session-authenticated view), ``AUTOSAVE_ACKS`` (where to write, one JSON line
each, every save the server acknowledged: attempt, position, seq, selected) and
``AUTOSAVE_STATS`` (where to write every request's latency and the error count, so that the
percentiles are exact rather than locust's rounded ones).

Each simulated candidate owns one attempt and sends saves with a strictly increasing ``seq``.
"""

import itertools
import json
import os
import random
import time

from locust import constant, events, task
from locust.contrib.fasthttp import FastHttpUser

MODE = os.environ.get("AUTOSAVE_MODE", "token")
with open(os.environ["AUTOSAVE_CREDENTIALS"]) as _f:
    CREDENTIALS = json.load(_f)
_next_credential = itertools.count()
ACKS: list[tuple[int, int, int, list[int]]] = []
LATENCIES_MS: list[float] = []
ERRORS: dict[str, int] = {}


@events.quitting.add_listener
def _write_acks(environment, **_kwargs):
    with open(os.environ["AUTOSAVE_ACKS"], "w") as f:
        for ack in ACKS:
            f.write(json.dumps(ack) + "\n")
    with open(os.environ["AUTOSAVE_STATS"], "w") as f:
        json.dump({"latencies_ms": LATENCIES_MS, "errors": ERRORS}, f)


def _error(response, reason: str) -> None:
    ERRORS[reason] = ERRORS.get(reason, 0) + 1
    response.failure(reason)


class Candidate(FastHttpUser):
    wait_time = constant(0)
    connection_timeout = 60.0
    network_timeout = 60.0

    def on_start(self):
        credential = CREDENTIALS[next(_next_credential)]  # IndexError: more users than attempts
        self.attempt = credential["attempt"]
        self.slots = credential["slots"]
        self.seq = 0
        if MODE == "token":
            self.url = f"/exams/attempt/{self.attempt}/save"
            self.headers = {"X-Attempt-Token": credential["token"]}
        else:
            self.url = f"/bench/plain/attempt/{self.attempt}/save"
            self.headers = {"Cookie": f"sessionid={credential['session']}"}

    @task
    def save(self):
        position, count, multiple = random.choice(self.slots)
        if multiple:
            selected = sorted(random.sample(range(1, count + 1), random.randint(2, count)))
        else:
            selected = [random.randint(1, count)]
        self.seq += 1
        seq = self.seq
        started = time.perf_counter()
        with self.client.post(
            self.url,
            json={"position": position, "selected": selected, "seq": seq},
            headers=self.headers,
            name=f"{MODE} save",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            LATENCIES_MS.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                _error(response, f"HTTP {response.status_code}")
                return
            data = response.json()
            if data.get("ok") and data.get("seq") == seq and not data.get("stale"):
                ACKS.append((self.attempt, position, seq, selected))
                response.success()
            else:
                _error(response, "not acknowledged" if not data.get("stale") else "stale")
