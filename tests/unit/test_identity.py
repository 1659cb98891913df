"""Identity resolution's pure parts: features, guards, stable ids, evaluation maths."""

from __future__ import annotations

import itertools

import pytest

from graph.identity import evaluate as ev
from graph.identity.cluster import assign_ids, chains, cluster, dob_compatible, given_compatible
from graph.identity.features import checked, features, given_forms, soundex, surnames
from graph.identity.model import Pair


def test_nicknames_and_spelling_forms() -> None:
    assert set(given_forms("bob")) & set(given_forms("robert"))
    assert set(given_forms("chris")) >= {"christopher", "christine"}
    assert not set(given_forms("alice")) & set(given_forms("grace"))


def test_soundex_and_surnames() -> None:
    assert soundex("robert") == soundex("rupert") == "R163"
    assert soundex("smith") == soundex("smyth")
    assert surnames("Smith-Jones", ["O'Brien"]) == ["jones", "obrien", "smith", "smithjones"]


def test_features_normalise() -> None:
    row = features({"key": "a:1", "given_name": "Mary Jane", "postcode": "ts18 1ab", "nhs_number": "999 000 0018"})
    assert (row["given"], row["postcode"], row["district"], row["nhs"]) == ("mary", "TS181AB", "TS18", "9990000018")


def test_addresses_compare_as_words_with_their_numbers_apart() -> None:
    row = features({"key": "a:1", "address": "Flat 2, 14 Quarry-Lane,  Stockton"})
    assert (row["address"], row["address_numbers"]) == ("flat 2 14 quarry lane stockton", "2 14")
    assert features({"key": "a:2", "address": " , "})["address"] is None


def test_dob_compatibility() -> None:
    assert dob_compatible("1980-03-04", "1980-04-03")  # day and month swapped
    assert dob_compatible("1980-03-04", "1981-03-04")
    assert dob_compatible("1980-03-04", "1980-03-05")
    assert dob_compatible("1980-03-04", "1980-09-04")  # the month mis-keyed
    assert dob_compatible("1980-03-04", "1980-01-01") and dob_compatible("1980-03-01", "1980-03-24")  # partial dates
    assert dob_compatible("1980-03-04", "1981-03-05")  # a year and a day
    assert not dob_compatible("1980-03-04", "1982-07-19")
    assert not dob_compatible("1980-03-04", "1981-01-01")  # 1 January of another year


def test_checked_identifiers() -> None:
    assert checked("nhs", "9990000018") and not checked("nhs", "9990000081")  # two digits swapped: fails
    assert checked("pnc", "17034847K") and not checked("pnc", "17034874K")
    assert not checked("ni", "QQ123456C")  # no check digit: never proof of two people


def test_given_compatibility() -> None:
    assert given_compatible(("bob", tuple(given_forms("bob"))), ("robert", tuple(given_forms("robert"))))
    assert given_compatible(("jonathon", ()), ("jonathan", ()))
    assert not given_compatible(("alice", ()), ("grace", ()))
    # one keying error after the same first letter, in a name too short for Jaro-Winkler to see it
    assert given_compatible(("srah", ()), ("sarah", ())) and given_compatible(("iwy", ()), ("ivy", ()))
    assert not given_compatible(("ava", ()), ("eva", ()))  # another first letter: a twin's name, not a typo


def _row(key: str, given: str, dob: str | None, nhs: str | None = None, family: str = "smith") -> dict[str, object]:
    return {
        "unique_id": key,
        "given": given,
        "given_forms": given_forms(given),
        "dob": dob,
        "nhs": nhs,
        "family": family,
    }


def test_guards_keep_twins_and_checked_identifiers_apart_but_not_unchecked_ones() -> None:
    rows = [
        _row("a", "alice", "2012-05-05"),
        _row("b", "grace", "2012-05-05"),  # twin of a: the same birthday and surname, another given name
        _row("c", "alice", None),  # links to a, and weakly to b
        _row("d", "dawn", "1970-01-01", nhs="9990000107"),
        _row("e", "dawn", "1970-01-01", nhs="9990000115"),  # another NHS number that passes its check
        _row("f", "dawn", "1970-01-01", nhs="9990000018"),
        _row("g", "dawn", "1970-01-01", nhs="9990000081"),  # f's number with two digits swapped: fails its check
    ]
    pairs = [Pair("a", "c", 0.99, {}), Pair("b", "c", 0.95, {}), Pair("d", "e", 0.99, {}), Pair("f", "g", 0.99, {})]
    result = cluster(rows, pairs, threshold=0.9)
    assert result.clusters == [["a", "c"], ["b"], ["d"], ["e"], ["f", "g"]]
    assert result.refused == 2
    assert result.links["c"].other == "a"


