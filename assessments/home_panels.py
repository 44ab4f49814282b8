"""Navigation entries and to-dos of the assessments app: a test to sit, answers to mark, results to publish, a
draw to make on an observer visit."""

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from assessments.models import Answer, KnowledgeTest, Sitting, SittingDraw
from studygroup import access
from studygroup.home_panels import EVERYONE, TodoItem, todo_source
from studygroup.navigation import nav_item

TESTS = _("Knowledge tests")

nav_item(
    label=_("Knowledge tests"),
    url_name="assessments:test-list",
    icon="ui-checks",
    roles=EVERYONE,
    order=59,
    menu=TESTS,
)
nav_item(
    label=_("Question banks"),
    url_name="assessments:bank-list",
    icon="collection",
    roles={access.STAFF},
    order=60,
    menu=TESTS,
)


@todo_source(roles={access.MEMBER}, order=40)
def tests_to_sit(user, scope) -> list[TodoItem]:
    """Tests open now that the person has not handed in (one query)."""
    now = timezone.now()
    sittings = (
        Sitting.objects.filter(
            person__user=user,
            submitted_at__isnull=True,
            test__status=KnowledgeTest.Status.PUBLISHED,
            test__delivery=KnowledgeTest.Delivery.ONLINE,
            test__opens_at__lte=now,
            test__closes_at__gt=now,
        )
        .filter(Q(deadline__isnull=True) | Q(deadline__gt=now))
        .select_related("test")
    )
    return [
        TodoItem(
            _("Sit the knowledge test “%(title)s” by %(time)s.")
            % {"title": s.test.title, "time": f"{timezone.localtime(s.deadline or s.test.closes_at):%m-%d %H:%M}"},
            s.get_absolute_url(),
            is_urgent=True,
        )
        for s in sittings
    ]


def _marked_by_q(scope) -> Q:
    condition = Q(test__organization_id__in=scope.organization_ids([access.STAFF]))
    if scope.person_id is not None:
        condition |= Q(test__markers=scope.person_id)
    return condition


# Markers are the office's staff or people the setter names (members, leaders, observers); viewers and inspectors
# have no to-do list.
@todo_source(roles={access.STAFF, access.LEADER, access.MEMBER, access.OBSERVER}, order=41)
def answers_to_mark(user, scope) -> list[TodoItem]:
    """Short answers handed in and not marked, per test the user marks (one query)."""
    if not scope.organization_ids([access.STAFF]) and scope.person_id is None:
        return []
    waiting = Answer.objects.filter(points__isnull=True, sitting__submitted_at__isnull=False).filter(
        sitting__in=Sitting.objects.filter(_marked_by_q(scope))
    )
    rows = (
        waiting.values("sitting__test_id", "sitting__test__title").annotate(n=Count("pk")).order_by("sitting__test_id")
    )
    return [
        TodoItem(
            ngettext(
                "“%(title)s”: %(count)d short answer to mark.",
                "“%(title)s”: %(count)d short answers to mark.",
                row["n"],
            )
            % {"title": row["sitting__test__title"], "count": row["n"]},
            reverse("assessments:marking", args=[row["sitting__test_id"]]),
        )
        for row in rows
    ]


@todo_source(roles={access.STAFF}, order=42)
def results_to_publish(user, scope) -> list[TodoItem]:
    """Tests of the user's organizations closed, fully marked and scored, whose results are not out (one query)."""
    now = timezone.now()
    unmarked = Answer.objects.filter(
        sitting__test=OuterRef("pk"), sitting__submitted_at__isnull=False, points__isnull=True
    )
    scored = Sitting.objects.filter(test=OuterRef("pk"), score__isnull=False)
    tests = (
        KnowledgeTest.objects.filter(
            organization_id__in=scope.organization_ids([access.STAFF]), status=KnowledgeTest.Status.PUBLISHED
        )
        .filter(Q(closes_at__lte=now) | Q(delivery=KnowledgeTest.Delivery.PAPER))
        .filter(Exists(scored))
        .exclude(Exists(unmarked))
    )
    return [
        TodoItem(_("“%(title)s” is marked: publish its results.") % {"title": t.title}, t.get_absolute_url())
        for t in tests
    ]


@todo_source(roles={access.OBSERVER}, order=43)
def draws_on_visits(user, scope) -> list[TodoItem]:
    """Tests attached to the observer's visits of today with no draw made on the spot yet (one query)."""
    if scope.person_id is None:
        return []
    today = timezone.localdate()
    drawn = SittingDraw.objects.filter(test=OuterRef("pk"), visit__isnull=False)
    tests = (
        KnowledgeTest.objects.filter(
            visit__observer_id=scope.person_id,
            status=KnowledgeTest.Status.PUBLISHED,
            visit__session__starts_at__date=today,
        )
        .exclude(Exists(drawn))
        .select_related("visit__session__group__organization")
    )
    return [
        TodoItem(
            _("At %(organization)s today, draw members to sit “%(title)s”.")
            % {"organization": t.visit.session.group.organization.name, "title": t.title},
            t.get_absolute_url(),
        )
        for t in tests
    ]
