"""MRV calculation benchmark: prints figures, asserts nothing.

    .venv/bin/python benchmarks/bench_mrv.py [--kernel-rows 20000000] [--file-rows 1000000]

(a) the NumPy combustion kernel (AD × NCV × CC × OF × 44/12) in rows per second on one core,
    and its ratio against a plain Python loop over a sample of the same rows, in the same run;
(b) ``openets mrv calc`` on a generated CSV: the service function (totals only, and with every
    line) and the command as a subprocess (``--json --summary`` and ``--json``);
(c) the largest relative difference between the vectorised float path and the exact Decimal
    path, per line and per facility-year.

NumPy's elementwise kernels do not use BLAS, so OPENBLAS_CORETYPE (set on some machines here)
does not matter for (a).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

from openets.mrv.activity_file import calculate_file, read_activity_columns
from openets.mrv.calc import EXACT, RESULT, calculate
from openets.mrv.factors import FactorLibrary
from openets.mrv.vector import combustion_kernel, facility_totals, row_emissions

FORTY_FOUR = Decimal(44)
HEADER = "facility_id,year,source,item,quantity,unit,ncv,cc,of,ef\n"
FUELS = [
    ("raw_coal", "t"),
    ("washed_coal", "t"),
    ("coke", "t"),
    ("fuel_oil", "t"),
    ("diesel", "t"),
    ("gasoline", "t"),
    ("lpg", "t"),
    ("natural_gas", "10^4 Nm3"),
]


def write_activity_csv(path: Path, rows: int, facilities: int = 2000, seed: int = 7) -> None:
    """A realistic activity file: monthly-ish rows of fuels, power, heat, process and biomass
    for ``facilities`` facilities over 2022–2023, 5% of fuel rows with a lab-measured NCV."""
    rng = random.Random(seed)
    lines = [HEADER]
    for _ in range(rows):
        facility = f"GD-{rng.randrange(facilities):05d}"
        year = rng.choice((2022, 2023))
        pick = rng.random()
        quantity = f"{rng.uniform(0, 5000):.3f}"
        if pick < 0.70:
            fuel, unit = rng.choice(FUELS)
            ncv = f"{rng.uniform(18, 30):.3f}" if unit == "t" and rng.random() < 0.05 else ""
            lines.append(f"{facility},{year},combustion,{fuel},{quantity},{unit},{ncv},,,\n")
        elif pick < 0.85:
            lines.append(f"{facility},{year},electricity,grid,{quantity},MWh,,,,\n")
        elif pick < 0.92:
            lines.append(f"{facility},{year},heat,heat,{quantity},GJ,,,,\n")
        elif pick < 0.98:
            item = rng.choice(("clinker", "lime", "limestone"))
            lines.append(f"{facility},{year},process,{item},{quantity},t,,,,\n")
        else:
            lines.append(f"{facility},{year},biomass,wood_chips,{quantity},t,,,,1.6\n")
    path.write_text("".join(lines), encoding="utf-8")


def best_of(repeats: int, action: object) -> float:
    assert callable(action)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def bench_kernel(rows: int) -> None:
    rng = np.random.default_rng(1)
    ad = rng.uniform(0, 5000, rows)
    ncv = rng.uniform(15, 400, rows)
    cc = rng.uniform(0.015, 0.03, rows)
    of = rng.uniform(0.9, 1.0, rows)
    out = np.empty(rows)
    seconds = best_of(3, lambda: combustion_kernel(ad, ncv, cc, of, out=out))
    kernel_rate = rows / seconds

    sample = min(rows, 1_000_000)
    columns = [a[:sample].tolist() for a in (ad, ncv, cc, of)]

    def python_loop() -> list[float]:
        factor = 44 / 12
        return [a * n * c * o * factor for a, n, c, o in zip(*columns, strict=True)]

    loop_seconds = best_of(3, python_loop)
    loop_rate = sample / loop_seconds

    # for scale: the exact path's per-row work (Decimal) on a smaller sample
    exact_sample = min(sample, 200_000)
    texts = [[Decimal(repr(v)) for v in column[:exact_sample]] for column in columns]

    def decimal_loop() -> list[Decimal]:
        multiply = EXACT.multiply
        return [
            RESULT.divide(multiply(multiply(multiply(multiply(a, n), c), o), FORTY_FOUR), 12)
            for a, n, c, o in zip(*texts, strict=True)
        ]

    decimal_rate = exact_sample / best_of(1, decimal_loop)
    print(f"(a) combustion kernel, {rows:,} rows, one core:")
    print(f"    NumPy kernel       {seconds * 1000:9.1f} ms   {kernel_rate / 1e6:8.1f} M rows/s")
    print(
        f"    plain Python loop  {loop_seconds * 1000:9.1f} ms   {loop_rate / 1e6:8.1f} M rows/s"
        f"  (over {sample:,} rows)"
    )
    print(f"    ratio              {kernel_rate / loop_rate:9.1f} x")
    print(
        f"    (exact Decimal loop {decimal_rate / 1e6:8.2f} M rows/s over {exact_sample:,} rows: "
        f"kernel {kernel_rate / decimal_rate:,.0f} x faster)"
    )


def openets_mrv() -> list[str]:
    """The command line that runs ``openets mrv`` (a stand-in until it is wired in)."""
    from openets.cli import app

    if any(group.name == "mrv" for group in app.registered_groups):
        return [str(Path(sys.executable).parent / "openets"), "mrv"]
    runner = (
        "import sys, typer\n"
        "from openets.cli import app, main\n"
        "from openets.cli.mrv_calc import register\n"
        "mrv = typer.Typer()\n"
        "register(mrv)\n"
        "app.add_typer(mrv, name='mrv')\n"
        "main(['mrv', *sys.argv[1:]])\n"
    )
    return [sys.executable, "-c", runner]


def bench_file(rows: int) -> None:
    library = FactorLibrary.default()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "activity.csv"
        start = time.perf_counter()
        write_activity_csv(path, rows)
        size = path.stat().st_size / 1e6
        print(
            f"(b) mrv calc on a {rows:,}-row CSV ({size:.0f} MB, generated in "
            f"{time.perf_counter() - start:.1f} s):"
        )
        start = time.perf_counter()
        columns = read_activity_columns(path)
        read_seconds = time.perf_counter() - start
        streams = len(columns.streams)
        print(f"    read and check the file        {read_seconds:6.2f} s  ({streams:,} streams)")
        summary = best_of(1, lambda: calculate_file(path, library, lines=False))
        print(f"    calculate_file, totals only    {summary:6.2f} s")
        full = best_of(1, lambda: calculate_file(path, library, lines=True))
        print(f"    calculate_file, every line     {full:6.2f} s")
        command = openets_mrv()
        for options in (("--json", "--summary"), ("--json",)):
            with open(os.devnull, "w") as sink:
                start = time.perf_counter()
                subprocess.run([*command, "calc", str(path), *options], stdout=sink, check=True)
                seconds = time.perf_counter() - start
            print(f"    openets mrv calc {' '.join(options):14s}{seconds:6.2f} s  (subprocess)")

        # (c) on a sample of the same file
        sample = Path(folder) / "sample.csv"
        write_activity_csv(sample, min(rows, 200_000), facilities=500, seed=11)
        columns = read_activity_columns(sample)
        exact = calculate(columns.lines(), library)
        lines = [float(line.tco2) for result in exact for line in result.lines]
        order = np.argsort([line.row for result in exact for line in result.lines])
        exact_rows = np.asarray(lines)[order]
        vector_rows = row_emissions(columns, library)
        nonzero = exact_rows != 0
        line_diff = np.max(np.abs(vector_rows - exact_rows)[nonzero] / exact_rows[nonzero])
        totals = facility_totals(columns, library)
        exact_totals = {(r.facility_id, r.year): r.total_tco2 for r in exact}
        facility_diff = max(
            abs(Decimal(float(value)) - exact_totals[key]) / exact_totals[key]
            for key, value in zip(totals.keys, totals.total_tco2, strict=True)
        )
        print(f"(c) vectorised vs exact, {len(columns):,} rows:")
        print(f"    max relative difference per line          {line_diff:.2e}")
        print(f"    max relative difference per facility-year {float(facility_diff):.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernel-rows", type=int, default=20_000_000)
    parser.add_argument("--file-rows", type=int, default=1_000_000)
    options = parser.parse_args()
    bench_kernel(options.kernel_rows)
    bench_file(options.file_rows)


if __name__ == "__main__":
    main()
