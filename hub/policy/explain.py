"""Why a request is or is not allowed, in the words an information governance officer would use.

Cedar decides; this module explains, by walking the same conditions the compiler writes into each policy (agreement
in force, status, recipient, justification, source, field). A test holds the two in agreement across every
combination, so an explanation never contradicts the decision it explains.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Iterable

from hub.policy.agreements import Agreement, AgreementSet, Purpose


def _governing(agreements: AgreementSet, purpose: str, today: dt.date) -> tuple[Agreement | None, list[str]]:
    """The version that governs ``purpose`` today, or None and why there is none."""
    versions = sorted((a for a in agreements.agreements if purpose in a.purposes), key=lambda a: a.version)
    if not versions:
        known = ", ".join(agreements.purposes) or "none"
        return None, [f"no agreement covers purpose {purpose!r} (purposes with an agreement: {known})"]
    agreement = agreements.for_purpose(purpose, today)
    if agreement is None:
        # the next version to take effect (before the first or between versions), else the one that replaced the
        # purpose's versions without it, else the last one has expired
        windows = [(agreements.window(a), a) for a in versions]
        upcoming = [(start, a) for (start, end), a in windows if today < start < end]
        if upcoming:
            start, first = min(upcoming, key=lambda pair: pair[0])
            return None, [f"{first.label} for {purpose!r} takes effect on {start.isoformat()}"]
        current = next((a for a in agreements.in_force(today) if a.id == versions[-1].id), None)
        if current is not None:
            return None, [f"{current.label} no longer covers purpose {purpose!r}"]
        last = versions[-1]
        return None, [f"{last.label} for {purpose!r} expired on {last.expires.isoformat()}"]
    if agreement.status != "active":
        return None, [f"{agreement.label} for {purpose!r} is {agreement.status} and authorises nothing"]
    return agreement, []


def _asker_problems(
    terms: Purpose, agreement: Agreement, agency: str, roles: Iterable[str], justification: str
) -> list[str]:
    problems = []
    roles = set(roles)
    if agency not in terms.recipients:
        names = ", ".join(sorted(terms.recipients))
        problems.append(
            f"{agreement.label} does not name agency {agency!r} as a recipient for {terms.code!r} ({names})"
        )
    elif not terms.recipients[agency] & roles:
        wanted = ", ".join(sorted(terms.recipients[agency]))
        having = ", ".join(sorted(roles)) or "no role"
        problems.append(f"{terms.code!r} is open to {agency!r} staff with role {wanted}; the caller has {having}")
    just = terms.justification
    if just.required and not justification:
        what = f" ({just.describe})" if just.describe else ""
        problems.append(f"{terms.code!r} requires a justification{what}: send the X-Justification header")
    elif just.required and just.like and not fnmatch.fnmatchcase(justification, just.like):
        problems.append(f"the justification does not look like {just.like!r} as {terms.code!r} requires")
    return problems


def why_not(
    agreements: AgreementSet, agency: str, roles: Iterable[str], purpose: str, justification: str, today: dt.date
) -> list[str]:
    """Why this caller gets nothing at all for ``purpose`` today; empty when something may be shared."""
    agreement, problems = _governing(agreements, purpose, today)
    if agreement is None:
        return problems
    terms = agreement.purposes[purpose]
    problems = _asker_problems(terms, agreement, agency, roles, justification)
    flowing = {f.split(".", 1)[0] for f in terms.fields}
    if terms.access != "audit" and not any(agreement.sources(terms, entity) for entity in flowing):
        problems.append(
            f"no source of {agreement.label} for {purpose!r} contributes a record type it shares "
            "(a party's records flow only for the types its entry lists under contributes)"
        )
    return problems


def explain_field(
    agreements: AgreementSet,
    *,
    agency: str,
    roles: Iterable[str],
    purpose: str,
    field: str,
    source: str,
    justification: str,
    today: dt.date,
) -> tuple[bool, list[str]]:
    """Whether ``field`` (``entity.name``) from ``source`` is shared, and the reasons in words."""
    agreement, problems = _governing(agreements, purpose, today)
    if agreement is None:
        return False, problems
    terms = agreement.purposes[purpose]
    problems = _asker_problems(terms, agreement, agency, roles, justification)
    if terms.access == "audit":
        problems.append(f"{terms.code!r} reads the audit trail only; it shares no record fields")
    else:
        if source not in terms.sources:
            names = ", ".join(sorted(terms.sources))
            problems.append(f"{agreement.label} does not let {source!r} records flow for {purpose!r} (only {names})")
        entity = field.split(".", 1)[0]
        party = agreement.parties.get(source)
        if source in terms.sources and (party is None or entity not in party.contributes):
            problems.append(f"{agreement.label} does not list {entity} records among what {source!r} contributes")
        if field not in terms.fields:
            problems.append(f"{agreement.label} does not share {field} for {purpose!r}")
    if problems:
        return False, problems
    words = [f"{agreement.label} shares {field} from {source!r} with {agency!r} for {purpose!r}"]
    if field in terms.masks:
        words.append(f"masked: {terms.masks[field]}")
    if terms.access == "aggregates":
        words.append(f"as counts only, suppressed below {terms.min_cell}")
    if terms.retention:
        words.append(
            f"records dated before {terms.retention.before(today).isoformat()} are past retention ({terms.retention})"
        )
    if today > agreement.review_by:
        words.append(f"review overdue since {agreement.review_by.isoformat()}")
    return True, words
