"""Statistics of the carbon-inclusion scheme: credits issued and sold, income, by scheme, area
tag and city (pure, over per-project figures)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from openets.offsets.projects import AREA_TAGS, Project

__all__ = ["ProjectFigures", "summarise"]


@dataclass(frozen=True, slots=True)
class ProjectFigures:
    """One project's totals: credits issued and sold (t), income (fen)."""

    project: Project
    issued: int
    sold: int
    income_fen: int


def summarise(figures: Iterable[ProjectFigures]) -> dict[str, Any]:
    """Totals, and issued credits, sales and income by scheme, area tag and city.

    A project with several tags counts in each of its tags, but once in the ``tagged_*``
    totals (so the tag figures may add up to more than the tagged totals).
    """
    issued = sold = income = tagged = tagged_sold = tagged_income = 0
    by_scheme: dict[str, int] = {}
    by_tag = dict.fromkeys(AREA_TAGS, 0)
    sold_by_tag = dict.fromkeys(AREA_TAGS, 0)
    income_by_tag = dict.fromkeys(AREA_TAGS, 0)
    by_city: dict[str, int] = {}
    sold_by_city: dict[str, int] = {}
    income_by_city: dict[str, int] = {}
    for f in figures:
        p = f.project
        issued += f.issued
        sold += f.sold
        income += f.income_fen
        by_scheme[p.scheme] = by_scheme.get(p.scheme, 0) + f.issued
        by_city[p.city] = by_city.get(p.city, 0) + f.issued
        sold_by_city[p.city] = sold_by_city.get(p.city, 0) + f.sold
        income_by_city[p.city] = income_by_city.get(p.city, 0) + f.income_fen
        for tag in p.tags:
            by_tag[tag] += f.issued
            sold_by_tag[tag] += f.sold
            income_by_tag[tag] += f.income_fen
        if p.tags:
            tagged += f.issued
            tagged_sold += f.sold
            tagged_income += f.income_fen
    return {
        "issued": issued,
        "sold": sold,
        "income_fen": income,
        "by_scheme": dict(sorted(by_scheme.items())),
        "by_tag": by_tag,
        "by_city": dict(sorted(by_city.items())),
        "tagged_total": tagged,
        "sold_by_tag": sold_by_tag,
        "income_by_tag": income_by_tag,
        "sold_by_city": dict(sorted(sold_by_city.items())),
        "income_by_city": dict(sorted(income_by_city.items())),
        "tagged_sold": tagged_sold,
        "tagged_income_fen": tagged_income,
    }
