"""Who may do what with question banks, knowledge tests, sittings and results (loaded by ``AssessmentsConfig.ready``).

Reading follows the one visibility rule (``access.visible`` with the models' ``access_*`` hooks): a bank serves
its organization's whole subtree; a person reads their own sitting, the staff and leaders of their group read
their people's, the setter's staff read every sitting of their test, and upper levels read figures only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assessments.models import QuestionKind
from studygroup import access
from studygroup.access import Scope, rule

if TYPE_CHECKING:
    from assessments.models import KnowledgeTest, QuestionBank, Sitting, TestQuestion


@rule("assessments.bank_use")
def _bank_use(scope: Scope, bank: QuestionBank) -> bool:
    """Staff use the banks of their own organization and of the organizations above it in their tests."""
    return any(g.role == access.STAFF and g.path.startswith(bank.organization.path) for g in scope.grants)


@rule("assessments.questions_open")
def _questions_open(scope: Scope, bank: QuestionBank) -> bool:
    """Readers whose grants reach a bank's organization open its questions; staff below list them only."""
    return scope.reaches(bank.organization.path)


@rule("assessments.answers_read")
def _answers_read(scope: Scope, bank: QuestionBank) -> bool:
    """Only the staff of a bank's own organization read its answers and explanations (page, export, test preview).

    Lower levels use an upper level's bank (its stems, options, types, tags and difficulty build their tests), but
    their staff may sit the upper level's tests drawn from it, so its answer key stays with the organization that
    owns it. A person still reads the answers and explanations of their own paper once the window has closed, and
    a test's markers those of its short answers on its marking page (``assessments.marking_key``).
    """
    return scope.holds_at(access.STAFF, bank.organization_id)


@rule("assessments.test_set")
def _test_set(scope: Scope, obj) -> bool:
    """Staff of an organization set knowledge tests (page gate: any staff grant; a test: its organization's staff)."""
    if obj is None:
        return bool(scope.paths([access.STAFF]))
    return scope.holds_at(access.STAFF, obj.pk)


@rule("assessments.test_manage")
def _test_manage(scope: Scope, test: KnowledgeTest) -> bool:
    """The staff of the organization that set a test change it, call people to it, enter paper results and publish."""
    return scope.holds_at(access.STAFF, test.organization_id)


@rule("assessments.draw_on_visit", superuser=False)
def _draw_on_visit(scope: Scope, test: KnowledgeTest) -> bool:
    """The observer of the visit a test is attached to draws members of the visited group on the spot."""
    return test.visit_id is not None and scope.person_id is not None and test.visit.observer_id == scope.person_id


@rule("assessments.mark")
def _mark(scope: Scope, test: KnowledgeTest) -> bool:
    """The setter's staff and the markers the test names mark short answers."""
    if scope.holds_at(access.STAFF, test.organization_id):
        return True
    return scope.person_id is not None and test.markers.filter(pk=scope.person_id).exists()


@rule("assessments.marking_key")
def _marking_key(scope: Scope, question: TestQuestion) -> bool:
    """Whoever marks a test reads, on its marking page, the reference answer and explanation of its short answers.

    The key is handed on by its owner: the setter's markers read those of the setter's own banks (the setter's staff
    name them); a question of another organization's bank keeps its key with that bank's staff
    (``assessments.answers_read``), so a lower level cannot read an upper level's key by setting a test from it.
    """
    version = question.version
    if version.kind != QuestionKind.SHORT:
        return False
    bank = version.question.bank
    if _answers_read(scope, bank):
        return True
    return bank.organization_id == question.test.organization_id and _mark(scope, question.test)


@rule("assessments.sit", superuser=False)
def _sit(scope: Scope, sitting: Sitting) -> bool:
    """Only the person called to a test opens their sitting, answers and hands it in; nobody else, not even staff."""
    return scope.person_id is not None and sitting.person_id == scope.person_id


@rule("assessments.figures")
def _figures(scope: Scope, test: KnowledgeTest) -> bool:
    """Readers whose grants reach the setter see a test's figures per organization and its item analysis."""
    return scope.reaches(test.organization.path)


@rule("assessments.group_results")
def _group_results(scope: Scope, test: KnowledgeTest) -> bool:
    """Staff and leaders of a group whose people sat a test see those people's results (never other groups')."""
    if scope.leader_group_ids:
        return True
    return any(g.role in (access.STAFF, access.LEADER) for g in scope.grants)
