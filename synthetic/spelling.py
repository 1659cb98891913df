"""Spelling errors in names: one keying error, and spelling variants of a name heard or transliterated.

Single-letter errors (a transposition, a deletion, an insertion or a substitution) are about 80% of misspellings
(Damerau 1964, CACM 7:171) and rarely hit the first letter (Pollock & Zamora 1984, CACM 27:358); an added or wrong
letter here is a neighbouring key. Spelling variants follow FEBRL's phonetic rules (Christen & Pudjijono 2009, PAKDD)
and the transliterations of names from other scripts.
"""

from __future__ import annotations

import random

FIRST_LETTER = 0.08  # share of typos in a name's first letter (Pollock & Zamora: about 7.8%)
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
# whole-name variants (transliterations) and spelling rules (as a name heard is written), both ways
_VARIANTS = [
    ("Mohammed", "Muhammad", "Mohammad", "Mohamed"), ("Hussain", "Hussein", "Husain"), ("Ahmed", "Ahmad"),
    ("Khan", "Kahn"), ("Kaur", "Kour"), ("Singh", "Sing"), ("Kowalski", "Kovalski"), ("Nowak", "Novak"),
]  # fmt: skip
_SPELLINGS = (
    ("ph", "f"), ("f", "ph"), ("y", "i"), ("i", "y"), ("ie", "y"), ("ey", "y"), ("ee", "i"), ("ou", "u"),
    ("oo", "u"), ("ck", "k"), ("c", "k"), ("k", "c"), ("ai", "ay"), ("ei", "ie"), ("sh", "sch"), ("v", "w"),
    ("th", "t"), ("kh", "k"), ("ll", "l"), ("tt", "t"), ("nn", "n"), ("ss", "s"), ("l", "ll"),
)  # fmt: skip


def _neighbour(rng: random.Random, c: str) -> str:
    """A key next to ``c`` on a keyboard (same case); ``c`` itself if it is not a letter."""
    low = c.lower()
    for r, row in enumerate(_ROWS):
        if low in row:
            col = row.index(low)
            near = [row[j] for j in (col - 1, col + 1) if 0 <= j < len(row)]
            near += [_ROWS[q][col] for q in (r - 1, r + 1) if 0 <= q < 3 and col < len(_ROWS[q])]
            pick = rng.choice(near)
            return pick.upper() if c.isupper() else pick
    return c


def misspell(rng: random.Random, word: str) -> str:
    """One keying error: two letters transposed, one dropped, one added (a neighbouring key) or one replaced."""
    if len(word) < 3:
        return word
    i = 0 if rng.random() < FIRST_LETTER else rng.randrange(1, len(word) - 1)
    op = rng.randrange(4)
    if op == 0:
        out = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    elif op == 1:
        out = word[:i] + word[i + 1 :]
    elif op == 2:
        out = word[: i + 1] + _neighbour(rng, word[i]).lower() + word[i + 1 :]
    else:
        out = word[:i] + _neighbour(rng, word[i]) + word[i + 1 :]
    return out[:1].upper() + out[1:] if word[:1].isupper() else out


def respell(rng: random.Random, name: str) -> str:
    """A spelling variant: another transliteration, or one spelling rule applied after the first letter."""
    for group in _VARIANTS:
        if name in group:
            return rng.choice([v for v in group if v != name])
    low = name.lower()
    options = [(i, a, b) for a, b in _SPELLINGS for i in range(1, len(low)) if low.startswith(a, i)]
    if not options:
        return name
    i, a, b = rng.choice(options)
    return name[:i] + b + name[i + len(a) :]
