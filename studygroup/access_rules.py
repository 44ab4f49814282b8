"""Who may do what with people, seats and logins (loaded by ``StudyGroupConfig.ready``).

The generic rules every app uses (``view``, ``change``, ``approve``, ...) are
in ``studygroup/access.py``; these are the core's rules about people.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from studygroup import access
from studygroup.access import Scope, rule

if TYPE_CHECKING:
    from studygroup.models import Person


def _is_self(scope: Scope, person: Person) -> bool:
    return (scope.user_id is not None and person.user_id == scope.user_id) or person.pk == scope.person_id


@rule("studygroup.seat_or_grant_to")
def _seat_or_grant_to(scope: Scope, person: Person) -> bool:
    """Seats and roles are given, changed and withdrawn by someone other than the person who holds them."""
    return not _is_self(scope, person)


def _reach_of(person: Person) -> list[str]:
    """Paths of every organization the person's login opens: their own, their grants' and their seats'."""
    from studygroup.models import Membership, RoleGrant

    paths = [person.organization.path]
    paths += RoleGrant.objects.filter(person=person).values_list("organization__path", flat=True)
    paths += Membership.objects.filter(person=person, end_on__isnull=True).values_list(
        "group__organization__path", flat=True
    )
    return paths


@rule("studygroup.account_manage")
def _account_manage(scope: Scope, person: Person) -> bool:
    """Staff give or reset a login only when everything it opens lies within their staff reach, and it is not theirs."""
    user = person.user
    if _is_self(scope, person) or (user is not None and (user.is_superuser or user.is_staff)):
        return False
    return all(scope.reaches(path, roles=[access.STAFF]) for path in _reach_of(person))


@rule("studygroup.audit_log")
def _audit_log(scope: Scope, obj: None = None) -> bool:
    """Open the audit log: staff of some organization, who read the entries of their subtree (superusers: all)."""
    return bool(scope.paths([access.STAFF]))
