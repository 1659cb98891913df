"""The checked-in SDL (schema.graphql) is the contract: an unreviewed change fails here, breaking ones named as such."""

from __future__ import annotations

from hub.contract import ACCEPT, CONTRACT, check, compare

BASE = '''
type Query {
  person(id: ID!): Person
}

"""A resolved person."""
type Person {
  id: ID!
  name: String
  dob: String
}
'''


def test_the_live_schema_is_the_checked_in_contract() -> None:
    diff = check(CONTRACT)
    kind = (
        "a BREAKING change (partners built against it would fail)" if diff.kind == "breaking" else "an additive change"
    )
    assert diff.kind == "equal", (
        f"the live schema has {kind} that {CONTRACT.name} does not record yet.\n{diff.report(CONTRACT)}\n"
        f"then commit {CONTRACT.name} with the change"
    )


def test_a_removed_field_is_breaking() -> None:
    diff = compare(BASE, BASE.replace("  dob: String\n", ""))
    assert diff.kind == "breaking"
    assert diff.breaking == ("Field Person.dob was removed.",)


def test_a_changed_type_is_breaking() -> None:
    diff = compare(BASE, BASE.replace("dob: String", "dob: Int"))
    assert diff.kind == "breaking"
    assert diff.breaking == ("Field Person.dob changed type from String to Int.",)
    assert "BREAKING" in diff.report(CONTRACT)


def test_an_added_field_is_additive_only() -> None:
    diff = compare(BASE, BASE.replace("  dob: String\n", "  dob: String\n  postcode: String\n"))
    assert (diff.kind, diff.breaking, diff.dangerous) == ("additive", (), ())
    assert diff.additive == ("Field Person.postcode was added.",)
    assert ACCEPT in diff.report(CONTRACT)


def test_an_output_made_non_null_is_compatible() -> None:
    diff = compare(BASE, BASE.replace("dob: String", "dob: String!"))
    assert (diff.kind, diff.breaking, diff.additive) == ("additive", (), ())
    assert diff.compatible == ("Field Person.dob changed type from String to String!.",)


def test_a_description_change_is_unreviewed_but_not_breaking() -> None:
    diff = compare(BASE, BASE.replace("A resolved person.", "A person, resolved across agencies."))
    assert (diff.kind, diff.breaking, diff.additive) == ("additive", (), ())
    assert "descriptions" in diff.report(CONTRACT)


def test_identical_text_is_equal() -> None:
    assert compare(BASE, BASE + "\n").kind == "equal"
