"""The auditors' query as SQL, shared by the SQLite and PostgreSQL trails (they differ only in the placeholder)."""

from __future__ import annotations

import datetime as dt

from hub.audit.events import utc_text


def query_sql(
    mark: str,
    *,
    person: str | None,
    subject: str | None,
    agency: str | None,
    purpose: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    limit: int,
    after_seq: int | None,
) -> tuple[str, list[object]]:
    """The SELECT of (seq, body) for events matching every given filter, oldest first, and its parameters;
    ``mark`` is the driver's placeholder (``?`` or ``%s``)."""
    sql, where, params = "SELECT e.seq, e.body FROM events e", [], list[object]()
    if person is not None:
        sql += f" JOIN event_persons p ON p.seq = e.seq AND p.person = {mark}"
        params.append(person)
    conditions = (
        ("e.subject =", subject),
        ("e.agency =", agency),
        ("e.purpose =", purpose),
        ("e.at >=", None if since is None else utc_text(since)),
        ("e.at <", None if until is None else utc_text(until)),
        ("e.seq >", after_seq),
    )
    for condition, value in conditions:
        if value is not None:
            where.append(f"{condition} {mark}")
            params.append(value)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY e.seq LIMIT {mark}"
    params.append(max(limit, 0))
    return sql, params
