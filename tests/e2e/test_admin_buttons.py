"""Icon buttons of our own admin pages render as Wagtail's do: a 1em icon beside a visible
label (an unstyled SVG is 300 × 150 px and hides the label)."""

import pytest

from tests.e2e.test_exam_monitor import _sign_in
from tests.factories import UserFactory, give_totp

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_icon_buttons_are_small_with_their_label_visible(
    live_server, page, browser_context, open_session
):
    admin = UserFactory(is_superuser=True, is_staff=True)
    give_totp(admin)
    _sign_in(browser_context, live_server, admin)
    pages = [
        f"/admin/exams/sessions/{open_session.pk}/results/",
        "/admin/people/roster/",
        "/admin/learning/training/",
    ]
    checked = 0
    for path in pages:
        page.goto(live_server.url + path)
        buttons = page.locator(".button:has(svg.icon)")
        assert buttons.count() > 0, path
        for index in range(buttons.count()):
            button = buttons.nth(index)
            if not button.is_visible():
                continue
            icon = button.locator("svg.icon").first.bounding_box()
            assert icon["width"] <= 24 and icon["height"] <= 24, (path, icon)
            label = button.inner_text().strip()
            assert label or button.get_attribute("aria-label"), path
            box = button.bounding_box()
            assert box["height"] <= 60, (path, box)
            checked += 1
    assert checked >= 3
