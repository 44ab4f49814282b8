"""The records bundle: round trips, every kind of bad bundle, idempotence, the year figures of a bundle."""

import copy
import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audits.models import Action, Inspection, ObserverVisit
from reports.bundle.exporter import export
from reports.bundle.importer import BundleError, import_bundle
from reports.bundle.schema import SCHEMA
from reports.figures import year_figures
from sessions.models import Attendance, StudySession, Submission
from studygroup.models import Organization, Person, StudyGroup
from studygroup.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db
T = "T09:00:00+08:00"


def full_bundle() -> dict:
    """A bundle that uses every key and every vocabulary value, in the exporter's canonical form."""
    kinds = [
        "collective",
        "reading_class",
        "expert_lecture",
        "field_teaching",
        "first_topic",
        "micro_lecture",
        "case_review",
        "research_exchange",
    ]
    statuses = ["present", "late", "leave", "absent", "made_up"]
    sub_statuses = ["draft", "submitted", "first_review", "second_review", "approved", "returned"]
    sessions = []
    for index, kind in enumerate(kinds):
        day = f"2024-{index + 1:02d}-15"
        sessions.append(
            {
                "code": f"s{index}",
                "group": "g-town" if index % 2 == 0 else "g-town2",
                "kind": kind,
                "title": f"第{index + 1}次学习",
                "starts_at": f"{day}{T}",
                "ends_at": f"{day}T11:30:00+08:00",
                "topics": [f"t{index}"] if index < 3 else [],
                "expanded": index == 1,
                "location": "会议室" if index else None,
                "online": index == 2,
                "speakers": ["p1"] if index == 0 else [],
                "attendance": [{"person": p, "status": statuses[(index + n) % 5]} for n, p in enumerate(["p1", "p2"])]
                if index % 2 == 0
                else [{"person": "p3", "status": statuses[index % 5]}],
                "guests": [{"name": "某村党支部书记", "org": None}, {"name": "王某", "org": "某村"}]
                if index == 1
                else [],
                "minutes": "会议记录" if index < 4 else None,
                "submissions": [
                    {
                        "person": "p1",
                        "kind": ["notes", "reflection", "discussion"][n % 3],
                        "title": f"材料{index}-{n}",
                        "text": "正文" if n else None,
                        "status": sub_statuses[(index + n) % 6],
                        "submitted_on": None
                        if sub_statuses[(index + n) % 6] == "draft"
                        else f"2024-{index + 1:02d}-20",
                    }
                    for n in range(2)
                ]
                if index % 2 == 0
                else [],
            }
        )
    return {
        "format": "studygroup-records",
        "version": 1,
        "organizations": [
            {"code": "city", "name": "中共某市委员会", "parent": None},
            {"code": "town", "name": "中共某镇委员会", "parent": "city"},
            {"code": "town2", "name": "中共某乡委员会", "parent": "city"},
        ],
        "people": [
            {"code": "p1", "name": "张某", "org": "town", "post": "党委书记"},
            {"code": "p2", "name": "李某", "org": "town", "post": None},
            {"code": "p3", "name": "赵某", "org": "town2", "post": "乡长"},
            {"code": "p4", "name": "钱某", "org": "town2", "post": None},
            {"code": "p9", "name": "王某", "org": "city", "post": "督导员"},
        ],
        "groups": [
            {
                "code": "g-town",
                "org": "town",
                "name": "某镇党委理论学习中心组",
                "members": [{"person": "p1", "role": "leader"}, {"person": "p2", "role": "member"}],
                "rules": ["列席旁听制度", "理论学习中心组学习制度"],
            },
            {
                "code": "g-town2",
                "org": "town2",
                "name": "某乡党委理论学习中心组",
                "members": [{"person": "p3", "role": "deputy"}, {"person": "p4", "role": "secretary"}],
                "rules": [],
            },
        ],
        "plans": [
            {
                "group": "g-town",
                "year": 2024,
                "main_line": "全年主线",
                "status": "approved",
                "selfstudy_targets": {},
                "topics": [
                    {
                        "code": f"t{n}",
                        "month": n + 1,
                        "title": f"专题{n}",
                        "source": source,
                        "lead": "p1" if n else None,
                        "supplementary": n == 4,
                    }
                    for n, source in enumerate(["assigned", "from_report", "leader_set", "solicited", "work_need"])
                ],
            },
            {
                "group": "g-town2",
                "year": 2024,
                "main_line": None,
                "status": "submitted",
                "selfstudy_targets": {},
                "topics": [],
            },
            {
                "group": "g-town",
                "year": 2025,
                "main_line": None,
                "status": "draft",
                "selfstudy_targets": {},
                "topics": [],
            },
        ],
        "sessions": sessions,
        "research": [
            {
                "code": "r1",
                "group": "g-town",
                "year": 2024,
                "title": "调研课题",
                "owner": "p1",
                "reports": [{"title": "调研报告", "submitted_on": "2024-06-30"}],
            },
            {"code": "r2", "group": "g-town2", "year": 2024, "title": "未认领课题", "owner": None, "reports": []},
        ],
        "lectures": [
            {"person": "p1", "on": "2024-03-02", "title": "宣讲", "audience": 45, "place": "文化站"},
            {"person": "p3", "on": "2024-04-02", "title": "微宣讲", "audience": 30, "place": None},
        ],
        "visits": [
            {
                "code": f"v{n}",
                "session": f"s{n}",
                "observer": "p9",
                "mode": mode,
                "online": n == 1,
                "pre_review_on": "2024-01-01" if n == 0 else None,
                "discussion_focused": [True, False, None, True][n],
                "summary_deep": [True, False, None, False][n],
                "report": "旁听报告" if n < 3 else None,
                "reported_on": "2024-05-01" if n < 3 else None,
                "rating": ["excellent", "good", "fair", "poor"][n],
            }
            for n, mode in enumerate(["fixed", "random", "invited", "cross"])
        ],
        "actions": [
            {
                "code": "a1",
                "source": {"visit": "v0"},
                "problem": "研讨不聚焦",
                "measure": "细化题目",
                "raised_on": "2024-02-01",
                "owner": "p1",
                "due_on": "2024-03-01",
                "status": "done",
                "done_on": "2024-02-20",
            },
            {
                "code": "a2",
                "source": {"research": "r1"},
                "problem": "成果转化不够",
                "measure": None,
                "raised_on": "2024-07-01",
                "owner": "p2",
                "due_on": "2024-08-01",
                "status": "in_progress",
                "done_on": None,
            },
            {
                "code": "a3",
                "source": {"inspection": {"group": "g-town2", "year": 2024}},
                "problem": "笔记不全",
                "measure": "补齐",
                "raised_on": "2024-12-11",
                "owner": "p3",
                "due_on": "2025-01-31",
                "status": "open",
                "done_on": None,
            },
            {
                "code": "a4",
                "source": None,
                "problem": "其他问题",
                "measure": None,
                "raised_on": "2024-03-01",
                "owner": "p4",
                "due_on": "2024-04-01",
                "status": "open",
                "done_on": None,
            },
        ],
        "inspections": [
            {
                "group": "g-town2",
                "year": 2024,
                "checklist": "bayou",
                "inspector": "p9",
                "on": "2024-12-10",
                "verdicts": {"plan": "pass", "notes": "needs_work", "summary": "fail"},
                "comment": "总体较好",
            },
            {
                "group": "g-town",
                "year": 2024,
                "checklist": "qiyou",
                "inspector": "p9",
                "on": "2024-12-12",
                "verdicts": {"plan_early": "pass"},
                "comment": None,
            },
        ],
        "summaries": [{"group": "g-town", "year": 2024, "text": "全年共开展集体学习……"}],
        "tests": [],
        "selfstudy": [],
    }


