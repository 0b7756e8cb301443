"""The permission matrix: every URL pattern, requested as every role, with real objects
inside and outside that role's scope.

Each request must be refused (302 to the login page for anonymous, 403/404 or Wagtail's
"permission denied" redirect for the wrong role or an object out of scope) or, where it is
allowed, show only what the role may see: no out-of-scope person's name, employee number,
national ID number (in full or its hidden digits), phone or e-mail, in the page, its
headers, or the CSV, xlsx, PDF or zip it returns. Views that change data are also POSTed
to, empty, as every role that must be refused: nothing may be written.

The data (``tests/security/world.py``) is built once for the module and every request runs
in a transaction that is rolled back. ``test_matrix_summary`` prints the figures (run with
``-s`` to see them).
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import resolve

from .classification import CLASSIFICATION, Rule
from .matrix import (
    Outcome,
    PdfShortcut,
    build_path,
    is_refusal,
    iter_targets,
    leaks,
    request_once,
    searchable_text,
    signed_in_client,
    url_patterns,
)
from .world import ROLE_KEYS, STAFF_ROLE_KEYS, Target, World, build_world

# Each test runs in its own transaction inside the module's (see ``world``).
pytestmark = pytest.mark.django_db

PATTERNS = url_patterns()
BY_KEY = {p.key: p for p in PATTERNS}
MATRIX_KEYS = [
    p.key for p in PATTERNS if CLASSIFICATION.get(p.key, Rule("unknown")).access != "shadowed"
]
OUTCOMES: list[Outcome] = []
PDFS = PdfShortcut()
TIMING = {"start": None}


@pytest.fixture(scope="module")
def matrix_private_root(tmp_path_factory):
    return tmp_path_factory.mktemp("matrix-private")


@pytest.fixture(autouse=True)
def private_root(matrix_private_root):
    """One private storage for the whole module (instead of one per test): the job files
    the world holds must still be there when each test downloads them."""
    return matrix_private_root


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, matrix_private_root):
    """The module's data, built once and rolled back at the end."""
    monkeypatch = pytest.MonkeyPatch()
    PDFS.install(monkeypatch)
    private = settings.STORAGES["private"]
    storages = override_settings(
        STORAGES={
            **settings.STORAGES,
            "private": {
                **private,
                "OPTIONS": {**private["OPTIONS"], "location": matrix_private_root},
            },
        }
    )
    storages.enable()
    with django_db_blocker.unblock():
        with transaction.atomic():
            cache.clear()
            data = build_world()
            data.clients = {
                role: signed_in_client(data.users.get(role), staff=role in STAFF_ROLE_KEYS)
                for role in ROLE_KEYS
            }
            TIMING["start"] = time.monotonic()
            yield data
            transaction.set_rollback(True)
        cache.clear()
    storages.disable()
    monkeypatch.undo()


def test_every_url_pattern_is_classified():
    unknown = [p for p in PATTERNS if p.key not in CLASSIFICATION]
    assert not unknown, (
        "classify this URL pattern in tests/security/classification.py:\n"
        + "\n".join(f"  {p.key!r}  (name {p.name or '-'}, view {p.view_label})" for p in unknown)
    )


def test_classification_has_no_stale_entries():
    stale = sorted(set(CLASSIFICATION) - set(BY_KEY))
    assert not stale, f"classified patterns that no longer exist: {stale}"


def test_shadowed_patterns_are_served_by_an_earlier_pattern(world):
    for key, rule in CLASSIFICATION.items():
        if rule.access != "shadowed" or key not in BY_KEY:
            continue
        pattern = BY_KEY[key]
        match = resolve(build_path(pattern, _targets(world, rule)[0].kwargs))
        assert match.route != pattern.route or match.func is not pattern.pattern.callback, (
            f"{key} is no longer shadowed by an earlier pattern: classify what it serves"
        )


def _targets(world: World, rule: Rule) -> list[Target]:
    if rule.targets is None:
        return [Target("-")]
    if rule.targets not in world.targets:
        raise AssertionError(f"matrix data has no targets of kind {rule.targets!r}")
    return world.targets[rule.targets]


def _in_scope(world: World, rule: Rule, role: str, target: Target) -> bool:
    if rule.own:
        return role == "superuser" or target.own_by == role
    return world.role_in_scope(role, target)


def _must_refuse(world: World, rule: Rule, role: str, target: Target) -> bool:
    if rule.access in ("token", "gone"):
        return True
    if not rule.allows(role):
        return True
    return (rule.scoped or rule.own) and not _in_scope(world, rule, role, target)


