"""Hot reload: agreement files edited on disk take effect on the next request, without a restart.

The directory is looked at no more than once a second (names, sizes and modification times). A changed set is
loaded and compiled in full before it replaces the old one; if it is invalid, the old decisions stay in force and the
problems are logged, so a half-edited file never opens or closes access by accident.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from hub.policy.agreements import AgreementError, load_agreements
from hub.policy.archive import archive_versions
from hub.policy.cedar import PolicyCompileError
from hub.policy.decisions import Decider

log = logging.getLogger("hub.policy")


def _fingerprint(directory: Path) -> tuple[tuple[str, int, int], ...]:
    try:
        paths = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
        return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    except OSError:
        return ()


class LivePolicy:
    """The decider for the agreements currently on disk. ``load`` raises at start; later reloads never do."""

    def __init__(self, directory: Path, *, archive: Path | None = None, interval: float = 1.0) -> None:
        self.directory = directory
        self._archive = archive
        self._interval = interval
        self._lock = threading.Lock()
        self._checked = time.monotonic()
        self._seen = _fingerprint(directory)
        self._decider = self._load()
        self.problems: list[str] = []  # of the last reload that failed, until one succeeds

    def _load(self) -> Decider:
        """Load, keep every version in the archive (so an audit event's version can always be read back), compile.
        A version edited in place without a new number is refused, like any other invalid agreement."""
        agreements = load_agreements(self.directory)
        if self._archive is not None:
            try:
                problems = archive_versions(agreements, self.directory, self._archive)
            except OSError as exc:
                problems = [f"{self._archive}: cannot keep the agreement versions ({exc.strerror})"]
            if problems:
                raise AgreementError(problems)
        return Decider(agreements)

    def current(self) -> Decider:
        now = time.monotonic()
        if now - self._checked >= self._interval and self._lock.acquire(blocking=False):
            try:
                self._checked = now
                seen = _fingerprint(self.directory)
                if seen != self._seen:
                    self._reload(seen)
            finally:
                self._lock.release()
        return self._decider

    def _reload(self, seen: tuple[tuple[str, int, int], ...]) -> None:
        try:
            decider = self._load()
        except (AgreementError, PolicyCompileError) as exc:
            self.problems = exc.problems if isinstance(exc, AgreementError) else [str(exc)]
            log.error("agreements not reloaded, the previous ones stay in force:\n%s", "\n".join(self.problems))
            self._seen = seen  # report once per change, not on every request
            return
        self._decider, self._seen, self.problems = decider, seen, []
        log.warning("agreements reloaded: %s", ", ".join(a.label for a in decider.agreements.agreements))