def in_export_order(bundle: dict) -> dict:
    """The exporter lists actions by date raised and inspections by year, group and checklist; drafts stay out."""
    bundle = copy.deepcopy(bundle)
    for session in bundle["sessions"]:
        session["submissions"] = [s for s in session["submissions"] if s["status"] != "draft"]
    bundle["actions"].sort(key=lambda a: (a["raised_on"], a["code"]))
    bundle["inspections"].sort(key=lambda i: (i["year"], i["group"], i["checklist"]))
    return bundle


def counts() -> dict:
    return {
        m.__name__: m.objects.count()
        for m in (Organization, Person, StudySession, Attendance, Submission, ObserverVisit, Action)
    }


def test_every_key_and_value_round_trips():
    bundle = full_bundle()
    import_bundle(json.dumps(bundle, ensure_ascii=False))
    assert export(Organization.objects.get(code="city")) == in_export_order(bundle)


def test_export_import_into_an_empty_database_export_gives_the_same_bytes(tmp_path):
    """An export (the canonical form of the full bundle) imported into an empty database exports byte for byte."""
    exported = json.dumps(in_export_order(full_bundle()), ensure_ascii=False, indent=2) + "\n"
    path = tmp_path / "city.json"
    path.write_text(exported, encoding="utf-8")
    call_command("import_records", str(path), stdout=StringIO(), stderr=StringIO())
    again = StringIO()
    call_command("export_records", "--org", "city", stdout=again)
    assert again.getvalue() == exported


def test_import_twice_equals_import_once():
    first = import_bundle(full_bundle())
    once = (counts(), export(Organization.objects.get(code="city")))
    again = import_bundle(full_bundle())
    assert (counts(), export(Organization.objects.get(code="city"))) == once
    from studygroup.models import AuditEntry

    imported = AuditEntry.objects.filter(action="import").count()
    assert (first.written, again.written) == (imported, 0)
    assert imported > 60


def test_an_import_files_exactly_one_entry_per_record_it_writes():
    """New organizations were logged twice (created by the service, then imported): one entry per record now."""
    from collections import Counter

    from studygroup.models import AuditEntry

    imported = import_bundle(full_bundle())
    entries = list(AuditEntry.objects.values_list("action", "object_type", "object_id"))
    per_record = Counter((kind, pk) for _action, kind, pk in entries)
    assert set(per_record.values()) == {1}
    assert len(entries) == imported.written
    assert {action for action, _kind, _pk in entries} == {"import"}
    assert {"studygroup.organization", "study_sessions.attendance"} <= {kind for kind, _pk in per_record}


def _deep(depth: int) -> str:
    return '{"format": "studygroup-records", "version": 1, "plans": ' + "[" * depth + "]" * depth + "}"


