"""`hub agreements` as an IG officer runs it: real processes, the demo agreements and broken copies of them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import HUB, REPO, hub_env, run_hub

DEMO = REPO / "agreements"


def hub(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HUB, *args], env=hub_env(data_dir, **env), capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    directory = tmp_path / "agreements"
    shutil.copytree(DEMO, directory)
    return directory


def test_check_lists_every_version_and_keeps_it_in_the_archive(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = run_hub(data, "agreements", "check", "--today", "2026-01-01")  # the checkout's agreements by default
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert (
        lines[0] == "cleveland-dvds v1 (dvds.v1.yaml): active, 2025-04-01 until 2026-11-23: in force; dvds-disclosure"
    )
    assert lines[13:17] == [
        "tees-matac v1 (matac.v1.yaml): active, 2024-04-01 until 2025-10-01: replaced by a later version; "
        "matac-tasking",
        "tees-matac v2 (matac.v2.yaml): active, 2025-10-01 until 2026-11-23: in force; matac-tasking",
        "tees-matac v3 (matac.v3.yaml): active, 2026-11-23 until 2026-12-04: not yet in force; matac-tasking",
        "tees-matac v4 (matac.yaml): active, 2026-12-04 until 2028-03-31: not yet in force; matac-tasking",
    ]
    assert lines[-1] == "17 agreement versions valid; 6 in force on 2026-01-01"
    assert result.stderr == ""
    archived = sorted(p.relative_to(data / "agreements-archive").as_posix() for p in data.rglob("*.yaml"))
    assert "tees-matac/v1.yaml" in archived and "tees-matac/v4.yaml" in archived and len(archived) == 17
    assert (data / "agreements-archive/tees-matac/v4.yaml").read_bytes() == (DEMO / "matac.yaml").read_bytes()
    # pure policy: no graph, no secrets, nothing but the archive in the data directory
    assert [p.name for p in data.iterdir()] == ["agreements-archive"]


def test_check_as_json_warns_of_overdue_review_and_coming_expiry(tmp_path: Path) -> None:
    result = run_hub(tmp_path, "agreements", "check", "--today", "2028-02-15", "--format", "json", "--no-archive")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["today"] == "2028-02-15" and len(report["agreements"]) == 17
    v4 = next(a for a in report["agreements"] if a["label"] == "tees-matac v4")
    assert (v4["window"], v4["in_force"], v4["purposes"]) == (["2026-12-04", "2028-03-31"], True, ["matac-tasking"])
    assert "hub: warning: tees-matac v4 (matac.yaml) was due for review on 2027-03-31" in result.stderr
    assert "hub: warning: tees-matac v4 (matac.yaml) expires on 2028-03-31, in 45 days" in result.stderr
    for replaced in ("tees-matac v1", "tees-matac v2", "tees-matac v3"):  # replaced: no warning
        assert replaced not in result.stderr
    assert report["warnings"] == [line.removeprefix("hub: warning: ") for line in result.stderr.splitlines()]
    assert not (tmp_path / "agreements-archive").exists()


def test_check_reports_each_problem_on_stderr(tmp_path: Path, copy: Path) -> None:
    text = (copy / "dvds.yaml").read_text()
    text = text.replace("dob]", "dob, shoe_size]").replace("cleveland-police: [dvds-officer]", "tees-nhs: [nurse]")
    (copy / "dvds.yaml").write_text(text)
    (copy / "broken.yaml").write_text("id: broken\npurposes: [unclosed\n")
    result = hub(tmp_path, "agreements", "check", HUB_AGREEMENTS_DIR=str(copy))  # the directory from the environment
    assert result.returncode == 1
    assert result.stdout == ""
    problems = result.stderr.splitlines()
    assert problems[0].startswith("broken.yaml: line 3: not valid YAML")
    assert "dvds.yaml: purposes.dvds-disclosure.recipients: 'tees-nhs' is not a party to the agreement" in problems
    assert any(
        p.startswith("dvds.yaml: purposes.dvds-disclosure.share.person: unknown field 'shoe_size'") for p in problems
    )
    assert problems[-1] == f"hub: 3 problem(s) in the agreements in {copy}"
    assert not (tmp_path / "agreements-archive").exists()  # nothing is archived from an invalid set


def test_check_refuses_a_version_changed_without_a_new_number(tmp_path: Path, copy: Path) -> None:
    assert run_hub(tmp_path, "agreements", "check", "--dir", str(copy)).returncode == 0
    matac = copy / "matac.yaml"
    matac.write_text(matac.read_text().replace("retention: P3Y", "retention: P5Y"))
    result = run_hub(tmp_path, "agreements", "check", "--dir", str(copy))
    assert result.returncode == 1
    assert result.stderr.startswith(
        "matac.yaml: version: tees-matac v4 changed without a new version number since it was archived"
    )
    assert result.stderr.rstrip().endswith("bump `version`")
    assert run_hub(tmp_path, "agreements", "check", "--dir", str(copy), "--no-archive").returncode == 0
    matac.write_text(matac.read_text().replace("version: 4", "version: 5"))
    result = run_hub(tmp_path, "agreements", "check", "--dir", str(copy), "--today", "2026-01-01")
    assert result.returncode == 0, result.stderr
    assert "tees-matac v5 (matac.yaml): active, 2026-12-04 until 2028-03-31: not yet in force" in result.stdout
    assert (tmp_path / "agreements-archive/tees-matac/v5.yaml").read_bytes() == matac.read_bytes()


def test_explain_allowed_denied_and_unknown(tmp_path: Path) -> None:
    common = ["agreements", "explain", "--today", "2027-01-01"]
    result = run_hub(
        tmp_path,
        *common,
        *("--agency", "cleveland-police", "--role", "dvds-officer", "--purpose", "dvds-disclosure"),
        *("--field", "person.dob", "--justification", "DVDS-2026-001"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "ALLOWED: person.dob from cleveland-police to cleveland-police for dvds-disclosure on 2027-01-01",
        "  - cleveland-dvds v3 shares person.dob from 'cleveland-police' with 'cleveland-police' for 'dvds-disclosure'",
        "  - masked: year",
        "  - records dated before 2017-01-01 are past retention (P10Y)",
    ]
    result = run_hub(
        tmp_path,
        *common,
        *("--agency", "stockton-schools", "--role", "safeguarding-lead", "--role", "teacher"),
        *("--purpose", "operation-encompass", "--field", "incident.perpetrators", "--source", "cleveland-police"),
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[0].startswith("DENIED: incident.perpetrators from cleveland-police")
    assert "does not share incident.perpetrators for 'operation-encompass'" in result.stdout
    result = run_hub(
        tmp_path, *common, "--agency", "x", "--role", "y", "--purpose", "marac", "--field", "person.shoe_size"
    )
    assert result.returncode == 2
    assert "unknown field 'person.shoe_size'" in result.stderr and "person.dob" in result.stderr
    assert not (tmp_path / "graph").exists() and not (tmp_path / "secrets").exists()


def test_compile_prints_the_cedar_policies(tmp_path: Path, copy: Path) -> None:
    result = run_hub(tmp_path, "agreements", "compile", "--dir", str(copy))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("permit (") >= 7
    assert (
        'context.purpose == "matac-tasking"' in result.stdout
        and "// tees-matac v4: matac-tasking, incident" in result.stdout
    )
    (copy / "bad.yaml").write_text("id: bad\n")
    result = run_hub(tmp_path, "agreements", "compile", "--dir", str(copy))
    assert result.returncode == 2 and result.stdout == ""
    assert "bad.yaml: (top): 'version' is a required property" in result.stderr
