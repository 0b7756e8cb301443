"""Staff can save Wagtail's account page: the name panel edits our single name field."""

import pytest
from bs4 import BeautifulSoup

from tests.factories import UserFactory, give_totp

pytestmark = pytest.mark.django_db


def _form_data(html: str) -> dict:
    """What a browser would send: every field of the page's form with its current value."""
    form = BeautifulSoup(html, "html.parser").find(
        "form", attrs={"method": lambda value: (value or "").lower() == "post"}
    )
    data = {}
    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name or field.get("type") in ("file", "submit"):
            continue
        if field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            data[name] = chosen.get("value", "") if chosen else ""
        elif field.get("type") in ("checkbox", "radio"):
            if field.has_attr("checked"):
                data[name] = field.get("value", "on")
        else:
            data[name] = field.get("value", field.text if field.name == "textarea" else "")
    return data


def test_staff_member_changes_their_name_on_the_account_page(client):
    user = UserFactory(is_staff=True, is_superuser=True, name="王建国", email="wjg@example.cn")
    give_totp(user)
    client.force_login(user)
    page = client.get("/admin/account/")
    assert page.status_code == 200
    data = _form_data(page.content.decode())
    assert data["name_email-name"] == "王建国"
    data["name_email-name"] = "王建华"
    response = client.post("/admin/account/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.name == "王建华"