def _second_group_for_town(b):
    b["groups"].append({"code": "g-town-b", "org": "town", "name": "第二个中心组"})
    return b


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda b: "{not json", "$:不是有效的 JSON(第 1 行第 2 列)。"),
        (lambda b: _deep(100_000), "$:嵌套层数过多,不是学习台账文件。"),
        (lambda b: b.update(version=2) or b, "version:不支持的版本 2,应为 1。"),
        (lambda b: b["sessions"][3].update(colour="red") or b, "sessions[3].colour:未知的键。"),
        (
            lambda b: b["sessions"][0]["attendance"][1].update(person="p77") or b,
            'sessions[0].attendance[1].person:未知的编码 "p77"。',
        ),
        (
            lambda b: b["sessions"][2].update(kind="party") or b,
            'sessions[2].kind:"party" 不是以下之一:collective, reading_class, expert_lecture, field_teaching, '
            "first_topic, micro_lecture, case_review, research_exchange。",
        ),
        (lambda b: b["people"].append(dict(b["people"][0])) or b, 'people[5].code:编码 "p1" 重复。'),
        (
            lambda b: b["sessions"][1].update(starts_at="2024-02-15T09:00:00") or b,
            "sessions[1].starts_at:不是 1949 年至 2100 年间带时区偏移的日期时间(例如 2024-03-15T09:00:00+08:00):"
            '"2024-02-15T09:00:00"。',
        ),
        (
            lambda b: b["sessions"][1].update(ends_at="9999-12-31T23:59:59-14:00") or b,
            "sessions[1].ends_at:不是 1949 年至 2100 年间带时区偏移的日期时间",
        ),
        (
            lambda b: b["sessions"][1].update(ends_at="2024-02-15T08:00:00+08:00") or b,
            "sessions[1].ends_at:学习会的结束时间早于开始时间。",
        ),
        (
            lambda b: b["actions"][0].update(raised_on="2024/02/01") or b,
            'actions[0].raised_on:不是 1949 年至 2100 年间的日期(YYYY-MM-DD):"2024/02/01"。',
        ),
        (
            lambda b: b["actions"][0].update(raised_on="9999-01-01") or b,
            "actions[0].raised_on:不是 1949 年至 2100 年间",
        ),
        (lambda b: b["plans"][0].update(year="abc") or b, 'plans[0].year:应为 2000 至 2100 之间的整数,而不是 "abc"。'),
        (
            lambda b: b["inspections"][0]["verdicts"].update(plan="great") or b,
            'inspections[0].verdicts.plan:"great" 不是以下之一:fail, needs_work, pass。',
        ),
        (
            _second_group_for_town,
            'groups[2].org:单位 "town" 已有中心组 groups[0],一个单位只有一个中心组。',
        ),
        (
            lambda b: b["sessions"][0]["attendance"].append({"person": "p1", "status": "absent"}) or b,
            "sessions[0].attendance[2]:与 sessions[0].attendance[0] 重复(person 相同)。",
        ),
        (
            lambda b: b["visits"].append({**b["visits"][0], "code": "v9"}) or b,
            "visits[4]:与 visits[0] 重复(session, observer 相同)。",
        ),
        (lambda b: b["plans"][0].update(topics=1) or b, "plans[0].topics:应为列表。"),
        (lambda b: b["people"][0].update(name="张\x00某") or b, "people[0].name:含有空字符(NUL)。"),
        (lambda b: b["organizations"][0].update(code="ci\x00ty") or b, "organizations[0].code:含有空字符(NUL)。"),
        (
            lambda b: (
                b["actions"][3].update(owner="p-nowhere")
                or b["people"].append({"code": "p-nowhere", "name": "无组人员", "org": "lone"})
                or b["organizations"].append({"code": "lone", "name": "无中心组的单位"})
                or b
            ),
            "actions[3].owner:该人员所在单位及其上级均没有中心组。",
        ),
        (lambda b: b.update(groups={"code": "g"}) or b, "groups:应为列表。"),
        (lambda b: b["sessions"][0].update(attendance="p1") or b, "sessions[0].attendance:应为列表。"),
        (
            lambda b: b["actions"][0].update(source={"visit": ["v0"]}) or b,
            "actions[0].source.visit:未知的编码 ['v0']。",
        ),
        (
            lambda b: b["inspections"][0]["verdicts"].update(plan=["pass"]) or b,
            "inspections[0].verdicts.plan:['pass'] 不是以下之一",
        ),
    ],
)
def test_bad_bundles_are_refused_in_chinese_and_change_nothing(mutate, expected):
    OrganizationFactory(code="existing")
    before = counts()
    document = mutate(copy.deepcopy(full_bundle()))
    with pytest.raises(BundleError) as caught:
        import_bundle(document if isinstance(document, str) else json.dumps(document, ensure_ascii=False))
    assert any(error.startswith(expected) for error in caught.value.errors), caught.value.errors
    assert counts() == before


def test_a_second_visit_of_one_observer_to_a_session_is_refused():
    import_bundle(full_bundle())
    bundle = full_bundle()
    bundle["visits"][0]["code"] = "v0-again"
    before = counts()
    with pytest.raises(BundleError) as caught:
        import_bundle(bundle)
    assert caught.value.errors == ['visits[0]:该旁听人员已有对这次学习会的列席旁听 "v0",每人每次学习会只旁听一次。']
    assert counts() == before


