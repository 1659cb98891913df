"""Private files under ``<data dir>/secrets/``: mode 0600 in a 0700 directory, never seen half-written."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _private_dir(path: Path) -> None:
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.chmod(0o700)  # mkdir's mode is filtered by the umask


def _write_temp(path: Path, data: bytes) -> Path:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # created with mode 0600
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return Path(name)


def create_once(path: Path, data: bytes) -> None:
    """Create ``path`` with ``data`` unless it exists; when two processes race, the first link wins."""
    _private_dir(path)
    tmp = _write_temp(path, data)
    try:
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def replace(path: Path, data: bytes) -> None:
    """Write ``path`` atomically (readers see the old or the new content, whole)."""
    _private_dir(path)
    tmp = _write_temp(path, data)
    try:
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
