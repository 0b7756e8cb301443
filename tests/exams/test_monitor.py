"""Exam day: the live monitor of a session and its actions, through HTTP and the selector.

The monitor lists the people in the administrator's scope who are on the candidate list or
have sat the session, with their current attempt's progress by the server's clock; its
actions (extend, force-submit, void, re-open, the whole session's extension) go through the
transition services, whose refusals are shown on the form and change nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from exams.models import Attempt, AttemptEvent, AttemptStatus, Candidate, RefusedChange
from exams.services import attempt_start, attempt_submit, attempt_void
from exams.services.transitions import (
    ERR_LEGAL_BASIS_REQUIRED,
    ERR_MINUTES,
    ERR_PAST_CLOSE,
    ERR_REASON_REQUIRED,
    ERR_REOPEN_PASSED,
)
from exams.session_forms import ERR_CONFIRM
from exams.session_selectors import MonitorStatus, session_monitor
from exams.session_views import (
    MSG_FORCE_SUBMITTED,
    MSG_SESSION_EXTENDED,
    MSG_VOIDED,
    url_name,
)
from tests.exams.test_session_admin import make_exam_admin
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Action = AttemptEvent.Action


class Day:
    """A session of 西湖区 on exam day, its administrator and another district's."""

    def __init__(self, session, org):
        self.session = session
        self.district, self.other = org.districts
        self.unit = org.departments[self.district.code][0]
        self.other_unit = org.departments[self.other.code][0]
        self.admin = make_exam_admin(self.district)
        self.other_admin = make_exam_admin(self.other)
        self.now = timezone.now()

    def person(self, *, listed=True, unit=None, **kwargs):
        person = UserFactory(org_unit=unit or self.unit, **kwargs)
        if listed:
            Candidate.objects.create(session=self.session, user=person, listed=True)
        return person

    def sitting(
        self, *, minutes_ago=10, answered=0, saved_seconds_ago=None, seen_seconds_ago=None, **kwargs
    ):
        person = self.person(**kwargs)
        attempt = attempt_start(
            session=self.session, user=person, now=self.now - timedelta(minutes=minutes_ago)
        )
        for slot in attempt.slots.order_by("position")[:answered]:
            slot.selected = [slot.option_order[0]]
            slot.saved_at = self.now - timedelta(seconds=saved_seconds_ago or 0)
            slot.save(update_fields=["selected", "saved_at"])
        if seen_seconds_ago is not None:
            Attempt.objects.filter(pk=attempt.pk).update(
                last_seen_at=self.now - timedelta(seconds=seen_seconds_ago)
            )
        attempt.refresh_from_db()
        return attempt


@pytest.fixture
def day(open_session, org):
    open_session.eligible_unit = org.districts[0]
    open_session.save(update_fields=["eligible_unit"])
    return Day(open_session, org)


def monitor_url(day, **query):
    url = reverse(url_name("monitor"), args=[day.session.pk])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def action_url(attempt, action):
    return reverse(url_name("attempt_action"), args=[attempt.pk, action])


def events(attempt, action):
    return AttemptEvent.objects.filter(attempt=attempt, action=action)


def logged(attempt, action, user):
    return ModelLogEntry.objects.filter(
        object_id=str(attempt.pk), action=f"exams.attempt.{action}", user=user
    ).exists()


# --- The figures ----------------------------------------------------------------------------


