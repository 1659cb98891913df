"""Trusted documents: partner clients send the hash of a reviewed document instead of free-form GraphQL.

The manifest (HUB_TRUSTED_DOCUMENTS) is Apollo's persisted query manifest, ``{"format":
"apollo-persisted-query-manifest", "version": 1, "operations": [{"id": "<sha256>", "body": "query ..."}, ...]}``,
or a plain ``{"<sha256>": "query ..."}`` object. Every id must be the hex sha256 of its body, checked at start, so a
hash names exactly one reviewed text. A request names its document in ``extensions.persistedQuery.sha256Hash`` (what
Apollo Client and Apollo Router send) and may send the text as well; a free-form document is accepted when its own
hash is listed. With HUB_TRUSTED_CLIENTS only those client ids are held to the list; other callers may still send
free-form documents (and use listed hashes).

    PERSISTED_QUERY_NOT_FOUND     the hash is not listed, or the text sent with it is not the listed one
    TRUSTED_DOCUMENT_REQUIRED     a free-form document from a caller held to the list
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from graphql import GraphQLError
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult

from hub.settings import Settings, SettingsError


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TrustedDocuments:
    documents: Mapping[str, str]  # sha256 -> document
    clients: frozenset[str] = frozenset()  # held to the list; empty: every caller

    @classmethod
    def load(cls, path: Path, clients: frozenset[str] = frozenset()) -> TrustedDocuments:
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SettingsError(f"HUB_TRUSTED_DOCUMENTS: cannot read {path}: {exc}") from exc
        if isinstance(manifest, dict) and "operations" in manifest:
            pairs = [(op.get("id"), op.get("body")) for op in manifest["operations"] if isinstance(op, dict)]
        elif isinstance(manifest, dict):
            pairs = list(manifest.items())
        else:
            pairs = [(None, None)]
        documents: dict[str, str] = {}
        for key, body in pairs:
            if not isinstance(key, str) or not isinstance(body, str) or key != sha256(body):
                raise SettingsError(
                    f"HUB_TRUSTED_DOCUMENTS: {path}: every entry needs an id that is the sha256 of its body"
                    f" (first bad id: {key!r})"
                )
            documents[key] = body
        return cls(documents, clients)

    def resolve(self, data: GraphQLRequestData, client_id: str | None) -> GraphQLRequestData:
        """The request with its trusted text in ``query``; raises ``UntrustedDocument`` to refuse it."""
        held = not self.clients or client_id in self.clients
        persisted = (data.extensions or {}).get("persistedQuery")
        wanted = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if wanted is not None:
            body = self.documents.get(wanted) if isinstance(wanted, str) else None
            if body is not None and data.query in (None, body):
                return dataclasses.replace(data, query=body)
            if not held and data.query is not None and sha256(data.query) == wanted:
                return data  # automatic persisted queries from a caller free to send any document
            raise UntrustedDocument("PERSISTED_QUERY_NOT_FOUND", "no trusted document has this hash")
        if held and data.query is not None and sha256(data.query) not in self.documents:
            raise UntrustedDocument(
                "TRUSTED_DOCUMENT_REQUIRED",
                "this client may only run trusted documents: send extensions.persistedQuery.sha256Hash",
            )
        return data


class UntrustedDocument(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def load_trusted(settings: Settings) -> TrustedDocuments | None:
    if settings.trusted_documents is None:
        return None
    return TrustedDocuments.load(settings.trusted_documents, settings.trusted_clients)


def admit(
    trusted: TrustedDocuments | None, data: GraphQLRequestData, client_id: str | None, refusals: list[str]
) -> GraphQLRequestData | ExecutionResult:
    """The request to run (its trusted text in place), or the refusal to send instead; its code goes to ``refusals``
    (the request's, for the audit event)."""
    if trusted is None:
        return data
    try:
        return trusted.resolve(data, client_id)
    except UntrustedDocument as refused:
        refusals.append(refused.code)
        return ExecutionResult(data=None, errors=[GraphQLError(str(refused), extensions={"code": refused.code})])
