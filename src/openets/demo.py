"""A reproducible demo market: covered companies across the Guangdong sectors, allowance
issuance, trading between companies, offset credits and retirements, (MRV) the emission
reports of 40 of the companies for 2023 and 2024, verified and approved, and (offsets) 30
CCER, PHCER and carbon-sink projects across Guangdong's cities with their 2023 and 2024
issuances, sales and two retirements for carbon neutrality with public certificates.

Every company and figure here is synthetic and labelled "Demo"; the sectors and the order of
magnitude of the allocations follow the Guangdong pilot (design doc, coverage). Each state
change carries an idempotency key derived from the seed (or is a repeat the services answer
without a change), so running the demo twice on the same database changes nothing the second
time.
"""

from __future__ import annotations

import dataclasses
import random
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal

from openets.auth.model import User
from openets.bootstrap import App
from openets.db.migrate import upgrade
from openets.errors import InvalidInput
from openets.mrv.calc import stream_factors
from openets.mrv.factors import FactorLibrary, parse_factor_set
from openets.mrv.model import ActivityLine, ActivityStream, SourceKind, Unit
from openets.mrv.permissions import OPERATOR
from openets.mrv.reports import Adjustment
from openets.registry import services
from openets.registry.model import (
    FreezeUnits,
    IssueUnits,
    RegistryCommand,
    RetireUnits,
    TransferUnits,
)

#: sector -> (number of demo companies, typical yearly free allocation in tonnes)
SECTORS: dict[str, tuple[int, int]] = {
    "power": (40, 4_000_000),
    "steel": (30, 1_500_000),
    "petrochemicals": (25, 1_200_000),
    "cement": (45, 600_000),
    "paper": (35, 120_000),
    "aviation": (8, 900_000),
    "ceramics": (50, 60_000),
    "ports": (12, 50_000),
    "datacentres": (15, 40_000),
}
SECTOR_NAMES_ZH = {
    "power": "电力",
    "steel": "钢铁",
    "petrochemicals": "石化",
    "cement": "水泥",
    "paper": "造纸",
    "aviation": "民航",
    "ceramics": "陶瓷",
    "ports": "港口",
    "datacentres": "数据中心",
}
MEMBERS = 12  # exchange members (traders) with exchange accounts
PROJECT_OWNERS = 6  # owners of CCER / PHCER / SINK projects
DEMO_PASSWORD = "demo-password"  # noqa: S105 - printed by `openets demo`; demo databases only


@dataclass(frozen=True)
class DemoReport:
    """An emission report the demo files: its activity lines, and the verifier's adjustments."""

    entity_id: str
    year: int
    lines: tuple[ActivityLine, ...]
    adjustments: tuple[Adjustment, ...] = ()
    output: Decimal | None = None  # production in the sector's unit


@dataclass(frozen=True)
class DemoSummary:
    companies: int
    accounts: int
    entries: int  # journal entries in the database after the demo
    users: dict[str, str]  # user name -> role
    #: the emission reports the demo files, each approved (see :func:`demo_reports`)
    reports: tuple[DemoReport, ...] = ()
    #: the offset projects (:data:`OFFSET_PROJECTS`) and the neutrality certificates' ids
    projects: int = 0
    certificates: tuple[str, ...] = ()


def _scaled(rng: random.Random, typical: int) -> int:
    # a log-normal spread around the sector's typical size, rounded to whole tonnes
    return max(10_000, round(typical * rng.lognormvariate(0.0, 0.6)))


