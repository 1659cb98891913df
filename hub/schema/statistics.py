"""Statistics for the research purpose: counts with small-number suppression, never a person."""

from __future__ import annotations

import strawberry


@strawberry.type(description="One group of records and how many there are; null when below the minimum cell size.")
class CountCell:
    values: list[str | None] = strawberry.field(description="The group's values, in the order of `by`.")
    count: int | None = strawberry.field(description="How many; null when suppressed.")
    suppressed: bool = strawberry.field(description="True when the count is below the minimum cell size.")


@strawberry.type(description="Counts of current records grouped by some of their fields. Dates group by month. No "
                 "totals are given, so a suppressed cell cannot be recovered by subtraction.")  # fmt: skip
class CountTable:
    record_type: str = strawberry.field(description="The record type counted.")
    by: list[str] = strawberry.field(description="The fields grouped by, in order.")
    min_cell: int = strawberry.field(description="Counts below this are suppressed.")
    cells: list[CountCell] = strawberry.field(description="The groups, in the order of their values.")