def test_a_group_placed_at_an_organization_that_has_one_is_refused():
    import_bundle(full_bundle())
    bundle = full_bundle()
    bundle["groups"][1]["code"] = "g-town2-new"
    before = counts()
    with pytest.raises(BundleError) as caught:
        import_bundle(bundle)
    assert caught.value.errors == ['groups[1].org:单位 "town2" 已有中心组 "g-town2",一个单位只有一个中心组。']
    assert counts() == before


def test_every_problem_is_reported_at_once():
    bundle = full_bundle()
    bundle["sessions"][0]["kind"] = "party"
    bundle["people"][1]["org"] = "nowhere"
    bundle["lectures"][0]["audience"] = -3
    with pytest.raises(BundleError) as caught:
        import_bundle(bundle)
    assert len(caught.value.errors) == 3


def test_commands_export_import_and_report_errors(tmp_path):
    import_bundle(full_bundle())
    out = StringIO()
    call_command("export_records", "--org", "city", "--year", "2024", stdout=out)
    document = json.loads(out.getvalue())
    assert {p["year"] for p in document["plans"]} == {2024}
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "studygroup-records", "version": 1, "people": [{"code": "x"}]}', encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_records", str(bad), stderr=err)
    assert err.getvalue() == "people[0].name:必须填写。\npeople[0].org:必须填写。\n"
    assert str(caught.value) == "发现 2 个问题,未导入任何记录。"


def test_year_figures_of_a_hand_built_bundle():
    import_bundle(full_bundle())
    figures = year_figures(Organization.objects.get(code="city"), 2024)
    assert figures["groups"] == 2 and figures["sessions"] == 8 and figures["expanded_sessions"] == 1
    assert figures["sessions_by_kind"] == dict.fromkeys(figures["sessions_by_kind"], 1)
    # attendance: s0 present/late, s1 late, s2 leave/absent, s3 absent, s4 made_up/present, s5 present,
    # s6 late/leave, s7 leave -> attended: present 3 + late 3 + made_up 1 = 7 of 12
    assert (figures["attendance_rate"], figures["leave"], figures["absent"], figures["made_up"]) == (
        round(7 / 12, 4),
        3,
        2,
        1,
    )
    # submissions (not drafts): s0 reflection; s2 notes, reflection; s4 notes, reflection; s6 reflection
    assert (figures["notes"], figures["reflections"], figures["discussion_materials"]) == (2, 4, 0)
    assert (figures["research_topics"], figures["research_reports"]) == (2, 1)
    assert (figures["lectures"], figures["lecture_audience"]) == (2, 75)
    assert (figures["observer_visits"], figures["groups_observed"], figures["observation_coverage"]) == (4, 2, 1.0)
    assert (figures["actions"], figures["actions_done"], figures["actions_overdue"]) == (4, 1, 2)
    assert (figures["topics_planned"], figures["topics_held"]) == (5, 3)
    # 八有 by hand: rules g-town only; plan approved g-town (g-town2 submitted = partial); attendance on every
    # session of both; minutes on half of each group's sessions (partial); notes and reflections by p1 only of
    # g-town's p1 and p2 (partial), none by g-town2's p3 (secretary p4 does not count); both groups observed;
    # summary g-town only.
    assert figures["bayou_met"] == {
        "rules": 1,
        "plan": 1,
        "attendance": 2,
        "minutes": 0,
        "notes": 0,
        "reflections": 0,
        "inspection": 2,
        "summary": 1,
    }
    assert figures["bayou_all_met"] == 0


# The minimal bundle the format permits ------------------------------------------------------------

MINIMAL = {
    "format": "studygroup-records",
    "version": 1,
    "organizations": [{"code": "city", "name": "中共某市委员会"}],
    "people": [{"code": "p1", "name": "张某", "org": "city"}],
    "groups": [{"code": "g", "org": "city", "name": "某市委理论学习中心组", "members": [{"person": "p1"}]}],
    "plans": [
        {
            "group": "g",
            "year": 2024,
            "status": "draft",
            "topics": [{"code": "t1", "month": 1, "title": "专题", "source": "assigned"}],
        }
    ],
    "sessions": [
        {
            "code": "s1",
            "group": "g",
            "kind": "collective",
            "title": "集体学习",
            "starts_at": "2024-01-20T09:00:00+08:00",
            "attendance": [{"person": "p1", "status": "present"}],
            "guests": [{"name": "某村党支部书记"}],
            "submissions": [{"person": "p1", "kind": "notes", "title": "笔记", "status": "submitted"}],
        }
    ],
    "research": [{"code": "r1", "group": "g", "year": 2024, "title": "课题", "reports": [{"title": "报告"}]}],
    "lectures": [{"person": "p1", "on": "2024-03-02", "title": "宣讲"}],
    "visits": [{"code": "v1", "session": "s1", "observer": "p1"}],
    "actions": [{"code": "a1", "problem": "问题", "raised_on": "2024-02-01", "owner": "p1", "status": "open"}],
    "inspections": [{"group": "g", "year": 2024, "inspector": "p1", "on": "2024-12-10"}],
    "summaries": [{"group": "g", "year": 2024, "text": "总结"}],
}


