"""Every agreement version ever seen, kept byte for byte: what the hub enforced on a day can always be shown.

A version is archived as ``<archive>/<id>/v<version>.yaml`` the first time it is seen and never rewritten. A file
whose bytes differ from its archived version was edited without bumping ``version``: the hub reports it instead of
silently enforcing different terms under the same name.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from hub.policy.agreements import AgreementSet


def archive_versions(agreements: AgreementSet, source_dir: Path, archive_dir: Path) -> list[str]:
    """Archive each version not archived yet; a problem for each whose text no longer matches its archived copy."""
    problems: list[str] = []
    for a in agreements.agreements:
        target = archive_dir / a.id / f"v{a.version}.yaml"
        if target.is_file():
            if hashlib.sha256(target.read_bytes()).hexdigest() != a.digest:
                problems.append(
                    f"{a.file}: version: {a.label} changed without a new version number since it was archived "
                    f"in {target}: bump `version`"
                )
            continue
        data = (source_dir / a.file).read_bytes()
        if hashlib.sha256(data).hexdigest() != a.digest:
            problems.append(f"{a.file}: changed while it was being checked: check again")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}")
        partial.write_bytes(data)
        partial.chmod(0o444)  # a record, not a working copy
        os.replace(partial, target)  # never a half-written version, even after a crash
    return problems