def _check(world, rule, pattern_key, role, target, method, url, response, writes) -> Outcome:
    refused = is_refusal(response, role=role)
    if rule.access == "gone" and response.status_code in (301, 302):
        login = resolve_url(settings.LOGIN_URL)
        refused = response.get("Location", "").split("?")[0] == login
    outcome = Outcome(pattern_key, role, target.label, method, url, response.status_code, refused)
    if response.status_code >= 500:
        outcome.problems.append(f"server error {response.status_code}")
    must_refuse = _must_refuse(world, rule, role, target)
    if must_refuse and not refused:
        why = "not allowed for this role" if not rule.allows(role) else "object out of scope"
        if rule.access == "gone":
            why = "must not be served"
        outcome.problems.append(f"answered {response.status_code}, must be refused ({why})")
    if method == "POST" and must_refuse and writes:
        outcome.problems.append(f"refused POST wrote to {sorted(writes)}")
    try:
        text = searchable_text(response)
    except Exception as exc:  # noqa: BLE001 - an undecodable download is itself a finding
        outcome.problems.append(f"response could not be decoded: {exc!r}")
        text = ""
    found = leaks(
        text,
        people=world.people,
        visible=world.visible_people(role),
        tolerated_names={target.holder} if rule.holder_name and target.holder else set(),
        staff_viewer=role in STAFF_ROLE_KEYS,
    )
    if found:
        outcome.problems.append("LEAK: " + "; ".join(found[:6]) + (" …" if len(found) > 6 else ""))
    return outcome


@pytest.mark.parametrize("pattern_key", MATRIX_KEYS)
def test_permission_matrix(world, pattern_key):
    rule = CLASSIFICATION.get(pattern_key)
    assert rule is not None, f"classify this URL pattern: {pattern_key!r}"
    pattern = BY_KEY[pattern_key]
    failures = []
    for role in ROLE_KEYS:
        client = world.clients[role]
        for target, url in iter_targets(pattern, _targets(world, rule)):
            methods = ["GET"]
            if rule.post and _must_refuse(world, rule, role, target):
                methods.append("POST")
            for method in methods:
                started = time.monotonic()
                response, writes = request_once(client, method, url)
                outcome = _check(
                    world, rule, pattern_key, role, target, method, url, response, writes
                )
                outcome.seconds = time.monotonic() - started
                OUTCOMES.append(outcome)
                if outcome.problems:
                    failures.append(
                        f"{method} {url} as {role} [{target.label}] -> {outcome.status}: "
                        + " | ".join(outcome.problems)
                    )
    assert not failures, f"{pattern_key} ({rule.access}):\n" + "\n".join(failures)


def test_gone_login_views_do_not_sign_anyone_in(world):
    """A POST with a staff member's right password to a login view other than allauth's
    must not authenticate: allauth (with its second factor) is the only way in."""
    user = world.users["hr_district"]
    signed_in = []
    for key, rule in CLASSIFICATION.items():
        if rule.access != "gone" or key not in BY_KEY:
            continue
        client = Client()
        url = build_path(BY_KEY[key], {})
        with transaction.atomic():  # the password change is rolled back with the request
            user.set_password("Matrix-Login-7")
            user.save(update_fields=["password"])
            client.post(url, {"username": user.employee_number, "password": "Matrix-Login-7"})
            if SESSION_KEY in client.session:
                signed_in.append(url)
            transaction.set_rollback(True)
        user.refresh_from_db()
    assert not signed_in, f"these URLs sign a user in without allauth and MFA: {signed_in}"


def test_autosave_takes_only_the_attempts_own_token(world):
    """The session-free save endpoint: no token, or another attempt's token, is refused."""
    own_id, own_token = world.attempt_tokens["learner"]
    other_id, _ = world.attempt_tokens["learner_other"]
    body = '{"position": 1, "selected": [1], "seq": 1}'
    client = Client()
    problems = []
    for attempt_id, headers in (
        (own_id, {}),
        (other_id, {}),
        (other_id, {"HTTP_X_ATTEMPT_TOKEN": own_token}),
        (other_id, {"HTTP_X_ATTEMPT_TOKEN": own_token[:-2] + "xx"}),
    ):
        with transaction.atomic():
            response = client.post(
                f"/exams/attempt/{attempt_id}/save",
                body,
                content_type="application/json",
                **headers,
            )
            transaction.set_rollback(True)
        if response.status_code not in (400, 401, 403, 404):
            problems.append((attempt_id, sorted(headers), response.status_code))
    assert not problems, problems
    with transaction.atomic():
        response = client.post(
            f"/exams/attempt/{own_id}/save",
            body,
            content_type="application/json",
            HTTP_X_ATTEMPT_TOKEN=own_token,
        )
        transaction.set_rollback(True)
    assert response.status_code == 200, "the own token must work (else the refusals prove nothing)"


