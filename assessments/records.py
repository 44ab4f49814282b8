"""Knowledge tests in what reports show, registered into ``reports.extensions`` by ``AssessmentsConfig.ready``:
the year figures (``tests_held``, ``test_sittings``, ``test_people``, ``test_pass_rate``), the ``tests`` part of
the records bundle (records-format.md), a dashboard tile, a digest section and a sentence of the year summary.

A draft test is not yet a record: it is neither counted nor exported.
"""

from __future__ import annotations

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import KnowledgeTest, Sitting
from reports import extensions
from reports.bundle import schema
from reports.bundle.schema import parse_date, parse_datetime
from reports.subtrees import Subtrees
from studygroup.models import Organization

FIGURE_KEYS = ["tests_held", "test_sittings", "test_people", "test_pass_rate"]
DEFAULT_MAX_SCORE, DEFAULT_PASS_MARK = 100, 60
PART = "tests"


def _kind(model, name: str, *, optional: bool = False) -> str:
    """The spec of a key, its limits read from the model field that stores it."""
    return schema.kind_of(model._meta.get_field(name), optional=optional)


SPEC = {
    "code": _kind(KnowledgeTest, "code"),
    "org": "ref:organizations",
    "title": _kind(KnowledgeTest, "title"),
    "held_on": _kind(KnowledgeTest, "held_on"),
    "max_score": _kind(KnowledgeTest, "max_score", optional=True),
    "pass_mark": _kind(KnowledgeTest, "pass_mark", optional=True),
    "sittings": [
        {
            "person": "ref:people",
            "score": _kind(Sitting, "score", optional=True),
            "submitted_at": _kind(Sitting, "submitted_at", optional=True),
        }
    ],
}


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def held_tests(path: str):
    """Tests set by an organization of the subtree at ``path`` that are records (not drafts)."""
    return KnowledgeTest.objects.filter(organization__path__startswith=path).exclude(status=KnowledgeTest.Status.DRAFT)


# Year figures ------------------------------------------------------------------------------------


def year_figures(organization: Organization, year: int) -> dict:
    """The four figures of records-format.md, in two queries."""
    tests = held_tests(organization.path).filter(held_on__year=year)
    scored = Sitting.objects.filter(test__in=tests, score__isnull=False).aggregate(
        sittings=Count("pk"),
        people=Count("person", distinct=True),
        passed=Count("pk", filter=Q(score__gte=F("test__pass_mark"))),
    )
    return {
        "tests_held": tests.count(),
        "test_sittings": scored["sittings"],
        "test_people": scored["people"],
        "test_pass_rate": _ratio(scored["passed"], scored["sittings"]),
    }


# The records bundle ----------------------------------------------------------------------------