def test_a_father_and_son_of_one_name_stay_apart_unless_an_identifier_joins_them() -> None:
    rows = [_row("sr", "john", "1960-03-03"), _row("jr", "john", "1986-07-07"), _row("x", "john", None)]
    pairs = [Pair("sr", "x", 0.99, {}), Pair("jr", "x", 0.97, {}), Pair("sr", "jr", 0.93, {})]
    assert cluster(rows, pairs, threshold=0.9).clusters == [["jr"], ["sr", "x"]]
    rows[1] = _row("jr", "john", "1986-07-07", nhs="9990000018")
    rows[0] = _row("sr", "john", "1960-03-03", nhs="9990000018")  # one NHS number: a date of birth replaced
    assert cluster(rows, pairs, threshold=0.9).clusters == [["jr", "sr", "x"]]


def test_twins_stay_apart_unless_one_number_keyed_twice_joins_them() -> None:
    rows = [
        {**_row("a", "alice", "2012-05-05"), "ni": "QQ123456C"},
        {**_row("b", "grace", "2012-05-05"), "ni": "QQ123465C"},
    ]
    pairs = [Pair("a", "b", 0.99, {})]
    # one National Insurance number with two neighbouring digits swapped: one person with a given name mis-recorded
    assert cluster(rows, pairs, threshold=0.9).clusters == [["a", "b"]]
    rows[1]["ni"] = "QQ123499C"  # two digits apart: another number, so twins
    assert cluster(rows, pairs, threshold=0.9).clusters == [["a"], ["b"]]
    rows = [_row("a", "alice", "2012-05-05", nhs="9990000018"), _row("b", "grace", "2012-05-05", nhs="9990000026")]
    # consecutive NHS numbers, as twins may be given: two numbers issued, each passing its check
    assert cluster(rows, pairs, threshold=0.9).clusters == [["a"], ["b"]]


def test_a_namesake_born_another_year_stays_apart_unless_something_corroborates() -> None:
    rows = [_row("a", "sam", "1970-02-02"), _row("b", "sam", None), _row("c", "sam", "1976-06-06")]
    pairs = [Pair("a", "b", 0.99, {}), Pair("b", "c", 0.95, {})]
    assert cluster(rows, pairs, threshold=0.9).clusters == [["a", "b"], ["c"]]
    rows[2] = {**rows[2], "nhs": "9990000018"}
    rows[0] = {**rows[0], "nhs": "9990000018"}  # one NHS number: the date of birth was replaced
    assert cluster(rows, pairs, threshold=0.9).clusters == [["a", "b", "c"]]


def test_the_models_evidence_against_a_pair_keeps_a_chain_apart() -> None:
    # a and c: the same name and address, birthdays six years apart; b has no date of birth and pairs well with both
    rows = [_row("a", "sam", "1970-02-02"), _row("b", "sam", None), _row("c", "sam", "1976-06-06")]
    rows = [{**row, "postcode": "TS11AA"} for row in rows]
    pairs = [Pair("a", "b", 0.99, {}), Pair("b", "c", 0.95, {})]
    assert chains(pairs) == {"a": 0, "b": 0, "c": 0}
    assert cluster(rows, pairs, threshold=0.9).clusters == [["a", "b", "c"]]
    # the model scores a and c at 1% (log-odds -6.6 bits): more than b's 95% with c (+4.2) joins them
    result = cluster(rows, pairs, threshold=0.9, contrary=[("a", "c", 0.01)])
    assert result.clusters == [["a", "b"], ["c"]] and result.refused == 1


