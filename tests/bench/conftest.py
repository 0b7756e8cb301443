"""Benchmarks print their figures; they are run by `make bench`, never by `make test`."""

import time
from contextlib import contextmanager


@contextmanager
def stopwatch(label: str, results: dict):
    start = time.perf_counter()
    yield
    results[label] = time.perf_counter() - start
    print(f"BENCH {label}: {results[label]:.2f} s")
