"""Peak-detection benchmark: prints figures, asserts nothing.

    .venv/bin/python benchmarks/bench_peak.py [--repeat 20]

Every country of the shipped OWID file (``openets/peak/data/owid-co2-national.csv``, about
16,000 rows, 215 countries with CO2 data):

(a) reading the CSV (the ``openets peak detect`` path);
(b) :func:`openets.peak.detection.detect_many`, the NumPy path, over all countries at once;
(c) the baseline in the same run: a plain Python loop calling
    :func:`openets.peak.detection.detect` once per country on lists (grouping included);
and the ratio (c) / (b). Best of ``--repeat`` runs each. Both paths give the same findings
(checked here and in tests/unit/test_peak_detection.py).
"""

from __future__ import annotations

import argparse
import io
import math
import time
from collections.abc import Callable
from typing import Any

from openets.peak.detection import PeakFinding, detect, detect_many
from openets.peak.series_file import OWID_COLUMNS, Columns, owid_text, read_columns


def best(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), result


def plain(data: Columns) -> dict[str, PeakFinding]:
    series: dict[str, tuple[list[int], list[float]]] = {}
    for region, year, value in zip(data.regions, data.years, data.numbers["co2"], strict=True):
        if not math.isnan(value):
            pair = series.setdefault(region, ([], []))
            pair[0].append(year)
            pair[1].append(value)
    return {name: detect(ys, xs) for name, (ys, xs) in series.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    text = owid_text()

    def read() -> Columns:
        return read_columns(io.StringIO(text), OWID_COLUMNS["region"], ["co2"])

    read_s, data = best(args.repeat, read)
    fast_s, table = best(
        args.repeat, lambda: detect_many(data.regions, data.years, data.numbers["co2"])
    )
    loop_s, reference = best(args.repeat, lambda: plain(data))
    same = all(table.finding(i) == reference[label] for i, label in enumerate(table.labels))
    rows = len(data.years)
    print(f"OWID national CO2: {rows:,} rows, {len(table.labels)} countries with data")
    print(f"(a) read CSV:                        {read_s * 1000:8.2f} ms")
    print(f"(b) detect_many (NumPy):             {fast_s * 1000:8.2f} ms")
    print(f"(c) plain loop of detect (baseline): {loop_s * 1000:6.2f} ms")
    print(
        f"ratio (c)/(b): {loop_s / fast_s:.1f}x; read + detect: {(read_s + fast_s) * 1000:.1f} ms"
    )
    print(f"same findings: {same}")


if __name__ == "__main__":
    main()