def _dt(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def export(organization: Organization, year: int | None) -> list[dict]:
    tests = held_tests(organization.path).select_related("organization").order_by("held_on", "code")
    if year:
        tests = tests.filter(held_on__year=year)
    tests = list(tests)
    sittings: dict[int, list[dict]] = {}
    for sitting in Sitting.objects.filter(test__in=tests).select_related("person").order_by("test_id", "person__code"):
        sittings.setdefault(sitting.test_id, []).append(
            {"person": sitting.person.code, "score": sitting.score, "submitted_at": _dt(sitting.submitted_at)}
        )
    return [
        {
            "code": test.code,
            "org": test.organization.code,
            "title": test.title,
            "held_on": test.held_on.isoformat(),
            "max_score": test.max_score,
            "pass_mark": test.pass_mark,
            "sittings": sittings.get(test.pk, []),
        }
        for test in tests
    ]


def validate(items: list, report, known: dict[str, set[str]]) -> None:
    schema.check_part(report, PART, items, SPEC, known)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        place = f"{PART}[{index}]"
        max_score = item.get("max_score") if isinstance(item.get("max_score"), int) else DEFAULT_MAX_SCORE
        pass_mark = item.get("pass_mark") if isinstance(item.get("pass_mark"), int) else DEFAULT_PASS_MARK
        if pass_mark > max_score:
            report.add(
                f"{place}.pass_mark", _("the pass mark is above the maximum score %(max)d.") % {"max": max_score}
            )
        rows = item.get("sittings") if isinstance(item.get("sittings"), list) else []
        seen: dict[str, int] = {}
        for number, row in enumerate(rows):
            if not isinstance(row, dict):
                continue
            where = f"{place}.sittings[{number}]"
            if "score" not in row:
                report.add(f"{where}.score", _("is required (null for someone drawn who did not sit)."))
            score = row.get("score")
            if isinstance(score, int) and not isinstance(score, bool) and score > max_score:
                report.add(f"{where}.score", _("is above the maximum score %(max)d.") % {"max": max_score})
            person = row.get("person")
            if isinstance(person, str):
                if person in seen:
                    report.add(where, _("repeats sittings[%(other)d] (same person).") % {"other": seen[person]})
                seen.setdefault(person, number)


def write(writer, items: list[dict]) -> None:
    """Create or change each test and its sittings through the importer's writer (its checks of who owns what)."""
    for index, item in enumerate(items):
        place = f"{PART}[{index}]"
        organization = writer._org(item["org"])
        values = {
            "organization": organization,
            "title": item["title"],
            "held_on": parse_date(item["held_on"]),
            "max_score": item.get("max_score") if item.get("max_score") is not None else DEFAULT_MAX_SCORE,
            "pass_mark": item.get("pass_mark") if item.get("pass_mark") is not None else DEFAULT_PASS_MARK,
        }
        record = _("%(kind)s “%(name)s”") % {
            "kind": KnowledgeTest._meta.verbose_name,
            "name": f"{item['code']} {item['title']}",
        }
        test = KnowledgeTest.objects.filter(code=item["code"]).select_related("organization").first()
        if test is None:
            test = writer._create(
                place,
                KnowledgeTest(
                    code=item["code"],
                    status=KnowledgeTest.Status.RESULTS,
                    delivery=KnowledgeTest.Delivery.PAPER,
                    **values,
                ),
                organization,
                record,
            )
        else:
            writer._set(place, test, values, lambda t: t.organization, record)
        _sittings(writer, place, test, item.get("sittings") or [])


def _sittings(writer, place: str, test: KnowledgeTest, rows: list[dict]) -> None:
    existing = {s.person_id: s for s in test.sittings.all()}
    for number, row in enumerate(rows):
        where, person = f"{place}.sittings[{number}]", writer._person(row["person"])
        submitted = parse_datetime(row["submitted_at"]) if row.get("submitted_at") else None
        current = existing.get(person.pk)
        if current is not None and current.submitted_at and submitted == current.submitted_at.replace(microsecond=0):
            submitted = current.submitted_at  # the bundle keeps whole seconds: the same moment, unchanged
        values = {"score": row.get("score"), "submitted_at": submitted}
        record = _("%(kind)s “%(name)s”") % {"kind": Sitting._meta.verbose_name, "name": f"{person.code} {person.name}"}
        if current is None:
            group = writer._nearest_group(person.organization)
            existing[person.pk] = writer._create(
                where,
                Sitting(
                    test=test,
                    person=person,
                    group=group,
                    mode=Sitting.Mode.PAPER,
                    seed=f"{test.code}:{person.code}",
                    **values,
                ),
                test.organization,
                record,
            )
            written = True
        else:
            written = bool(writer._set(where, current, values, lambda s, owner=test.organization: owner, record))
        if written and writer.root is not None:
            writer._person_inside(f"{where}.person", person)


# Dashboard, digest, year summary ---------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def dashboard_tile(organization: Organization, year: int, figures: dict) -> extensions.Tile:
    values = figures if "tests_held" in figures else year_figures(organization, year)
    return extensions.Tile(
        label=_("Knowledge tests held · pass rate"),
        value=str(values["tests_held"]),
        detail=f" · {_percent(values['test_pass_rate'])}",
        url=f"{reverse('assessments:test-list')}?org={organization.pk}&year={year}",
    )


def digest_items(organization: Organization, year: int, month: int) -> list[dict]:
    """The tests held in the month in the subtree, with how many sat them and passed (one query)."""
    tests = (
        held_tests(organization.path)
        .filter(held_on__year=year, held_on__month=month)
        .select_related("organization")
        .annotate(
            called=Count("sittings"),
            sat=Count("sittings", filter=Q(sittings__score__isnull=False)),
            passed=Count("sittings", filter=Q(sittings__score__gte=F("pass_mark"))),
        )
        .order_by("held_on", "code")
    )
    return [
        {
            "key": f"test-{test.pk}",
            "org": test.organization.name,
            "title": test.title,
            "called": test.called,
            "sat": test.sat,
            "pass_rate": _ratio(test.passed, test.sat),
        }
        for test in tests
    ]


def digest_items_many(organizations: list[Organization], year: int, month: int) -> dict[int, list[dict]]:
    """``digest_items`` of each of a chunk of organizations, by id, in two queries."""
    subtrees = Subtrees(organizations)
    tests = (
        KnowledgeTest.objects.filter(organization__in=subtrees.organization_ids)
        .exclude(status=KnowledgeTest.Status.DRAFT)
        .filter(held_on__year=year, held_on__month=month)
        .select_related("organization")
        .annotate(
            called=Count("sittings"),
            sat=Count("sittings", filter=Q(sittings__score__isnull=False)),
            passed=Count("sittings", filter=Q(sittings__score__gte=F("pass_mark"))),
        )
        .order_by("held_on", "code")
    )
    spread = subtrees.spread(tests, lambda test: test.organization.path)
    return {
        pk: [
            {
                "key": f"test-{test.pk}",
                "org": test.organization.name,
                "title": test.title,
                "called": test.called,
                "sat": test.sat,
                "pass_rate": _ratio(test.passed, test.sat),
            }
            for test in rows
        ]
        for pk, rows in spread.items()
    }


def summary_sentences(organization: Organization, year: int, figures: dict) -> list[str]:
    if not figures.get("tests_held"):
        return []
    if not figures["test_sittings"]:
        return [_("%(tests)d knowledge tests were held.") % {"tests": figures["tests_held"]}]
    return [
        _(
            "%(tests)d knowledge tests were held: %(people)d people sat them %(sittings)d times, and %(rate)s of the "
            "sittings passed."
        )
        % {
            "tests": figures["tests_held"],
            "people": figures["test_people"],
            "sittings": figures["test_sittings"],
            "rate": _percent(figures["test_pass_rate"]),
        }
    ]


def register() -> None:
    extensions.register_year_figures(name="assessments", keys=FIGURE_KEYS, compute=year_figures)
    extensions.register_part(
        PART, label=gettext_lazy("Bundle part: knowledge tests"), export=export, validate=validate, write=write
    )
    extensions.register_tile("assessments", build=dashboard_tile)
    extensions.register_digest_section(
        "tests",
        title=gettext_lazy("Knowledge tests"),
        template="assessments/includes/digest_tests.html",
        build=digest_items,
        build_many=digest_items_many,
    )
    extensions.register_summary_sentences("assessments", build=summary_sentences)
