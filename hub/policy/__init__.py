"""The policy layer: agreements in, decisions out. Pure: no graph, no HTTP, testable without either.

load_agreements(dir) -> AgreementSet     YAML files, validated (AgreementError lists every problem)
Decider(agreements).grant(asker, purpose, justification, today) -> Grant
explain_field(...)                       why a field is or is not shared, in words
"""

from hub.policy.agreements import Agreement, AgreementError, AgreementSet, load_agreements
from hub.policy.decisions import Asker, Decider, Grant
from hub.policy.explain import explain_field, why_not

__all__ = [
    "Agreement",
    "AgreementError",
    "AgreementSet",
    "Asker",
    "Decider",
    "Grant",
    "explain_field",
    "load_agreements",
    "why_not",
]
