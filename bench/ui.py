"""The analyst page in a real browser: time to first render of the list and of a 500-node network, and the page's size.

    python -m bench.ui [--runs 7]

1. Seeds the demo data (`hub seed`, `hub resolve`, `hub score`: what `make run` serves) into a fresh data directory,
   and adds a synthetic police network built for this benchmark: one person with 12 partners, each the perpetrator
   against 10 victims, each of whom has one more incident with someone else (253 people, 252 incidents: 505 nodes
   drawn at `hops: 3`). It is written through `hub ingest` like any partner file (agency `cleveland-police`).
2. Builds the page if needed (ui/: npm ci, vite) and starts a real `hub serve` on that directory.
3. In Debian's headless Chromium (Playwright), signed in as a MATAC analyst with the purpose declared:
   - list: from navigation to /ui to the nomination list's rows on screen (a fresh page each run, HTTP cache off);
     baseline: the `matacNominations` request alone, sent with fetch() from the same page;
   - network: from clicking Open to the fcose layout finished on the 505-node network (Cytoscape already loaded);
     baseline: the `network(hops: 3)` request alone, from the same page;
   - size: the bytes transferred for /ui (the page, its scripts and styles, Cytoscape once the network opens),
     as the browser counts them (gzipped where the hub gzips), GraphiQL not included.
Prints the median and the spread (min-max) of `--runs` runs, against the targets: 1 s, 2 s, 400 KB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, build_ui
from tests.helpers import free_port, run_hub, start_serve, stop

AGENCY = "cleveland-police"
PARTNERS, VICTIMS = 12, 10
NETWORK = "query($id: ID!) { network(personId: $id, hops: 3) { people truncated connections { a b } } }"
LIST = "{ matacNominations(top: 20) { config nominations { rank personId score } } }"


def synthetic_network(path: Path) -> str:
    """A star of stars in the partner format; returns the centre's local id."""
    today = dt.datetime.now(dt.UTC)
    records: list[dict[str, Any]] = []
    serial = 0

    def person(tag: str) -> str:
        local = f"BENCH-P-{tag}"
        records.append(
            {
                "type": "person",
                "agency": AGENCY,
                "local_id": local,
                "given_name": "Bench",
                "family_name": f"Person{tag}",
                "dob": "1980-01-01",
            }
        )
        return local

    def incident(perp: str, victim: str) -> None:
        nonlocal serial
        serial += 1
        at = (today - dt.timedelta(days=5 + serial % 900)).strftime("%Y-%m-%dT%H:%M:%SZ")
        records.append(
            {
                "type": "incident",
                "agency": AGENCY,
                "local_id": f"BENCH-I-{serial}",
                "occurred_at": at,
                "category": "physical",
                "perpetrators": [perp],
                "victims": [victim],
            }
        )

    centre = person("C")
    for i in range(PARTNERS):
        partner = person(f"H{i}")
        incident(centre, partner)
        for j in range(VICTIMS):
            victim = person(f"H{i}V{j}")
            incident(partner, victim)
            incident(person(f"H{i}V{j}X"), victim)
    people = [r for r in records if r["type"] == "person"]
    path.write_text("".join(json.dumps(r) + "\n" for r in people + [r for r in records if r["type"] != "person"]))
    return centre


def prepare(data: Path) -> str:
    for args in (("seed",), ("resolve",), ("score", "--top", "1")):
        done = run_hub(data, *args, timeout=900)
        if done.returncode != 0:
            sys.exit(f"hub {' '.join(args)} failed: {done.stderr[-2000:]}")
    local = synthetic_network(data.parent / "bench-network.jsonl")
    done = run_hub(data, "ingest", str(data.parent / "bench-network.jsonl"), "--agency", AGENCY)
    if done.returncode != 0:
        sys.exit(f"hub ingest failed: {done.stderr[-2000:]}")
    return local


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):7.0f} ms  ({min(values):.0f}-{max(values):.0f})"