def test_the_minimal_bundle_imports_with_the_documented_defaults():
    import_bundle(MINIMAL)
    document = export(Organization.objects.get(code="city"))
    session = document["sessions"][0]
    assert (session["starts_at"], session["ends_at"]) == ("2024-01-20T09:00:00+08:00", "2024-01-20T11:00:00+08:00")
    assert document["groups"][0]["members"] == [{"person": "p1", "role": "member"}]
    assert document["actions"][0]["due_on"] == "2024-12-31"
    assert document["research"][0]["reports"] == [{"title": "报告", "submitted_on": "2024-12-31"}]
    assert (document["inspections"][0]["checklist"], document["inspections"][0]["verdicts"]) == ("bayou", {})
    assert document["visits"][0]["mode"] is None
    assert (document["lectures"][0]["audience"], document["lectures"][0]["place"]) == (0, None)
    assert (document["tests"], document["selfstudy"]) == ([], [])


def _optional_keys(spec: dict, prefix: tuple = ()) -> list[tuple]:
    keys = []
    for key, kind in spec.items():
        if isinstance(kind, list):
            keys.append((*prefix, key))
            keys += _optional_keys(kind[0], (*prefix, key))
        elif kind.startswith("?"):
            keys.append((*prefix, key))
    return keys


OPTIONAL = [(name, *path) for name, spec in SCHEMA.items() for path in _optional_keys(spec)] + [
    ("tests",),
    ("selfstudy",),
]


def _drop(node, path: tuple, *, null: bool) -> None:
    """Leave out (or set to null) the key at ``path`` in every object of the list ``node``."""
    for item in node if isinstance(node, list) else [node]:
        if len(path) == 1:
            if path[0] == "checklist" and item.get("checklist") != "bayou":
                continue  # a qiyou inspection needs its checklist named; absent means bayou
            if null:
                item[path[0]] = None
            else:
                item.pop(path[0], None)
        elif item.get(path[0]) is not None:
            _drop(item[path[0]], path[1:], null=null)


@pytest.mark.parametrize("null", [False, True], ids=["absent", "null"])
@pytest.mark.parametrize("path", OPTIONAL, ids=".".join)
def test_every_optional_key_may_be_left_out(path, null):
    bundle = full_bundle()
    if len(path) == 1:
        bundle.pop(path[0])
    else:
        _drop(bundle[path[0]], path[1:], null=null)
    if path == ("plans", "topics"):
        _drop(bundle["sessions"], ("topics",), null=null)  # nothing left to refer to
    import_bundle(bundle)
    assert StudySession.objects.count() == 8
    assert Organization.objects.filter(code="town2").exists()


def test_export_never_includes_drafts():
    import_bundle(full_bundle())
    document = export(Organization.objects.get(code="city"))
    statuses = {x["status"] for s in document["sessions"] for x in s["submissions"]}
    assert "draft" not in statuses
    assert Submission.objects.filter(status="draft").count() == 2
    assert {x["title"] for s in document["sessions"] for x in s["submissions"]} == {
        "材料0-1",
        "材料2-0",
        "材料2-1",
        "材料4-0",
        "材料4-1",
        "材料6-1",
    }


# Imports from a staff page: only the staff's subtree, never someone else's facts ------------------


@pytest.fixture
def tree():
    """A demo-like tree: the city, county 清河 with town 白沙, and county 东山; records at every level."""
    from audits.tests.factories import ActionFactory, ChecklistFactory, ObserverVisitFactory
    from plans.tests.factories import PlanTopicFactory, ResearchTopicFactory, StudyPlanFactory
    from sessions.tests.factories import AttendanceFactory, StudySessionFactory
    from studygroup.tests.factories import MembershipFactory, PersonFactory, StudyGroupFactory, user_with_role

    city = OrganizationFactory(code="lj", name="中共临江市委员会")
    qinghe = OrganizationFactory(code="lj-qh", name="中共清河县委员会", parent=city)
    baisha = OrganizationFactory(code="lj-qh-bs", name="中共清河县白沙镇委员会", parent=qinghe)
    dongshan = OrganizationFactory(code="lj-ds", name="中共东山县委员会", parent=city)
    groups = {o.code: StudyGroupFactory(organization=o, code=f"{o.code}-zxz") for o in (city, qinghe, baisha, dongshan)}
    people = {
        "leader.city": PersonFactory(code="lj-p01", name="陈建国", organization=city),
        "staff.city": PersonFactory(code="lj-staff", name="宋晓琳", organization=city),
        "inspector.city": PersonFactory(code="lj-insp", name="罗雪琳", organization=city),
        "observer.qinghe": PersonFactory(code="lj-qh-obs", name="何晓东", organization=qinghe),
        "inspector.qinghe": PersonFactory(code="lj-qh-insp", name="郑宏亮", organization=qinghe),
        "bs1": PersonFactory(code="lj-qh-bs-p01", name="王建华", organization=baisha),
        "bs2": PersonFactory(code="lj-qh-bs-p02", name="李明", organization=baisha),
        "ds1": PersonFactory(code="lj-ds-p01", name="赵军", organization=dongshan),
    }
    MembershipFactory(group=groups["lj"], person=people["leader.city"], role="leader")
    MembershipFactory(group=groups["lj-qh-bs"], person=people["bs1"], role="leader")
    MembershipFactory(group=groups["lj-qh-bs"], person=people["bs2"])
    ChecklistFactory(code="bayou")
    when = datetime.datetime(2026, 3, 10, 9, tzinfo=datetime.UTC)
    city_plan = StudyPlanFactory(group=groups["lj"], status="approved")
    PlanTopicFactory(plan=city_plan, code="lj-t1", title="市委专题")
    StudySessionFactory(group=groups["lj"], code="lj-s1", title="市委集体学习", starts_at=when)
    qh_session = StudySessionFactory(group=groups["lj-qh"], code="lj-qh-s1", title="县委集体学习", starts_at=when)
    ObserverVisitFactory(code="lj-v1", session=qh_session, observer=people["inspector.city"], report="市里的旁听报告")
    ResearchTopicFactory(group=groups["lj"], code="lj-r1", title="市委调研课题")
    ActionFactory(code="lj-ds-a1", group=groups["lj-ds"], owner=people["ds1"], status="open")
    StudyPlanFactory(group=groups["lj-qh-bs"], status="draft")
    bs_session = StudySessionFactory(
        group=groups["lj-qh-bs"], code="lj-qh-bs-s1", title="白沙镇集体学习", starts_at=when
    )
    AttendanceFactory(session=bs_session, person=people["bs1"])
    # The county's own records about the town: a visit, its action, an inspection. The town exports them.
    visit = ObserverVisitFactory(code="lj-qh-v1", session=bs_session, observer=people["observer.qinghe"])
    ActionFactory(code="lj-qh-bs-a1", group=groups["lj-qh-bs"], owner=people["bs1"], visit=visit)
    staff = user_with_role("staff", baisha, username="staff.baisha")
    return {"orgs": {o.code: o for o in (city, qinghe, baisha, dongshan)}, "people": people, "staff": staff}


