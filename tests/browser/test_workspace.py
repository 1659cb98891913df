"""The analyst's way through the page: sign in, purpose, the nomination list, a network (expand, path, time filter,
export, print). Asserted on the rendered page."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.workspace import ask, open_network, sign_in


def test_sign_in_shows_purpose_and_changing_it_clears_the_screen(page: Any) -> None:
    page.goto(f"{page.base}/ui/")
    page.wait_for_selector("#dev-agency option", state="attached")
    assert page.locator("#dev-agency option").count() >= 5, "the demo agencies come from /ui/dev/callers"
    sign_in(page, "cleveland-police", "matac-analyst", "matac-tasking", "MATAC-0042")
    assert page.inner_text("#purpose-shown") == "Purpose: matac-tasking"
    assert page.inner_text("#justification-shown") == "Justification: MATAC-0042"
    page.wait_for_selector("#nominations[aria-describedby] tbody tr")
    page.click("#change-purpose")
    assert page.locator("#nominations tbody tr").count() == 0, "what was shown for the old purpose is gone"
    # the picker offers what the hub says this caller may declare: a MATAC analyst, MATAC tasking alone
    page.wait_for_selector("#purpose option", state="attached")
    offered = page.locator("#purpose option").evaluate_all("options => options.map(o => o.value)")
    assert offered == ["matac-tasking"]
    page.fill("#justification", "MATAC-0043")
    page.click("#declare")
    assert page.inner_text("#justification-shown") == "Justification: MATAC-0043"
    page.reload()  # the session survives a reload of the tab
    assert page.inner_text("#justification-shown") == "Justification: MATAC-0043"


def test_nomination_list_ranks_with_the_rfg_breakdown_and_filters(page: Any, shots: Any) -> None:
    sign_in(page, "cleveland-police", "matac-analyst", "matac-tasking", "MATAC-0001")
    page.wait_for_selector("section[data-ready] #nominations tbody tr")
    rows = page.locator("#nominations tbody tr")
    assert rows.count() == 20
    digest = page.inner_text("#config-digest")
    assert re.fullmatch(r"Scoring configuration [0-9a-f]{12} \(SHA-256 of config/rfg.yaml\)", digest)
    first = rows.nth(0)
    assert first.locator("td").nth(0).inner_text() == "1"
    breakdown = first.locator(".rfg").get_attribute("aria-label")
    assert re.fullmatch(r"RFG\(V\) points: recency \d, frequency \d, gravity \d, victims \d", breakdown or "")
    assert first.locator(".rfg-bar").count() == 4
    assert "tees-matac" in first.locator(".provenance").inner_text()
    # the first run shows what the hub is for: a serial perpetrator known to three or more agencies
    agencies = [rows.nth(i).locator(".chip").count() for i in range(rows.count())]
    assert max(agencies) >= 3
    page.wait_for_function("() => !document.querySelector('#nominations .person-name').textContent.startsWith('HP-')")
    shots(page, "list")

    page.select_option("#filter-agency", "probation-ne")
    page.click("#apply-filters")
    page.wait_for_function("() => document.querySelector('#nominations tbody tr .chip') !== null")
    page.wait_for_selector("section[data-ready] #nominations tbody tr")
    chips = page.locator("#nominations tbody tr").evaluate_all("rows => rows.map(r => r.innerText)")
    assert chips and all("probation-ne" in row for row in chips)


def _cy(page: Any, script: str) -> Any:
    return page.evaluate(f"() => {{ const cy = document.getElementById('cy').cy; {script} }}")


def _victim_of(page: Any, token: Any, person: str) -> str:
    """One of the person's victims (from the API: the test's subject, not what the page is checked against)."""
    auth = token("cleveland-police", "matac-analyst")
    query = "query($id: ID!) { network(personId: $id, hops: 1) { connections { a b aRole bRole } } }"
    network = ask(page.base, auth, "matac-tasking", "MATAC-0001", query, id=person)["data"]["network"]
    for c in network["connections"]:
        sides = ((c["a"], c["aRole"], c["b"], c["bRole"]), (c["b"], c["bRole"], c["a"], c["aRole"]))
        for me, mine, other, theirs in sides:
            if me == person and mine == "PERPETRATOR" and theirs == "VICTIM":
                return str(other)
    raise AssertionError(f"{person} has no victim on the page's network")


def test_network_expand_path_time_filter_export_and_print(page: Any, shots: Any, token: Any) -> None:
    sign_in(page, "cleveland-police", "matac-analyst", "matac-tasking", "MATAC-0001")
    page.wait_for_selector("section[data-ready] #nominations tbody tr")
    person = str(page.get_attribute("#nominations tbody tr:first-child", "data-person"))
    page.click("#nominations tbody tr:first-child .open-network")
    page.wait_for_selector(".network-view[data-rendered]")
    people = page.locator("#network-people tbody tr")
    assert people.count() >= 3
    assert people.nth(0).get_attribute("data-id") == person
    focus = f"const n = cy.getElementById('{person}'); return n.hasClass('focus') && n.hasClass('perpetrator')"
    assert _cy(page, focus)
    # victims in time order
    firsts = page.locator("#victims-in-order li span.muted").all_inner_texts()
    dates = [text.split()[0] for text in firsts]
    assert len(dates) >= 2 and dates == sorted(dates)
    assert re.search(r"\d+ people, \d+ incidents", page.get_attribute("#cy", "aria-label") or "")

    # one victim's network, one hop: a click on the perpetrator on the canvas expands him to his other victims,
    # and the table follows the selection
    victim = _victim_of(page, token, person)
    open_network(page, victim, hops=1)
    count = people.count()
    box = page.locator("#cy").bounding_box()
    at = _cy(page, f"const p = cy.getElementById('{person}').renderedPosition(); return [p.x, p.y]")
    page.mouse.click(box["x"] + at[0], box["y"] + at[1])
    page.wait_for_selector(f"#network-people tr[data-id='{person}'][aria-selected=true]")
    page.wait_for_function(f"() => document.querySelectorAll('#network-people tbody tr').length > {count}")
    assert page.locator("#details-title").is_visible()

    # shortest path between two selected people (rows chosen from the table: Shift adds)
    ids = people.evaluate_all("rows => rows.map(r => r.dataset.id)")
    far = next(i for i in reversed(ids) if i not in (person, victim))
    page.locator(f"#network-people tr[data-id='{person}']").click()
    page.locator(f"#network-people tr[data-id='{far}']").click(modifiers=["Shift"])
    assert page.get_attribute(".network-view", "data-selected") == f"{person} {far}"
    page.click("#find-path")
    page.wait_for_function("() => /Shortest path: \\d+/.test(document.querySelector('#network-status').innerText)")
    assert _cy(page, f"return cy.getElementById('{far}').hasClass('on-path') && cy.$('.on-path').length >= 3")
    page.evaluate("window.scrollTo(0, 0)")
    shots(page, "network")
    page.click("#clear-path")

    # the time filter hides incidents outside the window, on the canvas, in the table and in the timeline
    page.click("#tab-network")
    before = int(page.get_attribute(".network-view", "data-visible-incidents") or 0)
    maximum = int(page.get_attribute("#time-from", "max") or 0)
    page.fill("#time-from", str(maximum - 30))
    page.dispatch_event("#time-from", "input")
    after = int(page.get_attribute(".network-view", "data-visible-incidents") or 0)
    assert after < before
    assert page.locator("#network-incidents tbody tr:not([hidden])").count() == after
    assert page.locator("#timeline li.outside").count() > 0

    # grouping, PNG export and the print view
    page.check("#group-incidents")
    page.fill("#time-from", "0")
    page.dispatch_event("#time-from", "input")
    page.wait_for_function("() => document.getElementById('cy').cy.nodes('.group').length > 0")
    with page.expect_download() as download:
        page.click("#export-png")
    assert download.value.suggested_filename == f"network-{victim}.png"
    page.click("#print-view")
    assert page.locator("#print-image").is_visible()
    assert not page.locator("#cy").is_visible()
    assert (page.get_attribute("#print-image", "src") or "").startswith("data:image/png")


def test_graphiql_is_served_by_the_hub_with_the_header_editor(page: Any) -> None:
    sign_in(page, "cleveland-police", "matac-analyst", "matac-tasking", "MATAC-0009")
    page.goto(f"{page.base}/graphql")
    page.wait_for_selector(".graphiql-container")
    page.wait_for_function("() => document.querySelector('.graphiql-editors')?.innerText.includes('matacNominations')")
    with page.expect_response(lambda r: "matacNominations" in (r.request.post_data or "")) as answer:
        page.click(".graphiql-execute-button")
    assert answer.value.json()["extensions"]["hub"]["purpose"] == "matac-tasking"
    page.wait_for_function("() => document.querySelector('.graphiql-response').innerText.includes('rank')")
    headers = page.locator(".graphiql-editor-tool").inner_text()
    assert "X-Purpose" in headers and "MATAC-0009" in headers


def test_graph_tables_work_from_the_keyboard_in_step_with_the_canvas(page: Any) -> None:
    sign_in(page, "cleveland-police", "matac-analyst", "matac-tasking", "MATAC-0001")
    page.wait_for_selector("section[data-ready] #nominations tbody tr")
    page.focus("#nominations tbody tr:first-child")
    page.keyboard.press("Enter")  # a row of the list opens its network
    page.wait_for_selector(".network-view[data-rendered]")
    assert page.get_attribute("#cy", "aria-roledescription") == "network graph"
    page.focus("#network-people tbody tr:first-child")
    page.keyboard.press("ArrowDown")
    second = page.evaluate("document.activeElement.dataset.id")
    page.keyboard.press("Enter")
    assert page.get_attribute(f"#network-people tr[data-id='{second}']", "aria-selected") == "true"
    assert _cy(page, f"return cy.getElementById('{second}').hasClass('picked')")
    page.keyboard.press("ArrowUp")  # back to the first row: a network has at least two people, not always three
    page.keyboard.press("Shift+Enter")  # Shift adds to the selection, as on the canvas
    page.wait_for_function(
        "() => (document.querySelector('.network-view').dataset.selected || '').split(' ').length == 2"
    )
    assert page.is_enabled("#find-path")
