"""Build realistic load for the benchmark: a four-level tree, 16 sessions a group a year, 15 members each,
with attendance, submissions, plans, observer visits and actions. Bulk inserts, in chunks of groups."""

from __future__ import annotations

import datetime
import random
import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from audits.models import Action, ObserverVisit
from plans.models import PlanTopic, SessionKind, StudyPlan
from sessions.models import Attendance, StudySession, Submission
from studygroup import audit, formats
from studygroup.models import AuditEntry, Membership, Organization, Person, RoleGrant, StudyGroup, User

# The accounts the benchmark signs in as (never a superuser, so the access filters run): each role at the root,
# and the reading roles at the first county.
ROOT_ROLES = ["staff", "leader", "viewer", "observer", "inspector"]
COUNTY_ROLES = ["staff", "leader", "viewer"]
ROLE_NAMES = {"staff": "办公室人员", "leader": "领导", "viewer": "查阅人", "observer": "旁听员", "inspector": "督查员"}
PLACES = {"root": "省级", "county": "县级"}
STATUSES = ["present"] * 85 + ["late"] * 5 + ["leave"] * 6 + ["absent"] * 2 + ["made_up"] * 2
KINDS = list(SessionKind.values)


class Command(BaseCommand):
    help = "Generate benchmark data: --groups N --years Y --seed S (adds a new province each run)."

    def add_arguments(self, parser):
        parser.add_argument("--groups", type=int, default=1000)
        parser.add_argument("--years", type=int, default=1)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--chunk", type=int, default=200, help="groups per bulk batch")

    def handle(self, *args, groups, years, seed, chunk, **options):
        started = time.monotonic()
        rng = random.Random(seed)
        organizations = self._tree(groups, seed)
        last = timezone.localdate().year
        year_list = list(range(last - years + 1, last + 1))
        study_groups = StudyGroup.objects.bulk_create(
            [StudyGroup(organization=o, code=f"{o.code}-g", name=f"{o.name}理论学习中心组") for o in organizations],
            batch_size=2000,
        )
        self.stderr.write(f"tree: {len(organizations)} organizations")
        observers = list(
            Person.objects.bulk_create(
                [Person(code=f"load{seed}-obs{i}", name=f"旁听员{i}", organization=organizations[0]) for i in range(20)]
            )
        )
        for start in range(0, len(study_groups), chunk):
            with transaction.atomic():
                self._fill(study_groups[start : start + chunk], year_list, rng, observers)
            self.stderr.write(f"groups {min(start + chunk, len(study_groups))}/{len(study_groups)}")
        _role_accounts(organizations, seed)
        # Benchmark data, written in bulk: one entry for the run, filed under the new root.
        audit.write(
            action=AuditEntry.Action.IMPORT,
            changes={"generate_load": {"groups": len(study_groups), "years": years, "seed": seed}},
            organization_path=organizations[0].path,
        )
        self.stdout.write(
            f"generated {len(study_groups)} groups × {years} years in {time.monotonic() - started:.0f} s; "
            f"root organization code: {organizations[0].code}"
        )

    def _tree(self, groups: int, seed: int) -> list[Organization]:
        roots = Organization.objects.filter(depth=1).count()
        root = Organization.objects.create(
            code=f"load{seed}-{roots}",
            name=f"压力测试省{roots}",
            kind="region",
            path=Organization.path_segment(roots + 1),
            depth=1,
        )
        cities = max(1, min(20, round((groups / 100) ** 0.5)))
        counties_per_city = max(1, min(30, round(groups / cities / 12) or 1))
        remaining = groups - 1 - cities - cities * counties_per_city
        towns_per_county = max(0, -(-remaining // max(1, cities * counties_per_city)))
        made = [root]
        level2 = Organization.objects.bulk_create(
            [
                Organization(
                    code=f"{root.code}-c{i}",
                    name=f"第{i}市",
                    kind="city",
                    parent=root,
                    path=root.path + Organization.path_segment(i + 1),
                    depth=2,
                )
                for i in range(cities)
            ]
        )
        level3 = Organization.objects.bulk_create(
            [
                Organization(
                    code=f"{city.code}-x{j}",
                    name=f"{city.name}第{j}县",
                    kind="county",
                    parent=city,
                    path=city.path + Organization.path_segment(j + 1),
                    depth=3,
                )
                for city in level2
                for j in range(counties_per_city)
            ]
        )
        level4 = Organization.objects.bulk_create(
            [
                Organization(
                    code=f"{county.code}-t{k}",
                    name=f"{county.name}第{k}镇",
                    kind="town",
                    parent=county,
                    path=county.path + Organization.path_segment(k + 1),
                    depth=4,
                )
                for county in level3
                for k in range(towns_per_county)
            ],
            batch_size=2000,
        )
        made += level2 + level3 + level4
        return made[:groups] if len(made) >= groups else made

    def _fill(self, groups: list[StudyGroup], year_list: list[int], rng: random.Random, observers) -> None:
        people = _members(groups, first=datetime.date(year_list[0], 1, 1))
        for year in year_list:
            topics = _plans(groups, year)
            sessions = _sessions(groups, year, rng)
            _link_topics(sessions, topics)
            _attendance(sessions, people, rng)
            _submissions(groups, people, year, rng)
            visits = _visits(sessions, year, rng, observers)
            _actions(visits, groups, people, year, rng)


def role_username(seed: int, role: str, where: str) -> str:
    """The benchmark account holding ``role`` at the root (``where="root"``) or the first county of seed's tree."""
    return f"load{seed}-{role}-{where}"


def _role_accounts(organizations: list[Organization], seed: int) -> None:
    """A person and an account (no usable password) holding each role the benchmark signs in as."""
    county = next((o for o in organizations if o.depth == 3), organizations[0])
    wanted = [(role, "root", organizations[0]) for role in ROOT_ROLES]
    wanted += [(role, "county", county) for role in COUNTY_ROLES]
    users = User.objects.bulk_create([User(username=role_username(seed, r, w), password="!") for r, w, _o in wanted])  # noqa: S106 - unusable
    people = Person.objects.bulk_create(
        [
            Person(
                code=f"load{seed}-{role}-{where}",
                name=f"{PLACES[where]}{ROLE_NAMES[role]}",
                organization=org,
                user=user,
            )
            for (role, where, org), user in zip(wanted, users, strict=True)
        ]
    )
    RoleGrant.objects.bulk_create(
        [
            RoleGrant(person=person, organization=org, role=role)
            for (role, _where, org), person in zip(wanted, people, strict=True)
        ]
    )


def _members(groups: list[StudyGroup], first: datetime.date) -> list[Person]:
    """Fifteen people a group, seated from ``first``: the first leads, the last is the secretary."""
    people = Person.objects.bulk_create(
        [
            Person(code=f"{g.code}-m{i}", name=f"成员{i}", organization_id=g.organization_id, post="委员")
            for g in groups
            for i in range(15)
        ],
        batch_size=5000,
    )
    Membership.objects.bulk_create(
        [
            Membership(
                group=g, person=p, role="leader" if i == 0 else "secretary" if i == 14 else "member", start_on=first
            )
            for index, g in enumerate(groups)
            for i, p in enumerate(people[index * 15 : index * 15 + 15])
        ],
        batch_size=5000,
    )
    return people


def _plans(groups: list[StudyGroup], year: int) -> list[PlanTopic]:
    """An approved plan a group, a topic a month; return the topics, twelve a group in the order of ``groups``."""
    plans = StudyPlan.objects.bulk_create(
        [StudyPlan(group=g, year=year, status="approved", main_line="主线") for g in groups]
    )
    return PlanTopic.objects.bulk_create(
        [
            PlanTopic(
                plan=plan,
                code=f"{plan.group.code}-{year}-t{m}",
                month=m,
                title=f"{formats.month_zh(m)}专题",
                source="assigned",
            )
            for plan in plans
            for m in range(1, 13)
        ],
        batch_size=5000,
    )


def _sessions(groups: list[StudyGroup], year: int, rng: random.Random) -> list[StudySession]:
    """Sixteen sessions a group, sixteen in a row a group in the order of ``groups``."""
    return StudySession.objects.bulk_create(
        [
            StudySession(
                group=g,
                code=f"{g.code}-{year}-s{n}",
                kind=rng.choice(KINDS),
                title=f"第{n + 1}次学习",
                starts_at=datetime.datetime(year, n % 12 + 1, 10 + n // 12, 9, tzinfo=timezone.get_current_timezone()),
                ends_at=datetime.datetime(year, n % 12 + 1, 10 + n // 12, 11, tzinfo=timezone.get_current_timezone()),
                minutes="会议记录" if rng.random() < 0.9 else "",
            )
            for g in groups
            for n in range(16)
        ],
        batch_size=5000,
    )


def _link_topics(sessions: list[StudySession], topics: list[PlanTopic]) -> None:
    """The first twelve sessions of each group study its topics, a month each."""
    links = [
        StudySession.topics.through(studysession_id=s.pk, plantopic_id=topics[(i // 16) * 12 + i % 12].pk)
        for i, s in enumerate(sessions)
        if i % 16 < 12
    ]
    StudySession.topics.through.objects.bulk_create(links, batch_size=5000)


def _attendance(sessions: list[StudySession], people: list[Person], rng: random.Random) -> None:
    Attendance.objects.bulk_create(
        [
            Attendance(session=s, person=p, status=rng.choice(STATUSES), method="import")
            for i, s in enumerate(sessions)
            for p in people[(i // 16) * 15 : (i // 16) * 15 + 15]
        ],
        batch_size=10000,
    )


def _submissions(groups: list[StudyGroup], people: list[Person], year: int, rng: random.Random) -> None:
    """Notes and a reflection from every member but the secretary."""
    Submission.objects.bulk_create(
        [
            Submission(
                group=g,
                person=p,
                kind=kind,
                title=f"{kind}",
                status="submitted",
                submitted_on=datetime.date(year, rng.randint(1, 12), rng.randint(1, 28)),
            )
            for index, g in enumerate(groups)
            for p in people[index * 15 : index * 15 + 14]
            for kind in ("notes", "reflection")
        ],
        batch_size=10000,
    )


def _visits(sessions: list[StudySession], year: int, rng: random.Random, observers) -> list[ObserverVisit]:
    """A visit to one session in 48, by one of ``observers``."""
    return ObserverVisit.objects.bulk_create(
        [
            ObserverVisit(
                code=f"{s.code}-v",
                organization_id=s.group.organization.parent_id or s.group.organization_id,
                session=s,
                observer=rng.choice(observers),
                mode="random",
                rating="good",
                report="旁听报告",
                reported_on=datetime.date(year, 12, 1),
            )
            for i, s in enumerate(sessions)
            if i % 48 == 0
        ],
        batch_size=5000,
    )


def _actions(visits, groups: list[StudyGroup], people: list[Person], year: int, rng: random.Random) -> None:
    """An action raised from each visit, owned by the group's leader."""
    Action.objects.bulk_create(
        [
            Action(
                code=f"{v.code}-a",
                group=v.session.group,
                visit=v,
                problem="研讨不够聚焦",
                owner=people[groups.index(v.session.group) * 15],
                raised_on=datetime.date(year, 6, 1),
                due_on=datetime.date(year, 9, 1),
                status=rng.choice(["open", "in_progress", "done"]),
            )
            for v in visits
        ],
        batch_size=5000,
    )