def _database() -> list:
    """Every row of every table an import writes, to prove that a refusal changed nothing."""
    from django.apps import apps

    labels = ["studygroup", "plans", "study_sessions", "audits", "reports"]
    return [
        (model._meta.label, list(model.objects.order_by("pk").values()))
        for label in labels
        for model in apps.get_app_config(label).get_models()
    ]


def _town_bundle(tree) -> dict:
    return export(tree["orgs"]["lj-qh-bs"])


def _takeover(b):
    """Issue 13, hole 1: the town's group under a new organization, the neighbouring county's group under the town."""
    b["organizations"].append({"code": "lj-qh-bs-new", "name": "新单位", "parent": "lj-qh-bs"})
    b["groups"][0]["org"] = "lj-qh-bs-new"
    b["organizations"].append({"code": "lj-ds", "name": "中共东山县委员会", "parent": "lj"})
    b["groups"].append({"code": "lj-ds-zxz", "org": "lj-qh-bs", "name": "东山县委中心组"})


def _city_session(b):
    b["sessions"].append({**b["sessions"][0], "code": "lj-s1", "title": "市委集体学习", "attendance": []})


def _city_research(b):
    b["research"].append({"code": "lj-r1", "group": "lj-qh-bs-zxz", "year": 2026, "title": "市委调研课题"})


def _city_topic(b):
    b["plans"][0]["topics"] = [{"code": "lj-t1", "month": 3, "title": "市委专题", "source": "assigned"}]


def _city_staff_renamed(b):
    b["people"].append({"code": "lj-staff", "name": "改名", "org": "lj-qh-bs"})


def _city_visit_report(b):
    b["sessions"].append(
        {
            "code": "lj-qh-s1",
            "group": "lj-qh-zxz",
            "kind": "collective",
            "title": "县委集体学习",
            "starts_at": "2026-03-10T17:00:00+08:00",
            "ends_at": "2026-03-10T19:30:00+08:00",
        }
    )
    b["visits"].append(
        {"code": "lj-v1", "session": "lj-qh-s1", "observer": "lj-insp", "mode": "fixed", "report": "改写的旁听报告"}
    )


def _county_visit_to_the_town_rewritten(b):
    b["visits"][0]["report"] = "镇里改写的旁听报告"
    b["visits"][0]["rating"] = "excellent"


def _other_county_action(b):
    b["actions"].append(
        {
            "code": "lj-ds-a1",
            "problem": "研讨不够聚焦",
            "raised_on": "2026-03-01",
            "owner": "lj-ds-p01",
            "due_on": "2026-04-30",
            "status": "done",
            "done_on": "2026-03-20",
        }
    )


def _seat_city_leader(b):
    b["groups"][0]["members"].append({"person": "lj-p01", "role": "leader"})


def _lecture_of_city_leader(b):
    b["lectures"].append({"person": "lj-p01", "on": "2026-03-02", "title": "宣讲全会精神", "audience": 300})


def _approved_plan(b):
    b["plans"][0]["status"] = "approved"


def _inspection_signed_by_city(b):
    b["inspections"].append(
        {
            "group": "lj-qh-bs-zxz",
            "year": 2026,
            "checklist": "bayou",
            "inspector": "lj-insp",
            "on": "2026-12-10",
            "verdicts": {"plan": "pass"},
        }
    )


