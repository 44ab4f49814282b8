"""The subtrees of a chunk of organizations, for reading the records of all of them at once.

A job that compiles something per organization reads each kind of record once for the whole chunk (filtered by
``organization_ids``) and hands every record to the organizations of the chunk whose subtree holds it
(``owners``): an organization's records are those of its own and of every organization below it, as
``path__startswith`` gives them one organization at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cached_property, reduce
from operator import or_
from typing import TypeVar

from django.db.models import Q

from studygroup.models import Organization

Row = TypeVar("Row")


class Subtrees:
    def __init__(self, organizations: Sequence[Organization]):
        self.organizations = list(organizations)
        self.by_path = {organization.path: organization for organization in self.organizations}
        covering: list[str] = []
        for path in sorted(self.by_path):  # an ancestor sorts before the paths below it
            if not covering or not path.startswith(covering[-1]):
                covering.append(path)
        self.covering = covering
        self._owners: dict[str, list[Organization]] = {}

    def q(self, lookup: str = "path") -> Q:
        """The filter of records whose ``lookup`` (a path) lies in one of the subtrees."""
        if not self.covering:
            return Q(pk__in=[])
        return reduce(or_, (Q(**{f"{lookup}__startswith": path}) for path in self.covering))

    @cached_property
    def organization_ids(self) -> list[int]:
        """Every organization in the subtrees (one query): filter records by ``organization__in`` with it."""
        return list(Organization.objects.filter(self.q()).order_by().values_list("pk", flat=True))

    def owners(self, path: str) -> list[Organization]:
        """The organizations of the chunk whose subtree holds the organization at ``path``."""
        owners = self._owners.get(path)
        if owners is None:
            prefixes = Organization.ancestor_paths(path, include_self=True)
            owners = self._owners[path] = [self.by_path[prefix] for prefix in prefixes if prefix in self.by_path]
        return owners

    def spread(self, rows: Iterable[Row], path_of: Callable[[Row], str]) -> dict[int, list[Row]]:
        """``rows`` by the id of each organization of the chunk that holds them, each list in the rows' order."""
        spread: dict[int, list[Row]] = {organization.pk: [] for organization in self.organizations}
        for row in rows:
            for owner in self.owners(path_of(row)):
                spread[owner.pk].append(row)
        return spread
