"""Self-proving subject access reports from a real SQLite trail, checked offline as a solicitor would with `prove`."""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.audit import AuditEvent, SqliteAuditLog, TreeHead, open_audit_log
from hub.audit.reports import ReportError, build_report, check_report
from hub.audit.signing import SigningKey
from tests.helpers import HUB, hub_env

T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def event(i: int) -> AuditEvent:
    persons = ("P-subject",) if i % 3 == 0 else (f"P{i}",)
    return AuditEvent(
        at=T0 + dt.timedelta(hours=i),
        subject=f"officer-{i}",
        agency="cleveland-police",
        purpose="matac-tasking",
        justification=f"MATAC-{i} ☃",  # non-ASCII: the canonical form keeps it as itself
        decision="allow",
        persons=persons,
        fields=("person.given_name",),
    )


@pytest.fixture
def log(tmp_path: Path) -> Iterator[SqliteAuditLog]:
    with open_audit_log(tmp_path / "audit.sqlite3", tmp_path / "audit.key") as opened:
        for start in range(1, 21, 4):
            opened.append([event(i) for i in range(start, start + 4)])
        yield opened


def report_of(log: SqliteAuditLog, **kwargs: Any) -> dict[str, Any]:
    return build_report(log, "P-subject", log.query(person="P-subject", limit=1000), **kwargs)


def test_a_report_proves_every_access_against_the_head_and_a_checkpoint(log: SqliteAuditLog) -> None:
    held = log.tree_head()
    log.append([event(21), event(24)])
    report = report_of(log, consistency_from=held.size)  # type: ignore[union-attr]
    assert [a["position"] for a in report["accesses"]] == [3, 6, 9, 12, 15, 18, 21, 22]
    checked = check_report(json.loads(json.dumps(report)), public_key=log.public_key, checkpoint=held)
    assert checked.problems == [] and checked.accesses == 8 and checked.head.size == 22
    assert checked.notes == ["the head extends your checkpoint of size 20"]
    assert check_report(report, checkpoint=held).problems == []  # the checkpoint's key id vouches for the report's key


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda r: r["accesses"][1].update(subject="someone-else"), "position 6 is not in the signed tree"),
        (lambda r: r["accesses"][1].update(note="added"), "position 6 is not in the signed tree"),
        (lambda r: r["accesses"][1].update(position=7), "position 7 is not in the signed tree"),
        (lambda r: r["accesses"][2]["inclusion_proof"].pop(), "position 9 is not in the signed tree"),
        (lambda r: r["head"].update(tree_size=21), "the signature on the report's head is not valid"),
        (lambda r: r["accesses"].append(copy.deepcopy(r["accesses"][0]) | {"persons": ["P1"]}), "not in the signed"),
    ],
    ids=["edited field", "added field", "moved", "cut proof", "head altered", "someone else's event"],
)
def test_any_change_to_a_report_is_named(log: SqliteAuditLog, damage: Any, problem: str) -> None:
    report = report_of(log)
    damage(report)
    problems = check_report(report, public_key=log.public_key).problems
    assert len(problems) == 1 and problem in problems[0]


def test_an_event_that_does_not_name_the_person_is_refused(log: SqliteAuditLog) -> None:
    report = report_of(log)
    position = 4  # a real event of the trail, about someone else
    other = log.query(after_seq=position - 1, limit=1)[0][1]
    report["accesses"].append(
        {"position": 4, **json.loads(other.to_json()), "inclusion_proof": [h.hex() for h in log.inclusion_proof(4, 20)]}
    )
    assert check_report(report, public_key=log.public_key).problems == [
        "the access at position 4 is in the trail but does not name person P-subject"
    ]


def test_a_report_re_signed_with_another_key_is_refused(log: SqliteAuditLog) -> None:
    report = report_of(log)
    forger = SigningKey.generate()
    head = TreeHead.from_json(report["head"])
    report["head"] = forger.sign_head(head.size, head.root).to_json()
    report["public_key"] = forger.public_key.pem().decode()
    assert "not" in check_report(report, public_key=log.public_key).problems[0]
    held = log.tree_head()
    assert "the checkpoint was signed by key" in check_report(report, checkpoint=held).problems[0]


def test_a_checkpoint_ahead_of_the_report_or_without_a_proof_is_not_proven(log: SqliteAuditLog) -> None:
    early = report_of(log)
    log.append([event(30)])
    later = log.tree_head()
    assert "ahead of the report's head" in check_report(early, checkpoint=later).problems[0]
    older = report_of(log)  # no consistency proof asked for
    first = log.tree_head()
    log.append([event(33)])
    newer = report_of(log)
    assert check_report(newer, checkpoint=first).problems[0].startswith("the report carries no consistency proof")
    assert check_report(older, checkpoint=first).problems == []  # the same size: the roots must agree


def test_an_empty_trail_reports_nothing_and_proves_nothing(tmp_path: Path) -> None:
    with open_audit_log(tmp_path / "a.sqlite3", tmp_path / "k") as log:
        report = build_report(log, "P-subject", [])
        assert report["head"] is None and report["accesses"] == []
        with pytest.raises(ReportError, match="no signed tree head"):
            check_report(report, public_key=log.public_key)


def test_prove_on_the_command_line(log: SqliteAuditLog, tmp_path: Path) -> None:
    path, key = tmp_path / "report.json", tmp_path / "hub.pem"
    path.write_text(json.dumps(report_of(log), ensure_ascii=False))
    key.write_bytes(log.public_key.pem())

    def prove(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [HUB, "audit", "prove", str(path), *args]
        return subprocess.run(argv, env=hub_env(tmp_path / "nowhere"), capture_output=True, text=True, timeout=60)

    done = prove("--public-key", str(key))
    assert done.returncode == 0 and done.stdout.startswith("report proven: 6 accesses to P-subject's data"), done
    assert not (tmp_path / "nowhere").exists()  # offline: no trail, no data directory
    key.write_bytes(SigningKey.generate().public_key.pem())
    done = prove("--public-key", str(key))
    assert done.returncode == 1 and "NOT proven" in done.stdout
    path.write_text("{not json")
    assert prove("--public-key", str(key)).returncode == 2
