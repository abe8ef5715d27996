"""Vectorised emission calculation with NumPy (float64), for bulk analytics.

This path answers "roughly how much, over millions of rows" fast: the combustion kernel runs
at tens of millions of rows per second on one core. It is not the official figure: binary
floats cannot hold 0.1 or round half-up at exactly x.5, so reports, compliance and
``openets mrv calc`` always use the exact ``Decimal`` path (:mod:`openets.mrv.calc`), whose
bulk form is fast enough on its own. Factors are resolved by the exact path's own rules
(:func:`openets.mrv.calc.stream_factors`), so both paths agree on which factor applies and
differ only by float rounding (relative difference well under 1e-9; a property test holds
the two together).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from openets.errors import InvalidInput
from openets.mrv.calc import stream_factors
from openets.mrv.factors import FactorLibrary
from openets.mrv.model import ActivityColumns, SourceKind

__all__ = [
    "CO2_PER_C",
    "VectorTotals",
    "combustion_kernel",
    "facility_totals",
    "row_emissions",
]

FloatArray = NDArray[np.float64]

#: tCO2 per tC (molar masses 44 and 12)
CO2_PER_C = 44.0 / 12.0
#: elements per block: five float64 blocks of 16 Ki elements stay in a 1 MiB L2 cache
_BLOCK = 1 << 14
_SOURCES = tuple(SourceKind)


def combustion_kernel(
    ad: FloatArray, ncv: FloatArray, cc: FloatArray, of: FloatArray, out: FloatArray | None = None
) -> FloatArray:
    """``E = AD × NCV × CC × OF × 44/12`` element by element, in tCO2.

    ``ad`` in t or 10^4 Nm3, ``ncv`` in GJ per unit, ``cc`` in tC/GJ, ``of`` a fraction; all of
    one length (or broadcastable to ``ad``). Works block by block in place so the four products
    stay in cache instead of streaming four temporaries through memory.
    """
    ad = np.asarray(ad, dtype=np.float64)
    n = ad.shape[0]
    ncv, cc, of = (
        np.broadcast_to(np.asarray(a, dtype=np.float64), ad.shape) for a in (ncv, cc, of)
    )
    if out is None:
        out = np.empty(n, dtype=np.float64)
    multiply = np.multiply
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        block = out[start:stop]
        multiply(ad[start:stop], ncv[start:stop], out=block)
        multiply(block, cc[start:stop], out=block)
        multiply(block, of[start:stop], out=block)
        multiply(block, CO2_PER_C, out=block)
    return out


@dataclass(frozen=True, slots=True)
class _StreamArrays:
    """Per stream: combustion factors (NaN where an ``ef`` applies), ``ef``, flags, facility."""

    by_product: NDArray[np.bool_]
    ncv: FloatArray
    cc: FloatArray
    of: FloatArray
    ef: FloatArray
    counted: NDArray[np.bool_]
    source: NDArray[np.intp]
    facility: NDArray[np.intp]
    keys: tuple[tuple[str, int], ...]


def _stream_arrays(columns: ActivityColumns, library: FactorLibrary) -> _StreamArrays:
    count = len(columns.streams)
    by_product = np.zeros(count, dtype=np.bool_)
    ncv, cc, of, ef = (np.full(count, np.nan) for _ in range(4))
    counted = np.zeros(count, dtype=np.bool_)
    source = np.zeros(count, dtype=np.intp)
    facility = np.zeros(count, dtype=np.intp)
    keys: dict[tuple[str, int], int] = {}
    for index, (stream, row) in enumerate(zip(columns.streams, columns.first_rows, strict=True)):
        try:
            resolved = stream_factors(stream, library)
        except InvalidInput as error:
            raise InvalidInput(f"row {row}: {error.message}") from None
        values = resolved.factors
        if "ef" in values:
            ef[index] = float(values["ef"])
        else:
            by_product[index] = True
            ncv[index], cc[index], of[index] = (float(values[k]) for k in ("ncv", "cc", "of"))
        counted[index] = resolved.counted
        source[index] = _SOURCES.index(stream.source)
        facility[index] = keys.setdefault((stream.facility_id, stream.year), len(keys))
    return _StreamArrays(by_product, ncv, cc, of, ef, counted, source, facility, tuple(keys))


def row_emissions(columns: ActivityColumns, library: FactorLibrary) -> FloatArray:
    """tCO2 of every row, float64, in file order (biomass rows included)."""
    return _row_emissions(columns, _stream_arrays(columns, library))


def _row_emissions(columns: ActivityColumns, arrays: _StreamArrays) -> FloatArray:
    quantity = np.array(columns.quantity, dtype=np.float64)
    stream = np.asarray(columns.stream_of_row, dtype=np.intp)
    product = arrays.by_product[stream]
    out = np.empty(quantity.shape[0], dtype=np.float64)
    rows = stream[product]
    out[product] = combustion_kernel(
        quantity[product], arrays.ncv[rows], arrays.cc[rows], arrays.of[rows]
    )
    other = ~product
    out[other] = quantity[other] * arrays.ef[stream[other]]
    return out


@dataclass(frozen=True, slots=True)
class VectorTotals:
    """Float totals per facility-year, in order of first appearance (tCO2)."""

    keys: tuple[tuple[str, int], ...]  # (facility_id, year)
    total_tco2: FloatArray  # counted emissions
    biomass_tco2: FloatArray
    by_source: dict[str, FloatArray]  # counted sources present in the data


def facility_totals(columns: ActivityColumns, library: FactorLibrary) -> VectorTotals:
    """Emissions per facility and year, summed with ``np.bincount`` over the row emissions."""
    arrays = _stream_arrays(columns, library)
    emissions = _row_emissions(columns, arrays)
    stream = np.asarray(columns.stream_of_row, dtype=np.intp)
    groups = len(arrays.keys)
    slot = arrays.facility[stream] * len(_SOURCES) + arrays.source[stream]
    flat = np.bincount(slot, weights=emissions, minlength=groups * len(_SOURCES))
    sums = flat.astype(np.float64, copy=False).reshape(groups, len(_SOURCES))
    present = np.bincount(arrays.source, minlength=len(_SOURCES)) > 0
    biomass = _SOURCES.index(SourceKind.BIOMASS)
    counted = [i for i, kind in enumerate(_SOURCES) if kind is not SourceKind.BIOMASS]
    return VectorTotals(
        keys=arrays.keys,
        total_tco2=sums[:, counted].sum(axis=1),
        biomass_tco2=sums[:, biomass].copy(),
        by_source={_SOURCES[i].value: sums[:, i].copy() for i in counted if present[i]},
    )