def test_one_mis_recorded_record_is_held_by_its_strong_pairs_with_the_others() -> None:
    # c carries another date of birth: against b it scores 20% (-2 bits), but the NHS number all three hold and an
    # address make its pair with a near certain (+20 bits): the evidence for joining it outweighs the evidence against
    rows = [_row(k, "sam", dob, nhs="9990000018") for k, dob in (("a", "1970-02-02"), ("b", "1970-02-02"))]
    rows.append(_row("c", "sam", "1960-01-01", nhs="9990000018"))
    pairs = [Pair("a", "b", 0.99, {}), Pair("a", "c", 1 - 1e-6, {})]
    assert cluster(rows, pairs, threshold=0.9, contrary=[("b", "c", 0.2)]).clusters == [["a", "b", "c"]]
    # a weaker pair for c (95%, +4.2 bits) does not outweigh a pair against it at 1% (-6.6 bits)
    weak = [Pair("a", "b", 0.99, {}), Pair("a", "c", 0.95, {})]
    assert cluster(rows, weak, threshold=0.9, contrary=[("b", "c", 0.01)]).clusters == [["a", "b"], ["c"]]
    # nor does any pair without a national identifier in common: siblings pair well on all but what conflicts
    rows = [{**row, "nhs": None, "postcode": "TS11AA"} for row in rows]
    assert cluster(rows, pairs, threshold=0.9, contrary=[("b", "c", 0.2)]).clusters == [["a", "c"], ["b"]]


def test_split_and_confirm_decisions_override_the_model() -> None:
    rows = [_row(k, "sam", "1990-01-01") for k in "abc"]
    pairs = [Pair("a", "b", 0.99, {}), Pair("b", "c", 0.98, {})]
    result = cluster(rows, pairs, threshold=0.9, split=[("a", "c")], confirmed=[("b", "c")])
    assert result.clusters == [["a"], ["b", "c"]]
    assert result.links["c"].evidence is None  # joined by an analyst


def _sparse_row(key: str, given: str, family: str, dob: str | None, neighbours: list[str]) -> dict[str, object]:
    return {
        "unique_id": key,
        "given": given,
        "given_forms": given_forms(given),
        "given_sx": soundex(given),
        "family": family,
        "family_sx": soundex(family),
        "surnames": surnames(family, None),
        "dob": dob,
        "neighbours": neighbours,
    }


def test_sparse_record_joins_the_one_person_sharing_its_name_and_partner() -> None:
    rows = [
        _sparse_row("a", "james", "taylor", "1985-09-26", ["h|1982-08-05"]),
        _sparse_row("b", "james", "taylor", "1985-09-26", []),
        _sparse_row("c", "jim", "talor", None, ["h|1982-08-05"]),  # nickname, typo, the same partner
        _sparse_row("d", "callum", "taylor", None, ["m|1965-07-19"]),  # partner's dob a day off
        _sparse_row("e", "callum", "taylor", "1991-07-20", ["m|1965-07-20"]),
        _sparse_row("f", "mark", "taylor", None, ["h|1982-08-05"]),  # same partner, another name: not him
    ]
    result = cluster(rows, [Pair("a", "b", 0.99, {})], threshold=0.9, sparse=True)
    assert result.clusters == [["a", "b", "c"], ["d", "e"], ["f"]]
    assert result.links["c"].other == "a" and "rule" in (result.links["c"].evidence or {})
    assert cluster(rows, [Pair("a", "b", 0.99, {})], threshold=0.9).clusters == [["a", "b"], ["c"], ["d"], ["e"], ["f"]]


def test_sparse_record_fitting_two_people_stays_alone() -> None:
    rows = [
        _sparse_row("a", "james", "taylor", "1985-09-26", ["h|1982-08-05"]),
        _sparse_row("b", "james", "taylor", "1962-01-30", ["h|1982-08-05"]),  # another James Taylor, same partner
        _sparse_row("c", "jim", "taylor", None, ["h|1982-08-05"]),
    ]
    assert cluster(rows, [], threshold=0.9, sparse=True).clusters == [["a"], ["b"], ["c"]]


def test_a_perpetrator_a_victim_named_joins_the_one_known_perpetrator_of_that_name() -> None:
    # a later victim known only to a support service names him; she is known nowhere else, so no partner is shared
    rows = [
        {**_sparse_row("cp1", "david", "shepherd", "1983-07-19", ["k|~lee"]), "perpetrator": True},
        {**_sparse_row("cp2", "david", "shepherd", "1990-02-02", []), "perpetrator": False},  # a namesake, no record
        {**_sparse_row("idva", "dave", "shepherd", None, ["r|~moore"]), "perpetrator": True},
        {**_sparse_row("nhs", "dave", "shepherd", None, []), "perpetrator": False},  # not named as a perpetrator
    ]
    result = cluster(rows, [], threshold=0.9, sparse=True)
    assert result.clusters == [["cp1", "idva"], ["cp2"], ["nhs"]]
    assert "perpetrator" in (result.links["idva"].evidence or {})["rule"][0]
    rows.append({**_sparse_row("cp3", "david", "shepherd", "1955-05-05", []), "perpetrator": True})
    assert cluster(rows, [], threshold=0.9, sparse=True).clusters == [["cp1"], ["cp2"], ["cp3"], ["idva"], ["nhs"]]
    # his partner's date of birth is known: of the two namesakes only one is of an age to be her partner
    rows[2] = {**rows[2], "neighbours": ["r|1986-01-01", "r|~moore"]}
    assert cluster(rows, [], threshold=0.9, sparse=True).clusters == [["cp1", "idva"], ["cp2"], ["cp3"], ["nhs"]]


