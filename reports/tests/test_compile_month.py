"""立即编制 (compile now) takes a month that has begun: a later month or a year out of range is refused beside
its field, and nothing is created."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from freezegun import freeze_time

from reports import services
from reports.models import MonthlyDigest, TaskRun
from studygroup.models import OutboxMessage
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def county():
    county = OrganizationFactory(name="清河县委")
    StudyGroupFactory(organization=county)
    StudyGroupFactory(organization=OrganizationFactory(parent=county, name="城关镇党委"))
    return county


def compile_now(client, county, year, month):
    client.force_login(user_with_role("staff", county))
    return client.post(reverse("reports:digest-compile"), {"org": county.pk, "year": year, "month": month})


def nothing_created():
    return not (MonthlyDigest.objects.exists() or TaskRun.objects.exists() or OutboxMessage.objects.exists())


@freeze_time("2026-06-15 10:00")
def test_a_later_month_of_this_year_is_refused_beside_the_month(client, county):
    response = compile_now(client, county, 2026, 7)

    assert response.status_code == 200
    page = response.content.decode()
    assert (
        '<div class="invalid-feedback d-block" id="month-errors">该月份尚未开始,请选择 6 月或更早的月份。</div>' in page
    )
    assert 'name="month" value="7"' in page
    assert nothing_created()


@freeze_time("2026-06-15 10:00")
def test_a_later_year_is_refused_beside_the_year(client, county):
    response = compile_now(client, county, 2027, 1)

    page = response.content.decode()
    assert (
        '<div class="invalid-feedback d-block" id="year-errors">该年份尚未开始,请选择 2026 年或更早的年份。</div>'
        in page
    )
    assert "month-errors" not in page
    assert nothing_created()


@pytest.mark.parametrize(
    ("year", "month", "field", "message"),
    [
        (1999, 5, "year", "确保该值大于或等于2000。"),
        (99999, 5, "year", "确保该值小于或等于2100。"),
        (2026, 13, "month", "确保该值小于或等于12。"),
        ("二〇二六", 5, "year", "输入整数。"),
    ],
)
@freeze_time("2026-06-15 10:00")
def test_a_year_or_month_out_of_range_is_refused_beside_its_field(client, county, year, month, field, message):
    page = compile_now(client, county, year, month).content.decode()

    assert f'id="{field}-errors">{message}</div>' in page
    assert nothing_created()


@freeze_time("2026-06-15 10:00")
def test_the_month_so_far_compiles_a_draft(client, county, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = compile_now(client, county, 2026, 6)

    assert response.status_code == 302
    assert sorted(MonthlyDigest.objects.values_list("month", "status")) == [(6, "draft"), (6, "draft")]


@freeze_time("2026-01-03 10:00")
def test_last_month_of_last_year_compiles_in_january(client, county, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        compile_now(client, county, 2025, 12)

    assert MonthlyDigest.objects.filter(year=2025, month=12).count() == 2


@freeze_time("2026-06-15 10:00")
def test_the_service_refuses_a_later_month_whoever_calls_it(county):
    staff = user_with_role("staff", county)

    with pytest.raises(ValidationError) as refused:
        services.digest_compile_start(organization=county, year=2026, month=7, by=staff)

    assert refused.value.message_dict == {"month": ["该月份尚未开始,请选择 6 月或更早的月份。"]}
    assert nothing_created()


@freeze_time("2026-06-15 10:00")
def test_running_again_a_run_of_a_later_month_recorded_before_the_rule_is_refused_calmly(client, county):
    staff = user_with_role("staff", county)
    run = TaskRun.objects.create(
        name="compile_digests",
        key=f"digests:2026-09:{county.pk}",
        organization=county,
        state=TaskRun.State.SUCCEEDED,
        params={"year": 2026, "month": 9, "organization_id": county.pk},
        triggered_by=staff,
    )
    client.force_login(staff)

    response = client.post(reverse("reports:run-restart", args=[run.pk]), follow=True)

    assert response.status_code == 200
    assert "该月份尚未开始,请选择 6 月或更早的月份。" in response.content.decode()
    run.refresh_from_db()
    assert run.state == TaskRun.State.SUCCEEDED
    assert not (MonthlyDigest.objects.exists() or OutboxMessage.objects.exists())
