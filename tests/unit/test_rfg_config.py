"""The RFG configuration: the shipped file loads, bands score as documented, bad files are refused clearly."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from graph.analytics.rfg import (
    DEFAULT_CONFIG,
    RfgConfigError,
    load_config,
    nominations,
    parse_config,
    postcode_district,
)


def shipped() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    return data


def test_the_shipped_config_loads_and_bands_are_inclusive_upper_bounds():
    config = load_config()
    assert config.window_years == 3 and config.gravity_aggregate == "sum"
    assert [config.frequency.points(n) for n in (1, 2, 3, 4, 10, 11, 500)] == [1, 2, 2, 3, 4, 5, 5]
    assert [config.recency.points(d) for d in (0, 28, 29, 365, 366)] == [5, 5, 4, 2, 1]
    assert config.breakdown(0, 20, 5000, 8)["score"] == 30 and config.breakdown(400, 1, 0, 1)["score"] == 6
    assert load_config().digest == config.digest, "the digest is stable"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("weights"), "weights: must be a mapping (got nothing)"),
        (lambda d: d["weights"].pop("gravity"), "weights: missing key 'gravity'"),
        (lambda d: d["weights"].update(recency="high"), "weights.recency: must be a number, 0 or more (got 'high')"),
        (lambda d: d.update(window_years=0), "window_years: must be a whole number of years from 1 to 20 (got 0)"),
        (lambda d: d.update(version=2), "version: must be 1 (got 2)"),
        (lambda d: d.update(colour="red"), "the file: unknown key 'colour'"),
        (lambda d: d["recency"]["bands"][2].update(max=20), "recency.bands[2].max: must be greater than the previous"),
        (lambda d: d["victims"]["bands"].pop(), "victims.bands[2]: the last band must leave out max"),
        (lambda d: d["victims"]["bands"][0].pop("max"), "victims.bands[0]: only the last band may leave out max"),
        (lambda d: d["frequency"].update(bands=[]), "frequency.bands: must be a non-empty list"),
        (lambda d: d["gravity"].update(aggregate="mean"), "gravity.aggregate: must be one of sum, max (got 'mean')"),
        (lambda d: d["gravity"]["category_defaults"].update(punching=3), "unknown key 'punching'"),
        (lambda d: d["gravity"]["bands"][1].update(points=-1), "gravity.bands[1].points: must be a number, 0 or more"),
    ],
)
def test_bad_settings_are_refused_with_the_place_and_the_problem(change, message):
    data = copy.deepcopy(shipped())
    change(data)
    with pytest.raises(RfgConfigError) as error:
        parse_config(data, source="rfg.yaml")
    assert str(error.value).startswith("rfg.yaml: ") and message in str(error.value)


def test_unreadable_and_malformed_files_are_refused(tmp_path: Path):
    with pytest.raises(RfgConfigError, match=r"missing\.yaml: cannot be read"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("weights: [1, 2\n", encoding="utf-8")
    with pytest.raises(RfgConfigError, match=r"bad\.yaml:\d+: not valid YAML"):
        load_config(bad)
    bad.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(RfgConfigError, match=r"bad\.yaml: the file: must be a mapping \(got list\)"):
        load_config(bad)


def test_postcode_districts():
    assert postcode_district("TS17 1JJ") == "TS17"
    assert postcode_district("ts1 2ab") == "TS1"
    assert postcode_district("TS17") == "TS17"
    assert postcode_district(None) is None and postcode_district("") is None
    assert nominations([], top=3, area="TS17") == []
