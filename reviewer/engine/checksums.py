"""Check digits and data the pattern rules verify numbers against: ID cards, bank cards, dates.

Facts, not heuristics: the GB 11643-1999 check character, the province codes of the ID number
(data in ``lexicons/patterns.toml``), the Luhn check of bank cards, the calendar.
"""

from __future__ import annotations

import calendar
import tomllib
from functools import lru_cache
from importlib import resources

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10x98765432"


@lru_cache(maxsize=1)
def pattern_data() -> dict[str, frozenset[str]]:
    """The domain and code lists of ``lexicons/patterns.toml``."""
    raw = tomllib.loads(resources.files("reviewer.lexicons").joinpath("patterns.toml").read_text("utf-8"))
    return {key: frozenset(str(v).lower() for v in values) for key, values in raw.items()}


def id_check_digit(first17: str) -> str:
    """GB 11643-1999 check character for the first 17 digits of a citizen ID number."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def valid_date(year: int, month: int, day: int) -> bool:
    """Whether the calendar has this day (29 February only in leap years)."""
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def valid_id18(number: str) -> bool:
    """An 18-character ID: known province, real birth date, correct check character."""
    number = number.lower()
    if number[:2] not in pattern_data()["id_province_codes"]:
        return False
    if not valid_date(int(number[6:10]), int(number[10:12]), int(number[12:14])):
        return False
    return id_check_digit(number[:17]) == number[17]


def valid_id15(number: str) -> bool:
    """A first-generation 15-digit ID: known province and a real 19xx birth date (no check digit)."""
    if number[:2] not in pattern_data()["id_province_codes"]:
        return False
    return valid_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))


def luhn_valid(number: str) -> bool:
    """The Luhn (mod 10) check that bank card numbers carry."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0
