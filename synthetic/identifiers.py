"""National identifiers in formats that look right but can never belong to a real person.

* NHS numbers start 999 (the range NHS England reserves for testing) and carry a valid mod-11
  check digit, so validators accept them.
* National Insurance numbers use the QQ prefix, which HMRC never issues.
* PNC ids ("YY/NNNNNNC") carry a check letter computed like the PNC's mod-23 scheme.
* Probation case reference numbers (CRNs) are a letter and six digits.

Each identifier is unique within one generated data set.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable

_PNC_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"


def nhs_check_digit(nine: str) -> int | None:
    """The NHS mod-11 check digit for nine digits, or None when none exists (remainder 1)."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(nine))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def nhs_number_valid(number: str) -> bool:
    return len(number) == 10 and number.isdigit() and nhs_check_digit(number[:9]) == int(number[9])


def pnc_check_letter(year: int, serial: int) -> str:
    return _PNC_LETTERS[int(f"{year % 100:02d}{serial:07d}") % 23]


class Mint:
    """Issues unique identifiers from one seeded random stream."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()  # membership only; never iterated

    def reserve(self, values: Iterable[str | None]) -> None:
        """Never issue these (identifiers issued by another mint)."""
        self._used.update(v for v in values if v)

    def _unique(self, make: Callable[[], str | None]) -> str:
        while True:
            value = make()
            if value is not None and value not in self._used:
                self._used.add(value)
                return value

    def nhs(self) -> str:
        def make() -> str | None:
            nine = f"999{self._rng.randrange(1_000_000):06d}"
            check = nhs_check_digit(nine)
            return None if check is None else f"{nine}{check}"

        return self._unique(make)

    def ni(self) -> str:
        return self._unique(lambda: f"QQ{self._rng.randrange(1_000_000):06d}{self._rng.choice('ABCD')}")

    def pnc(self, year: int) -> str:
        def make() -> str:
            serial = self._rng.randrange(1, 1_000_000)
            return f"{year % 100:02d}/{serial:06d}{pnc_check_letter(year, serial)}"

        return self._unique(make)

    def crn(self) -> str:
        return self._unique(lambda: f"{self._rng.choice('DEFGX')}{self._rng.randrange(1_000_000):06d}")
