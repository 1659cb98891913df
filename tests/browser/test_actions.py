"""What an analyst does on the page besides looking: acknowledge an alert, confirm and split identity links, save and
reopen an investigation, ask why a field is not shown. Asserted on the rendered page."""

from __future__ import annotations

from typing import Any

from tests.browser.workspace import open_network, open_tab, sign_in


def _first_listed(page: Any) -> str:
    page.wait_for_selector("section[data-ready] #nominations tbody tr")
    return str(page.get_attribute("#nominations tbody tr:first-child", "data-person"))


def test_acknowledge_an_alert_with_a_note(page: Any, shots: Any) -> None:
    sign_in(page, "cleveland-police", "matac-analyst", "matac-tasking", "MATAC-0001")
    open_tab(page, "alerts")
    page.wait_for_selector("section[data-ready] #alerts")
    open_rows = page.locator("#alerts tbody tr:has(button.ack)")
    assert open_rows.count() > 0, "the demo data raises alerts for MATAC"
    page.wait_for_function("() => !document.querySelector('#alerts .person-name').textContent.startsWith('HP-')")
    shots(page, "alerts")
    row = open_rows.first
    alert = row.get_attribute("data-alert")
    row.locator(".ack-note").fill("Tasked to the DVDS team (browser test)")
    row.locator("button.ack").click()
    done = page.locator(f"#alerts tr[data-alert='{alert}'] .acknowledged")
    done.filter(has_text="Tasked to the DVDS team").wait_for()
    assert page.locator(f"#alerts tr[data-alert='{alert}'] button.ack").count() == 0


def test_confirm_and_split_identity_links_and_ask_why_not(page: Any, shots: Any) -> None:
    sign_in(page, "cleveland-police", "matac-analyst", "matac-tasking", "MATAC-0001")
    page.wait_for_selector("section[data-ready] #nominations tbody tr")
    # a listed person joined from three or more records: a merged person to review
    rows = page.locator("#nominations tbody tr")
    person = next(
        rows.nth(i).get_attribute("data-person")
        for i in range(rows.count())
        if rows.nth(i).locator(".chip").count() >= 3
    )
    page.locator(f"#nominations tr[data-person='{person}'] td").nth(2).click()  # the row: its details
    page.locator("#details button", has_text="Review identity").click()
    page.wait_for_selector("section[data-ready] #identity-links")
    cards = page.locator(".link-card")
    assert cards.count() >= 2
    first = cards.nth(0)
    assert first.locator(".evidence tbody tr").count() >= 3, "each comparison with its level and weight"
    assert "Joined by" in first.locator(".method").inner_text()
    shots(page, "identity")

    first.locator(".decision-reason").fill("Same DOB and address history (browser test)")
    first.locator("button.confirm").click()
    first.locator(".decision-outcome", has_text="Confirmed").wait_for()
    second = cards.nth(1)
    second.locator("button.split").click()
    assert "Give a reason" in second.locator(".decision-outcome").inner_text()
    second.locator(".decision-reason").fill("Twins: different NHS numbers (browser test)")
    second.locator("button.split").click()
    second.locator(".decision-outcome", has_text="Split").wait_for()
    assert "next identity resolution run" in second.locator(".decision-outcome").inner_text()

    # a field that came back empty can be asked why, and the hub answers in words
    why = page.locator("#identity-record-table button.why-not")
    if why.count():
        why.first.click()
        answer = page.locator("#identity-record-table .explanation").first
        answer.wait_for()
        assert "tees-matac" in answer.inner_text()


def test_save_and_reopen_an_investigation(page: Any) -> None:
    sign_in(page, "cleveland-police", "matac-analyst", "matac-tasking", "MATAC-0077")
    person = _first_listed(page)
    open_network(page, person, hops=2)
    people = sorted(page.locator("#network-people tbody tr").evaluate_all("rows => rows.map(r => r.dataset.id)"))
    maximum = int(page.get_attribute("#time-from", "max") or 0)
    page.fill("#time-from", str(maximum // 2))
    page.dispatch_event("#time-from", "input")
    window = page.inner_text("#time-from-value")

    open_tab(page, "investigations")
    page.wait_for_selector("section[data-ready] #investigations")
    page.fill("#investigation-name", "Panel prep (browser test)")
    page.click("#save-investigation")
    page.locator("#investigations-status", has_text="Saved").wait_for()
    saved = page.locator("#investigations tbody tr", has_text="Panel prep (browser test)")
    assert saved.locator("td").nth(3).inner_text() == "MATAC-0077"

    # declaring the purpose again clears the screen; the saved view brings it back
    page.click("#change-purpose")
    page.wait_for_selector("#purpose option", state="attached")
    page.fill("#justification", "MATAC-0077")
    page.click("#declare")
    open_tab(page, "investigations")
    page.locator("#investigations tbody tr", has_text="Panel prep (browser test)").locator("button.reopen").click()
    page.wait_for_selector("#tab-network[aria-selected=true]")
    page.wait_for_function(f"() => document.querySelectorAll('#network-people tbody tr').length >= {len(people)}")
    page.wait_for_function("w => document.getElementById('time-from-value').textContent === w", arg=window)
    reopened = sorted(page.locator("#network-people tbody tr").evaluate_all("rows => rows.map(r => r.dataset.id)"))
    assert reopened == people
    assert page.input_value("#network-person") == person