@pytest.mark.parametrize(
    "url",
    ["/admin/users/", "/hr/export/people.csv", "/hr/export/people.xlsx", "appointment.pdf"],
)
def test_the_leak_search_finds_people_in_pages_and_downloads(world, url):
    """The control: what city-wide HR may see (a page, a CSV, an xlsx, a real PDF) holds
    people whom district HR must not see, and the search finds them there, so "no leaks"
    in the matrix means something."""
    if url == "appointment.pdf":  # a real PDF about a person outside 西湖区
        url = f"/hr/person/{world.targets['person_id'][1].kwargs['person_id']}/appointment.pdf"
        PDFS.real.clear()
    response, _ = request_once(world.clients["hr_city"], "GET", url)
    assert response.status_code == 200, url
    if url.endswith(".pdf"):
        assert response.body_bytes.startswith(b"%PDF-1"), "the control must read a real PDF"
    text = searchable_text(response)
    found = leaks(
        text,
        people=world.people,
        visible=world.visible_people("hr_district"),
        tolerated_names=set(),
        staff_viewer=True,
    )
    assert any("out-of-scope" in f for f in found), (url, text[:500])


def test_a_job_file_reaches_its_owner(world):
    """The control for the job downloads: the owner gets the file (so that the others'
    refusals are refusals of a file that exists)."""
    jobs = {t.scope.removeprefix("owner:"): t.kwargs["job_id"] for t in world.targets["job_id"]}
    for role, url in (
        ("hr_district", f"/hr/jobs/{jobs['hr_district']}/download/"),
        ("legal_city", f"/admin/credentials/jobs/{jobs['legal_city']}/download/"),
    ):
        response, _ = request_once(world.clients[role], "GET", url)
        assert response.status_code == 200, (role, url, response.status_code)
        assert world.people[world.users[role].pk].name in searchable_text(response)


def test_matrix_summary(world):
    """Prints the matrix's size and outcome (``pytest -s``); the sessions must have held."""
    for role, client in world.clients.items():
        if role == "anonymous":
            continue
        response = client.get("/me/")
        assert response.status_code == 200, f"{role}'s session was lost during the matrix"
    if not OUTCOMES:
        pytest.skip("the matrix did not run in this session (selected tests only)")
    patterns = {o.pattern for o in OUTCOMES}
    roles = {o.role for o in OUTCOMES}
    objects = {o.target for o in OUTCOMES if o.target != "-"}
    refused = sum(o.refused for o in OUTCOMES)
    leaking = [o for o in OUTCOMES if any(p.startswith("LEAK") for p in o.problems)]
    wrong = [o for o in OUTCOMES if any("must be refused" in p for p in o.problems)]
    errors = [o for o in OUTCOMES if any("server error" in p for p in o.problems)]
    writes = [o for o in OUTCOMES if any("wrote to" in p for p in o.problems)]
    methods = Counter(o.method for o in OUTCOMES)
    elapsed = time.monotonic() - (TIMING["start"] or time.monotonic())
    print(
        "\npermission matrix: "
        f"{len(PATTERNS)} URL patterns ({len(patterns)} requested, the rest shadowed) × "
        f"{len(roles)} roles × {len(objects)} objects -> {len(OUTCOMES)} requests "
        f"({methods['GET']} GET, {methods['POST']} POST) in {elapsed:.0f} s; "
        f"refused {refused}, allowed {len(OUTCOMES) - refused}; "
        f"leaks {len(leaking)}, not refused {len(wrong)}, server errors {len(errors)}, "
        f"refused POSTs that wrote {len(writes)}; PDFs laid out {PDFS.rendered}, "
        f"read as their HTML {PDFS.shortcut}"
    )
    slowest = Counter()
    for o in OUTCOMES:
        slowest[o.pattern] += o.seconds
    print("  slowest patterns: " + ", ".join(f"{k} {v:.1f}s" for k, v in slowest.most_common(8)))
    allowed_by_role = Counter(o.role for o in OUTCOMES if not o.refused)
    print("  allowed by role: " + ", ".join(f"{r} {allowed_by_role[r]}" for r in ROLE_KEYS))
    whole_matrix = patterns == set(MATRIX_KEYS)
    for role in STAFF_ROLE_KEYS if whole_matrix else ():  # each staff session passed MFA
        assert allowed_by_role[role] > 10, f"{role} was refused nearly everything: MFA session?"
    for title, rows in (("leaks", leaking), ("not refused", wrong), ("server errors", errors)):
        by_pattern = Counter(o.pattern for o in rows)
        if by_pattern:
            print(
                f"  {title} by pattern: "
                + ", ".join(f"{k} ({n})" for k, n in by_pattern.most_common())
            )