def measure(base: str, centre_local: str, runs: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    token = None
    out: dict[str, list[float]] = {"list": [], "list_api": [], "network": [], "network_api": [], "nodes": []}
    sizes: list[int] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        for run in range(runs + 1):  # the first run warms the hub (policy cache, graph) and is not counted
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            transferred: dict[str, int] = {}
            urls: dict[str, str] = {}
            cdp.on(
                "Network.requestWillBeSent", lambda e, urls=urls: urls.__setitem__(e["requestId"], e["request"]["url"])
            )
            cdp.on(
                "Network.loadingFinished",
                lambda e, t=transferred: t.__setitem__(e["requestId"], int(e["encodedDataLength"])),
            )
            if token is None:
                token = page.request.post(
                    f"{base}/ui/dev/token", data={"agency": AGENCY, "role": "matac-analyst"}
                ).json()["access_token"]
            session = {
                "token": token,
                "agency": AGENCY,
                "roles": ["matac-analyst"],
                "expiresAt": 4102444800000,
                "purpose": "matac-tasking",
                "justification": "MATAC-BENCH",
            }
            page.add_init_script(f"sessionStorage.setItem('hub.session', {json.dumps(json.dumps(session))})")
            page.goto(f"{base}/ui/#nominations")
            page.wait_for_selector("section[data-ready] #nominations tbody tr", timeout=60_000)
            list_ms = page.evaluate("performance.now()")
            list_api = page.evaluate(TIMED, {"query": LIST, "variables": {}})
            centre = page.evaluate(FIND, {"local": centre_local})
            page.click("#tab-network")
            page.wait_for_function("() => document.getElementById('cy') !== null")
            page.fill("#network-person", centre)
            page.select_option("#network-hops", "3")
            start = page.evaluate("Date.now()")
            page.click("#network-open")
            page.wait_for_selector(".network-view[data-rendered]", timeout=120_000)
            network_ms = int(page.get_attribute(".network-view", "data-rendered") or 0) - start
            nodes = page.evaluate("document.getElementById('cy').cy.nodes().length")
            network_api = page.evaluate(TIMED, {"query": NETWORK, "variables": {"id": centre}})
            page.wait_for_timeout(300)
            size = sum(n for rid, n in transferred.items() if "/ui" in urls.get(rid, ""))
            context.close()
            if run == 0:
                continue
            for key, value in (
                ("list", list_ms),
                ("list_api", list_api),
                ("network", network_ms),
                ("network_api", network_api),
                ("nodes", nodes),
            ):
                out[key].append(float(value))
            sizes.append(size)
        browser.close()
    return {**out, "sizes": sizes}


# fetch() from the page with the page's own session: the raw call a render waits on
TIMED = """async ({query, variables}) => {
  const s = JSON.parse(sessionStorage.getItem('hub.session'));
  const t0 = performance.now();
  const r = await fetch('/graphql', {method: 'POST', headers: {'Content-Type': 'application/json',
    Authorization: `Bearer ${s.token}`, 'X-Purpose': s.purpose, 'X-Justification': s.justification},
    body: JSON.stringify({query, variables})});
  await r.json();
  return performance.now() - t0;
}"""
FIND = """async ({local}) => {
  const query = 'query($l: String!) { personByRecord(agency: "cleveland-police", localId: $l) { id } }';
  const s = JSON.parse(sessionStorage.getItem('hub.session'));
  const r = await fetch('/graphql', {method: 'POST', headers: {'Content-Type': 'application/json',
    Authorization: `Bearer ${s.token}`, 'X-Purpose': s.purpose, 'X-Justification': s.justification},
    body: JSON.stringify({query, variables: {l: local}})});
  return (await r.json()).data.personByRecord.id;
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    build_ui()
    with tempfile.TemporaryDirectory(prefix="hub-bench-ui-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        print("seeding, resolving and scoring the demo data, and adding the 505-node network…", flush=True)
        centre = prepare(data)
        port = free_port()
        process = start_serve(data, port)
        try:
            result = measure(f"http://127.0.0.1:{port}", centre, args.runs)
        finally:
            stop(process)
    cores = os.cpu_count()
    print(f"\n{dt.date.today()} · {platform.machine()} · {cores} cores · Chromium headless · {args.runs} runs")
    print(f"list: first render           {spread(result['list'])}   target under 1000 ms")
    print(f"  matacNominations alone     {spread(result['list_api'])}")
    print(
        f"network ({int(statistics.median(result['nodes']))} nodes): render {spread(result['network'])}"
        "   target under 2000 ms"
    )
    print(f"  network(hops: 3) alone     {spread(result['network_api'])}")
    kb = [s / 1024 for s in result["sizes"]]
    print(
        f"/ui transferred              {statistics.median(kb):7.1f} KB ({min(kb):.1f}-{max(kb):.1f})"
        "   target under 400 KB"
    )


if __name__ == "__main__":
    main()
