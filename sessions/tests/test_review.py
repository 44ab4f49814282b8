"""两审一把关: office first review → second reviewer → leader's approval; returns with comments."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sessions import services
from sessions.models import ReviewStep, Submission
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    group = StudyGroupFactory(organization=OrganizationFactory())
    people = {
        "staff": user_with_role("staff", group.organization),
        "author": user_with_role("member", group.organization),
        "reviewer": user_with_role("member", group.organization),
        "leader": user_with_role("member", group.organization),
        "other": user_with_role("member", group.organization),
    }
    people["leader"].person.memberships.update(role="leader")
    group.second_reviewer = people["reviewer"].person
    group.save()
    people["group"] = group
    return people


def discussion(cast) -> Submission:
    submission = services.submission_save(
        by=cast["author"], group=cast["group"], kind="discussion", title="研讨材料", text="关于推进基层治理的思考"
    )
    return services.submission_submit(submission=submission, by=cast["author"])


def test_full_path_keeps_every_step(cast):
    submission = discussion(cast)
    submission = services.submission_review(submission=submission, action="pass", comment="观点明确", by=cast["staff"])
    assert submission.status == "first_review"
    submission = services.submission_review(submission=submission, action="pass", by=cast["reviewer"])
    assert submission.status == "second_review"
    submission = services.submission_review(submission=submission, action="approve", comment="同意", by=cast["leader"])
    assert submission.status == "approved"
    steps = list(submission.steps.values_list("action", "by", "comment"))
    assert steps == [
        ("submit", cast["author"].pk, ""),
        ("pass_first", cast["staff"].pk, "观点明确"),
        ("pass_second", cast["reviewer"].pk, ""),
        ("approve", cast["leader"].pk, "同意"),
    ]


def test_member_cannot_approve_and_second_reviewer_cannot_act_first(cast):
    submission = discussion(cast)
    for user in (cast["reviewer"], cast["leader"], cast["other"], cast["author"]):
        with pytest.raises((PermissionDenied, ValidationError)):
            services.submission_review(submission=submission, action="pass", by=user)
    with pytest.raises(ValidationError):
        services.submission_review(submission=submission, action="approve", by=cast["leader"])
    submission = services.submission_review(submission=submission, action="pass", by=cast["staff"])
    with pytest.raises(PermissionDenied):
        services.submission_review(submission=submission, action="pass", by=cast["staff"])
    with pytest.raises(PermissionDenied):
        services.submission_review(submission=submission, action="pass", by=cast["other"])
    submission = services.submission_review(submission=submission, action="pass", by=cast["reviewer"])
    for user in (cast["staff"], cast["reviewer"], cast["other"]):
        with pytest.raises(PermissionDenied):
            services.submission_review(submission=submission, action="approve", by=user)
    assert Submission.objects.get(pk=submission.pk).status == "second_review"


@pytest.mark.parametrize("stage", [0, 1, 2])
def test_any_stage_returns_with_a_comment_and_member_resubmits(cast, stage):
    reviewers = [cast["staff"], cast["reviewer"], cast["leader"]]
    submission = discussion(cast)
    for step in range(stage):
        submission = services.submission_review(submission=submission, action="pass", by=reviewers[step])
    with pytest.raises(ValidationError):
        services.submission_review(submission=submission, action="return", comment="", by=reviewers[stage])
    submission = services.submission_review(
        submission=submission, action="return", comment="请补充具体措施", by=reviewers[stage]
    )
    assert submission.status == "returned"
    assert submission.steps.last().comment == "请补充具体措施"
    services.submission_save(
        by=cast["author"],
        group=cast["group"],
        kind="discussion",
        title="研讨材料(修改稿)",
        text="补充了措施",
        submission=submission,
    )
    submission = services.submission_submit(submission=submission, by=cast["author"])
    assert submission.status == "submitted"
    assert submission.steps.filter(action=ReviewStep.Action.SUBMIT).count() == 2


def test_author_cannot_change_under_review(cast):
    submission = discussion(cast)
    with pytest.raises(ValidationError):
        services.submission_save(
            by=cast["author"], group=cast["group"], kind="discussion", title="改", text="改", submission=submission
        )


def test_notes_need_only_staff_acceptance(cast):
    submission = services.submission_save(
        by=cast["author"], group=cast["group"], kind="notes", title="笔记", text="笔记正文"
    )
    services.submission_submit(submission=submission, by=cast["author"])
    with pytest.raises(PermissionDenied):
        services.submission_review(submission=submission, action="accept", by=cast["leader"])
    with pytest.raises(ValidationError):
        services.submission_review(submission=submission, action="pass", by=cast["staff"])
    assert services.submission_review(submission=submission, action="accept", by=cast["staff"]).status == "approved"


def test_other_members_do_not_read_a_draft_but_read_approved(client, cast):
    submission = discussion(cast)
    client.force_login(cast["other"])
    assert client.get(submission.get_absolute_url()).status_code == 404
    client.force_login(cast["reviewer"])
    assert client.get(submission.get_absolute_url()).status_code == 404
    services.submission_review(submission=submission, action="pass", by=cast["staff"])
    assert client.get(submission.get_absolute_url()).status_code == 200
    for user, action in ((cast["reviewer"], "pass"), (cast["leader"], "approve")):
        services.submission_review(submission=Submission.objects.get(pk=submission.pk), action=action, by=user)
    client.force_login(cast["other"])
    assert client.get(submission.get_absolute_url()).status_code == 200


def test_review_through_the_pages(client, cast):
    submission = discussion(cast)
    client.force_login(cast["staff"])
    queue = client.get(reverse("sessions:submission-list")).content.decode()
    assert "研讨材料" in queue
    client.post(reverse("sessions:submission-review", args=[submission.pk]), {"action": "pass", "comment": ""})
    client.force_login(cast["reviewer"])
    page = client.get(submission.get_absolute_url()).content.decode()
    assert "退回修改" in page
    client.post(reverse("sessions:submission-review", args=[submission.pk]), {"action": "return", "comment": "再精炼"})
    assert Submission.objects.get(pk=submission.pk).status == "returned"


def test_a_draft_is_the_authors_alone(client, cast):
    draft = services.submission_save(
        by=cast["author"], group=cast["group"], kind="reflection", title="草稿心得", text="还没写完"
    )
    for user in (cast["staff"], cast["leader"], cast["reviewer"]):
        client.force_login(user)
        assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(cast["author"])
    assert client.get(draft.get_absolute_url()).status_code == 200
