"""Who sits a test: everyone of chosen groups, or a random draw (随机抽考) of a number or a share of them,
optionally by role; on an observer visit, members of the visited group drawn on the spot. Those called are
notified with the window."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import draw as drawing
from assessments.models import KnowledgeTest, Sitting, SittingDraw
from assessments.services.common import lock
from studygroup import access, audit, formats, notifications
from studygroup.models import AuditEntry, Membership, Person, StudyGroup, User

# The code of the refusal of a second request for what is already done (a double click).
ALREADY_DONE = "already_done"


def draw_inputs(
    *, test: KnowledgeTest, groups: list[StudyGroup], mode: str, amount: int | None, roles: list[str]
) -> dict:
    """The plain data the draw runs on: the seated members of ``groups`` (of ``roles``) not yet called."""
    today = timezone.localdate()
    seats = Membership.objects.filter(group__in=groups, start_on__lte=today).exclude(end_on__lt=today)
    if roles:
        seats = seats.filter(role__in=roles)
    called = Sitting.objects.filter(test=test).values("person_id")
    rows = seats.exclude(person_id__in=called).values_list("person_id", "group_id")
    return {"candidates": drawing.candidates(rows), "mode": mode, "amount": amount, "roles": sorted(roles)}


def window_text(test: KnowledgeTest) -> str:
    """When the test is sat, as the notice says it."""
    if test.delivery == KnowledgeTest.Delivery.PAPER or test.opens_at is None:
        return _("The test is sat on paper on %(date)s.") % {"date": formats.date_zh(test.held_on)}
    text = _("Open from %(opens)s to %(closes)s.") % {
        "opens": formats.datetime_zh(test.opens_at),
        "closes": formats.datetime_zh(test.closes_at),
    }
    if test.time_limit:
        text += _("Once started, it must be handed in within %(minutes)d minutes.") % {"minutes": test.time_limit}
    return text


def _check_groups(test: KnowledgeTest, groups: list[StudyGroup], on_visit: bool) -> None:
    if not groups:
        raise ValidationError({"groups": _("Choose at least one study group.")})
    if on_visit:
        if [g.pk for g in groups] != [test.visit.session.group_id]:  # type: ignore[union-attr]
            raise ValidationError({"groups": _("On a visit, the observer draws members of the visited group only.")})
        return
    if any(not g.organization.path.startswith(test.organization.path) for g in groups):
        raise ValidationError({"groups": _("Choose groups of the organizations the test's organization reaches.")})


@transaction.atomic
def sitting_draw(
    *,
    test: KnowledgeTest,
    groups: list[StudyGroup],
    mode: str,
    by: User,
    amount: int | None = None,
    roles: Sequence[str] = (),
    seed: str = "",
    request_key: uuid.UUID | None = None,
) -> SittingDraw:
    """Call people to sit ``test`` and notify them; a form's ``request_key`` draws once."""
    on_visit = not access.can(by, "assessments.test_manage", test)
    if on_visit:
        access.require(by, "assessments.draw_on_visit", test)
    test = lock(KnowledgeTest, test.pk)
    if test.status != KnowledgeTest.Status.PUBLISHED:
        raise ValidationError(_("People are called to a published test whose results are not out yet."))
    if request_key is not None and SittingDraw.objects.filter(request_key=request_key).exists():
        raise ValidationError(_("This draw has already been made."), code=ALREADY_DONE)
    _check_request(test, groups, mode, amount, on_visit)
    inputs = draw_inputs(test=test, groups=groups, mode=mode, amount=amount, roles=list(roles))
    if not inputs["candidates"]:
        raise ValidationError(
            _("Nobody of these groups is left to call: all have been called already or none is seated.")
        )
    seed = seed or secrets.token_hex(8)
    result = drawing.run(seed, inputs)
    record = SittingDraw.objects.create(
        test=test,
        mode=mode,
        amount=amount if mode != SittingDraw.Mode.ALL else None,
        seed=seed,
        inputs=inputs,
        result=result,
        visit=test.visit if on_visit else None,
        by=by,
        request_key=request_key,
    )
    audit.record(AuditEntry.Action.CREATE, record, by=by)
    _call(test, record, by)
    _notify(test, [person_id for person_id, _group in result])
    return record


def _check_request(test: KnowledgeTest, groups: list[StudyGroup], mode: str, amount: int | None, on_visit: bool):
    if test.delivery == KnowledgeTest.Delivery.ONLINE and test.has_closed():
        raise ValidationError(_("The test has closed: nobody can sit it any more."))
    _check_groups(test, groups, on_visit)
    if mode != SittingDraw.Mode.ALL and not amount:
        raise ValidationError({"amount": _("Say how many people to draw.")})
    if mode == SittingDraw.Mode.PERCENT and amount > 100:  # type: ignore[operator]
        raise ValidationError({"amount": _("A share is at most 100%.")})


def _call(test: KnowledgeTest, record: SittingDraw, by: User) -> list[Sitting]:
    """A sitting for each person the draw took, each logged under the test's organization."""
    mode_of_sitting = Sitting.Mode.PAPER if test.delivery == KnowledgeTest.Delivery.PAPER else Sitting.Mode.ONLINE
    sittings = Sitting.objects.bulk_create(
        [
            Sitting(
                test=test,
                person_id=person_id,
                group_id=group_id,
                draw=record,
                seed=f"{test.seed}:{person_id}",
                mode=mode_of_sitting,
            )
            for person_id, group_id in record.result
        ],
        batch_size=1000,
    )
    path = test.organization.path
    names = dict(Person.objects.filter(pk__in=[s.person_id for s in sittings]).values_list("pk", "name"))
    audit.write_many(
        action=AuditEntry.Action.CREATE,
        instances=sittings,
        user=by,
        organization_path_for=lambda _s: path,
        repr_for=lambda s: f"{names[s.person_id]} · {test.title}",
    )
    return sittings


def _notify(test: KnowledgeTest, person_ids: list[int]) -> None:
    users = User.objects.filter(person__pk__in=person_ids, is_active=True)
    notifications.send(
        to=users,
        verb="test_called",
        title=_("You are called to sit the knowledge test “%(title)s”") % {"title": test.title},
        body=window_text(test),
        url=test.get_absolute_url(),
    )


def draw_matches(record: SittingDraw) -> bool:
    """Whether running the draw again from its stored seed and candidates gives the stored result."""
    return drawing.run(record.seed, record.inputs) == record.result
