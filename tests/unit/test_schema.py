"""The schema builds cleanly (warnings are errors here) and exposes people only through the federation entity."""

from __future__ import annotations

from hub.api import build_schema


def test_schema_builds_without_warnings_and_person_is_a_federation_entity() -> None:
    schema = build_schema()
    sdl = schema.as_str()
    assert 'type Person @key(fields: "id")' in sdl
    assert 'type Incident implements Record @key(fields: "id")' in sdl and 'type Agency @key(fields: "code")' in sdl
    submit = schema._schema.mutation_type.fields["submitRecords"]
    assert (str(submit.args["records"].type), str(submit.type)) == ("[JSON!]!", "SubmissionReceipt!")


def test_every_personal_field_of_a_record_is_nullable() -> None:
    # null is how a field the agreement does not share is shown; a non-null one could not be withheld
    sdl = build_schema().as_str()
    for type_name in ("PersonRecord", "Incident", "ProtectiveOrder", "Referral", "SupportNeed"):
        body = sdl.split(f"type {type_name} implements Record ", 1)[1].split("{", 1)[1].split("}", 1)[0]
        for line in body.splitlines():
            line = line.strip()
            # the agency, the people named (a list, empty when none may be shown) and an incident's id (its reference:
            # an agreement that does not share it shares no incidents) are always there
            if ":" in line and not line.startswith(('"', "agency:", "people", "id:")):
                assert not line.endswith("!"), f"{type_name}: {line}"