def _lookalike(key: str, postcode: str, partner: str, perpetrator: bool = False) -> dict[str, object]:
    row = _sparse_row(key, "zoe", "smith", "1985-08-09", [partner])
    return {**row, "agency": key.split(":")[0], "postcode": postcode, "perpetrator": perpetrator}


def test_same_name_same_birthday_strangers_stay_apart_unless_perpetrators() -> None:
    # two police records, other partners, other addresses, no identifier in common: two women, however alike
    rows = [
        _lookalike("police:1", "TS81AG", "d|~taylor"),
        _lookalike("idva:1", "TS81AG", "d|~taylor"),
        _lookalike("police:2", "TS195AY", "h|~johnson"),
        _lookalike("nhs:2", "TS195AY", "h|~johnson"),
    ]
    pairs = [Pair("police:1", "idva:1", 0.999, {}), Pair("police:2", "nhs:2", 0.999, {})]
    pairs += [Pair("idva:1", "nhs:2", 0.99, {})]  # the pair that would chain them
    result = cluster(rows, pairs, threshold=0.9)
    assert result.clusters == [["idva:1", "police:1"], ["nhs:2", "police:2"]] and result.refused == 1
    # a perpetrator moves from partner to partner and may carry a second police reference: no evidence of two people
    rows = [{**r, "perpetrator": True} for r in rows]
    assert cluster(rows, pairs, threshold=0.9).clusters == [["idva:1", "nhs:2", "police:1", "police:2"]]


def test_attach_ignores_other_lone_sparse_records() -> None:
    rows = [_row("a", "stuart", "1985-10-28"), _row("b", "stuart", "1985-10-28"), _row("c", "stuart", None)]
    rows += [_row("d", "stuart", None)]
    pairs = [Pair("a", "b", 0.99, {}), Pair("c", "a", 0.6, {}), Pair("d", "a", 0.8, {}), Pair("c", "d", 0.8, {})]
    assert cluster(rows, pairs, threshold=0.9, attach=0.5).clusters == [["a", "b", "c", "d"]]
    rows[1] = _row("b", "stuart", "1990-01-01")  # two known Stuarts (a and e, b and f): c fits both
    rows += [_row("e", "stuart", "1985-10-28"), _row("f", "stuart", "1990-01-01")]
    pairs = [Pair("a", "e", 0.99, {}), Pair("b", "f", 0.99, {})]
    pairs += [Pair("c", "a", 0.6, {}), Pair("c", "b", 0.6, {}), Pair("c", "d", 0.8, {})]
    assert cluster(rows, pairs, threshold=0.9, attach=0.5).clusters == [["a", "e"], ["b", "f"], ["c", "d"]]


def test_stable_ids() -> None:
    fresh = (f"HP-{i}" for i in itertools.count())
    current = {"a": "P1", "b": "P1", "c": "P2", "d": "P3", "e": None}
    result = assign_ids([["a", "b", "c"], ["d"], ["e"]], current, lambda: next(fresh))
    assert result.person_of == {"a": "P1", "b": "P1", "c": "P1", "d": "P3", "e": "HP-0"}
    assert result.retired_ids == ["P2"] and result.new_ids == ["HP-0"] and result.merged == 1
    # a split person: the larger part keeps the id, ties go to the smallest id
    split = assign_ids([["a"], ["b", "c"]], {"a": "P1", "b": "P1", "c": "P1"}, lambda: next(fresh))
    assert split.person_of["b"] == "P1" and split.person_of["a"] == "HP-1"
    tie = assign_ids([["a", "b"]], {"a": "P2", "b": "P1"}, lambda: next(fresh))
    assert tie.person_of["a"] == "P1" and tie.retired_ids == ["P2"]


