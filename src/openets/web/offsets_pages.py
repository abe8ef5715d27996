"""Web pages of offsets and carbon inclusion (碳普惠): projects, their issuances and revenue,
retirement certificates, and the scheme's statistics.

Every page is public (no login): it calls the public reads of :mod:`openets.offsets.services`,
the same the CLI and the REST API answer with. A missing project or certificate is a 404
page, a bad filter (an unknown scheme, type or tag) a 400 page.

- ``/offsets/projects``: projects by id, filtered by scheme, type, city and area tag (query
  parameters; the filter form swaps the table in with HTMX and pushes the URL);
- ``/offsets/projects/{id}``: a project, its issuances (vintage, quantity, serial range,
  provenance) and its sales (income in yuan from integer fen);
- ``/offsets/certificates/{id}``: a retirement certificate for carbon neutrality
  (``/offsets/certificates?id=…`` redirects there, for the lookup form);
- ``/offsets/stats``: credits issued and sold, income, by scheme, area tag and city, with
  bar charts by city and by area tag.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openets.errors import OpenETSError
from openets.money import yuan_grouped as yuan
from openets.offsets import services
from openets.offsets.methodologies import METHODOLOGIES, PROJECT_TYPES
from openets.offsets.projects import AREA_TAGS, SCHEMES
from openets.web.i18n import translator
from openets.web.routes import _decorate, _error, _is_htmx, _language, _openets, _render

__all__ = ["SECTION", "by_city_chart", "by_tag_chart", "city_label", "router", "yuan"]

#: The navigation entry the offsets pages highlight.
SECTION = "/offsets/projects"
#: Bar colours: credits issued, credits sold.
_COLOURS = ["#4c9a6a", "#2f6f9f"]

router = APIRouter(include_in_schema=False)


# --- formatting -----------------------------------------------------------------------------


def city_label(city: str, t: Callable[[str], str]) -> str:
    """A city's name in the page language when the labels know it, else as stored."""
    key = f"offsets.city.{city}"
    label = t(key)
    return city if label == key else label


def _helpers() -> dict[str, Any]:
    return {
        "city_label": city_label,
        "yuan": yuan,
        "quote": lambda text: quote(str(text), safe=""),
        "methodologies": METHODOLOGIES,
    }


# --- charts ---------------------------------------------------------------------------------


def _bars(
    categories: list[str], issued: list[int], sold: list[int], t: Callable[[str], str]
) -> dict[str, Any]:
    return {
        "color": _COLOURS,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 40, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": categories, "axisLabel": {"interval": 0}},
        "yAxis": {"type": "value", "name": t("offsets.unit.t")},
        "series": [
            {"name": t("offsets.col.issued"), "type": "bar", "barMaxWidth": 40, "data": issued},
            {"name": t("offsets.col.sold"), "type": "bar", "barMaxWidth": 40, "data": sold},
        ],
    }


def by_city_chart(figures: dict[str, Any], t: Callable[[str], str]) -> dict[str, Any]:
    """ECharts options: credits issued and sold by city (t), cities by credits issued."""
    cities = sorted(figures["by_city"], key=lambda c: (-figures["by_city"][c], c))
    sold = figures.get("sold_by_city", {})
    return _bars(
        [city_label(c, t) for c in cities],
        [int(figures["by_city"][c]) for c in cities],
        [int(sold.get(c, 0)) for c in cities],
        t,
    )


def by_tag_chart(figures: dict[str, Any], t: Callable[[str], str]) -> dict[str, Any]:
    """ECharts options: credits issued and sold by area tag (t); a credit of a project with
    two tags counts in both bars."""
    sold = figures.get("sold_by_tag", {})
    return _bars(
        [t(f"offsets.tag.{tag}") for tag in AREA_TAGS],
        [int(figures["by_tag"].get(tag, 0)) for tag in AREA_TAGS],
        [int(sold.get(tag, 0)) for tag in AREA_TAGS],
        t,
    )


# --- pages ----------------------------------------------------------------------------------


def _choice(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


@router.get("/offsets/projects", response_class=HTMLResponse)
def projects(
    request: Request,
    scheme: str | None = None,
    type: str | None = None,
    city: str | None = None,
    tag: str | None = None,
) -> Response:
    """Offset projects by id, filtered by scheme, project type, city and area tag."""
    application = _openets(request)
    wanted = {
        "scheme": _choice(scheme),
        "type": _choice(type),
        "city": _choice(city),
        "tag": _choice(tag),
    }
    try:
        rows = services.list_projects(
            application,
            scheme=wanted["scheme"],
            project_type=wanted["type"],
            city=wanted["city"],
            tag=wanted["tag"],
        )
        every = rows if not any(wanted.values()) else services.list_projects(application)
    except OpenETSError as error:
        return _error(request, error)
    context = {
        **_helpers(),
        "rows": rows,
        "wanted": wanted,
        "query": urlencode({k: v for k, v in wanted.items() if v}),
        "schemes": SCHEMES,
        "types": PROJECT_TYPES,
        "tags": AREA_TAGS,
        "cities": sorted({p.city for p in every}),
        "total": len(every),
    }
    if _is_htmx(request):
        return _render(request, "partials/offsets_project_rows.html", context)
    return _render(request, "offsets_projects.html", context, section=SECTION)


@router.get("/offsets/projects/{project_id}", response_class=HTMLResponse)
def project_page(request: Request, project_id: str) -> Response:
    """A project: its facts, figures, issuances with serial ranges and provenance, sales."""
    try:
        detail = services.project_detail(_openets(request), project_id)
    except OpenETSError as error:
        return _error(request, error)
    context = {**_helpers(), "detail": detail, "project": detail.project}
    return _render(request, "offsets_project.html", context, section=SECTION)


@router.get("/offsets/certificates", response_class=HTMLResponse)
def certificate_lookup(request: Request, id: str | None = None) -> Response:
    """The lookup form; with ``?id=`` it redirects to that certificate's page."""
    wanted = _choice(id)
    if wanted is not None:
        response = RedirectResponse(f"/offsets/certificates/{quote(wanted, safe='')}", 303)
        _decorate(request, response, _language(request))
        return response
    return _render(request, "offsets_certificate.html", {**_helpers(), "cert": None})


@router.get("/offsets/certificates/{certificate_id}", response_class=HTMLResponse)
def certificate_page(request: Request, certificate_id: str) -> Response:
    """A public retirement certificate: beneficiary, purpose, quantity, serials, projects."""
    try:
        found = services.certificate(_openets(request), certificate_id)
    except OpenETSError as error:
        return _error(request, error)
    projects = sorted({b.project_id for b in found.blocks if b.project_id is not None})
    context = {**_helpers(), "cert": found, "projects": projects}
    return _render(request, "offsets_certificate.html", context)


@router.get("/offsets/stats", response_class=HTMLResponse)
def stats_page(request: Request) -> Response:
    """Credits issued and sold, income, by scheme, area tag and city, with two charts."""
    try:
        figures = services.stats(_openets(request))
    except OpenETSError as error:
        return _error(request, error)
    t = translator(_language(request))
    context = {
        **_helpers(),
        "figures": figures,
        "tags": AREA_TAGS,
        "cities": list(figures["by_city"]),
        "city_chart": by_city_chart(figures, t) if figures["issued"] else None,
        "tag_chart": by_tag_chart(figures, t) if figures["tagged_total"] else None,
    }
    return _render(request, "offsets_stats.html", context, section="/offsets/stats")
