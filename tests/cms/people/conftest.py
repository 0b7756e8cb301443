"""Fixtures for the people tests: a small city (杭州市 -> 西湖区/上城区 -> departments)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.cache import cache

from tests.factories import OrgTree, build_org_tree


@pytest.fixture
def tree(db) -> OrgTree:
    return build_org_tree()


# The clock the TOTP and lock-out tests freeze (a fixed instant, mid-period of a TOTP code).
FROZEN_NOW = datetime(2026, 3, 2, 1, 30, 7, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clear_cache():
    """Rate-limit counters and used TOTP codes live in the cache: keep tests independent."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen_time():
    """TOTP codes depend on the clock; freeze it so a 30-second boundary cannot flake."""
    with time_machine.travel(FROZEN_NOW, tick=False) as traveller:
        yield traveller