def test_pairwise_scores() -> None:
    truth = {("x", "1"): "A", ("x", "2"): "A", ("x", "3"): "A", ("x", "4"): "B", ("x", "5"): "B"}
    predicted = [[("x", "1"), ("x", "2")], [("x", "3"), ("x", "4"), ("x", "5")]]
    s = ev.score(predicted, truth)
    # true pairs: 3 (A) + 1 (B); predicted: 1 + 3; correct: 1 (1-2) + 1 (4-5)
    assert (s.true_pairs, s.predicted_pairs, s.correct_pairs) == (4, 4, 2)
    assert s.precision == s.recall == s.f1 == pytest.approx(0.5)
    assert (s.clusters, s.true_people, s.records) == (2, 2, 5)
    none = ev.score(ev.singletons(truth), truth)
    assert (none.precision, none.recall, none.f1) == (1.0, 0.0, 0.0)


def test_exact_identifier_linkage() -> None:
    records = [
        {"agency": "p", "local_id": "1", "pnc_id": "X"},
        {"agency": "n", "local_id": "2", "nhs_number": "9", "pnc_id": "X"},
        {"agency": "h", "local_id": "3", "nhs_number": "9"},
        {"agency": "h", "local_id": "4"},
    ]
    assert sorted(map(sorted, ev.by_identifier(records))) == [[("h", "3"), ("n", "2"), ("p", "1")], [("h", "4")]]


def test_model_levels_and_labels_are_the_analysts_explanations() -> None:
    from graph.identity.model import labels

    got = {name: [gamma[g] for g in sorted(gamma, reverse=True)] for name, gamma in labels().items()}
    assert got == {
        "national_id": [
            "same national identifier",
            "an identifier one digit or swap apart",
            "conflicting national identifiers",
            "missing",
        ],
        "given_name": ["exact", "nickname", "typo", "similar", "in the other order", "different", "missing"],
        "family_name": [
            "exact",
            "earlier or hyphenated name",
            "typo",
            "similar",
            "different",
            "missing or in the other order (weighed with the given name)",
        ],
        "dob": [
            "exact",
            "day and month swapped",
            "one day, month or year out, or one digit",
            "a partial date filled in (1 January or the 1st)",
            "a year and a day apart",
            "within a year",
            "within five years",
            "different",
            "missing",
        ],
        "address": [
            "same address",
            "the same address but for a typo",
            "another address at the same postcode",
            "same street, another number",
            "same district",
            "different",
            "missing",
        ],
        "postcode": ["exact", "same district", "different", "missing, or compared by address"],
        "gender": ["same", "different", "missing"],
        "neighbours": ["shares a partner, child or other party", "different", "missing"],
    }


def test_a_model_moves_between_engines_level_by_level() -> None:
    from graph.identity.model import settings

    trained = settings("duckdb")
    trained["probability_two_random_records_match"] = 0.001
    for comparison in trained["comparisons"]:
        for i, level in enumerate(comparison["comparison_levels"]):
            level.update(m_probability=0.5 / (i + 1), u_probability=0.01 * (i + 1))
    spark = settings("spark", model=trained)
    assert spark["probability_two_random_records_match"] == 0.001
    dob = next(c for c in spark["comparisons"] if c["output_column_name"] == "dob")["comparison_levels"]
    assert dob[2]["m_probability"] == 0.5 / 3 and "datediff" in dob[3]["sql_condition"]  # Spark's SQL, the model's m
    given = next(c for c in spark["comparisons"] if c["output_column_name"] == "given_name")["comparison_levels"]
    assert "ARRAY_INTERSECT" in given[2]["sql_condition"] and "jaro_winkler(" in given[3]["sql_condition"]
    trained["comparisons"][0]["comparison_levels"][1]["label_for_charts"] = "something else"
    with pytest.raises(ValueError, match="levels of national_id"):
        settings("spark", model=trained)


def test_resolve_refuses_a_memory_limit_that_is_not_one() -> None:
    import os

    from click.testing import CliRunner

    from hub.cli.resolve import command
    from hub.settings import Settings

    result = CliRunner().invoke(command, ["--memory-limit", "2GB'; SET x"], obj=Settings.from_env(os.environ))
    assert result.exit_code == 2 and "not a whole number of MB or GB" in result.output
