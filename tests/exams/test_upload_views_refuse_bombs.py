"""The four upload pages of the admin, sent a zip bomb and a million-row sheet by a signed-in
administrator: each page answers with the limit's message, keeps nothing for confirmation,
and nothing is written. (The services and the memory are tested in
``tests/cms/test_upload_limits.py``.)"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cms import spreadsheets
from cms.people.models import User
from cms.uploads import SESSION_PREFIX
from exams.models import Candidate, Question
from learning.models import StudyHourEntry
from tests import bombs
from tests.factories import UserFactory
from tests.factories import login_with_mfa as staff_login

pytestmark = pytest.mark.django_db

FILES = {
    "zip-bomb": (
        bombs.zip_bomb,
        str(spreadsheets.FILE_TOO_LARGE_UNCOMPRESSED % {"limit": "100"}),
    ),
    "million-compact-rows": (
        bombs.million_compact_rows,
        str(spreadsheets.FILE_TOO_MANY_ROWS % {"limit": "50,000"}),
    ),
}


@pytest.fixture(scope="module")
def files():
    return {name: build() for name, (build, _message) in FILES.items()}


@pytest.mark.parametrize("name", FILES)
def test_each_upload_page_refuses_the_file_and_writes_nothing(client, files, name, open_session):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    staff_login(client, superuser)
    people, questions = User.objects.count(), Question.objects.count()
    pages = [
        (reverse("people_roster_upload"), {}),
        (reverse("learning_training_upload"), {}),
        (reverse("exams_bank_import"), {}),
        (reverse("exams_sessions:candidates_import", args=[open_session.pk]), {}),
    ]
    message = FILES[name][1]
    for url, fields in pages:
        upload = SimpleUploadedFile("upload.xlsx", files[name])
        response = client.post(url, {**fields, "file": upload})
        assert response.status_code in (200, 400), url
        assert message in response.content.decode(), url
    assert not [key for key in client.session.keys() if key.startswith(SESSION_PREFIX)]
    assert User.objects.count() == people
    assert not StudyHourEntry.objects.exists()
    assert not Candidate.objects.exists()
    assert Question.objects.count() == questions
