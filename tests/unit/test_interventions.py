"""Interventions in the synthetic generator: an effect that can be set, and none by default (the output is then
byte-identical to what the generator wrote before interventions existed)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from synthetic import SeedSpec, generate

AS_OF = dt.date(2026, 11, 1)
# SHA-256 over every file `generate(SeedSpec(perpetrators=60, as_of=AS_OF))` wrote before interventions were added
DEFAULT_DIGEST = "954389c076c990380e5917dfd9477971160be8f6727f2cb465a869c4e1bcce00"


def digest(out: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(out.iterdir()):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def truth(out: Path) -> dict[str, Any]:
    return json.loads((out / "ground-truth.json").read_text(encoding="utf-8"))


def test_no_effect_leaves_the_output_as_it_was(tmp_path: Path) -> None:
    generate(SeedSpec(perpetrators=60, as_of=AS_OF, matac_effect=0.0, programme_effect=0.0), tmp_path)
    assert digest(tmp_path) == DEFAULT_DIGEST
    assert "interventions" not in truth(tmp_path) and "matac_effect" not in truth(tmp_path)["spec"]


def test_a_full_effect_leaves_no_incident_after_tasking(tmp_path: Path) -> None:
    generate(SeedSpec(perpetrators=120, as_of=AS_OF, matac_effect=-1.0), tmp_path)
    known = truth(tmp_path)
    referred = {r["id"]: r["at"] for r in known["interventions"]["referred"] if r["forum"] == "MATAC"}
    assert len(referred) >= 5 and known["interventions"]["withheld_incidents"]
    assert known["spec"]["matac_effect"] == -1.0
    after = [
        i for i in known["incidents"] if i["perpetrator"] in referred and i["occurred_at"] >= referred[i["perpetrator"]]
    ]
    assert after == []
    police = [json.loads(line) for line in (tmp_path / "cleveland-police.jsonl").read_text().splitlines()]
    withheld = set(known["interventions"]["withheld_incidents"])
    assert not withheld & {i["id"] for i in known["incidents"]}, "the truth leaves out what never happened"
    assert any(r["type"] == "referral" and r["forum"] == "MATAC" for r in police)


def test_half_an_effect_withholds_about_half(tmp_path: Path) -> None:
    generate(SeedSpec(perpetrators=300, as_of=AS_OF, programme_effect=-0.5), tmp_path)
    known = truth(tmp_path)
    referred = {r["id"]: r["at"] for r in known["interventions"]["referred"] if r["forum"] == "perpetrator_programme"}
    kept = sum(
        1 for i in known["incidents"] if i["perpetrator"] in referred and i["occurred_at"] >= referred[i["perpetrator"]]
    )
    withheld = len(known["interventions"]["withheld_incidents"])
    assert 0.35 < withheld / (withheld + kept) < 0.65


@pytest.mark.parametrize("effect", [0.1, -1.5])
def test_an_effect_is_a_reduction(effect: float) -> None:
    with pytest.raises(ValueError, match="from -1 to 0"):
        SeedSpec(as_of=AS_OF, matac_effect=effect)
