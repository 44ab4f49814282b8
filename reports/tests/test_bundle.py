"""The records bundle: round trips, every kind of bad bundle, idempotence, the year figures of a bundle."""

import copy
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audits.models import Action, ObserverVisit
from reports.bundle.exporter import export
from reports.bundle.importer import BundleError, import_bundle
from reports.figures import year_figures
from sessions.models import Attendance, StudySession, Submission
from studygroup.models import Organization, Person
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
            {"group": "g-town2", "year": 2024, "main_line": None, "status": "submitted", "topics": []},
            {"group": "g-town", "year": 2025, "main_line": None, "status": "draft", "topics": []},
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
    }


def in_export_order(bundle: dict) -> dict:
    """The exporter lists actions by date raised and inspections by year, group and checklist."""
    bundle = copy.deepcopy(bundle)
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


def test_import_twice_equals_import_once():
    import_bundle(full_bundle())
    once = (counts(), export(Organization.objects.get(code="city")))
    import_bundle(full_bundle())
    assert (counts(), export(Organization.objects.get(code="city"))) == once


@pytest.mark.django_db(transaction=True)
def test_demo_export_import_export_is_identical():
    # Transactional: emptying the database (TRUNCATE on PostgreSQL) cannot run inside the test's transaction.
    call_command("seed_demo", stdout=StringIO())
    first = export(Organization.objects.get(code="lj"))
    _empty_database()
    import_bundle(json.dumps(first, ensure_ascii=False))
    assert export(Organization.objects.get(code="lj")) == first


def _empty_database():
    import importlib

    from django.apps import apps

    call_command("flush", interactive=False, verbosity=0)
    seed = importlib.import_module("audits.migrations.0002_checklists")
    seed.seed(apps, None)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda b: "{not json", "not valid JSON"),
        (lambda b: b.update(version=2) or b, "version: unsupported version 2"),
        (lambda b: b["sessions"][3].update(colour="red") or b, "sessions[3].colour: unknown key"),
        (
            lambda b: b["sessions"][0]["attendance"][1].update(person="p77") or b,
            'sessions[0].attendance[1].person: unknown code "p77"',
        ),
        (lambda b: b["sessions"][2].update(kind="party") or b, "sessions[2].kind: 'party' is not one of"),
        (lambda b: b["people"].append(dict(b["people"][0])) or b, 'people[5].code: duplicate code "p1"'),
        (
            lambda b: b["sessions"][1].update(starts_at="2024-02-15T09:00:00") or b,
            "sessions[1].starts_at: not a date and time with an offset",
        ),
        (lambda b: b["actions"][0].update(raised_on="2024/02/01") or b, "actions[0].raised_on: not a date"),
        (lambda b: b["inspections"][0]["verdicts"].update(plan="great") or b, "inspections[0].verdicts.plan"),
    ],
)
def test_bad_bundles_are_refused_and_change_nothing(mutate, expected):
    OrganizationFactory(code="existing")
    before = counts()
    document = mutate(copy.deepcopy(full_bundle()))
    with pytest.raises(BundleError) as caught:
        import_bundle(document if isinstance(document, str) else json.dumps(document, ensure_ascii=False))
    assert any(expected in error for error in caught.value.errors), caught.value.errors
    assert counts() == before


def test_every_problem_is_reported_at_once():
    bundle = full_bundle()
    bundle["sessions"][0]["kind"] = "party"
    bundle["people"][1]["org"] = "nowhere"
    bundle["lectures"][0]["audience"] = -3
    with pytest.raises(BundleError) as caught:
        import_bundle(bundle)
    assert len(caught.value.errors) == 3


def test_an_import_through_a_page_stays_in_its_subtree():
    import_bundle(full_bundle())
    town = Organization.objects.get(code="town")
    bundle = full_bundle()
    bundle["organizations"][2]["name"] = "改名的乡"
    before = Organization.objects.get(code="town2").name
    with pytest.raises(BundleError) as caught:
        import_bundle(bundle, root=town)
    assert any('"town2" is outside the subtree' in e for e in caught.value.errors)
    assert Organization.objects.get(code="town2").name == before


def test_commands_export_import_and_report_errors(tmp_path):
    import_bundle(full_bundle())
    out = StringIO()
    call_command("export_records", "--org", "city", "--year", "2024", stdout=out)
    document = json.loads(out.getvalue())
    assert {p["year"] for p in document["plans"]} == {2024}
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "studygroup-records", "version": 1, "people": [{"code": "x"}]}', encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_records", str(bad), stderr=err)
    assert "people[0].name: is required" in err.getvalue()


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


def test_staff_page_exports_and_imports_within_the_subtree(client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from studygroup.tests.factories import user_with_role

    import_bundle(full_bundle())
    town = Organization.objects.get(code="town")
    staff = user_with_role("staff", town)
    client.force_login(staff)
    response = client.get(reverse("reports:records") + f"?org={town.pk}&download=1")
    document = json.loads(response.content)
    assert {g["code"] for g in document["groups"]} == {"g-town"}
    document["sessions"][0]["title"] = "改过的标题"
    upload = SimpleUploadedFile("town.json", json.dumps(document, ensure_ascii=False).encode())
    page = client.post(reverse("reports:records"), {"org": town.pk, "bundle": upload}, follow=True).content.decode()
    assert "已导入" in page
    assert StudySession.objects.get(code=document["sessions"][0]["code"]).title == "改过的标题"
    bad = full_bundle()
    bad["sessions"][1]["title"] = "不该改的乡里学习会"
    upload = SimpleUploadedFile("all.json", json.dumps(bad, ensure_ascii=False).encode())
    page = client.post(reverse("reports:records"), {"org": town.pk, "bundle": upload}).content.decode()
    assert "import-errors" in page and "outside the subtree" in page
    assert StudySession.objects.get(code="s1").title == "第2次学习"
    client.force_login(user_with_role("viewer", town))
    assert client.get(reverse("reports:records")).status_code == 403
