"""A reproducible demo market: covered companies across the Guangdong sectors, allowance
issuance, trading between companies, offset credits and retirements.

Every company and figure here is synthetic and labelled "Demo"; the sectors and the order of
magnitude of the allocations follow the Guangdong pilot (design doc, coverage). Each state
change carries an idempotency key derived from the seed, so running the demo twice on the
same database changes nothing the second time.
"""

from __future__ import annotations

import random
from contextlib import suppress
from dataclasses import dataclass

from openets.bootstrap import App
from openets.db.migrate import upgrade
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
class DemoSummary:
    companies: int
    accounts: int
    entries: int
    users: dict[str, str]  # user name -> role


def _scaled(rng: random.Random, typical: int) -> int:
    # a log-normal spread around the sector's typical size, rounded to whole tonnes
    return max(10_000, round(typical * rng.lognormvariate(0.0, 0.6)))


def build_demo(app: App, seed: int = 2024, scale: float = 1.0) -> DemoSummary:
    """Create (or find already created) the demo market on ``app``'s database."""
    upgrade(app)
    services.ensure_system_accounts(app)
    rng = random.Random(seed)
    companies: list[str] = []
    for sector, (count, _) in SECTORS.items():
        for n in range(1, max(1, round(count * scale)) + 1):
            account_id = f"GD-{sector.upper()[:5]}-{n:03d}"
            owner = f"Demo {sector.capitalize()} Co. {n:03d}"
            services.open_account(app, account_id, "compliance", owner)
            companies.append(account_id)
    members = [f"MEMBER-{n:02d}" for n in range(1, MEMBERS + 1)]
    for n, account_id in enumerate(members, start=1):
        services.open_account(app, account_id, "exchange", f"Demo Trading Member {n:02d}")
    owners = [f"PROJ-{n:02d}" for n in range(1, PROJECT_OWNERS + 1)]
    for n, account_id in enumerate(owners, start=1):
        services.open_account(app, account_id, "holding", f"Demo Project Owner {n:02d}")
    services.open_account(app, "AUCTION-GD", "auction", "Guangdong Department of Ecology")

    commands: list[RegistryCommand] = []
    key = f"demo-{seed}"
    held: dict[str, int] = {}  # allowances each company holds as the script goes
    for account_id in companies:
        sector = next(s for s in SECTORS if account_id.startswith(f"GD-{s.upper()[:5]}-"))
        quantity = _scaled(rng, SECTORS[sector][1])
        held[account_id] = quantity
        commands.append(IssueUnits("GDEA-2024", quantity, account_id, f"{key}-alloc-{account_id}"))
    commands.append(IssueUnits("GDEA-2024", 2_000_000, "AUCTION-GD", f"{key}-auction-reserve"))
    for n, account_id in enumerate(owners):
        instrument = ("CCER", "PHCER", "SINK")[n % 3]
        quantity = rng.randrange(20_000, 200_000)
        commands.append(IssueUnits(instrument, quantity, account_id, f"{key}-credit-{account_id}"))
    # trading: companies sell surplus to members, members sell on to companies short of units
    for n in range(400):
        seller, buyer = rng.sample(companies, 2)
        via = rng.choice(members)
        # sell at most half of what the seller still holds, keeping pledges (below) possible
        lot = min(rng.randrange(1_000, 20_000), (held[seller] - 10_000) // 2)
        if lot < 1_000:
            continue
        held[seller] -= lot
        held[buyer] += lot
        commands.append(TransferUnits("GDEA-2024", lot, seller, via, f"{key}-sell-{n}"))
        commands.append(TransferUnits("GDEA-2024", lot, via, buyer, f"{key}-buy-{n}"))
    for n, account_id in enumerate(owners):
        instrument = ("CCER", "PHCER", "SINK")[n % 3]
        buyer = rng.choice(companies)
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
    for n, account_id in enumerate(rng.sample(companies, 5)):
        commands.append(FreezeUnits("GDEA-2024", 10_000, account_id, f"{key}-pledge-{n}"))
    result = services.execute_batch(app, commands)

    users = _demo_users(app, companies[0])
    return DemoSummary(
        companies=len(companies),
        accounts=len(companies) + len(members) + len(owners) + 1,
        entries=result.applied + result.replayed,
        users=users,
    )


def _demo_users(app: App, first_company: str) -> dict[str, str]:
    from openets.auth import add_user
    from openets.errors import Conflict

    owner = services.get_account(app, first_company).owner
    wanted = {
        "regulator": ("regulator", None),
        "verifier": ("verifier", None),
        "company": ("entity", owner),
    }
    for name, (role, user_owner) in wanted.items():
        with suppress(Conflict):  # created by an earlier run of the demo
            add_user(app, name, role, owner=user_owner, password=DEMO_PASSWORD)
    return {name: role for name, (role, _) in wanted.items()}
