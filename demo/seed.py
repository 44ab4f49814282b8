"""The demo hierarchy of the city of Linjiang: organizations, groups, people and logins.

``seed_demo`` builds it; running it again finds every record by its code and
changes nothing.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from studygroup import audit, services
from studygroup.models import AuditEntry, Membership, Organization, Person, RoleGrant, StudyGroup, User

DEMO_PASSWORD = "Linjiang-2026"  # noqa: S105 - demo only, printed for the newcomer
DEMO_START = datetime.date(2026, 1, 1)

K = Organization.Kind
# (code, name, kind, parent code)
ORGANIZATIONS = [
    ("lj", "中共临江市委员会", K.CITY, None),
    ("lj-zzb", "中共临江市委组织部", K.DEPARTMENT, "lj"),
    ("lj-xcb", "中共临江市委宣传部", K.DEPARTMENT, "lj"),
    ("lj-jyj", "临江市教育局党组", K.DEPARTMENT, "lj"),
    ("lj-jb", "中共临江市江北区委员会", K.COUNTY, "lj"),
    ("lj-jb-lw", "中共临江市江北区柳湾街道工作委员会", K.TOWN, "lj-jb"),
    ("lj-jb-xg", "中共临江市江北区新港镇委员会", K.TOWN, "lj-jb"),
    ("lj-qh", "中共清河县委员会", K.COUNTY, "lj"),
    ("lj-qh-cg", "中共清河县城关镇委员会", K.TOWN, "lj-qh"),
    ("lj-qh-bs", "中共清河县白沙镇委员会", K.TOWN, "lj-qh"),
    ("lj-qh-sq", "中共清河县石桥乡委员会", K.TOWN, "lj-qh"),
    ("lj-ds", "中共东山县委员会", K.COUNTY, "lj"),
    ("lj-ds-yl", "中共东山县云岭镇委员会", K.TOWN, "lj-ds"),
    ("lj-ds-ty", "中共东山县桃源镇委员会", K.TOWN, "lj-ds"),
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金"
    "石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "建国华明军伟芳敏静丽强磊洋勇艳杰娟涛超秀英霞平刚桂兰玉梅志红海燕波辉晓东鹏飞宇浩然文博俊峰雪琳宏亮春晖永胜立新振华德福"

POSTS = {
    K.CITY: ("市委书记", "市委副书记、市长", "市委常委", "市委常委、办公室主任"),
    K.COUNTY: ("书记", "副书记、县长", "常委", "常委、办公室主任"),
    K.DEPARTMENT: ("部长(党组书记)", "常务副部长", "副部长", "办公室主任"),
    K.TOWN: ("党委书记", "党委副书记、镇长", "党委委员", "党政办主任"),
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    organization: str
    name: str
    post: str
    description: str


# Each login: username, role (a grant or "member"), organization code, name, post, what it shows.
LOGINS = [
    DemoLogin("staff.city", "staff", "lj", "宋晓琳", "市委办公室综合科科长", "市委中心组办公室工作人员"),
    DemoLogin("leader.city", "leader", "lj", "陈建国", "市委书记", "市委中心组组长"),
    DemoLogin("viewer.city", "viewer", "lj", "周文博", "市委常委、宣传部部长", "市级领导,查看全市看板"),
    DemoLogin("observer.city", "observer", "lj-xcb", "马俊峰", "市委宣传部理论科科长", "列席旁听人员"),
    DemoLogin("inspector.city", "inspector", "lj", "罗雪琳", "市委督查室主任", "“八有”检查人员"),
    DemoLogin("staff.qinghe", "staff", "lj-qh", "何晓东", "县委办公室副主任", "清河县委中心组工作人员"),
    DemoLogin("viewer.qinghe", "viewer", "lj-qh", "郑宏亮", "县委副书记", "清河县领导,查看本县看板"),
    DemoLogin("staff.chengguan", "staff", "lj-qh-cg", "谢春晖", "党政办主任", "城关镇党委中心组工作人员"),
    DemoLogin("member.chengguan", "member", "lj-qh-cg", "林海燕", "党委委员、组织委员", "城关镇党委中心组成员"),
    DemoLogin("staff.baisha", "staff", "lj-qh-bs", "曹立新", "党政办主任", "白沙镇党委中心组工作人员"),
]
ADMIN_USERNAME = "admin"

# How each group's year reads. Two groups meet every item of 八有 (their next sessions fall in the next
# month, so nothing of this year is still to come), one is clearly behind (plan still a draft, gaps in
# attendance and minutes, few notes, nobody observed it), the rest are good with ordinary gaps.
MODEL_GROUPS = {"lj-jb-zxz", "lj-jb-lw-zxz"}
BEHIND_GROUPS = {"lj-qh-bs-zxz"}
# The group whose last session was three days ago: observer.city attended it and has the report to write.
RECENT_GROUP = "lj-ds-ty-zxz"
# Absences left without a make-up long after their deadline: a handful in the whole city, not hundreds.
OVERDUE_MAKEUPS = {"lj-qh-bs-zxz": 4, "lj-qh-sq-zxz": 2, "lj-ds-ty-zxz": 1, "lj-jb-xg-zxz": 1}


def _organizations() -> dict[str, Organization]:
    by_code = {org.code: org for org in Organization.objects.filter(code__in=[o[0] for o in ORGANIZATIONS])}
    for code, name, kind, parent_code in ORGANIZATIONS:
        if code not in by_code:
            parent = by_code[parent_code] if parent_code else None
            by_code[code] = services.organization_create(code=code, name=name, kind=kind, parent=parent)
    return by_code


def _person(*, code: str, organization: Organization, name: str, post: str) -> Person:
    person = Person.objects.filter(code=code).first()
    return person or services.person_create(organization=organization, name=name, post=post, code=code)


def _seat(*, group: StudyGroup, person: Person, role: str) -> None:
    if not Membership.objects.filter(group=group, person=person).exists():
        Membership.objects.create(group=group, person=person, role=role, start_on=DEMO_START)


def _group_with_members(organization: Organization) -> StudyGroup:
    group = StudyGroup.objects.filter(organization=organization).first()
    if group is None:
        group = services.group_create(organization=organization, code=f"{organization.code}-zxz")
    rng = random.Random(organization.code)
    size = rng.randint(8, 14)  # the demo logins may add one more seat
    leader_post, deputy_post, member_post, secretary_post = POSTS[organization.kind]
    for index in range(size):
        if index == 0:
            role, post = Membership.Role.LEADER, leader_post
        elif index == 1:
            role, post = Membership.Role.DEPUTY, deputy_post
        elif index == size - 1:
            role, post = Membership.Role.SECRETARY, secretary_post
        else:
            role, post = Membership.Role.MEMBER, member_post
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        person = _person(code=f"{organization.code}-p{index + 1:02d}", organization=organization, name=name, post=post)
        _seat(group=group, person=person, role=role)
    return group


def _login(login: DemoLogin, organizations: dict[str, Organization], password: str) -> User:
    user = User.objects.filter(username=login.username).first()
    if user is None:
        # The hash is computed once for every login: hashing eleven times took most of the seeding time.
        user = User.objects.create(username=login.username, password=password)
    organization = organizations[login.organization]
    person = Person.objects.filter(user=user).first() or _person(
        code=f"demo-{login.username}", organization=organization, name=login.name, post=login.post
    )
    if person.user_id is None:
        Person.objects.filter(pk=person.pk).update(user=user)
    group = StudyGroup.objects.get(organization=organization)
    if login.role == "member":
        _seat(group=group, person=person, role=Membership.Role.MEMBER)
        return user
    if not RoleGrant.objects.filter(person=person, organization=organization, role=login.role).exists():
        services.role_grant(person=person, organization=organization, role=login.role)
    if login.role == "leader":
        # The city's leader is the group leader in person: replace the drawn leader's seat.
        seated = Membership.objects.filter(group=group, person=person).exists()
        if not seated:
            Membership.objects.filter(group=group, role=Membership.Role.LEADER).update(role=Membership.Role.MEMBER)
            _seat(group=group, person=person, role=Membership.Role.LEADER)
    return user


@transaction.atomic
def seed_demo() -> list[DemoLogin]:
    """Create what is missing of the demo; return the demo logins."""
    counts = _audited_counts()
    organizations = _organizations()
    for organization in organizations.values():
        _group_with_members(organization)
    password = make_password(DEMO_PASSWORD)
    for login in LOGINS:
        _login(login, organizations, password)
    if not User.objects.filter(username=ADMIN_USERNAME).exists():
        User.objects.create(username=ADMIN_USERNAME, password=password, is_staff=True, is_superuser=True)
    from demo.assessments import seed_tests
    from demo.audits import seed_audits
    from demo.plans import seed_materials, seed_plans, seed_supplements
    from demo.sessions import seed_sessions
    from practice.demo import seed_practice

    seed_plans()
    seed_sessions()
    seed_materials()
    seed_supplements()
    seed_audits()
    seed_tests()
    seed_practice()
    _digests(organizations["lj"])
    _log_seeding(counts, organizations["lj"])
    _build_rollups()
    return LOGINS


def _build_rollups() -> None:
    """Build the rollups of this year and of every year the seeding marked, as the nightly job does, so the demo
    shows stored figures (“数据截至”) like production rather than computing them on every page."""
    from reports.rollups import rebuild
    from studygroup.models import DirtyRollup

    marked = DirtyRollup.objects.order_by().values_list("year", flat=True).distinct()
    for year in sorted({timezone.localdate().year, *marked}):
        rebuild(year)


def _audited_counts() -> dict[str, int]:
    return {model._meta.label_lower: model._default_manager.count() for model in audit.audited_models()}


def _log_seeding(before: dict[str, int], city: Organization) -> None:
    """Log what the seeding added, in one entry filed under the city: the demo's records are made up, written by
    nobody, and most of them in bulk (the few written through services have an entry each as well)."""
    added = {label: count - before[label] for label, count in _audited_counts().items() if count != before[label]}
    if added:
        audit.write(action=AuditEntry.Action.IMPORT, changes={"seed_demo": added}, organization_path=city.path)


def _digests(city: Organization) -> None:
    """The city's digests of the year, one a month: published up to the month before last, last month's
    compiled and waiting for staff.city to read it over and publish (no notifications for demo records)."""
    from reports.models import MonthlyDigest
    from reports.services import digest_compile

    today = timezone.localdate()
    done = set(MonthlyDigest.objects.filter(organization=city, year=today.year).values_list("month", flat=True))
    for month in range(1, today.month):
        if month in done:
            continue
        digest = digest_compile(organization=city, year=today.year, month=month)
        if month < today.month - 1:
            out = datetime.datetime(today.year, month + 1, 6, 16, 0, tzinfo=timezone.get_current_timezone())
            MonthlyDigest.objects.filter(pk=digest.pk).update(
                status=MonthlyDigest.Status.PUBLISHED, compiled_at=out - datetime.timedelta(days=2), published_at=out
            )