def test_counts_and_per_candidate_figures_by_the_server_clock(day):
    waiting = day.person(name="未开考生")
    busy = day.sitting(name="在线考生", answered=3, saved_seconds_ago=10)
    silent = day.sitting(name="无联系考生")
    gone = day.sitting(name="掉线考生", answered=1, saved_seconds_ago=300, seen_seconds_ago=120)
    beating = day.sitting(name="心跳考生", seen_seconds_ago=20)
    done = day.sitting(name="交卷考生", answered=2, saved_seconds_ago=600)
    attempt_submit(attempt_id=done.pk, user=done.user)
    voided = day.sitting(name="作废考生")
    attempt_void(attempt_id=voided.pk, actor=day.admin, reason="替考", legal_basis="考场纪律第五条")
    day.person(name="未列名考生", listed=False)  # eligible by rule, not started: not counted
    day.sitting(name="外区考生", unit=day.other_unit)  # out of the administrator's scope

    monitor = session_monitor(day.session, day.admin, now=day.now)

    assert monitor.counts == {
        MonitorStatus.NOT_STARTED: 1,
        MonitorStatus.IN_PROGRESS: 4,
        MonitorStatus.FINISHED: 1,
        MonitorStatus.VOIDED: 1,
    }
    rows = {row.person.name: row for row in monitor.rows}
    assert set(rows) == {
        "未开考生",
        "在线考生",
        "无联系考生",
        "掉线考生",
        "心跳考生",
        "交卷考生",
        "作废考生",
    }
    assert rows["未开考生"].attempt is None and rows["未开考生"].person == waiting
    assert rows["未开考生"].status == MonitorStatus.NOT_STARTED
    online = rows["在线考生"]
    assert (online.answered, online.questions) == (3, 20)
    assert online.last_save == day.now - timedelta(seconds=10)
    # Started 10 minutes ago with 60 minutes: 50 minutes left on the server's clock.
    assert online.remaining_seconds == 50 * 60 and online.remaining == "0:50:00"
    assert not online.offline
    assert rows["无联系考生"].offline and rows["无联系考生"].last_contact is None
    assert rows["掉线考生"].offline
    assert rows["掉线考生"].last_contact == day.now - timedelta(seconds=120)
    assert not rows["心跳考生"].offline
    finished = rows["交卷考生"]
    assert finished.status == MonitorStatus.FINISHED and finished.attempt == done
    assert (finished.answered, finished.remaining_seconds, finished.offline) == (2, None, False)
    assert rows["作废考生"].status == MonitorStatus.VOIDED
    assert busy.user == online.person and silent.user == rows["无联系考生"].person
    assert gone.user == rows["掉线考生"].person and beating.user == rows["心跳考生"].person


def test_the_page_shows_counts_rows_and_actions_and_refreshes_itself(client, day):
    day.person(name="未开考生")
    running = day.sitting(name="在线考生", answered=3, saved_seconds_ago=5)
    offline = day.sitting(name="掉线考生")
    done = day.sitting(name="交卷考生")
    attempt_submit(attempt_id=done.pk, user=done.user)
    client.force_login(day.admin)

    response = client.get(monitor_url(day))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-count="not_started"' in html
    assert (
        html.split('data-count="in_progress">')[1].split("</li>")[0].endswith("<strong>2</strong>")
    )
    assert html.split('data-count="finished">')[1].split("</li>")[0].endswith("<strong>1</strong>")
    row = html.split(f'data-employee-number="{running.user.employee_number}"')[1].split("</tr>")[0]
    assert '<td data-cell="answered">3 / 20</td>' in row
    assert 'data-cell="offline"' not in row
    assert action_url(running, "extend") in row and action_url(running, "force_submit") in row
    assert action_url(running, "reopen") not in row
    offline_row = html.split(f'data-employee-number="{offline.user.employee_number}"')[1]
    assert 'data-cell="offline"' in offline_row.split("</tr>")[0]
    done_row = html.split(f'data-employee-number="{done.user.employee_number}"')[1].split("</tr>")[
        0
    ]
    assert action_url(done, "reopen") in done_row and action_url(done, "void") in done_row
    assert reverse("exams:staff_attempt", args=[done.pk]) in done_row
    # The script re-fetches the table part; without it the "refresh" link reloads the page.
    assert "exams/monitor.js" in html and "data-monitor-refresh" in html
    table_url = reverse(url_name("monitor_table"), args=[day.session.pk])
    assert f'data-refresh-url="{table_url}"' in html
    fragment = client.get(table_url)
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert running.user.employee_number in fragment.content.decode()
    assert "no-cache" in fragment["Cache-Control"] or "no-store" in fragment["Cache-Control"]


