"""The wiring: the root types bind the resolvers (``hub.resolvers``) to fields, and ``build_schema`` assembles the
subgraph from them, the types (``hub.schema``) and the schema's extensions. Resolvers import types, types never
import resolvers; this module imports both.
"""

from __future__ import annotations

import strawberry
from strawberry.extensions import ValidationCache

from hub.resolvers.agencies import agency_by_code, agency_list, agency_reference
from hub.resolvers.alerts import acknowledge_alert, alert_list
from hub.resolvers.audit import audit_events, subject_access_report
from hub.resolvers.dashboard import partnership_dashboard
from hub.resolvers.explanations import explain, purpose_options
from hub.resolvers.identity import decide_identity
from hub.resolvers.investigations import investigation_by_id, investigation_list, save_investigation
from hub.resolvers.listings import incidents, people
from hub.resolvers.meta import hub_info
from hub.resolvers.network import person_network, person_path, person_timeline
from hub.resolvers.outcomes import intervention_outcomes
from hub.resolvers.people import person_by_id, person_by_record, person_reference
from hub.resolvers.records import incident_reference
from hub.resolvers.serial import matac_nominations, serial_perpetrators
from hub.resolvers.statistics import count_records
from hub.resolvers.submissions import close_submission, open_submission, submission_status, submit_records
from hub.schema.agencies import Agency
from hub.schema.alerts import AlertEntry
from hub.schema.audit import AuditPage, SubjectAccessReport
from hub.schema.dashboard import Dashboard
from hub.schema.errors import ErrorCodes
from hub.schema.explanations import Explanation, PurposeOption
from hub.schema.identity import IdentityDecisionReceipt
from hub.schema.investigations import Investigation
from hub.schema.ledger import DisclosureLedger
from hub.schema.limits import CodedParserCache, limit_extensions
from hub.schema.meta import HubInfo
from hub.schema.network import Connection, Network, TimelineEntry
from hub.schema.outcomes import InterventionOutcomes
from hub.schema.pagination import Connection as Page
from hub.schema.people import Person
from hub.schema.records import Incident
from hub.schema.representations import HubSchema
from hub.schema.serial import NominationList, SerialPerpetratorEntry
from hub.schema.statistics import CountTable
from hub.schema.submissions import Submission, SubmissionReceipt
from hub.schema.tracing import OperationTracing
from hub.settings import QueryLimits

# `_entities`: each entity's reference resolver, by type name
REFERENCES = {"Person": person_reference, "Incident": incident_reference, "Agency": agency_reference}