def build_demo(
    app: App, seed: int = 2024, scale: float = 1.0, public_url: str = "http://127.0.0.1:8000"
) -> DemoSummary:
    """Create (or find already created) the demo market on ``app``'s database; ``public_url``
    is where it will be served (the labels' verification addresses)."""
    from openets import demo_compliance as cycle
    from openets import demo_exchange, demo_labels, demo_peak
    from openets.finance.demo import demo_pledges
    from openets.mrv import services as mrv

    upgrade(app)
    services.ensure_system_accounts(app)
    rng = random.Random(seed)
    companies: dict[str, str] = {}  # id -> sector
    sizes: dict[str, int] = {}  # each company's typical yearly emissions, t
    intensities: dict[str, Decimal] = {}  # tCO2 per unit of output
    for sector, (count, typical) in SECTORS.items():
        for n in range(1, max(1, round(count * scale)) + 1):
            account_id = f"GD-{sector.upper()[:5]}-{n:03d}"
            mrv.add_entity(
                app, account_id, f"Demo {sector.capitalize()} Co. {n:03d}", sector, by=OPERATOR
            )
            companies[account_id] = sector
            # 70% of the sector's typical allocation: the demo market's emissions fit its cap
            sizes[account_id] = round(_scaled(rng, typical) * 0.7)
            intensities[account_id] = cycle.company_intensity(
                sector, random.Random(f"{seed}-intensity-{account_id}")
            )
    members = [f"MEMBER-{n:02d}" for n in range(1, MEMBERS + 1)]
    for n, account_id in enumerate(members, start=1):
        services.open_account(app, account_id, "exchange", f"Demo Trading Member {n:02d}")
    owners = [f"PROJ-{n:02d}" for n in range(1, PROJECT_OWNERS + 1)]
    for n, account_id in enumerate(owners, start=1):
        services.open_account(app, account_id, "holding", f"Demo Project Owner {n:02d}")

    users = _demo_users(app, next(iter(companies)))
    reports = build_mrv(app, list(companies), sizes, intensities, seed)
    calculated = {(r.entity_id, r.year) for r in reports}
    cycle.import_history(app, companies, sizes, intensities, seed, calculated)
    cycle.allocate(app, cycle.COMPLIANCE_YEAR)
    services.execute_batch(app, _trading(app, list(companies), members, owners, rng, seed))
    certificates = build_offsets(app, seed)
    cycle.comply(app, companies, seed, sorted(offset_accounts()))
    demo_exchange.build(app, seed)
    demo_pledges(app, seed)
    demo_peak.build(app, seed)
    demo_labels.build(app, seed, public_url)
    return DemoSummary(
        companies=len(companies),
        accounts=len(services.list_accounts(app, limit=10_000).items),
        entries=services.journal_page(app, limit=1).items[0].seq,  # the whole journal
        users=users,
        reports=reports,
        projects=len(OFFSET_PROJECTS),
        certificates=certificates,
    )


