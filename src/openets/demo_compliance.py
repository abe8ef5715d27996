"""The demo market's compliance year: history, allocation, trading, true-up, surrender, close.

Every figure is synthetic (labelled "demo"); the steps are the real services in the order of
the Guangdong calendar, each on the business date it would happen:

1. 2016-2023 verified emissions and output of every demo company are imported from "an
   earlier system" (the base periods of the historical methods and the year before 2024);
2. 1 Jul 2024: the 2024 free allocation is issued from 2023 output (and the auction reserve);
3. companies trade (the registry batch of :mod:`openets.demo`);
4. spring 2025: the 2024 figures of the companies without a calculated report are imported,
   and the 2024 allocation is trued up to verified 2024 output;
5. 10 Jun 2025: companies buy what they miss from the auction reserve and surrender; a few
   use carbon-inclusion (PHCER) and carbon-sink credits within the 10% limit, and
   :data:`SHORT_COMPANIES` of them surrender too little;
6. 21 Jun 2025: the regulator closes 2024 (penalties: twice the shortfall deducted and a
   ¥50,000 fine); 1 Jul 2025: the 2025 allocation is issued with those deductions applied.

Each step is idempotent (keys, replays, or a guard on the closed year), so running the demo
again changes nothing.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal

from openets.allocation import services as allocation
from openets.bootstrap import App
from openets.clock import CST, FixedClock
from openets.compliance import services as compliance
from openets.compliance.jurisdiction import load_jurisdiction
from openets.mrv import services as mrv
from openets.mrv.emissions_file import ImportedEmissions
from openets.mrv.permissions import OPERATOR
from openets.registry import services as registry
from openets.registry.model import TransferUnits

__all__ = [
    "COMPLIANCE_YEAR",
    "HISTORY_YEARS",
    "SHORT_COMPANIES",
    "allocate",
    "company_intensity",
    "comply",
    "demo_history",
    "import_history",
]

COMPLIANCE_YEAR = 2024
HISTORY_YEARS = tuple(range(2016, COMPLIANCE_YEAR))
SHORT_COMPANIES = 6  # companies that surrender too little for 2024
OFFSET_USERS = 10  # companies that surrender PHCER or SINK credits too

#: tCO2 per unit of output of a typical demo company, by sector (Guangdong benchmarks where
#: the sector is allocated by benchmark; plausible synthetic figures elsewhere)
_INTENSITY = {
    "power": Decimal("0.825"),  # t/MWh
    "steel": Decimal("1.8"),  # t/t crude steel
    "cement": Decimal("0.85"),  # t/t clinker
    "petrochemicals": Decimal("0.45"),  # t/t product (historical emissions: not used)
    "paper": Decimal("1.1"),  # t/t paper
    "aviation": Decimal("0.00095"),  # t/t·km
    "ceramics": Decimal("0.5"),  # t/t product
    "ports": Decimal("0.0025"),  # t/t throughput
    "datacentres": Decimal("0.9252"),  # t/MWh IT (0.9441 × 0.98)
}


def company_intensity(sector: str, rng: random.Random) -> Decimal:
    """A company's emission intensity: the sector's typical figure × 0.88-1.08, so some
    companies beat the benchmark and some do not."""
    return (_INTENSITY[sector] * Decimal(str(round(rng.uniform(0.88, 1.08), 3)))).normalize()


def _output(tonnes: int, intensity: Decimal) -> Decimal:
    return (Decimal(tonnes) / intensity).quantize(Decimal(1))


def demo_history(
    companies: dict[str, str],
    sizes: dict[str, int],
    intensities: dict[str, Decimal],
    seed: int,
    years: Sequence[int],
    skip: set[tuple[str, int]],
) -> list[ImportedEmissions]:
    """Verified emissions and output of ``years`` for each company (id -> sector), around its
    size (growing about 1% a year to 2024), with the company's intensity; pairs in ``skip``
    (those with a calculated report) are left out."""
    rows = []
    for company, sector in companies.items():
        rng = random.Random(f"{seed}-history-{company}")
        for year in years:
            drift = (1.01 ** (year - COMPLIANCE_YEAR)) * rng.uniform(0.96, 1.04)
            tonnes = max(10_000, round(sizes[company] * drift))
            if (company, year) in skip:
                continue
            output = None if sector == "petrochemicals" else _output(tonnes, intensities[company])
            rows.append(ImportedEmissions(company, year, tonnes, output))
    return rows


def on(app: App, day: date) -> App:
    """``app`` on business date ``day`` (10:00 CST), for one step of the cycle."""
    return dataclasses.replace(app, clock=FixedClock(datetime.combine(day, time(10), CST)))


def available(app: App, account: str, instrument: str) -> int:
    """Units of ``instrument`` in ``account`` not frozen."""
    for position in registry.balance(app, account).balances:
        if position.instrument == instrument:
            return position.quantity - position.frozen
    return 0


def import_history(
    app: App,
    companies: dict[str, str],
    sizes: dict[str, int],
    intensities: dict[str, Decimal],
    seed: int,
    calculated: set[tuple[str, int]],
) -> None:
    """Steps 1 and 4 (the imports): 2016-2023 figures on 30 Apr 2024, 2024 on 30 Apr 2025."""
    history = demo_history(companies, sizes, intensities, seed, HISTORY_YEARS, calculated)
    mrv.import_emissions(on(app, date(2024, 4, 30)), history, by=OPERATOR)
    latest = demo_history(companies, sizes, intensities, seed, (COMPLIANCE_YEAR,), calculated)
    mrv.import_emissions(on(app, date(2025, 4, 30)), latest, by=OPERATOR)


def allocate(app: App, year: int) -> None:
    """The pre-allocation of ``year`` on 1 July of that year (a repeat replays)."""
    allocation.issue(on(app, date(year, 7, 1)), year, by=OPERATOR)


def comply(app: App, companies: dict[str, str], seed: int, credit_accounts: Sequence[str]) -> None:
    """Steps 4-6: true-up, purchases, surrenders (some short, some with credits), close, and
    the next year's allocation. Skipped when the year is already closed (a second run)."""
    year = COMPLIANCE_YEAR
    allocation.true_up(on(app, date(year + 1, 5, 15)), year, by=OPERATOR)
    june = on(app, date(year + 1, 6, 10))
    statuses = compliance.compliance_status(june, year, by=OPERATOR)
    if not any(s.closed for s in statuses):
        _surrender_all(june, statuses, seed, credit_accounts)
        compliance.close_year(on(app, date(year + 1, 6, 21)), year, by=OPERATOR)
    allocate(app, year + 1)


