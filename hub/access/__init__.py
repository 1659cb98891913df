"""Enforcement: the one path personal data takes out of the hub, testable without GraphQL.

A request's ``Access`` holds who asks, for what purpose, and the grant the policy gave; ``scope_for`` turns the grant
into the record-level scope the graph queries run in; ``views`` masks and drops fields per the grant and notes what
was disclosed, for the audit event (one id or many in one read, for the resolvers' data loaders). ``listings`` pages
through people and incidents for purposes that may browse; ``counts`` and ``dashboard`` give aggregates with small
numbers suppressed.
"""

from hub.access.context import Access, Forbidden, access_for
from hub.access.views import find_person, incidents_of, people_in_incidents, records_of

__all__ = ["Access", "Forbidden", "access_for", "find_person", "incidents_of", "people_in_incidents", "records_of"]