def _trading(
    app: App,
    companies: list[str],
    members: list[str],
    owners: list[str],
    rng: random.Random,
    seed: int,
) -> list[RegistryCommand]:
    """A year of over-the-counter trading after the 2024 allocation (keyed commands, sized
    from the allocation so a second run makes the same commands): companies sell surplus to
    members, who sell on to companies; project owners' credits; some pledges (freezes)."""
    from openets.allocation import services as allocation
    from openets.demo_compliance import COMPLIANCE_YEAR

    code = f"GDEA-{COMPLIANCE_YEAR}"
    key = f"demo-{seed}"
    held = dict.fromkeys(companies, 0)
    for line in allocation.allocation_table(app, COMPLIANCE_YEAR, by=OPERATOR).lines:
        if line.phase == "pre" and line.entity in held:
            held[line.entity] += line.issued
    commands: list[RegistryCommand] = []
    for n, account_id in enumerate(owners):
        instrument = ("CCER", "PHCER", "SINK")[n % 3]
        quantity = rng.randrange(20_000, 200_000)
        commands.append(IssueUnits(instrument, quantity, account_id, f"{key}-credit-{account_id}"))
    for n in range(400):
        seller, buyer = rng.sample(companies, 2)
        via = rng.choice(members)
        # sell at most half of what the seller still holds, keeping pledges (below) possible
        lot = min(rng.randrange(1_000, 20_000), (held[seller] - 10_000) // 2)
        if lot < 1_000:
            continue
        held[seller] -= lot
        held[buyer] += lot
        commands.append(TransferUnits(code, lot, seller, via, f"{key}-sell-{n}"))
        commands.append(TransferUnits(code, lot, via, buyer, f"{key}-buy-{n}"))
    for n, account_id in enumerate(owners):
        instrument = ("CCER", "PHCER", "SINK")[n % 3]
        buyer = rng.choice(members)
        commands.append(TransferUnits(instrument, 5_000, account_id, buyer, f"{key}-offset-{n}"))
        commands.append(
            RetireUnits(
                instrument,
                1_000,
                account_id,
                "carbon-neutral event (demo)",
                "Demo Marathon 2025",
                f"{key}-retire-{n}",
            )
        )
    pledged = [c for c in companies if held[c] >= 30_000]
    for n, account_id in enumerate(rng.sample(pledged, 5)):
        commands.append(FreezeUnits(code, 10_000, account_id, f"{key}-pledge-{n}"))
    return commands


def _demo_users(app: App, first_company: str) -> dict[str, str]:
    from openets.auth import add_user
    from openets.errors import Conflict

    owner = services.get_account(app, first_company).owner
    wanted = {
        "regulator": ("regulator", None),
        "verifier": ("verifier", None),
        "company": ("entity", owner),
        # an exchange member's trader, for the trading page (/exchange/trade/GDEA-2025)
        "trader": ("member", services.get_account(app, "MEMBER-01").owner),
    }
    for name, (role, user_owner) in wanted.items():
        with suppress(Conflict):  # created by an earlier run of the demo
            add_user(app, name, role, owner=user_owner, password=DEMO_PASSWORD)
    return {name: role for name, (role, _) in wanted.items()}


# --- MRV: entities, facilities with monitoring plans, approved reports for two years -------

#: How many demo companies of each sector report emissions (the first ones of the sector):
#: 40 in all, enough for every page and chart while `openets demo` stays fast.
MRV_COMPANIES: dict[str, int] = {
    "power": 8,
    "steel": 6,
    "petrochemicals": 4,
    "cement": 6,
    "paper": 4,
    "aviation": 2,
    "ceramics": 4,
    "ports": 3,
    "datacentres": 3,
}
MRV_YEARS = (2023, 2024)
DEMO_VERIFIER = "verifier"
DEMO_REGULATOR = "regulator"
DEMO_COMPANY_USER = "company"


@dataclass(frozen=True)
class _Stream:
    """A source stream of a demo facility: its share of the counted emissions (biomass: a
    share of them reported on top), and measured values that override the defaults."""

    source: str
    item: str
    unit: str
    share: float
    method: str
    measured_ncv: tuple[float, float] | None = None  # range of a lab-analysed NCV, GJ/unit
    biomass_cc: str | None = None  # biomass: measured carbon content, tC/GJ


@dataclass(frozen=True)
class _Facility:
    suffix: str
    name: str
    streams: tuple[_Stream, ...]


_COAL_LAB = "weighbridge; lab-analysed NCV"

#: Synthetic but plausible activity profiles per sector: facilities and what they burn or buy.
_PROFILES: dict[str, tuple[_Facility, ...]] = {
    "power": (
        _Facility("F1", "Coal-fired units 1-2", (
            _Stream("combustion", "raw_coal", "t", 0.82, _COAL_LAB, measured_ncv=(19.5, 23.0)),
        )),
        _Facility("F2", "Gas-fired unit 3", (
            _Stream("combustion", "natural_gas", "10^4 Nm3", 0.18, "metered"),
        )),
    ),
    "steel": (
        _Facility("F1", "Blast furnace and converter", (
            _Stream("combustion", "coke", "t", 0.55, "weighbridge"),
            _Stream("combustion", "raw_coal", "t", 0.15, "weighbridge"),
            _Stream("process", "limestone", "t", 0.05, "weighbridge"),
        )),
        _Facility("F2", "Rolling mill", (
            _Stream("combustion", "natural_gas", "10^4 Nm3", 0.05, "metered"),
            _Stream("electricity", "grid", "MWh", 0.20, "metered"),
        )),
    ),
    "petrochemicals": (
        _Facility("F1", "Refinery", (
            _Stream("combustion", "refinery_gas", "t", 0.40, "metered"),
            _Stream("combustion", "fuel_oil", "t", 0.15, "inventory change"),
            _Stream("combustion", "natural_gas", "10^4 Nm3", 0.25, "metered"),
            _Stream("electricity", "grid", "MWh", 0.12, "metered"),
            _Stream("heat", "heat", "GJ", 0.08, "metered"),
        )),
    ),
    "cement": (
        _Facility("F1", "Clinker line 1", (
            _Stream("process", "clinker", "t", 0.58, "weighbridge"),
            _Stream("combustion", "raw_coal", "t", 0.34, _COAL_LAB, measured_ncv=(20.0, 22.5)),
            _Stream("electricity", "grid", "MWh", 0.08, "metered"),
        )),
    ),
    "paper": (
        _Facility("F1", "Paper mill", (
            _Stream("combustion", "raw_coal", "t", 0.55, "weighbridge"),
            _Stream("electricity", "grid", "MWh", 0.30, "metered"),
            _Stream("heat", "heat", "GJ", 0.15, "metered"),
            # black liquor burnt in the recovery boiler: reported, never counted
            _Stream("biomass", "black_liquor", "t", 0.20, "lab-analysed NCV and carbon content",
                    measured_ncv=(12.0, 14.0), biomass_cc="0.0260"),
        )),
    ),
    "aviation": (
        _Facility("F1", "Fleet operations", (
            _Stream("combustion", "kerosene", "t", 0.97, "invoice"),
            _Stream("electricity", "grid", "MWh", 0.03, "metered"),
        )),
    ),
    "ceramics": (
        _Facility("F1", "Kiln workshop", (
            _Stream("combustion", "natural_gas", "10^4 Nm3", 0.55, "metered"),
            _Stream("combustion", "lpg", "t", 0.10, "invoice"),
            _Stream("electricity", "grid", "MWh", 0.35, "metered"),
        )),
    ),
    "ports": (
        _Facility("F1", "Container terminal", (
            _Stream("combustion", "diesel", "t", 0.50, "invoice"),
            _Stream("electricity", "grid", "MWh", 0.50, "metered"),
        )),
    ),
    "datacentres": (
        _Facility("F1", "Data centre campus", (
            _Stream("electricity", "grid", "MWh", 0.97, "metered"),
            _Stream("combustion", "diesel", "t", 0.03, "invoice"),  # backup generators
        )),
    ),
}  # fmt: skip
_CITIES = ("Guangzhou", "Shaoguan", "Zhanjiang", "Maoming", "Huizhou", "Dongguan", "Foshan")

#: The grid factor the demo assumes for a reporting year the shipped factor library does not
#: cover (2024 at the time of writing): the latest published national average carried
#: forward, as its own clearly labelled factor version. It is used only when the library has
#: no grid factor for the year.
_DEMO_GRID = """
version = "demo-grid-{year}-carried-forward"
kind = "grid"
title = "DEMO ASSUMPTION: grid factor for {year} (synthetic, not an official figure)"
source = "{source}"
first_year = {year}
last_year = {year}
priority = -100

[items.grid]
name = "demo grid factor (carried forward)"
unit = "MWh"
ef = {ef}
source = "demo assumption"
"""


def demo_library(years: tuple[int, ...]) -> FactorLibrary:
    """The shipped factor library, plus a labelled demo grid factor for any of ``years`` it
    does not cover."""
    library = FactorLibrary.default()
    extra = []
    for year in years:
        try:
            library.grid(year)
        except InvalidInput:
            base = library.grid(year - 1)  # no fallback either: the demo cannot run
            source = (
                f"Demo data only: the grid factor of {year - 1} ({base.version}, "
                f"{base['ef']} tCO2/MWh) carried forward, as the factor library has no grid "
                f"factor for {year}"
            )
            text = _DEMO_GRID.format(year=year, source=source, ef=base["ef"])
            extra.append(parse_factor_set(text))
    return FactorLibrary([*library.sets, *extra]) if extra else library


def _quantity(target: float, per_unit: Decimal) -> Decimal:
    """Whole units of activity data that emit about ``target`` tCO2."""
    return Decimal(max(1, round(target / float(per_unit))))


def demo_reports(
    companies: list[str],
    sizes: dict[str, int],
    seed: int,
    library: FactorLibrary,
    intensities: dict[str, Decimal] | None = None,
) -> list[DemoReport]:
    """The activity data of the demo's emission reports, sized around each company's typical
    emissions (2023: 85-110% of it; 2024: within 8% of 2023, but one cement company adds a
    kiln line and grows 25%, which the data-quality check flags), and the output that goes
    with them at the company's intensity (when ``intensities`` are given).

    Every figure is synthetic. Power and cement coal has a lab-analysed NCV (a measured value
    overriding the default); every fifth company's 2024 report is adjusted by the verifier.
    """
    rng = random.Random(f"{seed}-mrv")
    plans: list[DemoReport] = []
    chosen = [
        (sector, account_id)
        for sector, count in MRV_COMPANIES.items()
        for account_id in [c for c in companies if c.startswith(_prefix(sector))][:count]
    ]
    for n, (sector, account_id) in enumerate(chosen):
        target = sizes[account_id] * rng.uniform(0.85, 1.10)
        for year in MRV_YEARS:
            if year != MRV_YEARS[0]:
                grown = 1.25 if (sector == "cement" and n % 6 == 1) else rng.uniform(0.92, 1.08)
                target *= grown
            lines: list[ActivityLine] = []
            for facility in _PROFILES[sector]:
                for stream in facility.streams:
                    share = stream.share * rng.uniform(0.95, 1.05)
                    ncv = cc = None
                    if stream.measured_ncv is not None:
                        ncv = Decimal(str(round(rng.uniform(*stream.measured_ncv), 3)))
                    if stream.biomass_cc is not None:
                        cc = Decimal(stream.biomass_cc)
                    line = ActivityLine(
                        row=len(lines) + 2,
                        facility_id=f"{account_id}-{facility.suffix}",
                        year=year,
                        source=SourceKind(stream.source),
                        item=stream.item,
                        quantity=Decimal(1),
                        unit=Unit(stream.unit),
                        ncv=ncv,
                        cc=cc,
                    )
                    per_unit = stream_factors(_stream_of(line), library).tco2_per_unit
                    quantity = _quantity(target * share, per_unit)
                    lines.append(dataclasses.replace(line, quantity=quantity))
            adjustments: tuple[Adjustment, ...] = ()
            if year == MRV_YEARS[-1] and n % 5 == 2:
                first = lines[0]
                corrected = (first.quantity * Decimal("1.008")).to_integral_value()
                reason = "weighbridge records reconciled with purchase invoices (demo)"
                adjustments = (Adjustment(first.row, corrected, reason),)
            output = None
            if intensities is not None and sector != "petrochemicals":
                output = (Decimal(round(target)) / intensities[account_id]).quantize(Decimal(1))
            plans.append(DemoReport(account_id, year, tuple(lines), adjustments, output))
    return plans


def _prefix(sector: str) -> str:
    return f"GD-{sector.upper()[:5]}-"


def _stream_of(line: ActivityLine) -> ActivityStream:
    return ActivityStream(
        line.facility_id, line.year, line.source, line.item, line.unit,
        line.ncv, line.cc, line.of, line.ef,
    )  # fmt: skip


def build_mrv(
    app: App,
    companies: list[str],
    sizes: dict[str, int],
    intensities: dict[str, Decimal],
    seed: int,
) -> tuple[DemoReport, ...]:
    """Give the demo companies of :data:`MRV_COMPANIES` an entity, facilities with monitoring
    plans and an approved report for each year of :data:`MRV_YEARS`, through the services:
    the entity (the demo's ``company`` user for the first company, the operator for the
    others) creates and submits, the regulator assigns the demo verifier, the verifier
    verifies (adjusting some lines), the regulator approves. A year already approved is left
    as it is, so a second run changes nothing.
    """
    from openets.auth import get_user
    from openets.mrv import services as mrv

    library = demo_library(MRV_YEARS)
    plans = demo_reports(companies, sizes, seed, library, intensities)
    regulator = get_user(app, DEMO_REGULATOR)
    verifier = get_user(app, DEMO_VERIFIER)
    company_user = get_user(app, DEMO_COMPANY_USER)
    done = {
        (s.entity_id, s.year)
        for s in mrv.list_reports(app, by=regulator, status="approved", limit=10_000).items
    }
    owners = {a.id: a.owner for a in services.list_accounts(app, limit=10_000).items}
    set_up: set[str] = set()
    for plan in plans:
        if (plan.entity_id, plan.year) in done:
            continue
        entity_id = plan.entity_id
        if entity_id not in set_up:
            _set_up_entity(app, regulator, entity_id, owners[entity_id])
            set_up.add(entity_id)
        owner = company_user if company_user.owner == owners[entity_id] else OPERATOR
        key = f"demo-{seed}-mrv-{entity_id}-{plan.year}"
        report = mrv.create_report(
            app, entity_id, plan.year, plan.lines, by=owner, key=f"{key}-create",
            library=library, output=plan.output,
        ).report  # fmt: skip
        mrv.assign_verifier(app, report.id, DEMO_VERIFIER, by=regulator)
        mrv.submit_report(app, report.id, by=owner, key=f"{key}-submit")
        mrv.verify_report(
            app, report.id, plan.adjustments, by=verifier, key=f"{key}-verify", library=library
        )
        mrv.approve_report(app, report.id, by=regulator, key=f"{key}-approve")
    return tuple(plans)


def _set_up_entity(app: App, regulator: User, entity_id: str, name: str) -> None:
    """The covered entity (on its existing compliance account), its facilities and plans."""
    from openets.mrv import services as mrv

    sector = next(s for s in _PROFILES if entity_id.startswith(_prefix(s)))
    mrv.add_entity(app, entity_id, name, sector, by=regulator)
    city = _CITIES[int(entity_id.rsplit("-", 1)[1]) % len(_CITIES)]
    for facility in _PROFILES[sector]:
        facility_id = f"{entity_id}-{facility.suffix}"
        mrv.add_facility(app, facility_id, entity_id, f"{facility.name} (demo)", city, by=regulator)
        for stream in facility.streams:
            mrv.add_stream(
                app, facility_id, stream.source, stream.item, stream.method, by=regulator
            )


# --- offsets and carbon inclusion: projects across Guangdong, issuances, sales, retirements ---


@dataclass(frozen=True)
class DemoProject:
    """A demo offset project and the credits (t) it is issued for 2023 and 2024."""

    id: str
    scheme: str
    project_type: str
    methodology: str
    city: str
    county: str
    tags: tuple[str, ...]
    issued_2023: int
    issued_2024: int

    @property
    def account(self) -> str:
        return f"OFFS-{self.city.upper()}"


@dataclass(frozen=True)
class DemoSale:
    """A demo sale of a project's credits: ``price_fen`` per tonne."""

    project_id: str
    quantity: int
    price_fen: int
    buyer: str
    date: str


@dataclass(frozen=True)
class DemoRetirement:
    """A demo retirement for voluntary carbon neutrality, with a public certificate."""

    account: str
    instrument: str
    quantity: int
    beneficiary: str
    purpose: str


OFFSET_YEARS = (2023, 2024)
_POOR, _OLD, _ETHNIC = "poverty", "old_revolutionary", "ethnic"
_PV, _FOREST, _MANGROVE = "PHCER-PV", "PHCER-FOREST", "SINK-MANGROVE"
_TRAVEL, _BIOGAS = "PHCER-TRAVEL", "CCER-BIOGAS"


def _p(
    n: int,
    scheme: str,
    kind: str,
    code: str,
    city: str,
    county: str,
    tags: tuple[str, ...],
    first: int,
    second: int,
) -> DemoProject:
    return DemoProject(f"DEMO-{scheme}-{n:03d}", scheme, kind, code, city, county, tags,
                       first, second)  # fmt: skip


#: The demo's offset projects (synthetic, labelled Demo): Meizhou and Heyuan are old
#: revolutionary areas, Qingyuan's Liannan, Lianshan and Liuyang counties and Shaoguan's Ruyuan
#: ethnic-minority areas; the mountain counties were poverty-alleviation areas.
OFFSET_PROJECTS: tuple[DemoProject, ...] = (
    _p(1, "PHCER", "distributed_solar", _PV, "Meizhou", "Pingyuan", (_POOR, _OLD), 1_820, 2_050),
    _p(2, "PHCER", "distributed_solar", _PV, "Meizhou", "Dabu", (_POOR, _OLD), 1_240, 1_410),
    _p(3, "PHCER", "forestry", _FOREST, "Meizhou", "Jiaoling", (_OLD,), 8_600, 9_150),
    _p(4, "PHCER", "distributed_solar", _PV, "Heyuan", "Zijin", (_POOR, _OLD), 2_310, 2_480),
    _p(5, "PHCER", "forestry", _FOREST, "Heyuan", "Lianping", (_POOR, _OLD), 12_400, 13_050),
    _p(6, "PHCER", "forestry", _FOREST, "Heyuan", "Longchuan", (_OLD,), 6_700, 7_020),
    _p(7, "PHCER", "forestry", _FOREST, "Qingyuan", "Liannan", (_POOR, _ETHNIC), 10_300, 10_900),
    _p(8, "PHCER", "forestry", _FOREST, "Qingyuan", "Lianshan", (_POOR, _ETHNIC), 7_450, 7_980),
    _p(9, "PHCER", "distributed_solar", _PV, "Qingyuan", "Liuyang", (_ETHNIC,), 960, 1_030),
    _p(10, "PHCER", "forestry", _FOREST, "Shaoguan", "Ruyuan", (_POOR, _ETHNIC), 15_200, 15_800),
    _p(11, "PHCER", "forestry", _FOREST, "Shaoguan", "Renhua", (_POOR,), 9_800, 10_250),
    _p(12, "PHCER", "distributed_solar", _PV, "Shaoguan", "Nanxiong", (), 1_560, 1_690),
    _p(13, "PHCER", "low_carbon_travel", _TRAVEL, "Guangzhou", "Tianhe", (), 24_500, 28_300),
    _p(14, "PHCER", "low_carbon_travel", _TRAVEL, "Shenzhen", "Futian", (), 31_200, 35_600),
    _p(15, "PHCER", "distributed_solar", _PV, "Shenzhen", "Longgang", (), 3_400, 3_650),
    _p(16, "PHCER", "distributed_solar", _PV, "Guangzhou", "Huadu", (), 2_750, 2_980),
    _p(17, "PHCER", "forestry", _FOREST, "Zhaoqing", "Huaiji", (_POOR,), 11_200, 11_700),
    _p(18, "PHCER", "forestry", _FOREST, "Zhaoqing", "Guangning", (_POOR,), 8_300, 8_760),
    _p(19, "PHCER", "distributed_solar", _PV, "Maoming", "Xinyi", (_POOR,), 1_380, 1_520),
    _p(20, "PHCER", "low_carbon_travel", _TRAVEL, "Zhanjiang", "Chikan", (), 4_600, 5_100),
    _p(21, "CCER", "biogas", _BIOGAS, "Guangzhou", "Conghua", (), 18_600, 19_400),
    _p(22, "CCER", "biogas", _BIOGAS, "Maoming", "Gaozhou", (_POOR,), 14_300, 15_100),
    _p(23, "CCER", "biogas", _BIOGAS, "Zhanjiang", "Leizhou", (_POOR,), 12_900, 13_600),
    _p(24, "CCER", "biogas", _BIOGAS, "Meizhou", "Xingning", (_POOR, _OLD), 9_700, 10_200),
    _p(25, "CCER", "biogas", _BIOGAS, "Shenzhen", "Bao'an", (), 21_400, 22_800),
    _p(26, "SINK", "mangrove", _MANGROVE, "Zhanjiang", "Leizhou", (), 3_900, 4_250),
    _p(27, "SINK", "mangrove", _MANGROVE, "Zhanjiang", "Xuwen", (_POOR,), 2_800, 3_050),
    _p(28, "SINK", "mangrove", _MANGROVE, "Shenzhen", "Futian", (), 1_150, 1_200),
    _p(29, "SINK", "forestry", _FOREST, "Heyuan", "Heping", (_POOR, _OLD), 9_100, 9_600),
    _p(30, "SINK", "forestry", _FOREST, "Qingyuan", "Yangshan", (_POOR,), 7_900, 8_300),
)

#: Demo sales (prices per tonne in fen: PHCER ¥15-30, CCER ¥60-90, carbon sink ¥40-70).
OFFSET_SALES: tuple[DemoSale, ...] = (
    DemoSale("DEMO-PHCER-001", 2_500, 2_350, "Demo Cement Co. 003", "2024-06-18"),
    DemoSale("DEMO-PHCER-003", 6_000, 1_980, "Demo Paper Co. 007", "2024-09-02"),
    DemoSale("DEMO-PHCER-005", 12_000, 2_120, "Demo Ceramics Co. 011", "2024-07-15"),
    DemoSale("DEMO-PHCER-007", 9_000, 2_050, "Demo Power Co. 002", "2024-11-20"),
    DemoSale("DEMO-PHCER-010", 15_000, 2_200, "Demo Steel Co. 004", "2025-01-09"),
    DemoSale("DEMO-PHCER-010", 5_000, 2_480, "Demo Green Events Ltd", "2025-03-12"),
    DemoSale("DEMO-PHCER-014", 30_000, 1_650, "Demo Datacentres Co. 002", "2025-02-25"),
    DemoSale("DEMO-PHCER-017", 8_000, 2_090, "Demo Cement Co. 012", "2024-12-05"),
    DemoSale("DEMO-CCER-021", 16_000, 6_850, "Demo Power Co. 005", "2025-04-08"),
    DemoSale("DEMO-CCER-022", 10_000, 7_200, "Demo Petrochemicals Co. 001", "2025-05-21"),
    DemoSale("DEMO-CCER-024", 6_500, 7_050, "Demo Aviation Co. 002", "2025-06-03"),
    DemoSale("DEMO-SINK-026", 3_000, 5_600, "Demo Ports Co. 001", "2024-10-16"),
    DemoSale("DEMO-SINK-029", 7_000, 4_300, "Demo Steel Co. 009", "2025-03-28"),
)

#: Demo retirements for carbon neutrality (from project owners' accounts).
OFFSET_RETIREMENTS: tuple[DemoRetirement, ...] = (
    DemoRetirement(
        "OFFS-MEIZHOU", "PHCER", 1_500, "Demo Meizhou Hakka Marathon 2025",
        "carbon-neutral event: the marathon's travel, venues and catering (demo)",
    ),
    DemoRetirement(
        "OFFS-ZHANJIANG", "SINK", 800, "Demo Green Logistics Ltd",
        "company carbon neutrality for 2024 office operations (demo)",
    ),
)  # fmt: skip


def offset_accounts() -> dict[str, str]:
    """The project owners' holding accounts of the demo: account id -> owner."""
    return {p.account: f"Demo {p.city} Carbon Inclusion Co-op" for p in OFFSET_PROJECTS}


def build_offsets(app: App, seed: int) -> tuple[str, ...]:
    """Register :data:`OFFSET_PROJECTS` (active, crediting 2021-2030), issue their 2023 and
    2024 credits through the offsets services, record :data:`OFFSET_SALES` and retire
    :data:`OFFSET_RETIREMENTS` for carbon neutrality; return the certificates' ids.

    Registration repeats harmlessly, issuances and retirements carry keys, and sales are
    recorded only for a project that has none yet, so a second run changes nothing.
    """
    from openets.offsets import services as offsets
    from openets.offsets.permissions import OPERATOR as OFFSETS_OPERATOR

    for account_id, owner in offset_accounts().items():
        services.open_account(app, account_id, "holding", owner)
    key = f"demo-{seed}-offsets"
    for project in OFFSET_PROJECTS:
        offsets.register_project(
            app,
            project.id,
            scheme=project.scheme,
            project_type=project.project_type,
            methodology=project.methodology,
            owner_account=project.account,
            province="Guangdong",
            city=project.city,
            county=project.county,
            tags=project.tags,
            crediting=(2021, 2030),
            status="active",
            by=OFFSETS_OPERATOR,
        )
        for year, quantity in zip(
            OFFSET_YEARS, (project.issued_2023, project.issued_2024), strict=True
        ):
            offsets.issue(
                app, project.id, year, quantity, by=OFFSETS_OPERATOR,
                key=f"{key}-issue-{project.id}-{year}",
            )  # fmt: skip
    recorded = {
        project_id
        for project_id in {s.project_id for s in OFFSET_SALES}
        if offsets.project_detail(app, project_id).sales
    }
    for sale in OFFSET_SALES:
        if sale.project_id not in recorded:
            offsets.record_sale(
                app, sale.project_id, sale.quantity, sale.price_fen, sale.buyer, sale.date,
                by=OFFSETS_OPERATOR,
            )  # fmt: skip
    certificates = [
        offsets.retire_for_neutrality(
            app, r.account, r.instrument, r.quantity, r.beneficiary, r.purpose,
            by=OFFSETS_OPERATOR, key=f"{key}-retire-{n}",
        ).id
        for n, r in enumerate(OFFSET_RETIREMENTS)
    ]  # fmt: skip
    return tuple(certificates)
