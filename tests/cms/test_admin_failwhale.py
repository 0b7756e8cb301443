"""Wagtail mounts ``/admin/failwhale/``, a view that raises on purpose to test error reports.
On this site it is not a page: a 404 for everyone, never a 500 (nor an error report)."""

import pytest

from tests.factories import UserFactory
from tests.factories import login_with_mfa as staff_login

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/admin/failwhale/", "/admin/failwhale"])
def test_failwhale_is_not_found_for_anyone(client, path, mailoutbox):
    client.raise_request_exception = False
    assert client.get(path, follow=True).status_code == 404
    superuser = UserFactory(is_superuser=True, is_staff=True)
    staff_login(client, superuser)
    assert client.get("/admin/").status_code == 200  # signed in to the admin
    assert client.get(path, follow=True).status_code == 404
    assert client.post(path, follow=True).status_code == 404
    assert mailoutbox == []