def _visit_rated_excellent(b):
    b["visits"].append(
        {
            "code": "lj-qh-v9",
            "session": "lj-qh-bs-s1",
            "observer": "lj-qh-insp",
            "mode": "random",
            "rating": "excellent",
            "report": "很好",
        }
    )


def _discussion_approved(b):
    b["sessions"][0]["submissions"] = [
        {"person": "lj-qh-bs-p02", "kind": "discussion", "title": "研讨材料", "status": "approved"}
    ]


def _topic_of_the_city_linked(b):
    b["sessions"][0]["topics"] = ["lj-t1"]


def _organization_under_another_county(b):
    b["organizations"].append({"code": "lj-ds-new", "name": "东山县新单位", "parent": "lj-ds"})


def _county_action_closed(b):
    b["actions"][0]["status"] = "done"
    b["actions"][0]["done_on"] = "2026-03-20"


ATTACKS = [
    (
        _takeover,
        "groups[1]:中心组“lj-ds-zxz 东山县委中心组”属于中共东山县委员会,不在中共清河县白沙镇委员会及其下级范围内,本页面不能修改。",
    ),
    (
        _city_session,
        "sessions[1]:学习会“lj-s1 市委集体学习”属于中共临江市委员会,不在中共清河县白沙镇委员会及其下级范围内",
    ),
    (_city_research, "research[0]:调研课题“lj-r1 市委调研课题”属于中共临江市委员会"),
    (_city_topic, "plans[0].topics[0]:学习专题“lj-t1 市委专题”属于中共临江市委员会"),
    (_city_staff_renamed, "people[4]:人员“lj-staff 宋晓琳”属于中共临江市委员会"),
    (_city_visit_report, "visits[1]:列席旁听“lj-v1”属于中共清河县委员会"),
    (_county_visit_to_the_town_rewritten, "visits[0]:列席旁听由安排旁听的上级(中共清河县委员会)记录,本页面不能导入。"),
    (_other_county_action, "actions[1]:整改事项“lj-ds-a1”属于中共东山县委员会"),
    (
        _seat_city_leader,
        "groups[0].members[2]:人员“lj-p01 陈建国”是中共临江市委员会的人员,不在中共清河县白沙镇委员会及其下级范围内",
    ),
    (_lecture_of_city_leader, "lectures[0].person:人员“lj-p01 陈建国”是中共临江市委员会的人员"),
    (_approved_plan, "plans[0].status:学习计划只能由组长审批,本页面不导入审批结果。"),
    (_inspection_signed_by_city, "inspections[0]:检查及检查结论由上级记录,本页面不能导入。"),
    (_visit_rated_excellent, "visits[1]:列席旁听由安排旁听的上级(中共清河县委员会)记录,本页面不能导入。"),
    (_discussion_approved, "sessions[0].submissions[0].status:研讨材料的二审和审定由二审人和组长作出,本页面不能导入。"),
    (_topic_of_the_city_linked, "sessions[0].topics[0]:学习专题“lj-t1 市委专题”属于中共临江市委员会"),
    (
        _organization_under_another_county,
        "organizations[3]:单位“lj-ds-new 东山县新单位”将建在中共清河县白沙镇委员会及其下级范围之外。",
    ),
    (_county_action_closed, "actions[0]:该整改事项由上级的列席旁听或检查提出,本页面不能导入。"),
]


@pytest.mark.parametrize(("attack", "refusal"), ATTACKS, ids=[a.__name__.strip("_") for a, _r in ATTACKS])
def test_town_staff_cannot_write_what_is_not_theirs(tree, attack, refusal):
    bundle = _town_bundle(tree)
    attack(bundle)
    before = _database()
    with pytest.raises(BundleError) as caught:
        import_bundle(bundle, root=tree["orgs"]["lj-qh-bs"], by=tree["staff"], ip_address="10.0.0.7")
    assert any(error.startswith(refusal) for error in caught.value.errors), caught.value.errors
    assert _database() == before


def test_town_staff_cannot_seat_themselves(tree):
    bundle = _town_bundle(tree)
    me = tree["staff"].person
    bundle["groups"][0]["members"].append({"person": me.code, "role": "leader"})
    before = _database()
    with pytest.raises(BundleError) as caught:
        import_bundle(bundle, root=tree["orgs"]["lj-qh-bs"], by=tree["staff"])
    assert caught.value.errors == ["groups[0].members[2]:不能给自己安排席位或更改自己的角色。"]
    assert _database() == before


def test_the_attacks_come_in_through_the_administrators_command(tree, tmp_path):
    bundle = _town_bundle(tree)
    for attack, _refusal in ATTACKS[1:]:  # the takeover moves groups: not one bundle with the others
        attack(bundle)
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    call_command("import_records", str(path), stdout=StringIO(), stderr=StringIO())
    assert StudySession.objects.get(code="lj-s1").group.code == "lj-qh-bs-zxz"
    assert Action.objects.get(code="lj-ds-a1").status == "done"
    assert ObserverVisit.objects.get(code="lj-v1").report == "改写的旁听报告"


def test_a_town_reimports_its_own_export_with_the_upper_levels_records_unchanged(tree):
    bundle = _town_bundle(tree)
    assert {v["code"] for v in bundle["visits"]} == {"lj-qh-v1"}
    assert "lj-qh-obs" in {p["code"] for p in bundle["people"]}
    before = _database()
    import_bundle(bundle, root=tree["orgs"]["lj-qh-bs"], by=tree["staff"])
    assert _database() == before


