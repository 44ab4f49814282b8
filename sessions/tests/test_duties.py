"""Separation of duties in 两审一把关: the author never reviews, the second reviewer never approves."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sessions import selectors, services
from sessions.models import ReviewStep, Submission
from studygroup import access
from studygroup.tests.factories import OrganizationFactory, RoleGrantFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    group = StudyGroupFactory(organization=OrganizationFactory())
    people = {
        "staff": user_with_role("staff", group.organization),
        "author": user_with_role("member", group.organization),
        "reviewer": user_with_role("member", group.organization),
        "leader": user_with_role("member", group.organization),
    }
    for user in people.values():
        user.person.memberships.update(group=group)
    people["leader"].person.memberships.update(role="leader")
    group.second_reviewer = people["reviewer"].person
    group.save()
    people["group"] = group
    return people


def _submitted(cast, author, kind="discussion") -> Submission:
    submission = services.submission_save(by=author, group=cast["group"], kind=kind, title="研讨材料", text="正文")
    return services.submission_submit(submission=submission, by=author)


def _assert_unchanged(submission, status, steps):
    submission.refresh_from_db()
    assert submission.status == status
    assert list(submission.steps.values_list("action", flat=True)) == steps


@pytest.mark.parametrize("kind", ["notes", "discussion"])
def test_staff_who_wrote_it_cannot_do_the_first_review(cast, kind):
    RoleGrantFactory(person=cast["author"].person, organization=cast["group"].organization, role="staff")
    submission = _submitted(cast, cast["author"], kind)
    action = "accept" if kind == "notes" else "pass"
    for step in (action, "return"):
        with pytest.raises(ValidationError, match="须由他人审核"):
            services.submission_review(submission=submission, action=step, comment="退回", by=cast["author"])
    _assert_unchanged(submission, "submitted", ["submit"])
    assert submission not in selectors.submissions_to_review(user=cast["author"])
    assert not access.can(cast["author"], "sessions.submission_review", submission)


def test_second_reviewer_cannot_review_his_own_material(cast):
    submission = _submitted(cast, cast["reviewer"])
    submission = services.submission_review(submission=submission, action="pass", by=cast["staff"])
    with pytest.raises(ValidationError):
        services.submission_review(submission=submission, action="pass", by=cast["reviewer"])
    _assert_unchanged(submission, "first_review", ["submit", "pass_first"])


def test_leader_cannot_approve_his_own_material(cast):
    cast["group"].second_reviewer = cast["reviewer"].person
    submission = _submitted(cast, cast["leader"])
    submission = services.submission_review(submission=submission, action="pass", by=cast["staff"])
    submission = services.submission_review(submission=submission, action="pass", by=cast["reviewer"])
    with pytest.raises(ValidationError):
        services.submission_review(submission=submission, action="approve", by=cast["leader"])
    _assert_unchanged(submission, "second_review", ["submit", "pass_first", "pass_second"])


def test_the_second_reviewer_who_is_also_leader_cannot_approve(cast, client):
    group = cast["group"]
    group.second_reviewer = cast["leader"].person
    group.save()
    submission = _submitted(cast, cast["author"])
    submission = services.submission_review(submission=submission, action="pass", by=cast["staff"])
    submission = services.submission_review(submission=submission, action="pass", by=cast["leader"])
    with pytest.raises(ValidationError, match="最终审定须由他人进行"):
        services.submission_review(submission=submission, action="approve", by=cast["leader"])
    _assert_unchanged(submission, "second_review", ["submit", "pass_first", "pass_second"])
    assert submission not in selectors.submissions_to_review(user=cast["leader"])
    client.force_login(cast["leader"])
    response = client.post(reverse("sessions:submission-review", args=[submission.pk]), {"action": "approve"})
    assert response.status_code == 302
    _assert_unchanged(submission, "second_review", ["submit", "pass_first", "pass_second"])
    # Another leader of the group approves.
    other_leader = user_with_role("member", group.organization)
    other_leader.person.memberships.update(group=group, role="leader")
    services.submission_review(submission=submission, action="approve", by=other_leader)
    submission.refresh_from_db()
    assert submission.status == "approved"
    assert submission.steps.get(action=ReviewStep.Action.APPROVE).by == other_leader
