"""Moving about the exam page as a person would, whatever the screen's width."""

from playwright.sync_api import expect


def show_question(page, position: int) -> None:
    """Bring question `position` on screen: on a phone (one question per screen) through the
    answer sheet, as a candidate would; on a wide screen every question is already there."""
    page.wait_for_selector("#exam.is-paged", state="attached")  # the page's script has run
    section = page.locator(f"#q-{position}")
    if section.is_visible():
        return
    page.locator("[data-sheet-open]").click()
    page.locator(f'[data-sheet-item="{position}"]').click()
    expect(section).to_be_visible()