def test_filter_by_status_search_and_pages(client, day):
    waiting = [day.person(name=f"待考{i:02d}") for i in range(3)]
    running = day.sitting(name="张三丰")
    client.force_login(day.admin)

    html = client.get(monitor_url(day, status="not_started")).content.decode()
    assert all(p.employee_number in html for p in waiting)
    assert running.user.employee_number not in html.split("data-monitor-rows")[1]

    html = client.get(monitor_url(day, q="三丰")).content.decode()
    rows = html.split("data-monitor-rows")[1]
    assert running.user.employee_number in rows
    assert not any(p.employee_number in rows for p in waiting)
    assert (
        waiting[1].employee_number
        in client.get(monitor_url(day, q=waiting[1].employee_number)).content.decode()
    )

    monitor = session_monitor(day.session, day.admin, per_page=2, page=2)
    assert monitor.page.paginator.num_pages == 2 and len(monitor.rows) == 2


# --- Actions --------------------------------------------------------------------------------


def test_extend_one_attempt_through_the_page(client, day):
    attempt = day.sitting()
    before = attempt.deadline
    client.force_login(day.admin)
    assert client.get(action_url(attempt, "extend")).status_code == 200

    response = client.post(
        action_url(attempt, "extend"), {"minutes": "10", "reason": "考场网络故障"}, follow=True
    )

    attempt.refresh_from_db()
    assert attempt.deadline == before + timedelta(minutes=10)
    assert response.redirect_chain[-1][0] == monitor_url(day)
    event = events(attempt, Action.EXTEND).get()
    assert (event.actor, event.reason, event.data["minutes"]) == (day.admin, "考场网络故障", 10)
    assert logged(attempt, "extend", day.admin)


def test_force_submit_needs_the_confirmation_then_submits(client, day):
    attempt = day.sitting(answered=2)
    client.force_login(day.admin)
    url = action_url(attempt, "force_submit")

    refused = client.post(url, {"reason": "考生已离开考场"})
    assert refused.status_code == 200 and str(ERR_CONFIRM) in refused.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS

    response = client.post(url, {"reason": "考生已离开考场", "confirm": "on"}, follow=True)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.score is not None
    assert str(MSG_FORCE_SUBMITTED % {"name": attempt.user.name}) in response.content.decode()
    assert events(attempt, Action.FORCE_SUBMIT).get().actor == day.admin
    assert logged(attempt, "force_submit", day.admin)


def test_void_records_reason_and_legal_basis(client, day):
    attempt = day.sitting()
    attempt_submit(attempt_id=attempt.pk, user=attempt.user)
    client.force_login(day.admin)

    response = client.post(
        action_url(attempt, "void"),
        {"reason": "替考", "legal_basis": "考场纪律第五条", "confirm": "on"},
        follow=True,
    )

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.VOIDED and attempt.passed is False
    assert str(MSG_VOIDED % {"name": attempt.user.name}) in response.content.decode()
    event = events(attempt, Action.VOID).get()
    assert (event.reason, event.legal_basis, event.from_status) == (
        "替考",
        "考场纪律第五条",
        AttemptStatus.SUBMITTED,
    )
    assert logged(attempt, "void", day.admin)


def test_reopen_after_a_fault(client, day):
    attempt = day.sitting(answered=4)
    attempt_submit(attempt_id=attempt.pk, user=attempt.user)
    client.force_login(day.admin)

    client.post(action_url(attempt, "reopen"), {"minutes": "15", "reason": "考生电脑断电"})

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS and attempt.score is None
    assert timezone.now() + timedelta(minutes=14) < attempt.deadline
    assert attempt.deadline <= timezone.now() + timedelta(minutes=15)
    assert attempt.slots.exclude(selected=[]).count() == 4  # the saved answers are kept
    assert events(attempt, Action.REOPEN).get().reason == "考生电脑断电"
    assert logged(attempt, "reopen", day.admin)


