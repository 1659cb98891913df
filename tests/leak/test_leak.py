"""The generated leak test (issue 11, part 2): documents generated from the live schema, sent by every demo caller
and by callers that must be refused, every response judged against an oracle built only from the agreement files,
the agencies' sectors and the synthetic ground truth. One test per rule, so a failure names the rule; each lists
the distinct findings with caller, query, path and value. ``make fuzz`` runs the same at 10,000 queries."""

from __future__ import annotations

import pytest

from tests.leak.judge import RULES
from tests.leak.run import MUTATIONS, Campaign

SHOW = 12


@pytest.mark.parametrize("rule", RULES)
def test_no_leak(leak_campaign: Campaign, rule: str) -> None:
    found = [f for f in leak_campaign.findings if f.rule == rule]
    distinct = {key: f for key, f in leak_campaign.distinct().items() if key[0] == rule}
    lines = [f.line() for f in list(distinct.values())[:SHOW]]
    more = f"\n... and {len(distinct) - SHOW} more distinct" if len(distinct) > SHOW else ""
    assert not found, (
        f"{len(found)} findings of rule {rule!r} ({len(distinct)} distinct by caller, root and kind):\n"
        + "\n".join(lines)
        + more
    )


def test_every_alert_kind_fires(leak_campaign: Campaign) -> None:
    """The world makes every alert kind fire, so the alert rules are exercised (not a check of enforcement)."""
    kinds = {a["kind"] for a in leak_campaign.alert_rows}
    assert kinds >= {"right_to_know", "repeat_marac", "order_expiring", "operation_encompass"}, kinds


def test_every_root_field_and_mutation_is_exercised(leak_campaign: Campaign) -> None:
    schema = leak_campaign.schema
    assert schema.query_type is not None and schema.mutation_type is not None
    roots = (set(schema.query_type.fields) - {"_service"}) | set(schema.mutation_type.fields)
    sent = {p.root for p, _, _ in leak_campaign.results if not leak_campaign.views[p.caller].refused}
    assert roots <= sent, sorted(roots - sent)
    assert sent >= MUTATIONS


def test_every_caller_asked(leak_campaign: Campaign) -> None:
    assert all(n >= 20 for n in leak_campaign.per_caller.values()), leak_campaign.per_caller
    assert any(p.pair for p, _, _ in leak_campaign.results), "no existence pairs were generated"