def _surrender_all(
    app: App, statuses: Sequence[compliance.EntityStatus], seed: int, credit_accounts: Sequence[str]
) -> None:
    year = COMPLIANCE_YEAR
    code = f"GDEA-{year}"
    rng = random.Random(f"{seed}-surrender")
    due = [s for s in statuses if s.covered and s.verified_tco2]
    short = {s.entity_id for s in rng.sample(due, SHORT_COMPANIES)}
    offset_users = [s for s in rng.sample(due, OFFSET_USERS) if s.entity_id not in short]
    key = f"demo-{seed}-comply-{year}"
    # carbon-inclusion and sink credits bought from the project owners, at most 5% of 2023
    credits: dict[str, tuple[str, int]] = {}
    moves: list[TransferUnits] = []
    left = {
        (source, code): available(app, source, code)
        for source in credit_accounts
        for code in ("PHCER", "SINK")
    }
    for n, status in enumerate(offset_users):
        source = credit_accounts[n % len(credit_accounts)]
        instrument = max(("PHCER", "SINK"), key=lambda code: left[(source, code)])
        wanted = min(left[(source, instrument)], (status.verified_tco2 or 0) // 20)
        if wanted > 0:
            left[(source, instrument)] -= wanted
            credits[status.entity_id] = (instrument, wanted)
            moves.append(
                TransferUnits(instrument, wanted, source, status.entity_id, f"{key}-credit-{n}")
            )
    # what each company holds; the short ones leave 3-10% of their obligation uncovered
    need: dict[str, int] = {}
    reserve_account = allocation.auction_account(load_jurisdiction("guangdong", year))
    for status in due:
        verified = status.verified_tco2 or 0
        used = credits.get(status.entity_id, ("", 0))[1]
        goal = verified - used
        if status.entity_id in short:
            goal -= max(1, round(verified * rng.uniform(0.03, 0.10)))
        need[status.entity_id] = goal
    holds = {entity: available(app, entity, code) for entity in need}
    sources = [(reserve_account, available(app, reserve_account, code))] + [
        (entity, holds[entity] - need[entity])
        for entity in sorted(need)
        if holds[entity] > need[entity]
    ]
    for entity in sorted(need):
        missing = need[entity] - holds[entity]
        while missing > 0 and sources:
            source, spare = sources[0]
            lot = min(spare, missing)
            if lot > 0:
                moves.append(
                    TransferUnits(code, lot, source, entity, f"{key}-buy-{entity}-{source}")
                )
                holds[entity] += lot
                missing -= lot
            if lot == spare:
                sources.pop(0)
            else:
                sources[0] = (source, spare - lot)
    registry.execute_batch(app, moves)
    for entity in sorted(need):
        units = [(code, min(need[entity], holds[entity]))]
        if entity in credits:
            units.append(credits[entity])
        units = [(instrument, q) for instrument, q in units if q > 0]
        if units:
            compliance.surrender(app, entity, year, units, by=OPERATOR, key=f"{key}-{entity}")
