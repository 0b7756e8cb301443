"""A key correction through the whole chain, with certification's real receivers connected:
the dry run names the certificates that would change and writes nothing; confirming regrades
the attempts in the background task, and certification withdraws the certificate of the
candidate who no longer passes and issues one to the candidate who now does. A paper still
awaiting its markers is left alone and honours the correction when it is marked."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from certification.models import Certificate, CertificateStatus
from exams.models import Attempt, ExamKind
from exams.services.regrades import (
    key_correction_confirm,
    regrade_consequences_collect,
    regrade_plan,
)
from tests.exams.test_regrade import A, B, World, corrected_edit, true_false_bank

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    from tests.factories import build_org_tree

    org = build_org_tree()
    world = World(true_false_bank(), org)
    world.session.kind = ExamKind.PRE_APPOINTMENT
    world.session.save()
    return world


@pytest.mark.postgres  # row locks on attempts and questions
def test_a_key_correction_withdraws_and_issues_pre_appointment_certificates(
    world, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        keeps = world.sit(q=A, tf_right=3)  # 100 -> 75, still passes
        loses = world.sit(q=A, tf_right=2)  # 75 -> 50: no longer passes
        gains = world.sit(q=B, tf_right=2)  # 50 -> 75: now passes
    certificates = {c.attempt_id: c for c in Certificate.objects.all()}
    assert set(certificates) == {keeps.pk, loses.pk}

    plan = regrade_plan(question=world.q, action="key", actor=world.admin, key=[B])
    assert {(c.attempt_id, c.new_passed) for c in plan.flips} == {
        (loses.pk, False),
        (gains.pk, True),
    }
    planned = regrade_consequences_collect(plan)
    assert sorted((c.kind, c.person_id) for c in planned) == sorted(
        # withdrawn, issued, and the kept one's printed score corrected
        [("certificate", u) for u in (loses.user_id, gains.user_id, keeps.user_id)]
    )
    assert Certificate.objects.count() == 2  # the dry run wrote nothing
    assert all(c.status == CertificateStatus.VALID for c in Certificate.objects.all())

    with django_capture_on_commit_callbacks(execute=True):
        key_correction_confirm(
            question=world.q, reason="原答案与法条不符", actor=world.admin, **corrected_edit(world)
        )

    assert [Attempt.objects.get(pk=a.pk).score for a in (keeps, loses, gains)] == [
        Decimal("75"), Decimal("50"), Decimal("75"),
    ]  # fmt: skip
    lost = Certificate.objects.get(attempt_id=loses.pk)
    assert lost.status == CertificateStatus.WITHDRAWN
    assert "原答案与法条不符" in lost.status_reason
    kept = Certificate.objects.get(attempt_id=keeps.pk)
    assert kept.status == CertificateStatus.VALID and kept.score == Decimal("75")
    issued = Certificate.objects.get(attempt_id=gains.pk)
    assert issued.status == CertificateStatus.VALID and issued.score == Decimal("75")
    page = client.get(reverse("verify:code", kwargs={"code": lost.verification_code}))
    assert 'data-status="withdrawn"' in page.content.decode()