@strawberry.type(
    description="What partners and analysts may read. Every personal field answers only within the grant the "
    "request's purpose (X-Purpose) and justification (X-Justification) give the caller; what it hides looks exactly "
    "like what does not exist."
)
class Query:
    hub: HubInfo = strawberry.field(resolver=hub_info, description="What this hub is; no personal data.")
    agencies: list[Agency] = strawberry.field(
        resolver=agency_list, description="The partnership's agencies (non-personal directory data), by code."
    )
    agency: Agency | None = strawberry.field(
        resolver=agency_by_code, description="One agency by code; null when the hub knows no such agency."
    )
    purposes: list[PurposeOption] = strawberry.field(
        resolver=purpose_options,
        description="The purposes the caller's agency and roles (and token) may declare today, with the agreement "
        "that governs each and the justification it needs; answered without a declared purpose. Anonymous callers "
        "get FORBIDDEN.",
    )
    explain: Explanation = strawberry.field(
        resolver=explain,
        description="Why a record type, or one of its fields, from a source agency is or is not shared with the "
        "caller under its declared purpose and justification, in the words of `hub agreements explain`. No record "
        "is read. Without a declared purpose the answer is not allowed, and says so; anonymous callers get FORBIDDEN.",
    )
    people: Page[Person] = strawberry.field(
        resolver=people,
        description="People the caller may see, a page at a time, by id; optionally only those known to an agency "
        "or with a family name. For purposes that share who harmed whom about anyone (MATAC, MARAC): others get "
        "FORBIDDEN.",
    )
    incidents: Page[Incident] = strawberry.field(
        resolver=incidents,
        description="Incidents the caller may see, a page at a time, newest first unless `orderBy` says otherwise, "
        "optionally between dates, of some categories or from one agency. For purposes that share who harmed whom "
        "about anyone (MATAC, MARAC): others get FORBIDDEN.",
    )
    dashboard: Dashboard = strawberry.field(
        resolver=partnership_dashboard,
        description="The quarterly partnership dashboard (arrests, charges, repeat victimisation, DVDS, orders, "
        "programme engagement) under an aggregates purpose: counts below the agreement's minimum cell size are "
        "suppressed, and no figure lets a suppressed one be recovered.",
    )
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
    outcomes: InterventionOutcomes = strawberry.field(
        resolver=intervention_outcomes,
        description="What happened in the 6 and 12 months after perpetrators were first referred to MATAC (or a "
        "perpetrator programme), over the incidents the caller's grant covers, against a matched comparison of "
        "perpetrators who were not: per perpetrator for purposes that share who harmed whom about anyone (MATAC, "
        "MARAC), the cohort summary alone, small numbers suppressed, under an aggregates purpose; others get "
        "FORBIDDEN.",
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
    investigations: list[Investigation] = strawberry.field(
        resolver=investigation_list,
        description="The caller's own saved views under its current purpose, newest first; each shows only the people "
        "the current grant lets the caller see (the hidden are simply absent). Person-level purposes only.",
    )
    investigation: Investigation | None = strawberry.field(
        resolver=investigation_by_id,
        description="One of the caller's own saved views, reopened under its current purpose and grant: only the "
        "people the grant shows now, the hidden simply absent. Null for someone else's, another purpose's or an id "
        "that does not exist; opening is audited with the people it shows.",
    )
    submission: Submission | None = strawberry.field(
        resolver=submission_status,
        description="One of the caller's agency's submissions: its status and the batches received (partner systems).",
    )


@strawberry.type(description="What partners and analysts may change; every change is audited before it takes effect.")
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
    save_investigation: Investigation = strawberry.mutation(
        resolver=save_investigation,
        description="Save the view on screen (the people, at most 500, and the filters) with the purpose and "
        "justification declared, as the caller's own; audited before it is stored. People the caller's grant does "
        "not show are left out, exactly like ids that do not exist.",
    )
    submit_records: SubmissionReceipt = strawberry.mutation(
        resolver=submit_records,
        description="Submit records in the partner format (the same validation as `hub ingest`) for the caller's own "
        "agency, of the types an agreement in force lets it contribute; idempotent. At most 10,000 per call: larger "
        "submissions are opened, sent as batches (`submission`, `offset`) and closed.",
    )
    open_submission: Submission = strawberry.mutation(
        resolver=open_submission,
        description="Open a submission to send in batches with `submitRecords(submission:, offset:)`.",
    )
    close_submission: Submission = strawberry.mutation(
        resolver=close_submission,
        description="Close a submission; with `total`, refused unless every record up to it arrived. Closing again "
        "changes nothing.",
    )


def build_schema(limits: QueryLimits | None = None, *, production: bool = False) -> strawberry.federation.Schema:
    """The schema, with the document limits and, in production, no introspection (``hub.schema.limits``)."""
    return HubSchema(  # Strawberry's federation schema, with `_entities` representations checked
        query=Query,
        mutation=Mutation,
        types=[Person, Incident, Agency],
        references=REFERENCES,
        # partners send the same few documents over and over: parse and validate each once
        extensions=[
            OperationTracing,  # first: its span holds the others', and it counts errors once ErrorCodes named them
            lambda: CodedParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            *limit_extensions(limits or QueryLimits(), production=production),
            ErrorCodes,
            DisclosureLedger,
        ],
    )