def test_refusals_change_nothing_and_show_the_services_message(client, day):
    running = day.sitting()
    passed = day.sitting()
    attempt_submit(attempt_id=passed.pk, user=passed.user)
    Attempt.objects.filter(pk=passed.pk).update(passed=True)
    client.force_login(day.admin)
    before = AttemptEvent.objects.count()

    void = client.post(action_url(running, "void"), {"reason": "作弊", "confirm": "on"})
    assert void.status_code == 200
    assert str(ERR_LEGAL_BASIS_REQUIRED) in void.content.decode()

    reopen = client.post(action_url(passed, "reopen"), {"minutes": "10", "reason": "故障"})
    assert str(ERR_REOPEN_PASSED) in reopen.content.decode()

    no_reason = client.post(action_url(running, "extend"), {"minutes": "10", "reason": " "})
    assert str(ERR_REASON_REQUIRED) in no_reason.content.decode()

    # A deadline at the session's close moves only with the close.
    Attempt.objects.filter(pk=running.pk).update(deadline=day.session.closes_at)
    past = client.post(action_url(running, "extend"), {"minutes": "10", "reason": "故障"})
    close = timezone.localtime(day.session.closes_at).strftime("%Y-%m-%d %H:%M")
    assert str(ERR_PAST_CLOSE % {"close": close}) in past.content.decode()

    running.refresh_from_db()
    passed.refresh_from_db()
    assert running.status == AttemptStatus.IN_PROGRESS
    assert running.deadline == day.session.closes_at
    assert passed.status == AttemptStatus.SUBMITTED and passed.passed is True
    assert AttemptEvent.objects.count() == before

    # A re-open of a passed attempt is not even offered on its page.
    assert "data-attempt-action" in client.get(action_url(passed, "reopen")).content.decode()
    assert "data-not-allowed" in client.get(action_url(passed, "extend")).content.decode()

    closes = day.session.closes_at
    client.post(
        action_url(running, "extend"), {"minutes": "10", "reason": "故障", "extend_close": "on"}
    )
    running.refresh_from_db()
    day.session.refresh_from_db()
    assert running.deadline == closes + timedelta(minutes=10) == day.session.closes_at


def test_extend_the_whole_session(client, day):
    first, second = day.sitting(), day.sitting(minutes_ago=30)
    outside = day.sitting(unit=day.other_unit)
    done = day.sitting()
    attempt_submit(attempt_id=done.pk, user=done.user)
    deadlines = {a.pk: a.deadline for a in (first, second, outside, done)}
    client.force_login(day.admin)

    response = client.post(
        reverse(url_name("monitor_extend"), args=[day.session.pk]),
        {"minutes": "5", "reason": "考场停电"},
        follow=True,
    )

    assert str(MSG_SESSION_EXTENDED % {"count": 2, "minutes": 5}) in response.content.decode()
    for attempt, moved in ((first, 5), (second, 5), (outside, 0), (done, 0)):
        attempt.refresh_from_db()
        assert attempt.deadline == deadlines[attempt.pk] + timedelta(minutes=moved)
    assert events(first, Action.EXTEND).get().data["session_wide"] is True
    assert ModelLogEntry.objects.filter(
        object_id=str(day.session.pk), action="exams.session.extend", user=day.admin
    ).exists()

    refused = client.post(
        reverse(url_name("monitor_extend"), args=[day.session.pk]), {"minutes": "0", "reason": "x"}
    )
    assert refused.status_code == 200 and str(ERR_MINUTES) in refused.content.decode()
    first.refresh_from_db()
    assert first.deadline == deadlines[first.pk] + timedelta(minutes=5)


# --- Scope ----------------------------------------------------------------------------------


def test_another_districts_administrator_can_neither_see_nor_act(client, day):
    attempt = day.sitting()
    finished = day.sitting()
    attempt_submit(attempt_id=finished.pk, user=finished.user)
    client.force_login(day.other_admin)

    for url in (
        monitor_url(day),
        reverse(url_name("monitor_table"), args=[day.session.pk]),
        reverse(url_name("monitor_extend"), args=[day.session.pk]),
        action_url(attempt, "extend"),
    ):
        assert client.get(url).status_code == 404, url
    deadline = attempt.deadline
    posts = [
        (action_url(attempt, "extend"), {"minutes": "30", "reason": "x"}),
        (action_url(attempt, "force_submit"), {"reason": "x", "confirm": "on"}),
        (action_url(attempt, "void"), {"reason": "x", "legal_basis": "y", "confirm": "on"}),
        (action_url(finished, "reopen"), {"minutes": "30", "reason": "x"}),
        (
            reverse(url_name("monitor_extend"), args=[day.session.pk]),
            {"minutes": "30", "reason": "x"},
        ),
    ]
    before = AttemptEvent.objects.count()
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    attempt.refresh_from_db()
    finished.refresh_from_db()
    assert (attempt.status, attempt.deadline) == (AttemptStatus.IN_PROGRESS, deadline)
    assert finished.status == AttemptStatus.SUBMITTED
    assert AttemptEvent.objects.count() == before


