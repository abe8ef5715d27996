"""Who may do what with offset projects: pure rules over an actor and a project.

The actor is a :class:`~openets.auth.model.User` (REST API, web) or the command-line
:data:`~openets.mrv.permissions.OPERATOR`, who may take every step. Users act by role:

- **regulator**: registers, validates, activates and closes projects; approves monitoring
  reports; issues credits; records sales; reads everything.
- **project_owner**: a user whose ``owner`` equals the owner of a project's registry account
  submits that project's monitoring reports and records its sales.
- **verifier**: verifies monitoring reports (and reads them).
- **anyone** (the public, without login): reads projects, statistics, credit origins and
  retirement certificates.

Retirement for carbon neutrality: the owner of the account retiring (any owner role), or the
operator. Every ``require_*`` returns quietly or raises :class:`~openets.errors.NotAuthorised`.
"""

from __future__ import annotations

from openets.auth.model import OWNER_ROLES, Role, User
from openets.errors import NotAuthorised
from openets.mrv.permissions import OPERATOR, Actor, Operator, actor_role, who
from openets.offsets.projects import Project

__all__ = [
    "OPERATOR",
    "Actor",
    "actor_role",
    "acts_for",
    "require_approve_report",
    "require_issue",
    "require_manage_projects",
    "require_read_report",
    "require_record_sale",
    "require_retire",
    "require_submit_report",
    "require_verify_report",
]


def _is(actor: Actor, *roles: Role) -> bool:
    return isinstance(actor, Operator) or actor.role in roles


def acts_for(actor: Actor, project: Project) -> bool:
    """Whether the actor is a project-owner user of this project's account owner."""
    return (
        isinstance(actor, User)
        and actor.role is Role.PROJECT_OWNER
        and actor.owner is not None
        and actor.owner == project.owner
    )


def require_manage_projects(actor: Actor) -> None:
    """Register, validate, activate and close projects: the regulator."""
    if not _is(actor, Role.REGULATOR):
        raise NotAuthorised(f"{who(actor)} may not register or move projects: only a regulator may")


def require_issue(actor: Actor) -> None:
    if not _is(actor, Role.REGULATOR):
        raise NotAuthorised(f"{who(actor)} may not issue credits: only a regulator may")


def require_submit_report(actor: Actor, project: Project) -> None:
    if not (isinstance(actor, Operator) or acts_for(actor, project)):
        raise NotAuthorised(
            f"{who(actor)} may not submit monitoring reports of project {project.id}: "
            "only its owner may"
        )


def require_read_report(actor: Actor, project: Project) -> None:
    if not (_is(actor, Role.REGULATOR, Role.VERIFIER) or acts_for(actor, project)):
        raise NotAuthorised(f"{who(actor)} may not read monitoring reports of {project.id}")


def require_verify_report(actor: Actor) -> None:
    if not _is(actor, Role.VERIFIER):
        raise NotAuthorised(f"{who(actor)} may not verify monitoring reports: only a verifier may")


def require_approve_report(actor: Actor) -> None:
    if not _is(actor, Role.REGULATOR):
        raise NotAuthorised(
            f"{who(actor)} may not approve monitoring reports: only a regulator may"
        )


def require_record_sale(actor: Actor, project: Project) -> None:
    if not (_is(actor, Role.REGULATOR) or acts_for(actor, project)):
        raise NotAuthorised(
            f"{who(actor)} may not record sales of project {project.id}: "
            "only its owner or a regulator may"
        )


def require_retire(actor: Actor, account_id: str, account_owner: str) -> None:
    """Retire for neutrality from an account: its owner's users (or the operator)."""
    if isinstance(actor, Operator):
        return
    if actor.role in OWNER_ROLES and actor.owner is not None and actor.owner == account_owner:
        return
    raise NotAuthorised(f"{who(actor)} may not retire units of account {account_id!r}")
