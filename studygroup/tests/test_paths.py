"""The arithmetic of organization paths lives on ``Organization`` and agrees with the tree it encodes."""

import pytest

from studygroup.models import Organization
from studygroup.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def chain_up(organization: Organization) -> list[Organization]:
    chain = []
    while organization.parent_id is not None:
        organization = organization.parent
        chain.append(organization)
    return list(reversed(chain))


def test_path_helpers_agree_with_the_parent_links():
    root = OrganizationFactory()
    children = [OrganizationFactory(parent=root) for _index in range(3)]
    town = OrganizationFactory(parent=OrganizationFactory(parent=children[1]))
    other = OrganizationFactory()
    for organization in [root, *children, town, other]:
        ancestors = chain_up(organization)
        assert Organization.ancestor_paths(organization.path) == [a.path for a in ancestors]
        assert Organization.ancestor_paths(organization.path, include_self=True) == [
            *(a.path for a in ancestors),
            organization.path,
        ]
        assert list(organization.ancestors().order_by("path")) == ancestors
        assert Organization.path_depth(organization.path) == organization.depth == len(ancestors) + 1
        assert len(organization.path) == Organization.path_length(organization.depth)
    assert [Organization.child_number(c.path) for c in children] == [1, 2, 3]
    assert children[2].path == root.path + Organization.path_segment(3)


def test_within_a_subtree_and_strictly_below():
    root = OrganizationFactory()
    child = OrganizationFactory(parent=root)
    neighbour = OrganizationFactory()
    assert child.is_within(root) and child.is_within(root, strictly=True)
    assert root.is_within(root) and not root.is_within(root, strictly=True)
    assert not root.is_within(child) and not child.is_within(neighbour)
    in_subtree = Organization.objects.filter(Organization.subtree_q([root.path])).order_by("path")
    assert list(in_subtree) == [root, child]
    both = Organization.objects.filter(Organization.subtree_q([child.path, neighbour.path])).order_by("path")
    assert list(both) == [child, neighbour]
