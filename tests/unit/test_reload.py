"""Agreements edited on disk take effect without a restart; an invalid edit leaves the previous ones in force."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from hub.policy import Asker
from hub.policy.reload import LivePolicy
from tests.helpers import REPO

ANALYST = Asker("a", "cleveland-police", frozenset({"matac-analyst"}))
TODAY = dt.date(2026, 12, 4)  # tees-matac v4 (matac.yaml) governs


def allowed(policy: LivePolicy) -> bool:
    return policy.current().grant(ANALYST, "matac-tasking", "MATAC-1", TODAY).allowed


def touch(path: Path, text: str) -> None:
    path.write_text(text)
    stamp = path.stat().st_mtime_ns + 1_000_000_000  # a distinct modification time, however coarse the clock
    os.utime(path, ns=(stamp, stamp))


def test_a_suspension_takes_effect_on_the_next_request_and_a_bad_edit_changes_nothing(tmp_path: Path):
    shutil.copytree(REPO / "agreements", tmp_path, dirs_exist_ok=True)
    policy = LivePolicy(tmp_path, interval=0)
    assert allowed(policy)
    matac = tmp_path / "matac.yaml"
    original = matac.read_text()
    touch(matac, original.replace("status: active", "status: suspended"))
    assert not allowed(policy), "a suspended agreement authorises nothing, from the next request"
    assert policy.problems == []
    touch(matac, original)
    assert allowed(policy)
    touch(matac, original.replace("retention: P3Y", "retention: three years"))
    assert allowed(policy), "an invalid edit leaves the last valid agreements in force"
    assert any("retention" in p for p in policy.problems)
    touch(matac, original)
    assert allowed(policy) and policy.problems == []


def test_every_version_served_is_archived_and_an_edit_without_a_new_number_is_refused(tmp_path: Path):
    source, archive = tmp_path / "agreements", tmp_path / "archive"
    shutil.copytree(REPO / "agreements", source)
    policy = LivePolicy(source, archive=archive, interval=0)
    assert (archive / "tees-matac" / "v1.yaml").read_bytes() == (source / "matac.v1.yaml").read_bytes()
    assert (archive / "tees-matac" / "v4.yaml").read_bytes() == (source / "matac.yaml").read_bytes()
    matac = source / "matac.yaml"
    original = matac.read_text()
    touch(matac, original.replace("status: active", "status: suspended"))
    assert allowed(policy), "same version number, different terms: refused, the archived terms stay in force"
    assert any("bump `version`" in p for p in policy.problems)
    touch(matac, original.replace("status: active", "status: suspended").replace("version: 4", "version: 5"))
    assert not allowed(policy) and policy.problems == []
    assert (archive / "tees-matac" / "v5.yaml").is_file()
