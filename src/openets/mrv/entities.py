"""Covered entities, their facilities and the facilities' monitoring plans.

A covered entity (控排企业) is a company in a covered sector; it owns facilities, and each
facility's monitoring plan lists its source streams and how each is measured. The entity's
compliance account in the registry has the entity's id, and its owner is the entity's name:
an entity user (role ``entity``) whose ``owner`` is that name acts for the entity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from openets.errors import InvalidInput
from openets.mrv.model import SourceKind

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
_ITEM = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
MAX_NAME = 200
MAX_METHOD = 200


class Sector(StrEnum):
    """Covered sectors (DESIGN.md, "Coverage and calendar")."""

    POWER = "power"
    STEEL = "steel"
    PETROCHEMICALS = "petrochemicals"
    CEMENT = "cement"
    PAPER = "paper"
    AVIATION = "aviation"  # civil aviation
    CERAMICS = "ceramics"
    PORTS = "ports"  # ports and transport
    DATACENTRES = "datacentres"


class Jurisdiction(StrEnum):
    """Which market an entity reports to."""

    GUANGDONG = "guangdong"
    SHENZHEN = "shenzhen"
    NATIONAL = "national"


DEFAULT_JURISDICTION = Jurisdiction.GUANGDONG

#: Usual ways of measuring a source stream; a plan may name another (free text).
MEASUREMENT_METHODS = (
    "metered",
    "invoice",
    "weighbridge",
    "inventory change",
    "lab-analysed NCV",
    "lab-analysed carbon content",
    "default factors",
    "CEMS",
)


def check_id(what: str, value: str) -> str:
    """Return ``value`` if it is a well-formed id: 1-64 letters, digits or ``. _ : -``."""
    if not _ID.match(value):
        raise InvalidInput(f"{what} id {value!r} is malformed: use 1-64 letters, digits or . _ : -")
    return value


def check_name(what: str, value: str, limit: int = MAX_NAME) -> str:
    """Return the stripped name if it is not empty and at most ``limit`` characters."""
    text = value.strip()
    if not text:
        raise InvalidInput(f"{what} must not be empty")
    if len(text) > limit:
        raise InvalidInput(f"{what} has at most {limit} characters")
    return text


def _unknown(what: str, text: str, kinds: type[StrEnum]) -> InvalidInput:
    options = ", ".join(k.value for k in kinds)
    return InvalidInput(f"unknown {what} {text!r}: expected one of {options}")


def parse_sector(text: str) -> Sector:
    try:
        return Sector(text.strip().lower())
    except ValueError:
        raise _unknown("sector", text, Sector) from None


def parse_jurisdiction(text: str) -> Jurisdiction:
    try:
        return Jurisdiction(text.strip().lower())
    except ValueError:
        raise _unknown("jurisdiction", text, Jurisdiction) from None


def parse_source(text: str) -> SourceKind:
    try:
        return SourceKind(text.strip().lower())
    except ValueError:
        raise _unknown("source", text, SourceKind) from None


def check_item(value: str) -> str:
    """A fuel or process code (``raw_coal``, ``grid``, ``clinker``): lower case, digits, ``_``."""
    text = value.strip()
    if not _ITEM.match(text):
        raise InvalidInput(
            f"item {value!r} is malformed: use a lower-case code such as raw_coal or grid"
        )
    return text


@dataclass(frozen=True, slots=True)
class Entity:
    """A covered entity; its registry compliance account has the same id."""

    id: str
    name: str
    sector: Sector
    jurisdiction: Jurisdiction
    created_at: str


@dataclass(frozen=True, slots=True)
class Facility:
    """A site of an entity (a plant, a kiln line, a data centre)."""

    id: str
    entity_id: str
    name: str
    city: str
    created_at: str


@dataclass(frozen=True, slots=True)
class SourceStream:
    """One source stream of a facility's monitoring plan and how it is measured."""

    facility_id: str
    source: SourceKind
    item: str
    method: str


@dataclass(frozen=True, slots=True)
class MonitoringPlan:
    """A facility with its source streams (ordered by source, then item)."""

    facility: Facility
    streams: tuple[SourceStream, ...]
