"""A leak campaign: callers, the acknowledgement phase, generated probes, judging, and the report.

Phases, so that writes are judged against a known state:
1. alerts and acknowledgements, in a fixed order (every caller lists its alerts, acknowledges some with a note that
   names its purpose, tries alerts it cannot see and a made-up id); every caller then lists its alerts again;
2. generated read probes from every caller, concurrently;
3. generated writes (identity decisions, submissions), after the reads.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.helpers import run_hub
from tests.leak.agreements import Terms, in_force
from tests.leak.generator import Generator, Pools, Probe, introspect, made_up_person, plan, scenario_probes
from tests.leak.judge import RULES, Finding, Judge, compare_pairs
from tests.leak.oracle import Caller, View
from tests.leak.world import CHILDRENS, DAP, HOUSING, IDVA, NHS, POLICE, PROBATION, SCHOOLS, World, token

MARAC_AGENCIES = (POLICE, PROBATION, NHS, CHILDRENS, HOUSING, IDVA)
MUTATIONS = {
    "decideIdentity", "submitRecords", "openSubmission", "closeSubmission", "acknowledgeAlert", "saveInvestigation",
}  # fmt: skip
SAVE = (
    "mutation Save($name: String!, $view: InvestigationInput!) { saveInvestigation(name: $name, view: $view) { "
    "__typename id name purpose justification personIds people { __typename id records { __typename agency localId } "
    "identityLinks { __typename record { agency localId } linkedWith { agency localId } method rule comparisons { "
    "comparison level } } } filters { __typename centrePersonId area agency hops } } }"
)


def callers() -> list[tuple[str, str | None, str | None, str | None, str | None]]:
    """(name, agency, role, purpose, justification): every demo purpose and role, and callers that must be refused."""
    allowed = [
        ("matac@police", POLICE, "matac-analyst", "matac-tasking", "MATAC-101"),
        ("matac@probation", PROBATION, "matac-analyst", "matac-tasking", "MATAC-102"),
        *[(f"marac@{a}", a, "marac-coordinator", "marac", "MARAC-7") for a in MARAC_AGENCIES],
        ("dvds@police", POLICE, "dvds-officer", "dvds-disclosure", "DVDS-3"),
        ("encompass@schools", SCHOOLS, "safeguarding-lead", "operation-encompass", None),
        ("research@dap", DAP, "researcher", "research-statistics", None),
        ("audit@dap", DAP, "auditor", "audit", "SAR-11"),
        ("submitter@police", POLICE, "submitter", None, None),
    ]  # fmt: skip
    refused = [
        ("refused:no-token", None, None, "matac-tasking", "MATAC-1"),
        ("refused:bad-token", "bad", None, "matac-tasking", "MATAC-1"),
        ("refused:no-purpose", POLICE, "matac-analyst", None, None),
        ("refused:no-justification", POLICE, "matac-analyst", "matac-tasking", None),
        ("refused:bad-justification", POLICE, "matac-analyst", "matac-tasking", "MARAC-9"),
        ("refused:wrong-role", POLICE, "marac-coordinator", "matac-tasking", "MATAC-1"),
        ("refused:wrong-purpose", POLICE, "dvds-officer", "marac", "MARAC-1"),
        ("refused:not-recipient", NHS, "matac-analyst", "matac-tasking", "MATAC-1"),
        ("refused:school-as-matac", SCHOOLS, "safeguarding-lead", "matac-tasking", "MATAC-1"),
        ("refused:unknown-purpose", POLICE, "matac-analyst", "nonsense", "MATAC-1"),
    ]
    return allowed + refused


@dataclass
class Campaign:
    world: World
    base: str
    seed: int = 11
    workers: int = 3
    terms: dict[str, Terms] = field(default_factory=dict)
    views: dict[str, View] = field(default_factory=dict)
    results: list[tuple[Probe, int, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    per_caller: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0

    def setup(self) -> None:
        self.terms = in_force(self.world.today)
        tokens: dict[tuple[str, str], str] = {}
        for name, agency, role, purpose, justification in callers():
            tok = None
            if agency == "bad":
                tok, agency = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", POLICE
            elif agency is not None and role is not None:
                if (agency, role) not in tokens:
                    tokens[agency, role] = token(self.world.data_dir, agency, role)
                tok = tokens[agency, role]
            caller = Caller(name, agency if tok else None, role, purpose, justification, tok)
            self.views[name] = View.of(self.world, caller, self.terms)
        contributes: dict[str, set[str]] = defaultdict(set)
        for t in self.terms.values():
            for agency, types in t.contributes.items():
                contributes[agency] |= set(types or ())
        self.world.scenario["contributes"] = dict(contributes)
        self.judge = Judge(self.world, self.views)
        done = run_hub(self.world.data_dir, "alerts", "--format", "jsonl")
        self.alert_rows = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        self.alert_ids = [row["id"] for row in self.alert_rows]
        some = next(v for v in self.views.values() if not v.refused and v.access == "records")
        self.schema = introspect(self.base, some.caller.headers())
        self.client = httpx.Client(timeout=120)

    # --- sending ---------------------------------------------------------------------------------------------------

    def send(self, probe: Probe) -> tuple[Probe, int, Any]:
        view = self.views[probe.caller]
        try:
            response = self.client.post(
                f"{self.base}/graphql",
                json={"query": probe.query, "variables": probe.variables},
                headers=view.caller.headers(),
            )
            try:
                body: Any = response.json()
            except ValueError:
                body = response.text
            return probe, response.status_code, body
        except httpx.HTTPError as exc:
            return probe, 599, {"transport": type(exc).__name__}

    def judge_all(self, items: Iterable[tuple[Probe, int, Any]]) -> None:
        for probe, status, body in items:
            self.per_caller[probe.caller] += 1
            self.results.append((probe, status, body))
            self.findings.extend(self.judge.check(probe, status, body))

    def run(self, budget: int, progress: Callable[[str], None] | None = None) -> None:
        started = time.monotonic()
        self.acknowledgements()
        self.investigations()
        reads, writes = self.generate(budget)
        if progress:
            progress(f"{len(reads)} reads, {len(writes)} writes generated")
        with ThreadPoolExecutor(self.workers) as pool:
            for done, item in enumerate(pool.map(self.send, reads), start=1):
                self.judge_all([item])
                if progress and done % 1000 == 0:
                    progress(f"{done} reads judged, {len(self.findings)} findings")
            follow = [p for p in self.follow_ups()]
            self.judge_all(pool.map(self.send, follow))
        self.judge_all(map(self.send, writes))
        self.findings.extend(compare_pairs(self.results))
        self.elapsed = time.monotonic() - started

    # --- phases ------------------------------------------------------------------------------------------------------

    def probe(self, caller: str, query: str, root: str, **variables: Any) -> tuple[Probe, int, Any]:
        item = self.send(Probe(caller, query, variables, root))
        self.judge_all([item])
        return item

    def acknowledgements(self) -> None:
        """Every record caller lists its alerts and acknowledges some; the order is fixed, so that a DVDS officer's
        note is written before the MATAC analysts look (issue 11, case 5)."""
        listing = ("query Alerts($k: [String!]) { alerts(kinds: $k) { __typename id kind personId raisedAt related "
                   "summary records { __typename agency localId } notification { __typename school policeReference "
                   "occurredAt circumstances childGivenName childFamilyName childDob } acknowledged { __typename who "
                   "at note } } }")  # fmt: skip
        ack = "mutation Ack($id: ID!, $note: String!) { acknowledgeAlert(id: $id, note: $note) }"
        order = ["dvds@police", "encompass@schools", "marac@harbour-idva", "matac@probation", "marac@tees-nhs",
                 "matac@police", "research@dap", "refused:wrong-role"]  # fmt: skip
        rng = random.Random(self.seed)
        for n, name in enumerate(order):
            view = self.views[name]
            _, _, body = self.probe(name, listing, "alerts")
            mine = [a["id"] for a in ((body.get("data") or {}).get("alerts") or [])] if isinstance(body, dict) else []
            for i, alert_id in enumerate(mine):
                if i % 2 and name != "dvds@police":
                    continue
                note = f"leak-note/{view.caller.purpose}/{name}/{n}-{i}"
                before = self.judge.acks.get((alert_id, view.caller.purpose))
                probe, status, result = self.send(Probe(name, ack, {"id": alert_id, "note": note}, "acknowledgeAlert"))
                self.judge_all([(probe, status, result)])
                value = (result.get("data") or {}).get("acknowledgeAlert") if isinstance(result, dict) else None
                if value is True and before is None:
                    self.judge.acks[(alert_id, view.caller.purpose)] = note
                if value is False and before is None:  # only an acknowledgement under another purpose exists
                    others = sorted(str(p) for a, p in self.judge.acks if a == alert_id)
                    self.findings.append(
                        self.finding(
                            "cross-purpose-writes",
                            probe,
                            "$.data.acknowledgeAlert",
                            alert_id,
                            f"'already acknowledged' though only {others} acknowledged it",
                        )
                    )
            hidden = [a for a in self.alert_ids if a not in mine]
            for alert_id in rng.sample(hidden, min(3, len(hidden))):
                fake = "AL-" + "".join(rng.choice("0123456789ABCDEF") for _ in range(20))
                note = f"leak-note/{view.caller.purpose}/{name}/hidden"
                pair = f"ack:{name}:{alert_id}"
                a = Probe(
                    name,
                    ack,
                    {"id": alert_id, "note": note},
                    "acknowledgeAlert",
                    pair=pair,
                    echo=[alert_id],
                    hidden=True,
                )
                b = Probe(name, ack, {"id": fake, "note": note}, "acknowledgeAlert", pair=pair, echo=[fake])
                for item in (self.send(a), self.send(b)):
                    self.judge_all([item])
                    value = (item[2].get("data") or {}).get("acknowledgeAlert") if isinstance(item[2], dict) else None
                    if item[0].hidden and value is not None:
                        self.findings.append(self.finding(
                            "write-scope", item[0], "$.data.acknowledgeAlert", alert_id,
                            "acknowledged an alert the caller cannot see"))  # fmt: skip
                        if value is True:
                            self.judge.acks.setdefault((alert_id, view.caller.purpose), note)
        for name in order:
            self.probe(name, listing, "alerts")

    def investigations(self) -> None:
        """Every caller saves a view of people it may and may not see and a made-up id, so that the generated reads
        open each other's investigations (under other purposes, of other agencies) beside made-up ids."""
        rng = random.Random(self.seed + 1)
        for name in sorted(self.views):
            view = self.views[name]
            pools = Pools(self.world, view, self.alert_ids, [])
            people = [*rng.sample(pools.visible, min(3, len(pools.visible)))]
            people += [*rng.sample(pools.hidden, min(2, len(pools.hidden))), made_up_person(rng)]
            variables = {
                "name": f"leak {name}",
                "view": {"personIds": people, "filters": {"centrePersonId": people[0]}},
            }
            _, _, body = self.probe(name, SAVE, "saveInvestigation", **variables)
            saved = ((body.get("data") or {}).get("saveInvestigation") if isinstance(body, dict) else None) or {}
            if saved.get("id"):
                self.judge.saved[saved["id"]] = (view.caller.agency, view.caller.purpose)

    def finding(self, rule: str, probe: Probe, path: str, value: str, detail: str) -> Finding:
        return Finding(rule, probe.caller, probe.root, path, value, detail, probe.query, json.dumps(probe.variables))

    def generate(self, budget: int) -> tuple[list[Probe], list[Probe]]:
        names = sorted(self.views)
        per = max(1, budget // len(names))
        reads: list[Probe] = []
        writes: list[Probe] = []
        for i, name in enumerate(names):
            view = self.views[name]
            gen = Generator(self.schema, self.seed * 1000 + i)
            pools = Pools(self.world, view, self.alert_ids, [], self.judge.saved)
            for probe in [*scenario_probes(gen, pools, view), *plan(gen, pools, view, per)]:
                (writes if probe.root in MUTATIONS else reads).append(probe)
        random.Random(self.seed).shuffle(reads)
        return reads, writes

    def follow_ups(self) -> list[Probe]:
        """Next pages of the listings: the cursor a response gave, sent back unchanged."""
        out = []
        for probe, _, body in list(self.results):
            if probe.meta.get("follow") and isinstance(body, dict) and isinstance(body.get("data"), dict):
                for value in body["data"].values():
                    info = (value or {}).get("pageInfo") if isinstance(value, dict) else None
                    if info and info.get("endCursor") and info.get("hasNextPage"):
                        variables = dict(probe.variables, after=info["endCursor"])
                        out.append(Probe(probe.caller, probe.query, variables, probe.root, set(probe.anchors)))
        return out[:500]

    # --- report ------------------------------------------------------------------------------------------------------

    def table(self) -> str:
        lines = [f"leak run: {sum(self.per_caller.values())} queries in {self.elapsed:.0f} s, "
                 f"{len(self.findings)} findings ({len(self.distinct())} distinct)", "",
                 f"{'caller':32} {'queries':>8} {'findings':>9}"]  # fmt: skip
        by_caller = Counter(f.caller for f in self.findings)
        for name in sorted(self.per_caller):
            lines.append(f"{name:32} {self.per_caller[name]:>8} {by_caller[name]:>9}")
        lines += ["", f"{'rule':22} {'findings':>9} {'distinct':>9}  callers"]
        by_rule = Counter(f.rule for f in self.findings)
        distinct = self.distinct()
        for rule in RULES:
            who = sorted({f.caller for f in self.findings if f.rule == rule})
            d = sum(1 for k in distinct if k[0] == rule)
            lines.append(f"{rule:22} {by_rule[rule]:>9} {d:>9}  {', '.join(who)}")
        return "\n".join(lines)

    def distinct(self) -> dict[tuple[str, str, str, str], Finding]:
        """One finding per (rule, caller, root, detail kind)."""
        out: dict[tuple[str, str, str, str], Finding] = {}
        for f in self.findings:
            kind = f.detail.split(":")[0][:60]
            out.setdefault((f.rule, f.caller, f.root, kind), f)
        return out


def today() -> dt.date:
    return dt.date.today()


def write_report(campaign: Campaign, path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for f in campaign.findings:
            out.write(json.dumps(f.__dict__) + "\n")


__all__ = ["Campaign", "callers", "made_up_person"]