def test_in_a_shared_session_an_administrator_acts_only_on_own_people(client, day):
    """A session run from a candidate list holding people of two districts: its author sees
    and acts on their own district's people only."""
    day.session.eligible_unit = None
    day.session.created_by = day.admin
    day.session.save(update_fields=["eligible_unit", "created_by"])
    mine = day.sitting()
    theirs = day.sitting(unit=day.other_unit)
    client.force_login(day.admin)

    html = client.get(monitor_url(day)).content.decode()
    assert mine.user.employee_number in html
    assert theirs.user.employee_number not in html and theirs.user.name not in html
    assert client.get(action_url(theirs, "extend")).status_code == 404
    response = client.post(action_url(theirs, "force_submit"), {"reason": "x", "confirm": "on"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == AttemptStatus.IN_PROGRESS


def test_learners_and_unknown_actions_are_refused(client, day):
    attempt = day.sitting()
    client.force_login(attempt.user)
    assert client.get(monitor_url(day)).status_code in (302, 403)
    response = client.post(action_url(attempt, "extend"), {"minutes": "30", "reason": "x"})
    assert response.status_code in (302, 403)
    attempt.refresh_from_db()
    assert not events(attempt, Action.EXTEND).exists()
    client.force_login(day.admin)
    assert client.get(action_url(attempt, "delete")).status_code == 404


# --- The query budget ------------------------------------------------------------------------


def _crowd(day, count: int, offset: int) -> None:
    """``count`` candidates: a third not started, the rest sitting with some answers."""
    for i in range(offset, offset + count):
        if i % 3 == 0:
            day.person(name=f"考生{i:04d}")
        else:
            day.sitting(name=f"考生{i:04d}", answered=i % 5, saved_seconds_ago=i % 90)


def _queries(client, url) -> int:
    client.get(url)  # warm the per-process caches (site, content types)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("view", ["monitor", "monitor_table"])
def test_query_budget_is_the_same_for_10_and_200_candidates(
    client, day, view, django_assert_num_queries
):
    client.force_login(day.admin)
    url = reverse(url_name(view), args=[day.session.pk])
    _crowd(day, 10, 0)
    with_ten = _queries(client, url)
    print(f"{view}: {with_ten} queries")

    _crowd(day, 190, 10)
    assert session_monitor(day.session, day.admin).total == 200
    with django_assert_num_queries(with_ten):
        response = client.get(url)
    assert response.content.decode().count("data-employee-number=") == 50  # one full page
    with django_assert_num_queries(with_ten):
        client.get(url + "?status=in_progress&p=2")


# --- The staff view of an attempt ----------------------------------------------------------


def test_staff_attempt_view_shows_history_and_refused_changes(client, day):
    attempt = day.sitting(answered=1)
    client.force_login(day.admin)
    client.post(action_url(attempt, "extend"), {"minutes": "5", "reason": "网络故障"})
    client.post(action_url(attempt, "force_submit"), {"reason": "离开考场", "confirm": "on"})
    slot = attempt.slots.get(position=2)
    RefusedChange.objects.create(
        attempt=attempt,
        position=2,
        selected=[slot.option_order[1]],
        seq=3,
        why=RefusedChange.Why.FINISHED,
        received_at=timezone.now(),
    )

    response = client.get(reverse("exams:staff_attempt", args=[attempt.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    history = html.split("data-attempt-events")[1].split("</section>")[0]
    assert [part.split('"')[0] for part in history.split('data-event="')[1:]] == [
        "start",
        "extend",
        "force_submit",
    ]
    assert "网络故障" in history and "离开考场" in history and day.admin.name in history
    assert "作答中 → 已交卷" in history
    refused = html.split("data-refused-changes")[1].split("</section>")[0]
    assert "未被接受的修改" in refused
    row = refused.split('data-refused-position="2">')[1].split("</tr>")[0]
    assert "<td>B</td>" in row and "（未作答）" in row  # sent B; what counts: unanswered
    assert str(RefusedChange.Why.FINISHED.label) in refused

    client.force_login(day.other_admin)
    assert client.get(reverse("exams:staff_attempt", args=[attempt.pk])).status_code == 404