def test_a_county_records_its_own_visit_and_inspection_of_a_town(tree):
    from studygroup.tests.factories import user_with_role

    qinghe = tree["orgs"]["lj-qh"]
    bundle = export(qinghe)
    bundle["visits"].append({"code": "lj-qh-v2", "session": "lj-qh-bs-s1", "observer": "lj-qh-insp", "rating": "good"})
    bundle["inspections"].append(
        {"group": "lj-qh-bs-zxz", "year": 2026, "inspector": "lj-qh-insp", "on": "2026-12-10", "verdicts": {}}
    )
    import_bundle(bundle, root=qinghe, by=user_with_role("staff", qinghe))
    assert ObserverVisit.objects.get(code="lj-qh-v2").organization == qinghe
    assert Inspection.objects.get(group__code="lj-qh-bs-zxz").inspector.code == "lj-qh-insp"


def test_the_takeover_through_the_page_is_refused_in_chinese(tree, client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(tree["staff"])
    bundle = _town_bundle(tree)
    _takeover(bundle)
    before = _database()
    upload = SimpleUploadedFile("town.json", json.dumps(bundle, ensure_ascii=False).encode())
    response = client.post(reverse("reports:records"), {"bundle": upload})
    page = response.content.decode()
    assert response.status_code == 200
    assert "发现 1 个问题,未导入任何数据。" in page
    assert "中心组“lj-ds-zxz 东山县委中心组”属于中共东山县委员会" in page
    assert _database() == before
    assert StudyGroup.objects.get(code="lj-ds-zxz").organization.code == "lj-ds"


def test_staff_page_exports_and_imports_within_the_subtree(tree, client, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(tree["staff"])
    response = client.get(reverse("reports:records") + "?download=1")
    document = json.loads(b"".join(response.streaming_content))
    assert {g["code"] for g in document["groups"]} == {"lj-qh-bs-zxz"}
    document["sessions"][0]["title"] = "改过的标题"
    upload = SimpleUploadedFile("town.json", json.dumps(document, ensure_ascii=False).encode())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:records"), {"bundle": upload})
    page = client.get(response.url).content.decode()
    assert "台账已导入:新增或修改 1 条记录。" in page
    assert StudySession.objects.get(code="lj-qh-bs-s1").title == "改过的标题"


@pytest.mark.parametrize("year", ["abc", "99999999999999999999", "1800", "２０２６"])
def test_a_download_for_a_year_not_offered_is_refused_in_chinese(tree, client, year):
    from django.urls import reverse

    client.force_login(tree["staff"])
    response = client.get(reverse("reports:records"), {"download": "1", "year": year})
    assert response.status_code == 400
    assert "请从列表中选择要下载的年份。" in response.content.decode()


def test_a_viewer_has_no_import_page(tree, client):
    from django.urls import reverse

    from studygroup.tests.factories import user_with_role

    client.force_login(user_with_role("viewer", tree["orgs"]["lj-qh-bs"]))
    assert client.get(reverse("reports:records")).status_code == 403


# The audit log: every record imported, filed under its owner; every download --------------------------


def test_an_import_files_one_entry_per_record_under_its_owner_with_user_and_address(
    tree, client, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from studygroup.models import AuditEntry
    from studygroup.tests.factories import user_with_role

    qinghe, baisha = tree["orgs"]["lj-qh"], tree["orgs"]["lj-qh-bs"]
    staff = user_with_role("staff", qinghe, username="staff.qinghe")
    bundle = export(qinghe)
    town_session = next(s for s in bundle["sessions"] if s["code"] == "lj-qh-bs-s1")
    town_session["title"] = "改过的标题"
    town_session["attendance"].append({"person": "lj-qh-bs-p02", "status": "leave"})
    client.force_login(staff)
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    upload = SimpleUploadedFile("county.json", json.dumps(bundle, ensure_ascii=False).encode())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:records"), {"bundle": upload}, REMOTE_ADDR="10.1.2.3")
    entries = AuditEntry.objects.exclude(pk__in=before).order_by("object_type")
    assert [(e.action, e.object_type, e.username, e.ip_address, e.organization_path) for e in entries] == [
        ("import", "study_sessions.attendance", "staff.qinghe", "10.1.2.3", baisha.path),
        ("import", "study_sessions.studysession", "staff.qinghe", "10.1.2.3", baisha.path),
    ]
    assert entries[1].changes == {"title": ["白沙镇集体学习", "改过的标题"]}
    assert entries[0].changes["status"] == [None, "leave"]


def test_a_download_from_the_page_is_logged(tree, client):
    from django.urls import reverse

    from studygroup.models import AuditEntry

    client.force_login(tree["staff"])
    client.get(reverse("reports:records"), {"download": "1", "year": "2026"}, REMOTE_ADDR="10.1.2.4")
    entry = AuditEntry.objects.get(action="export")
    assert (entry.username, entry.ip_address, entry.organization_path) == (
        "staff.baisha",
        "10.1.2.4",
        tree["orgs"]["lj-qh-bs"].path,
    )
    assert entry.changes["year"] == 2026 and entry.changes["records"]["sessions"] == 1
