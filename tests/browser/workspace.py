"""Steps an analyst takes on the page, shared by the browser tests (Playwright's sync API, a page from conftest)."""

from __future__ import annotations

from typing import Any

import httpx


def sign_in(page: Any, agency: str, role: str, purpose: str | None = None, justification: str | None = None) -> None:
    """Sign in as a demo caller and declare a purpose (the role's usual one unless given)."""
    page.goto(f"{page.base}/ui/")
    page.select_option("#dev-agency", agency)
    page.select_option("#dev-role", role)
    page.click("#dev-sign-in")
    page.wait_for_selector("#purpose")
    if purpose:
        page.select_option("#purpose", purpose)
    if justification is not None:
        page.fill("#justification", justification)
    page.click("#declare")
    page.wait_for_selector("#purpose-shown")


def open_tab(page: Any, name: str) -> None:
    page.click(f"#tab-{name}")
    page.wait_for_selector(f"#tab-{name}[aria-selected=true]")


def open_network(page: Any, person: str, hops: int = 2) -> None:
    open_tab(page, "network")
    page.fill("#network-person", person)
    page.select_option("#network-hops", str(hops))
    before = page.get_attribute(".network-view", "data-rendered")
    page.click("#network-open")
    page.wait_for_function(
        "b => { const v = document.querySelector('.network-view');"
        " return v.dataset.rendered && v.dataset.rendered !== b"
        " || /could not|No network/.test(document.getElementById('network-status').textContent) }",
        arg=before,
    )


def body_text(page: Any) -> str:
    return str(page.inner_text("body"))


def ask(base: str, token: str, purpose: str, justification: str | None, query: str, **variables: Any) -> dict[str, Any]:
    """The same API the page uses, for a test to find its subject (never to check what the page shows)."""
    headers = {"authorization": f"Bearer {token}", "x-purpose": purpose}
    if justification:
        headers["x-justification"] = justification
    response = httpx.post(f"{base}/graphql", json={"query": query, "variables": variables}, headers=headers, timeout=60)
    body: dict[str, Any] = response.json()
    return body
