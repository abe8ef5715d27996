"""Allocation use cases on SQLite and PostgreSQL: the preview of each method worked by hand,
issuing (idempotent), the cap, deductions, the true-up (issue, take back, owed), new
entrants, closures and who may do what; the cap invariant as a property test."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from openets import App
from openets.allocation import services as allocation
from openets.allocation.rules import AllocationInput, Method
from openets.allocation.services import Holding, holdings, plan_round
from openets.auth.model import Role, User
from openets.compliance.jurisdiction import Cap, JurisdictionYear, load_jurisdiction
from openets.db import schema
from openets.errors import Conflict, InvalidInput, NotAuthorised, RuleViolation
from openets.mrv import services as mrv
from openets.mrv.emissions_file import ImportedEmissions
from openets.mrv.permissions import OPERATOR
from openets.registry.model import TransferUnits
from openets.registry.services import balance, execute, get_account, open_account, supply

D = Decimal
REGULATOR = User("reg", Role.REGULATOR, None, "")
STEEL_USER = User("steel", Role.ENTITY, "Steel One", "")
VERIFIER = User("ver", Role.VERIFIER, None, "")
ENTITIES = [
    ("STEEL-1", "Steel One", "steel"),
    ("PAPER-1", "Paper One", "paper"),
    ("PETRO-1", "Petro One", "petrochemicals"),
    ("DC-1", "DC One", "datacentres"),
    ("CEM-1", "Cement One", "cement"),
    ("SMALL-1", "Small Steel", "steel"),
    ("NEW-1", "New Steel", "steel"),
]
#: (entity, year, verified tCO2, output)
FIGURES = [
    ("STEEL-1", 2023, 190_000, D(100_000)),
    # paper: 2017 has no output, so the base intensity is (40,000 + 50,000) / (100,000 +
    # 150,000) = 0.36 tCO2/t
    ("PAPER-1", 2016, 40_000, D(100_000)),
    ("PAPER-1", 2017, 45_000, None),
    ("PAPER-1", 2018, 50_000, D(150_000)),
    ("PAPER-1", 2023, 60_000, D(200_000)),
    # petrochemicals: base emissions = (100,000 + 110,000 + 120,001) / 3 = 110,000.3333…
    ("PETRO-1", 2016, 100_000, None),
    ("PETRO-1", 2017, 110_000, None),
    ("PETRO-1", 2018, 120_001, None),
    ("PETRO-1", 2023, 115_000, None),
    ("DC-1", 2023, 20_000, D(50_000)),  # 50,000 MWh of IT electricity
    ("CEM-1", 2023, 30_000, None),  # covered, but no output: missing
    ("SMALL-1", 2023, 5_000, D(3_000)),  # below the 10,000 t threshold: not covered
]
#: the 2024 figures the true-up uses (DC-1 has none: its pre-allocation stands)
FIGURES_2024 = [
    ("STEEL-1", 2024, 170_000, D(90_000)),
    ("PAPER-1", 2024, 70_000, D(250_000)),
    ("CEM-1", 2024, 30_000, D(35_000)),
]


def imported(rows: list[tuple[str, int, int, Decimal | None]]) -> list[ImportedEmissions]:
    return [ImportedEmissions(e, y, t, output) for e, y, t, output in rows]


@pytest.fixture
def market(app: App) -> App:
    for entity_id, name, sector in ENTITIES:
        mrv.add_entity(app, entity_id, name, sector, by=OPERATOR)
    mrv.import_emissions(app, imported(FIGURES), by=OPERATOR)
    open_account(app, "ELSEWHERE", "holding", "Someone Else")
    return app


def with_cap(tonnes: int) -> Callable[[str, int], JurisdictionYear]:
    """The shipped configuration with another cap: the services' ``config`` seam."""

    def loader(name: str, year: int) -> JurisdictionYear:
        return dataclasses.replace(load_jurisdiction(name, year), cap=Cap(tonnes, True, "test"))

    return loader


