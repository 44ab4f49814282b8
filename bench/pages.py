"""The pages the benchmark opens, who opens them, and how each is timed and checked against its SQL.

Timing is in-process: Django's test ``Client`` sends each request through the whole stack (middleware, view,
template) with DEBUG off, on the benchmark's PostgreSQL; what is left out is the WSGI server and the network of
127.0.0.1 (about a millisecond). Twenty timed requests follow one warm-up; then one more request, not timed,
counts the SQL queries (``CaptureQueriesContext``) and keeps the context the template rendered, from which the
page's figures are read and compared with the hand-written SQL (``bench.checks``).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench import checks

REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))
ROOT_ROLES = ["staff", "leader", "viewer", "observer", "inspector"]
COUNTY_ROLES = ["staff", "leader", "viewer"]
CITY_GROUPS = 300


@dataclass
class Dataset:
    """One generated province: its root, a county, a city of 300 groups or more (the smallest such), the year of
    its data and the accounts holding each role ("staff-root", "viewer-county", ...)."""

    size: int
    seed: int
    root: Any
    county: Any
    city: Any
    city_groups: int
    year: int
    users: dict[str, Any]

    def where(self, organization, digest_id: int | None = None) -> checks.Where:
        from django.conf import settings

        return checks.Where(
            organization.pk, organization.path, organization.depth, self.year, settings.TIME_ZONE, digest_id
        )


def find_dataset(size: int, seed: int) -> Dataset | None:
    """The province ``generate_load --groups size --seed seed`` made in this database, or None."""
    from django.utils import timezone

    from demo.management.commands.generate_load import role_username
    from studygroup.models import AuditEntry, Organization, User

    entry = AuditEntry.objects.filter(
        changes__generate_load__groups=size, changes__generate_load__seed=seed, changes__generate_load__years=1
    ).first()
    if entry is None:
        return None
    root = Organization.objects.get(path=entry.organization_path)
    county = Organization.objects.filter(path__startswith=root.path, depth=3).order_by("path").first() or root
    sized = [(_groups_below(city), city.pk) for city in Organization.objects.filter(parent=root)] or [(size, root.pk)]
    big = [s for s in sized if s[0] >= CITY_GROUPS]
    city_groups, city_pk = min(big) if big else max(sized)
    wanted = [f"{r}-root" for r in ROOT_ROLES] + [f"{r}-county" for r in COUNTY_ROLES]
    names = {role_username(seed, *key.split("-")): key for key in wanted}
    users = {names[u.username]: u for u in User.objects.filter(username__in=names)}
    return Dataset(
        size,
        seed,
        root,
        county,
        Organization.objects.get(pk=city_pk),
        city_groups,
        entry.at.astimezone(timezone.get_current_timezone()).year,
        users,
    )


def _groups_below(organization) -> int:
    from studygroup.models import StudyGroup

    return StudyGroup.objects.filter(organization__path__startswith=organization.path).count()


@dataclass
class Page:
    key: str
    label: str
    role: str
    url: str
    page_figures: Callable | None = None
    sql_figures: Callable | None = None
    notes: list[str] = field(default_factory=list)


def _judge(year: int) -> datetime.date:
    from audits.selectors import judge_date

    return judge_date(year)


def checked_pages(data: Dataset, digest_id: int | None) -> list[Page]:
    """The pages the issues name, each with its hand-written SQL.

    Long because it is one table: an entry per page, read top to bottom."""
    from django.urls import reverse

    from audits.views.compliance import COMPLIANCE_PAGE_SIZE
    from audits.views.coverage import COVERAGE_PAGE_SIZE
    from plans.models import SessionKind
    from sessions.views.sessions import SESSION_PAGE_SIZE

    root, county, city, year = data.root, data.county, data.city, data.year
    judge = _judge(year)
    pages = [
        Page(
            "home-leader-root",
            "leader home, root",
            "leader-root",
            "/",
            checks.glance_page,
            lambda c: checks.glance_sql(c, data.where(root)),
        ),
        Page(
            "home-viewer-root",
            "viewer home, root",
            "viewer-root",
            "/",
            checks.glance_page,
            lambda c: checks.glance_sql(c, data.where(root)),
        ),
        Page(
            "home-leader-county",
            "leader home, county",
            "leader-county",
            "/",
            checks.glance_page,
            lambda c: checks.glance_sql(c, data.where(county)),
        ),
        Page(
            "home-viewer-county",
            "viewer home, county",
            "viewer-county",
            "/",
            checks.glance_page,
            lambda c: checks.glance_sql(c, data.where(county)),
        ),
        Page(
            "dashboard-root",
            "dashboard, root",
            "viewer-root",
            f"{reverse('reports:dashboard')}?org={root.pk}&year={year}",
            checks.dashboard_page,
            lambda c: checks.dashboard_sql(c, data.where(root), judge),
        ),
        Page(
            "dashboard-county",
            "dashboard, county",
            "viewer-county",
            f"{reverse('reports:dashboard')}?org={county.pk}&year={year}",
            checks.dashboard_page,
            lambda c: checks.dashboard_sql(c, data.where(county), judge),
        ),
        Page(
            "dashboard-city",
            f"dashboard, city of {data.city_groups} groups",
            "viewer-root",
            f"{reverse('reports:dashboard')}?org={city.pk}&year={year}",
            checks.dashboard_page,
            lambda c: checks.dashboard_sql(c, data.where(city), judge),
        ),
        Page(
            "compliance-root",
            "compliance (八有) page 1, root",
            "inspector-root",
            f"{reverse('audits:compliance')}?org={root.pk}&year={year}",
            checks.compliance_page,
            lambda c: checks.compliance_sql(c, data.where(root), COMPLIANCE_PAGE_SIZE),
        ),
        Page(
            "sessions-root",
            "session list page 1, root reader",
            "viewer-root",
            f"{reverse('sessions:session-list')}?year={year}",
            checks.sessions_page,
            lambda c: checks.sessions_sql(c, data.where(root), SESSION_PAGE_SIZE),
        ),
        Page(
            "coverage-root",
            "observer coverage page 1, root",
            "staff-root",
            f"{reverse('audits:coverage')}?org={root.pk}&year={year}",
            checks.coverage_page,
            lambda c: checks.coverage_sql(c, data.where(root), COVERAGE_PAGE_SIZE),
        ),
        Page(
            "summary-root",
            "year summary page, root",
            "leader-root",
            f"{reverse('reports:summary')}?org={root.pk}&year={year}",
            checks.year_page,
            lambda c: checks.year_sql(c, data.where(root), judge, list(SessionKind.values)),
        ),
    ]
    # The other roles' home pages: measured (their panels are lists and to-dos, not figures).
    for role in ("staff-root", "observer-root", "inspector-root", "staff-county"):
        pages.append(Page(f"home-{role}", f"{role.split('-')[0]} home, {role.split('-')[1]}", role, "/"))
    if digest_id is not None:
        pages.append(
            Page(
                "digest-root",
                "monthly digest detail, root",
                "viewer-root",
                reverse("reports:digest-detail", args=[digest_id]),
                checks.digest_page,
                lambda c: checks.digest_sql(c, data.where(root, digest_id)),
            )
        )
    return pages
