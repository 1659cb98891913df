"""The progress-factory protocol of ``graph.ingest``, shared by every resolve stage."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

from graph.ingest import Progress, ProgressFactory


class _Null:
    def update(self, n: int) -> None:
        return None


def silent(_desc: str, _total: int | None) -> AbstractContextManager[Progress]:
    return nullcontext(_Null())


__all__ = ["Progress", "ProgressFactory", "silent"]