def held(app: App, account: str, instrument: str = "GDEA-2024") -> int:
    found = {p.instrument: p.quantity for p in balance(app, account).balances}
    return found.get(instrument, 0)


def add_deduction(app: App, entity: str, origin_year: int, tonnes: int, deducted: int = 0) -> None:
    with app.engine.begin() as connection:
        connection.execute(
            schema.deductions.insert().values(
                entity_id=entity,
                origin="penalty",
                origin_year=origin_year,
                tonnes=tonnes,
                deducted=deducted,
                created_at="2025-06-21T00:00:00.000000Z",
            )
        )


def deductions(app: App) -> list[tuple[str, str, int, int, int]]:
    d = schema.deductions
    with app.engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                d.c.entity_id, d.c.origin, d.c.origin_year, d.c.tonnes, d.c.deducted
            ).order_by(d.c.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def journal_size(app: App) -> int:
    with app.engine.connect() as connection:
        return int(
            connection.execute(sa.select(sa.func.count()).select_from(schema.journal)).scalar_one()
        )


def within_cap(app: App, year: int, cap: int) -> None:
    """The cap invariant over the stored lines: what the entities hold ≤ cap."""
    table = allocation.allocation_table(app, year, "guangdong", by=REGULATOR)
    held_now = holdings(table.lines).values()
    assert sum(h.allocated for h in held_now) <= cap
    assert sum(h.free + h.reserve for h in held_now) <= cap


def by_entity(run: allocation.AllocationRun) -> dict[str, allocation.AllocationLine]:
    return {line.entity: line for line in run.lines}


def test_preview_of_each_method_worked_by_hand(market: App) -> None:
    run = allocation.compute(market, 2024, by=REGULATOR)
    lines = by_entity(run)
    steel = lines["STEEL-1"]
    # benchmark: 100,000 t × 1.8 × 1 = 180,000; free 97% = 174,600; reserve 5,400
    assert (steel.method, dict(steel.inputs), steel.exact) == (
        "benchmark",
        {"output": "100000", "benchmark": "1.8", "adjustment_factor": "1"},
        D(180_000),
    )
    assert (steel.entitlement, steel.allocated, steel.free, steel.reserve) == (
        180_000,
        180_000,
        174_600,
        5_400,
    )
    # intensity: 200,000 t × 0.36 × 0.98 = 70,560; free floor(68,443.2) = 68,443
    paper = lines["PAPER-1"]
    assert dict(paper.inputs) == {
        "output": "200000",
        "base_intensity": "0.36",
        "decline_factor": "0.98",
    }
    assert (paper.entitlement, paper.free, paper.reserve) == (70_560, 68_443, 2_117)
    # emissions: 110,000.3333 (half-up, 4 places) × 0.98 = 107,800.326634 → 107,800;
    # free 107,800 × 0.97 = 104,566
    petro = lines["PETRO-1"]
    assert dict(petro.inputs) == {"base_emissions": "110000.3333", "decline_factor": "0.98"}
    assert (petro.exact, petro.entitlement, petro.free) == (D("107800.326634"), 107_800, 104_566)
    # data centre: 50,000 MWh × 0.9441 × 0.98 = 46,260.9 → 46,261; free floor(44,873.17)
    dc = lines["DC-1"]
    assert (dc.exact, dc.entitlement, dc.free, dc.reserve) == (D("46260.9"), 46_261, 44_873, 1_388)
    assert [(m.entity, m.reason) for m in run.missing] == [("CEM-1", "no verified output for 2023")]
    assert "SMALL-1" not in lines  # not covered
    (gd,) = run.jurisdictions
    assert (gd.name, gd.cap, gd.entitlement, gd.free, gd.reserve, gd.scaled) == (
        "guangdong",
        270_000_000,
        404_621,  # 180,000 + 70,560 + 107,800 + 46,261
        392_482,
        12_139,
        False,
    )
    assert allocation.allocation_table(market, 2024, by=REGULATOR).lines == ()  # stored nothing


def test_issue_credits_accounts_and_is_idempotent(market: App) -> None:
    run = allocation.issue(market, 2024, by=REGULATOR)
    assert not run.replayed
    assert held(market, "STEEL-1") == 174_600
    assert held(market, "PETRO-1") == 104_566
    assert held(market, "GDEA-AUCTION") == 12_139
    auction = get_account(market, "GDEA-AUCTION")
    assert (auction.kind.value, auction.owner) == ("auction", "guangdong")
    assert supply(market, "GDEA-2024").issued == 404_621
    steel = by_entity(run)["STEEL-1"]
    assert steel.entry_seq is not None
    with market.engine.connect() as connection:
        key, memo = connection.execute(
            sa.select(schema.journal.c.idem_key, schema.journal.c.memo).where(
                schema.journal.c.seq == steel.entry_seq
            )
        ).one()
    assert key == "allocation:guangdong:2024:pre:STEEL-1"
    assert memo == '{"allocation":"pre","year":"2024"}'

    entries = journal_size(market)
    again = allocation.issue(market, 2024, "guangdong", by=REGULATOR)
    assert again.replayed
    assert again.jurisdictions[0].replayed
    assert again.lines == run.lines
    assert journal_size(market) == entries
    assert supply(market, "GDEA-2024").issued == 404_621


def test_a_small_cap_scales_every_entitlement(market: App) -> None:
    run = allocation.issue(market, 2024, by=REGULATOR, config=with_cap(200_000))
    # entitlements 404,621 > cap 200,000: each gets floor(e × 200,000 / 404,621)
    # DC 22,866 (rem 136,214), PAPER 34,877 (rem 33,383), PETRO 53,284 (rem 174,636),
    # STEEL 88,972 (rem 60,388): 199,999; the last tonne goes to PETRO (largest remainder)
    assert {e: x.allocated for e, x in by_entity(run).items()} == {
        "DC-1": 22_866,
        "PAPER-1": 34_877,
        "PETRO-1": 53_285,
        "STEEL-1": 88_972,
    }
    # STEEL: 88,972 × 0.97 = 86,302.84 → 86,302 free, 2,670 to auction
    steel = by_entity(run)["STEEL-1"]
    assert (steel.entitlement, steel.free, steel.reserve) == (180_000, 86_302, 2_670)
    (gd,) = run.jurisdictions
    assert (gd.allocated, gd.scaled) == (200_000, True)
    assert supply(market, "GDEA-2024").issued == 200_000
    within_cap(market, 2024, 200_000)


def test_no_cap_is_refused(market: App) -> None:
    with pytest.raises(InvalidInput, match="2024 cap of national is not set"):
        allocation.compute(market, 2024, "national", by=REGULATOR)


def test_deductions_are_taken_oldest_first(market: App) -> None:
    add_deduction(market, "STEEL-1", 2022, 600)
    add_deduction(market, "STEEL-1", 2023, 1_000, deducted=500)  # 500 still owed
    add_deduction(market, "STEEL-1", 2024, 7_000)  # of the year itself: not yet
    add_deduction(market, "DC-1", 2023, 50_000)  # more than its free 44,873
    preview = by_entity(allocation.compute(market, 2024, by=REGULATOR))
    assert (preview["STEEL-1"].deducted, preview["STEEL-1"].issued) == (1_100, 173_500)
    assert (preview["DC-1"].deducted, preview["DC-1"].issued) == (44_873, 0)

    run = by_entity(allocation.issue(market, 2024, by=REGULATOR))
    # STEEL: 174,600 free − (600 + 500) = 173,500 issued
    assert (run["STEEL-1"].deducted, run["STEEL-1"].issued) == (1_100, 173_500)
    assert held(market, "STEEL-1") == 173_500
    # DC: all 44,873 deducted, nothing issued, 5,127 still owed
    assert (run["DC-1"].deducted, run["DC-1"].issued, run["DC-1"].entry_seq) == (44_873, 0, None)
    assert held(market, "DC-1") == 0
    assert deductions(market) == [
        ("STEEL-1", "penalty", 2022, 600, 600),
        ("STEEL-1", "penalty", 2023, 1_000, 1_000),
        ("STEEL-1", "penalty", 2024, 7_000, 0),
        ("DC-1", "penalty", 2023, 50_000, 44_873),
    ]


def test_true_up_issues_takes_back_and_records_what_is_owed(market: App) -> None:
    allocation.issue(market, 2024, by=REGULATOR)
    with pytest.raises(RuleViolation, match="2025 pre-allocation of guangdong has not been"):
        allocation.true_up(market, 2025, "guangdong", by=REGULATOR)
    mrv.import_emissions(market, imported(FIGURES_2024), by=OPERATOR)
    # STEEL-1 moved 174,000 of its 174,600 away: only 600 can be taken back
    execute(market, TransferUnits("GDEA-2024", 174_000, "STEEL-1", "ELSEWHERE"))

    run = allocation.true_up(market, 2024, by=REGULATOR)
    lines = by_entity(run)
    # STEEL: 90,000 t × 1.8 = 162,000; free 157,140; − 174,600 pre = −17,460: 600 taken
    # back, 16,860 owed
    steel = lines["STEEL-1"]
    assert (steel.entitlement, steel.free, steel.issued, steel.owed) == (
        162_000,
        157_140,
        -600,
        16_860,
    )
    assert held(market, "STEEL-1") == 0
    # PAPER: 250,000 t × 0.36 (the stored base) × 0.98 = 88,200; free 85,554; +17,111
    assert (lines["PAPER-1"].free, lines["PAPER-1"].issued) == (85_554, 17_111)
    assert held(market, "PAPER-1") == 85_554
    # PETRO: historical emissions, unchanged
    assert (lines["PETRO-1"].free, lines["PETRO-1"].issued) == (104_566, 0)
    # CEM: covered, not pre-allocated, now with 2024 output: 35,000 × 0.85 = 29,750 in full
    assert (lines["CEM-1"].free, lines["CEM-1"].issued) == (28_857, 28_857)
    assert held(market, "CEM-1") == 28_857
    # DC: no 2024 output: its pre-allocation stands
    assert "DC-1" not in lines
    assert [(m.entity, m.reason) for m in run.missing] == [
        ("DC-1", "no verified output for 2024: the pre-allocation stands")
    ]
    # the reserve moves by (4,860 + 2,646 + 3,234 + 893) − (5,400 + 2,117 + 3,234) = +882
    assert held(market, "GDEA-AUCTION") == 12_139 + 882
    assert ("STEEL-1", "true_up", 2024, 16_860, 0) in deductions(market)
    within_cap(market, 2024, 270_000_000)

    entries = journal_size(market)
    again = allocation.true_up(market, 2024, by=REGULATOR)
    assert again.replayed
    assert journal_size(market) == entries

    # the owed tonnes come off the next pre-allocation (from the 2024 output): 162,000 →
    # free 157,140 − 16,860 = 140,280
    nxt = by_entity(allocation.issue(market, 2025, by=REGULATOR))
    assert (nxt["STEEL-1"].free, nxt["STEEL-1"].deducted, nxt["STEEL-1"].issued) == (
        157_140,
        16_860,
        140_280,
    )
    assert held(market, "STEEL-1", "GDEA-2025") == 140_280


def test_new_entrant_within_the_headroom_only(market: App) -> None:
    allocation.issue(market, 2024, by=REGULATOR, config=with_cap(200_000))
    start = date(2024, 7, 1)
    # annual 50,000 t × 1.8 = 90,000; 184 of 366 days → floor(45,245.9) = 45,245
    with pytest.raises(RuleViolation) as refused:
        allocation.allocate_entrant(
            market, "NEW-1", 2024, start, D(50_000), by=REGULATOR, config=with_cap(200_000)
        )
    assert str(refused.value) == (
        "new entrant NEW-1: 45,245 t requested exceeds the headroom under the 2024 cap of "
        "guangdong: cap 200,000 t, already allocated 200,000 t, headroom 0 t"
    )
    bigger = with_cap(250_000)
    receipt = allocation.allocate_entrant(
        market, "NEW-1", 2024, start, D(50_000), by=REGULATOR, config=bigger
    )
    line = receipt.line
    # free floor(45,245 × 0.97) = 43,887, reserve 1,358
    assert (line.phase, line.entitlement, line.allocated, line.free, line.reserve) == (
        "entrant",
        90_000,
        45_245,
        43_887,
        1_358,
    )
    assert line.inputs["days"] == "184"
    assert held(market, "NEW-1") == 43_887
    again = allocation.allocate_entrant(
        market, "NEW-1", 2024, start, D(50_000), by=REGULATOR, config=bigger
    )
    assert again.replayed
    assert held(market, "NEW-1") == 43_887
    with pytest.raises(Conflict):
        allocation.allocate_entrant(
            market, "NEW-1", 2024, start, D(60_000), by=REGULATOR, config=bigger
        )
    with pytest.raises(RuleViolation, match="already has a 2024 allocation"):
        allocation.allocate_entrant(
            market, "STEEL-1", 2024, start, D(1), by=REGULATOR, config=bigger
        )
    within_cap(market, 2024, 250_000)


def test_closure_takes_back_the_rest_or_records_it_as_owed(market: App) -> None:
    allocation.issue(market, 2024, by=REGULATOR)
    # PAPER closes on 1 April 2024: 91 of 366 days; keeps floor(68,443 × 91 / 366) = 17,017
    receipt = allocation.close_entity(market, "PAPER-1", 2024, date(2024, 4, 1), by=REGULATOR)
    line = receipt.line
    assert (line.phase, line.free, line.issued, line.owed) == ("closure", 17_017, -51_426, 0)
    assert line.allocated == 70_560 - 51_426
    assert held(market, "PAPER-1") == 17_017
    assert allocation.close_entity(market, "PAPER-1", 2024, date(2024, 4, 1), by=REGULATOR).replayed
    with pytest.raises(Conflict):
        allocation.close_entity(market, "PAPER-1", 2024, date(2024, 5, 1), by=REGULATOR)

    # STEEL closes on 1 July after moving its units away: 182 days → keeps
    # floor(174,600 × 182 / 366) = floor(86,822.95) = 86,822; the 87,778 to take back are owed
    execute(market, TransferUnits("GDEA-2024", 174_600, "STEEL-1", "ELSEWHERE"))
    steel = allocation.close_entity(market, "STEEL-1", 2024, date(2024, 7, 1), by=REGULATOR).line
    assert (steel.free, steel.issued, steel.owed) == (86_822, 0, 87_778)
    assert ("STEEL-1", "closure", 2024, 87_778, 0) in deductions(market)
    with pytest.raises(RuleViolation, match="no 2024 allocation to close"):
        allocation.close_entity(market, "CEM-1", 2024, date(2024, 7, 1), by=REGULATOR)

    # the true-up leaves closed entities alone
    mrv.import_emissions(market, imported(FIGURES_2024), by=OPERATOR)
    trued = by_entity(allocation.true_up(market, 2024, by=REGULATOR))
    assert "PAPER-1" not in trued
    assert "STEEL-1" not in trued
    within_cap(market, 2024, 270_000_000)


def test_who_may_allocate_and_read(market: App) -> None:
    for user in (STEEL_USER, VERIFIER):
        with pytest.raises(NotAuthorised):
            allocation.compute(market, 2024, by=user)
        with pytest.raises(NotAuthorised):
            allocation.issue(market, 2024, by=user)
    with pytest.raises(NotAuthorised):
        allocation.allocation_table(market, 2024, by=VERIFIER)
    allocation.issue(market, 2024, by=REGULATOR)
    own = allocation.allocation_table(market, 2024, by=STEEL_USER)
    assert [x.entity for x in own.lines] == ["STEEL-1"]
    assert own.rounds == ()
    assert [x.entity for x in allocation.entity_lines(market, "STEEL-1", by=STEEL_USER)] == [
        "STEEL-1"
    ]
    with pytest.raises(NotAuthorised):
        allocation.entity_lines(market, "PAPER-1", by=STEEL_USER)
    table = allocation.allocation_table(market, 2024, sector="paper", by=REGULATOR)
    assert [(x.entity, x.method) for x in table.lines] == [("PAPER-1", "historical_intensity")]
    assert [(r.jurisdiction, r.phase, r.free_total) for r in table.rounds] == [
        ("guangdong", "pre", 392_482)
    ]


# --- the cap invariant, on the pure helper the services use --------------------------------

_methods = st.sampled_from(list(Method))
_amount = st.integers(min_value=0, max_value=2_000_000).map(Decimal)


@st.composite
def _entity_inputs(draw: st.DrawFn, entity: str) -> AllocationInput:
    return AllocationInput(
        entity,
        draw(_methods),
        draw(st.sampled_from([D("0.95"), D("0.97"), D(1)])),
        output=draw(_amount),
        factor=draw(st.sampled_from([D("0.825"), D("1.8"), D("0.36"), D("110000.3333")])),
        adjustment=draw(st.sampled_from([D(1), D("0.98")])),
    )


@st.composite
def _year(draw: st.DrawFn) -> tuple[int, list[AllocationInput], list[AllocationInput], int]:
    count = draw(st.integers(min_value=1, max_value=8))
    pre = [draw(_entity_inputs(f"E{n}")) for n in range(count)]
    # the true-up: some entities lack the year's output (their pre-allocation stands), and
    # late entrants join
    trued = [dataclasses.replace(item, output=draw(_amount)) for item in pre if draw(st.booleans())]
    trued += [draw(_entity_inputs(f"L{n}")) for n in range(draw(st.integers(0, 3)))]
    entrant = draw(st.integers(min_value=0, max_value=3_000_000))
    return draw(st.integers(min_value=0, max_value=5_000_000)), pre, trued, entrant


@settings(max_examples=200, deadline=None)
@given(_year())
def test_pre_entrant_and_true_up_stay_within_the_cap(
    year: tuple[int, list[AllocationInput], list[AllocationInput], int],
) -> None:
    cap, pre, trued, entrant = year
    first = plan_round(cap, {}, pre)
    held_now = {
        x.entity: Holding(x.allocated, x.free, x.reserve) for x in first.allocation.entities
    }
    units = first.allocation.free_total + first.allocation.reserve_total  # issued so far
    # a new entrant gets at most the headroom (the services refuse more)
    headroom = cap - sum(h.allocated for h in held_now.values())
    if 0 < entrant <= headroom:
        held_now["N"] = Holding(entrant, entrant, 0)
        units += entrant
    second = plan_round(cap, held_now, trued)
    for x in second.allocation.entities:
        held_now[x.entity] = Holding(x.allocated, x.free, x.reserve)
    # units moved when everything owed can be taken back
    units += sum(second.free_change.values()) + second.reserve_change
    assert sum(h.allocated for h in held_now.values()) <= cap
    assert sum(h.free + h.reserve for h in held_now.values()) <= cap
    assert units == sum(h.free + h.reserve for h in held_now.values())
    assert all(x.allocated <= x.entitlement for x in second.allocation.entities)
