"""Yearly appraisal records: compute as a job, ratings and reasons, review, lock, audited unlock."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from certification.exceptions import CertificationError
from certification.models import AppraisalRecord, BatchJob
from certification.selectors_hr import hr_people
from certification.services.appraisal import (
    MSG_LOCKED,
    MSG_UNLOCK_REASON,
    appraisal_compute,
    appraisal_reason_text,
    appraisal_reasons_text,
    appraisal_review,
    appraisal_unlock,
)

from .hr_data import YEAR, small_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return small_city()


def _compute(client, city):
    client.force_login(city.hr_a)
    response = client.post(reverse("hr:appraisal_compute", args=[YEAR]))
    job = BatchJob.objects.get(kind=BatchJob.Kind.APPRAISAL)
    assert response.url == reverse("hr:job", args=[job.pk])
    return job


def test_compute_job_rates_each_person_of_the_subtree(client, city):
    job = _compute(client, city)
    job.refresh_from_db()
    assert job.status == BatchJob.Status.DONE and (job.done, job.total) == (4, 4)
    assert job.summary == {"created": 4, "updated": 0, "unchanged": 0, "locked": 0}
    page = client.get(reverse("hr:job", args=[job.pk]))
    assert 'data-job-status="done"' in page.content.decode()
    records = {r.person.name: r for r in AppraisalRecord.objects.select_related("person")}
    assert set(records) == {"人员甲", "人员乙", "人员丙", "人员丁"}  # not 戊 of 上城区
    assert records["人员甲"].rating == "passed" and records["人员甲"].exam_band == "优秀"
    assert records["人员乙"].rating == "failed"
    assert [appraisal_reason_text(r) for r in records["人员乙"].reasons] == [
        "学时未达标：已修 10 学时，应修 40 学时。",
        "2025年度学法考试不合格（最高 50.00 分）。",
    ]
    assert [appraisal_reason_text(r) for r in records["人员丙"].reasons] == [
        "未参加2025年度学法考试。"
    ]
    assert records["人员丁"].rating == "passed" and records["人员丁"].hours_counted == 60


def test_recomputing_without_new_data_writes_nothing(client, city):
    _compute(client, city)
    counts = appraisal_compute(year=YEAR, people=hr_people(city.hr_a))
    assert counts == {"created": 0, "updated": 0, "unchanged": 4, "locked": 0}


def test_lock_keeps_records_unchanged_until_an_audited_unlock(client, city):
    _compute(client, city)
    client.post(reverse("hr:appraisal_lock", args=[YEAR]))
    record = AppraisalRecord.objects.get(person=city.people["乙"])
    assert record.locked and record.locked_by == city.hr_a
    # new hours arrive; recomputing leaves the locked record as it was
    from .conftest import earn

    earn(city.people["乙"], 30, year=YEAR, kind="online", n=2)
    counts = appraisal_compute(year=YEAR, people=hr_people(city.hr_a))
    assert counts["locked"] == 4 and counts["updated"] == 0
    record.refresh_from_db()
    assert record.hours_counted == 10
    with pytest.raises(CertificationError) as refused:
        appraisal_review(record_id=record.pk, actor=city.hr_a, notes="改")
    assert str(refused.value) == str(MSG_LOCKED)
    # unlocking needs a reason
    with pytest.raises(CertificationError) as no_reason:
        appraisal_unlock(record_id=record.pk, actor=city.hr_a, reason="  ")
    assert str(no_reason.value) == str(MSG_UNLOCK_REASON)
    # HR of another district may not unlock it (the page answers 404)
    client.force_login(city.hr_b)
    url = reverse("hr:record", args=[record.pk])
    assert client.post(url, {"action": "unlock", "reason": "x"}).status_code == 404
    record.refresh_from_db()
    assert record.locked
    client.force_login(city.hr_a)
    client.post(url, {"action": "unlock", "reason": "补录线下培训学时"})
    record.refresh_from_db()
    assert not record.locked
    entry = ModelLogEntry.objects.for_instance(record).get(action="certification.appraisal.unlock")
    assert entry.user == city.hr_a and entry.data["reason"] == "补录线下培训学时"
    assert "补录线下培训学时" in client.get(url).content.decode()
    appraisal_compute(year=YEAR, people=hr_people(city.hr_a))
    record.refresh_from_db()
    assert record.hours_counted == 40 and "学时未达标" not in appraisal_reasons_text(record.reasons)


def test_review_notes_are_kept(client, city):
    _compute(client, city)
    record = AppraisalRecord.objects.get(person=city.people["甲"])
    client.post(reverse("hr:record", args=[record.pk]), {"action": "review", "notes": "已核实"})
    record.refresh_from_db()
    assert record.notes == "已核实" and record.reviewed_by == city.hr_a


def test_person_sees_only_own_records_read_only(client, city):
    appraisal_compute(year=YEAR, people=hr_people(city.hr_a))
    person = city.people["乙"]
    client.force_login(person)
    page = client.get(reverse("certification:my_appraisal")).content.decode()
    assert 'data-year="2025"' in page and "2025年度学法考试不合格" in page
    assert "<form" not in page.split("<main")[-1] if "<main" in page else True
    assert reverse("certification:transcript_pdf") in page
    assert client.get(reverse("hr:dashboard")).status_code == 403
    other = AppraisalRecord.objects.get(person=city.people["甲"])
    assert client.get(reverse("hr:record", args=[other.pk])).status_code == 403
