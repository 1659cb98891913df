"""The GraphQL schema: an Apollo Federation v2 subgraph. Types here; the rules they apply live in ``hub.access``."""

from __future__ import annotations

import strawberry
from strawberry.extensions import ParserCache, ValidationCache

from hub.resolvers.meta import HubInfo, hub_info
from hub.schema.alerts import AlertEntry, acknowledge_alert, alert_list
from hub.schema.audit import AuditPage, SubjectAccessReport, audit_events, subject_access_report
from hub.schema.errors import ErrorCodes
from hub.schema.identity import IdentityDecisionReceipt, decide_identity
from hub.schema.ledger import DisclosureLedger
from hub.schema.network import Connection, Network, TimelineEntry, person_network, person_path, person_timeline
from hub.schema.people import Person, person_by_id, person_by_record
from hub.schema.serial import NominationList, SerialPerpetratorEntry, matac_nominations, serial_perpetrators
from hub.schema.statistics import CountTable, count_records
from hub.schema.submissions import SubmissionReceipt, submit_records


@strawberry.type
class Query:
    hub: HubInfo = strawberry.field(resolver=hub_info, description="What this hub is; no personal data.")
    person: Person | None = strawberry.field(
        resolver=person_by_id, description="A resolved person by id; null when there is none the caller may see."
    )
    person_by_record: Person | None = strawberry.field(
        resolver=person_by_record,
        description="The resolved person behind one agency's record (agency, localId), with their linked records.",
    )
    serial_perpetrators: list[SerialPerpetratorEntry] = strawberry.field(
        resolver=serial_perpetrators,
        description="The MATAC serial perpetrator list over the incidents the caller's grant covers (look-back in "
        "years, default 3), most victims first; under-16s are never listed.",
    )
    matac_nominations: NominationList = strawberry.field(
        resolver=matac_nominations,
        description="The MATAC nomination list: perpetrators ranked by RFG(V) over the incidents the caller's grant "
        "covers, top N, optionally in a postcode district (`area`) or known to an agency.",
    )
    alerts: list[AlertEntry] = strawberry.field(
        resolver=alert_list,
        description="Alerts of the kinds the purpose's agreement lists (optionally only `kinds`), from sources the "
        "caller may see; a school sees only its own pupils' Operation Encompass notifications.",
    )
    network: Network | None = strawberry.field(
        resolver=person_network,
        description="A person's network to `hops` connections (1 to 3) through incidents and relationships.",
    )
    path: list[Connection] | None = strawberry.field(
        resolver=person_path, description="A shortest chain of connections between two people, if any can be shown."
    )
    timeline: list[TimelineEntry] = strawberry.field(
        resolver=person_timeline, description="Everything recorded about a person, oldest first."
    )
    counts: CountTable = strawberry.field(
        resolver=count_records,
        description="Counts of one record type (`incident`, `referral`...) grouped by catalogue fields (`category`, "
        "`occurred_at`...), under an aggregates purpose; small cells suppressed.",
    )
    audit_events: AuditPage = strawberry.field(
        resolver=audit_events, description="Audit events matching every filter given (auditors, audit purpose)."
    )
    subject_access_report: SubjectAccessReport = strawberry.field(
        resolver=subject_access_report, description="Every access to one person's data (auditors, audit purpose)."
    )


@strawberry.type
class Mutation:
    acknowledge_alert: bool = strawberry.mutation(
        resolver=acknowledge_alert,
        description="Acknowledge an alert the caller can see, with a note; audited before it takes effect. True when "
        "this call acknowledged it, false when it already was.",
    )
    decide_identity: IdentityDecisionReceipt = strawberry.mutation(
        resolver=decide_identity,
        description="Confirm or split the link between two person records, with a reason. Audited; holds across "
        "every later identity resolution run.",
    )
    submit_records: SubmissionReceipt = strawberry.mutation(
        resolver=submit_records,
        description="Submit records in the partner format (the same validation as `hub ingest`) for the caller's own "
        "agency, of the types an agreement in force lets it contribute; idempotent. At most 10,000 per call.",
    )


def build_schema() -> strawberry.federation.Schema:
    return strawberry.federation.Schema(
        query=Query,
        mutation=Mutation,
        types=[Person],
        # partners send the same few documents over and over: parse and validate each once
        extensions=[
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            ErrorCodes,
            DisclosureLedger,
        ],
    )
