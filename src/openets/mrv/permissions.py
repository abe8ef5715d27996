"""Who may do what in MRV: pure rules over an actor, an entity and a report.

The actor is a :class:`~openets.auth.model.User` (REST API, web) or the :data:`OPERATOR` (the
command line, run by the operator of the registry with direct database access, who may take
every step on anyone's behalf). Users act by role:

- **regulator**: adds entities, facilities and plan streams; assigns verifiers; approves; reads
  everything.
- **entity**: a user whose ``owner`` equals an entity's *name* acts for that entity (the same
  owner as the entity's registry compliance account): adds its facilities and plan streams,
  creates and submits its reports, reads them and its verified emissions. Nothing else.
- **verifier**: reads the reports assigned to it (by user name) and verifies them; reads
  entities and facilities (to check the monitoring plans).
- **member, project_owner, public**: nothing.

Every ``require_*`` returns quietly or raises :class:`~openets.errors.NotAuthorised`.
"""

from __future__ import annotations

from dataclasses import dataclass

from openets.auth.model import Role, User
from openets.errors import NotAuthorised
from openets.mrv.entities import Entity


@dataclass(frozen=True, slots=True)
class Operator:
    """The registry's operator at the command line: may take every MRV step."""

    name: str = "operator"

    @property
    def role(self) -> str:
        return "operator"


OPERATOR = Operator()

#: Who takes an MRV step: a user of the API, or the command-line operator.
Actor = User | Operator


def actor_role(actor: Actor) -> str:
    """The role recorded with a step (``operator`` for the command-line operator)."""
    return actor.role if isinstance(actor, Operator) else actor.role.value


def actor_name(actor: Actor) -> str:
    """The name recorded with a step (``operator`` for the command-line operator)."""
    return actor.name or "anonymous"


def who(actor: Actor) -> str:
    """The actor in words, for refusals."""
    if isinstance(actor, Operator):
        return "the operator"
    if actor.is_anonymous:
        return "an anonymous caller"
    return f"user {actor.name!r} ({actor.role})"


def acts_for(actor: Actor, entity: Entity) -> bool:
    """Whether the actor is an entity user of this entity (its owner is the entity's name)."""
    return acts_for_name(actor, entity.name)


def acts_for_name(actor: Actor, name: str) -> bool:
    """Whether the actor is an entity user of the entity called ``name``."""
    return (
        isinstance(actor, User)
        and actor.role is Role.ENTITY
        and actor.owner is not None
        and actor.owner == name
    )


def _is(actor: Actor, *roles: Role) -> bool:
    return isinstance(actor, Operator) or actor.role in roles


def is_regulator(actor: Actor) -> bool:
    """The regulator, or the command-line operator (who may take every step)."""
    return _is(actor, Role.REGULATOR)


def require_regulator(actor: Actor, action: str) -> None:
    """Refuse unless the actor is the regulator (or the operator)."""
    if not is_regulator(actor):
        raise NotAuthorised(f"{who(actor)} may not {action}: only a regulator may")


# --- entities and facilities ----------------------------------------------------------------


def require_add_entity(actor: Actor) -> None:
    if not _is(actor, Role.REGULATOR):
        raise NotAuthorised(f"{who(actor)} may not add covered entities: only a regulator may")


def can_read_entity(actor: Actor, entity: Entity) -> bool:
    return _is(actor, Role.REGULATOR, Role.VERIFIER) or acts_for(actor, entity)


def require_read_entity(actor: Actor, entity: Entity) -> None:
    if not can_read_entity(actor, entity):
        raise NotAuthorised(f"{who(actor)} may not read entity {entity.id!r}")


def entity_scope(actor: Actor) -> str | None:
    """The entity name a listing is limited to; ``None`` means every entity."""
    if _is(actor, Role.REGULATOR, Role.VERIFIER):
        return None
    if isinstance(actor, User) and actor.role is Role.ENTITY and actor.owner:
        return actor.owner
    raise NotAuthorised(f"{who(actor)} may not list covered entities")


def require_edit_facilities(actor: Actor, entity: Entity) -> None:
    """Facilities and monitoring plans: the regulator, or the entity itself."""
    if not (_is(actor, Role.REGULATOR) or acts_for(actor, entity)):
        raise NotAuthorised(f"{who(actor)} may not change the facilities of {entity.id!r}")


# --- reports --------------------------------------------------------------------------------


def can_read_report(actor: Actor, entity: Entity, verifier: str | None) -> bool:
    """Regulator: all; entity: its own; verifier: those assigned to it."""
    if _is(actor, Role.REGULATOR) or acts_for(actor, entity):
        return True
    return (
        isinstance(actor, User)
        and actor.role is Role.VERIFIER
        and verifier is not None
        and verifier == actor.name
    )


def require_read_report(actor: Actor, report_id: str, entity: Entity, verifier: str | None) -> None:
    if not can_read_report(actor, entity, verifier):
        raise NotAuthorised(f"{who(actor)} may not read report {report_id}")


@dataclass(frozen=True, slots=True)
class ReportScope:
    """Which reports a listing may show: all (both ``None``), an entity name's, or a
    verifier's assigned ones."""

    entity_name: str | None = None
    verifier: str | None = None


def report_scope(actor: Actor) -> ReportScope:
    if _is(actor, Role.REGULATOR):
        return ReportScope()
    if isinstance(actor, User) and actor.role is Role.ENTITY and actor.owner:
        return ReportScope(entity_name=actor.owner)
    if isinstance(actor, User) and actor.role is Role.VERIFIER:
        return ReportScope(verifier=actor.name)
    raise NotAuthorised(f"{who(actor)} may not list emission reports")


def require_create_report(actor: Actor, entity: Entity) -> None:
    """An entity creates (and submits) its own reports only."""
    if not (isinstance(actor, Operator) or acts_for(actor, entity)):
        raise NotAuthorised(
            f"{who(actor)} may not create or submit reports of {entity.id!r}: "
            "only the entity itself may"
        )


require_submit_report = require_create_report


def require_assign_verifier(actor: Actor) -> None:
    if not _is(actor, Role.REGULATOR):
        raise NotAuthorised(f"{who(actor)} may not assign verifiers: only a regulator may")


def require_verify_report(actor: Actor, report_id: str, verifier: str | None) -> None:
    """A verifier verifies the reports assigned to it."""
    if isinstance(actor, Operator):
        return
    if actor.role is not Role.VERIFIER:
        raise NotAuthorised(f"{who(actor)} may not verify reports: only a verifier may")
    if verifier != actor.name:
        assigned = f"it is assigned to {verifier!r}" if verifier else "no verifier is assigned"
        raise NotAuthorised(f"{who(actor)} may not verify report {report_id}: {assigned}")


def require_approve_report(actor: Actor) -> None:
    if not _is(actor, Role.REGULATOR):
        raise NotAuthorised(f"{who(actor)} may not approve reports: only a regulator may")


def require_read_emissions(actor: Actor, entity: Entity) -> None:
    """Verified emissions: the regulator, and the entity itself."""
    if not (_is(actor, Role.REGULATOR) or acts_for(actor, entity)):
        raise NotAuthorised(f"{who(actor)} may not read the verified emissions of {entity.id!r}")
