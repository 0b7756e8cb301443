"""Fixtures for the people tests: a small city (杭州市 -> 西湖区/上城区 -> departments)."""

from __future__ import annotations

import pytest

from tests.factories import OrgTree, build_org_tree


@pytest.fixture
def tree(db) -> OrgTree:
    return build_org_tree()
