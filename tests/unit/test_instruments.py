"""Instrument codes: allowances carry a vintage, offset credits do not."""

from __future__ import annotations

import pytest

from openets.errors import InvalidInput
from openets.registry.instruments import Instrument, InstrumentFamily, parse_instrument


@pytest.mark.parametrize(
    ("code", "family", "vintage", "is_allowance"),
    [
        ("GDEA-2024", InstrumentFamily.GDEA, 2024, True),
        ("SZEA-2024", InstrumentFamily.SZEA, 2024, True),
        ("CEA-2024", InstrumentFamily.CEA, 2024, True),
        ("GDEA-2013", InstrumentFamily.GDEA, 2013, True),
        ("CEA-2100", InstrumentFamily.CEA, 2100, True),
        ("CCER", InstrumentFamily.CCER, None, False),
        ("PHCER", InstrumentFamily.PHCER, None, False),
        ("SINK", InstrumentFamily.SINK, None, False),
    ],
)
def test_valid_codes_parse_to_family_and_vintage(
    code: str, family: InstrumentFamily, vintage: int | None, is_allowance: bool
) -> None:
    instrument = parse_instrument(code)
    assert instrument == Instrument(family, vintage)
    assert instrument.code == code
    assert str(instrument) == code
    assert instrument.is_allowance is is_allowance


def test_surrounding_blanks_are_ignored() -> None:
    assert parse_instrument(" GDEA-2024\t").code == "GDEA-2024"


@pytest.mark.parametrize(
    "code",
    ["GDEA-24", "gdea-2024", "XYZ", "CCER-2024", "GDEA2024", "GDEA-20245", "", "SINK-2024", "ccer"],
)
def test_malformed_or_unknown_codes_are_refused(code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_instrument(code)
    assert refused.value.message == (
        f"unknown instrument code {code!r}: expected GDEA-YYYY, SZEA-YYYY, CEA-YYYY, "
        "CCER, PHCER or SINK"
    )
    assert refused.value.exit_code == 2


@pytest.mark.parametrize(("code", "vintage"), [("GDEA-2012", 2012), ("SZEA-2101", 2101)])
def test_vintages_outside_the_market_are_refused(code: str, vintage: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_instrument(code)
    assert refused.value.message == f"instrument {code!r}: vintage {vintage} is outside 2013-2100"
