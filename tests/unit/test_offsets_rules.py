"""Pure rules of offsets: parsing, periods, issuance checks, serial tracing, statistics and
permissions."""

from __future__ import annotations

from datetime import date

import pytest

from openets.auth.model import Role, User
from openets.errors import InvalidInput, NotAuthorised, RuleViolation
from openets.offsets import permissions as may
from openets.offsets.projects import (
    CertificateBlock,
    Issuance,
    Period,
    Project,
    ProjectStatus,
    certificate_id,
    check_issuance,
    check_transition,
    overlap,
    parse_crediting,
    parse_period,
    parse_tags,
    trace_blocks,
)
from openets.offsets.stats import ProjectFigures, summarise


def project(
    project_id: str = "P", tags: tuple[str, ...] = (), city: str = "Meizhou", **extra: object
) -> Project:
    fields: dict[str, object] = {
        "id": project_id,
        "account": "A",
        "owner": "Owner",
        "scheme": "PHCER",
        "project_type": "distributed_solar",
        "methodology": "PHCER-PV",
        "province": "Guangdong",
        "city": city,
        "county": "",
        "tags": tags,
        "crediting": (2020, 2029),
        "status": ProjectStatus.ACTIVE,
        "created_at": "",
    }
    fields.update(extra)
    return Project(**fields)  # type: ignore[arg-type]


def issuance(project_id: str, year: int, start: int, end: int) -> Issuance:
    return Issuance(project_id, year, "PHCER", end - start + 1, 1, start, end, "direct", "")


def test_parsing() -> None:
    assert parse_tags(["ethnic", "poverty", "ethnic"]) == ("poverty", "ethnic")
    with pytest.raises(InvalidInput, match="unknown area tag 'rich'"):
        parse_tags(["rich"])
    assert parse_crediting("2021:2030") == (2021, 2030)
    for bad in ("2021", "2030:2021", "x:2030"):
        with pytest.raises(InvalidInput):
            parse_crediting(bad)
    assert parse_period(None, None, 2024) == Period(date(2024, 1, 1), date(2024, 12, 31))
    with pytest.raises(InvalidInput, match="spans two years"):
        parse_period("2024-07-01", "2025-06-30", None)
    with pytest.raises(InvalidInput, match="ends before it starts"):
        parse_period("2024-07-01", "2024-06-30", None)
    assert certificate_id(2025, 7) == "RC-2025-000007"


def test_transitions_go_one_step_forward() -> None:
    check_transition(project(status=ProjectStatus.REGISTERED), ProjectStatus.VALIDATED)
    with pytest.raises(RuleViolation, match="registered: it cannot become active"):
        check_transition(project(status=ProjectStatus.REGISTERED), ProjectStatus.ACTIVE)
    with pytest.raises(RuleViolation):
        check_transition(project(status=ProjectStatus.CLOSED), ProjectStatus.ACTIVE)


def test_issuance_checks() -> None:
    assert check_issuance(project(), 2024, 10, [], []) == "direct"
    with pytest.raises(RuleViolation, match="already been issued credits for 2024"):
        check_issuance(project(), 2024, 10, [2024], [])
    with pytest.raises(RuleViolation, match="outside the crediting period 2020-2029"):
        check_issuance(project(), 2030, 10, [], [])
    with pytest.raises(RuleViolation, match="only active projects"):
        check_issuance(project(status=ProjectStatus.VALIDATED), 2024, 10, [], [])
    with pytest.raises(InvalidInput):
        check_issuance(project(), 2024, 0, [], [])
    assert check_issuance(project(crediting=None), 2099, 1, [], []) == "direct"


def test_tracing_serial_blocks_to_projects() -> None:
    issuances = [issuance("A", 2023, 1, 100), issuance("B", 2024, 101, 150)]
    assert trace_blocks([(90, 120), (200, 210)], issuances) == (
        CertificateBlock(90, 100, "A", 2023),
        CertificateBlock(101, 120, "B", 2024),
        CertificateBlock(200, 210, None, None),
    )
    assert trace_blocks([(1, 5)], [issuance("B", 2024, 3, 4)]) == (
        CertificateBlock(1, 2, None, None),
        CertificateBlock(3, 4, "B", 2024),
        CertificateBlock(5, 5, None, None),
    )
    assert overlap([(1, 10), (20, 30)], 5, 25) == 6 + 6


def test_a_two_tag_project_counts_once_in_the_tagged_total() -> None:
    figures = summarise(
        [
            ProjectFigures(project("A", ("poverty", "ethnic")), 1000, 400, 1_200_000),
            ProjectFigures(project("B", ("poverty",), city="Shaoguan"), 300, 0, 0),
            ProjectFigures(project("C", (), scheme="SINK", city="Zhanjiang"), 50, 50, 400_000),
        ]
    )
    assert figures["issued"] == 1350
    assert figures["by_tag"] == {"poverty": 1300, "old_revolutionary": 0, "ethnic": 1000}
    assert figures["tagged_total"] == 1300
    assert figures["by_scheme"] == {"PHCER": 1300, "SINK": 50}
    assert figures["by_city"] == {"Meizhou": 1000, "Shaoguan": 300, "Zhanjiang": 50}
    assert figures["income_by_tag"]["ethnic"] == 1_200_000
    assert figures["tagged_income_fen"] == 1_200_000
    assert figures["income_fen"] == 1_600_000


def test_permissions() -> None:
    owner = User("o", Role.PROJECT_OWNER, "Owner", "")
    stranger = User("s", Role.PROJECT_OWNER, "Stranger", "")
    regulator = User("r", Role.REGULATOR, None, "")
    may.require_submit_report(owner, project())
    with pytest.raises(NotAuthorised):
        may.require_submit_report(stranger, project())
    with pytest.raises(NotAuthorised):
        may.require_submit_report(regulator, project())
    may.require_issue(regulator)
    may.require_issue(may.OPERATOR)
    for who in (owner, User("v", Role.VERIFIER, None, ""), User("", Role.PUBLIC, None, "")):
        with pytest.raises(NotAuthorised, match="only a regulator"):
            may.require_issue(who)
    may.require_record_sale(regulator, project())
    may.require_record_sale(owner, project())
    with pytest.raises(NotAuthorised):
        may.require_record_sale(stranger, project())
    may.require_retire(stranger, "X", "Stranger")
    with pytest.raises(NotAuthorised):
        may.require_retire(regulator, "X", "Stranger")
