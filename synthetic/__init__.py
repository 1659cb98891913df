"""Deterministic synthetic multi-agency data for the hub: partner record files plus ground truth.

``generate`` simulates ten years of domestic abuse in a fictional Teesside population ending at
``as_of`` (serial and one-off perpetrators, familial abuse, adolescent-to-parent violence, children
present, MARAC, DASH, orders, Clare's Law, probation, health, housing, schools), then writes what
each of seven demo agencies would hold, with realistic recording noise, as one JSON Lines file per
agency (``<agency>.jsonl``, every line valid under ``partner-records.schema.json``) and
``ground-truth.json``. All names, addresses and identifiers are synthetic (NHS numbers in the 999
test range, NI numbers with the never-issued QQ prefix).

Scale: about 31 records per perpetrator (30-33 depending on the seed), linear in ``perpetrators``:
300 -> about 9.5k records, 3,000 -> about 93k, 3,300 -> about 103k. 100k records take about 5
seconds. The output is byte-identical for the same arguments in any process: every random choice
comes from ``random.Random`` seeded with strings derived from ``seed`` (never the global generator,
the clock or ``hash()``), and every JSON object is written with sorted keys.

Interventions that work (``matac_effect``, ``programme_effect``): after a perpetrator's first MATAC or perpetrator
programme referral, each later incident of theirs happens with probability 1 + effect, drawn from a stream of its
own; the truth then lists the referrals and the incidents withheld (``interventions``). With no effect set nothing
is drawn from it, and the output is byte-identical to a generator without interventions.
"""

from __future__ import annotations

import datetime
import json
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import confusers, profiles
from .books import AGENCIES
from .errors import Recorder
from .model import rfc3339
from .population import build_world
from .records import Emitter
from .revisions import revise
from .truth import build

__all__ = ["AGENCIES", "SeedResult", "SeedSpec", "generate"]

PROGRESS_EVERY = 5000
EFFECTS = {"matac_effect": "MATAC", "programme_effect": "perpetrator_programme"}  # SeedSpec field -> forum


@dataclass(frozen=True)
class SeedSpec:
    seed: int = 7
    perpetrators: int = 300  # scale knob: number of simulated people who cause harm
    as_of: datetime.date = field(kw_only=True)  # the simulated ten years end the day before this date
    years: int = 10
    update_rate: float = 0.01  # share of records re-submitted later with a field changed
    withdraw_rate: float = 0.003  # share of records withdrawn ("deleted": true)
    noise: str = "typical"  # a noise profile (synthetic.profiles): clean, typical, hostile or clean+<error kind>
    # interventions that work: the relative change in a perpetrator's incident rate after their first referral to
    # MATAC (tasking) or to a perpetrator programme, from -1 (no incident after it) to 0 (no effect, the default:
    # the output is then exactly what it was before interventions existed)
    matac_effect: float = 0.0
    programme_effect: float = 0.0

    def __post_init__(self) -> None:
        for name in EFFECTS:
            if not -1.0 <= getattr(self, name) <= 0.0:
                raise ValueError(f"{name} must be from -1 to 0 (a reduction; a harmful effect is not simulated)")
        if self.perpetrators < 1:
            raise ValueError("perpetrators must be at least 1")
        if self.years < 4:
            raise ValueError("years must be at least 4 (the MATAC window is 3 years)")
        if not isinstance(self.as_of, datetime.date) or isinstance(self.as_of, datetime.datetime):
            raise TypeError("as_of must be a datetime.date")
        profiles.named(self.noise)  # an unknown profile fails here, not half way through generating


@dataclass(frozen=True)
class SeedResult:
    files: dict[str, Path]  # agency code -> JSONL file written
    truth_file: Path
    records: int  # total lines written
    by_agency: dict[str, int]


def _dumps(obj: object) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False)


def generate(spec: SeedSpec, out_dir: Path, progress: Callable[[int], None] | None = None) -> SeedResult:
    """Write ``out_dir/<agency>.jsonl`` for each demo agency and ``out_dir/ground-truth.json``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = profiles.named(spec.noise)
    world = build_world(spec.seed, spec.perpetrators, spec.as_of, spec.years, profile.surnames)
    added = confusers.add(world, profile, spec.seed)
    errors = Recorder(profile, spec.seed, world.people)
    effects = {forum: getattr(spec, name) for name, forum in EFFECTS.items()}
    emitter = Emitter(world, spec.seed, profile.base, errors, effects)
    emitter.run()
    for story in world.stories:  # incidents an intervention prevented never happened: the truth leaves them out
        story.incidents = [i for i in story.incidents if i.id not in emitter.withheld]
    rng = random.Random(f"synthetic:{spec.seed}:revisions")
    done = len(emitter.updates)
    updates, withdrawn = revise(emitter.books, rng, emitter.cap, spec.update_rate, spec.withdraw_rate, done)
    files: dict[str, Path] = {}
    by_agency: dict[str, int] = {}
    written = 0
    for code in AGENCIES:
        path = out_dir / f"{code}.jsonl"
        lines = emitter.books[code].ordered()
        with path.open("w", encoding="utf-8", newline="\n") as fh:
            for rec in lines:
                fh.write(_dumps(rec) + "\n")
                written += 1
                if progress and written % PROGRESS_EVERY == 0:
                    progress(written)
        files[code] = path
        by_agency[code] = len(lines)
    # the noise profile and the interventions' effects are named in the truth only when not the default, so the
    # default truth is byte-identical to what it was before either existed
    spec_values = {k: v for k, v in asdict(spec).items() if k not in EFFECTS or v} | {"as_of": spec.as_of.isoformat()}
    if spec.noise == "typical":
        del spec_values["noise"]
    truth = build(spec_values, world, emitter, emitter.updates + updates, withdrawn)
    if spec.noise != "typical":  # the profile applied, and which records and people carry each error kind
        records = {k: [{"agency": a, "local_id": i} for a, i in refs] for k, refs in errors.hit.items()}
        truth["noise"] = {"profile": asdict(profile), "records": records, "people": added}
    if emitter.effects:
        truth["interventions"] = {
            "referred": [
                {"id": pid, "forum": forum, "at": rfc3339(at)}
                for pid, forums in sorted(emitter.tasked.items())
                for forum, at in sorted(forums.items())
            ],
            "withheld_incidents": sorted(emitter.withheld),
        }
    truth_file = out_dir / "ground-truth.json"
    truth_file.write_text(json.dumps(truth, sort_keys=True, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if progress:
        progress(written)
    return SeedResult(files=files, truth_file=truth_file, records=written, by_agency=by_agency)
