"""Appraisal reasons stored as codes and figures instead of text in one language.

Reasons written by earlier versions as Chinese (or English) sentences are read back into
their code and figures; a sentence that matches none of the known ones is left as it is (it
is still shown, as written).
"""

import re

from django.db import migrations

PATTERNS = [
    ("hours_short", r"学时未达标：已修 (?P<counted>\S+) 学时，应修 (?P<required>\S+) 学时。"),
    ("no_exam", r"未参加(?P<year>\d{4})年度学法考试。"),
    ("exam_failed", r"(?P<year>\d{4})年度学法考试不合格（最高 (?P<score>\S+) 分）。"),
    ("review_failed", r"(?P<year>\d{4})年度执法证年审不合格。"),
    (
        "hours_short",
        r"Study hours requirement not met: (?P<counted>\S+) study hours earned, "
        r"(?P<required>\S+) required\.",
    ),
    ("no_exam", r"Did not take the (?P<year>\d{4}) annual law exam\."),
    (
        "exam_failed",
        r"Failed the (?P<year>\d{4}) annual law exam \(highest score (?P<score>\S+)\)\.",
    ),
    ("review_failed", r"Failed the (?P<year>\d{4}) enforcement credential annual review\."),
]


def as_code(reason):
    if not isinstance(reason, str):
        return reason
    for code, pattern in PATTERNS:
        match = re.fullmatch(pattern, reason)
        if match:
            return {"code": code, **match.groupdict()}
    return reason


def as_text(reason):
    """Back to the Chinese sentence (the platform's source language)."""
    if isinstance(reason, str):
        return reason
    figures = {k: v for k, v in reason.items() if k != "code"}
    sentences = {
        "hours_short": "学时未达标：已修 {counted} 学时，应修 {required} 学时。",
        "no_exam": "未参加{year}年度学法考试。",
        "exam_failed": "{year}年度学法考试不合格（最高 {score} 分）。",
        "review_failed": "{year}年度执法证年审不合格。",
    }
    return sentences.get(reason.get("code"), "{code}").format(**figures, code=reason.get("code"))


def convert(apps, convert_one):
    AppraisalRecord = apps.get_model("certification", "AppraisalRecord")
    changed = []
    for record in AppraisalRecord.objects.exclude(reasons=[]).only("pk", "reasons").iterator():
        reasons = [convert_one(r) for r in record.reasons or []]
        if reasons != record.reasons:
            record.reasons = reasons
            changed.append(record)
        if len(changed) >= 1000:
            AppraisalRecord.objects.bulk_update(changed, ["reasons"])
            changed = []
    AppraisalRecord.objects.bulk_update(changed, ["reasons"])


def forwards(apps, schema_editor):
    convert(apps, as_code)


def backwards(apps, schema_editor):
    convert(apps, as_text)


class Migration(migrations.Migration):
    dependencies = [("certification", "0004_regrade")]

    operations = [migrations.RunPython(forwards, backwards)]
