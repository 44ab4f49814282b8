"""Property-based bad input: any bundle or form input gives a saved valid record or a message, never a crash
and never a partial write."""

import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reports.bundle.importer import BundleError, import_bundle
from reports.bundle.schema import SCHEMA
from sessions.models import Attendance, StudySession
from studygroup.models import Organization, Person

pytestmark = pytest.mark.django_db
# The number of examples follows the profile loaded in conftest.py ("ci" derandomized, "dev" ten times wider).
EXAMPLES = settings.default.max_examples
FAST = settings(max_examples=max(10, EXAMPLES * 6 // 10))
PAGES = settings(max_examples=max(5, EXAMPLES // 4))

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 3000),
    st.text(max_size=12),
    st.sampled_from(["2024-03-15", "2024-03-15T09:00:00+08:00", "2024-13-45", "p1", "g1", "approved"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8,
)


def item_strategy(spec: dict):
    """Objects with the keys of ``spec`` (and one unknown), each holding any value or, for lists, their items."""
    keys = [*spec, "extra"]
    nested = {key: kind[0] for key, kind in spec.items() if isinstance(kind, list)}
    value_for = {
        key: st.one_of(values, st.lists(item_strategy(nested[key]), max_size=2)) if key in nested else values
        for key in keys
    }
    return st.fixed_dictionaries({}, optional=value_for)


bundles = st.fixed_dictionaries(
    {"format": st.sampled_from(["studygroup-records", "other"]), "version": st.sampled_from([1, 2, "1"])},
    optional={name: st.lists(item_strategy(spec), max_size=3) for name, spec in SCHEMA.items()},
)


def snapshot():
    return (
        Organization.objects.count(),
        Person.objects.count(),
        StudySession.objects.count(),
        Attendance.objects.count(),
    )


WRONG_CONTAINERS = [
    {"format": "studygroup-records", "version": 1, "plans": [{"topics": 1}]},
    {"format": "studygroup-records", "version": 1, "plans": [{"topics": [1]}]},
    {"format": "studygroup-records", "version": 1, "groups": [{"members": "p1", "rules": {"a": 1}}]},
    {"format": "studygroup-records", "version": 1, "sessions": [{"attendance": {}, "topics": [[]], "speakers": 3}]},
    {"format": "studygroup-records", "version": 1, "sessions": [{"guests": [[]], "submissions": [None]}]},
    {"format": "studygroup-records", "version": 1, "actions": [{"source": {"visit": []}}]},
    {"format": "studygroup-records", "version": 1, "actions": [{"source": {"inspection": {"group": [], "year": 1}}}]},
    {"format": "studygroup-records", "version": 1, "inspections": [{"checklist": [], "verdicts": {"plan": []}}]},
    {"format": "studygroup-records", "version": 1, "research": [{"reports": 7}], "organizations": {}},
    {"format": "studygroup-records", "version": 1, "visits": [{"session": {}, "observer": []}], "tests": 5},
]


def refusal(action) -> list | None:
    """Run an import; return its refusal's messages, or None when it was accepted."""
    try:
        action()
    except BundleError as exc:
        return exc.errors
    return None


def _example_all(examples):
    def decorate(test):
        for document in examples:
            test = example(document=document)(test)
        return test

    return decorate


@FAST
@_example_all(WRONG_CONTAINERS)
@given(document=bundles)
def test_any_bundle_is_imported_or_refused_with_messages(document):
    before = snapshot()
    errors = refusal(lambda: import_bundle(json.dumps(document)))
    if errors is not None:
        assert errors
        # Each problem keeps its place in the file and reads in Chinese.
        assert all(isinstance(e, str) and ":" in e for e in errors), errors
        assert snapshot() == before


@PAGES
@_example_all(WRONG_CONTAINERS)
@given(document=bundles)
def test_the_staff_page_answers_any_bundle_without_an_error_page(client, document):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from studygroup.tests.factories import OrganizationFactory, user_with_role

    client.force_login(user_with_role("staff", OrganizationFactory()))
    before = snapshot()
    upload = SimpleUploadedFile("bundle.json", json.dumps(document).encode())
    response = client.post(reverse("reports:records"), {"bundle": upload})
    # Refused on the page at once, or stored and queued for the import job (its page shows the outcome).
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "import-errors" in response.content.decode()
        assert snapshot() == before


@FAST
@example(raw='{"format": "studygroup-records", "version": 1, "plans": ' + "[" * 100_000 + "]" * 100_000 + "}")
@example(raw="[" * 100_000)
@example(raw='{"version": ' + "9" * 5000 + "}")
@example(raw=b"\xff\xfe{")
@given(raw=st.one_of(st.binary(max_size=200), st.text(max_size=200)))
def test_any_bytes_are_refused_cleanly(raw):
    before = snapshot()
    errors = refusal(lambda: import_bundle(raw))
    assert errors is None or errors
    assert snapshot() == before


@FAST
@given(
    data=st.dictionaries(
        st.sampled_from(
            [
                "kind",
                "title",
                "starts_at",
                "ends_at",
                "location",
                "is_expanded",
                "guests",
                "plan_text",
                "agenda",
                "lead",
                "topics",
            ]
        ),
        st.one_of(
            st.text(max_size=30), st.sampled_from(["2026-12-01T09:00", "collective", "on", "99999", "2026-02-30T25:61"])
        ),
        max_size=11,
    )
)
def test_session_form_never_crashes(client, data):
    from django.urls import reverse

    from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

    group = StudyGroupFactory(organization=OrganizationFactory())
    client.force_login(user_with_role("staff", group.organization))
    before = StudySession.objects.count()
    response = client.post(reverse("sessions:session-create", args=[group.pk]), data)
    assert response.status_code in (200, 302)
    assert StudySession.objects.count() == before + (1 if response.status_code == 302 else 0)


junk = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "13",
            "2026-02-30",
            "2026-01-01",
            "member",
            "leader",
            "assigned",
            "collective",
            "<script>",
            "' OR 1=1 --",
        ]
    ),
)


@PAGES
@given(data=st.dictionaries(st.sampled_from(["person", "new_name", "new_post", "role", "start_on"]), junk, max_size=5))
def test_membership_form_never_crashes(client, data):
    from django.urls import reverse

    from studygroup.models import Membership
    from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

    group = StudyGroupFactory(organization=OrganizationFactory())
    client.force_login(user_with_role("staff", group.organization))
    before = Membership.objects.count()
    response = client.post(reverse("core:membership-add", args=[group.pk]), data)
    assert response.status_code in (200, 302)
    assert Membership.objects.count() == before + (1 if response.status_code == 302 else 0)


@PAGES
@given(data=st.dictionaries(st.sampled_from(["month", "title", "source", "lead", "session_kind"]), junk, max_size=5))
def test_topic_form_never_crashes(client, data):
    from django.urls import reverse

    from plans.models import PlanTopic
    from plans.tests.factories import StudyPlanFactory
    from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

    plan = StudyPlanFactory(group=StudyGroupFactory(organization=OrganizationFactory()))
    client.force_login(user_with_role("staff", plan.group.organization))
    response = client.post(reverse("plans:topic-add", args=[plan.pk]), data)
    assert response.status_code in (200, 302)
    assert PlanTopic.objects.filter(plan=plan).count() == (1 if response.status_code == 302 else 0)


@PAGES
@given(name=st.text(min_size=1, max_size=80), content=st.binary(max_size=64))
def test_any_upload_is_stored_safely_or_refused(client, name, content):
    import io

    from django.urls import reverse

    from plans.models import Material
    from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

    group = StudyGroupFactory(organization=OrganizationFactory())
    client.force_login(user_with_role("staff", group.organization))
    # A raw file object: the name goes to the server as the browser would send it, however odd.
    upload = io.BytesIO(content)
    upload.name = name
    response = client.post(
        reverse("plans:material-add", args=[group.pk]), {"title": "资料", "kind": "file", "upload": upload}
    )
    assert response.status_code in (200, 302)
    for material in Material.objects.filter(group=group):
        assert "/" not in material.original_name and "\\" not in material.original_name
        assert material.file.name.startswith(f"materials/{group.pk}/")


def test_hypothesis_profiles_ci_derandomized_and_dev_wider():
    import os

    assert settings.get_profile("ci").derandomize is True
    assert settings.get_profile("dev").max_examples == 10 * settings.get_profile("default").max_examples
    assert settings.default.derandomize is bool(os.environ.get("CI"))
