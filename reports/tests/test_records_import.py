"""The import from the staff page runs as a job: a small bundle is checked at once; a good or large one is stored
(``default_storage``, outside every URL), imported by ``reports.import_records`` with its progress, and its page
shows the problems with their place or the result, to the staff of the uploading organization only."""

import json

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports import records_import
from reports.bundle.exporter import export
from reports.models import RecordsImport, TaskRun
from reports.tests.test_bundle import _database, tree  # noqa: F401 - the fixture
from sessions.models import StudySession
from studygroup.tests.factories import OrganizationFactory, user_with_role

pytestmark = pytest.mark.django_db


def _upload(document: dict, name: str = "town.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, json.dumps(document, ensure_ascii=False).encode())


def _town_bundle_renamed(tree) -> dict:  # noqa: F811 - the fixture's value
    document = export(tree["orgs"]["lj-qh-bs"])
    document["sessions"][0]["title"] = "改过的标题"
    return document


def test_a_good_bundle_is_stored_then_imported_by_the_job_whose_page_shows_the_result(
    tree,  # noqa: F811
    client,
    django_capture_on_commit_callbacks,
):
    client.force_login(tree["staff"])
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("reports:records"), {"bundle": _upload(_town_bundle_renamed(tree))})
    started = RecordsImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("reports:records-import", args=[started.pk])
    # Stored where every node reads it, in no URL's reach; nothing imported until the job runs.
    assert started.stored_name.startswith(f"records-imports/{tree['orgs']['lj-qh-bs'].pk}/")
    assert default_storage.exists(started.stored_name)
    assert StudySession.objects.get(code="lj-qh-bs-s1").title == "白沙镇集体学习"
    waiting = client.get(response.url).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in waiting and "等待执行" in waiting
    assert len(queued) == 1
    queued[0]()
    assert StudySession.objects.get(code="lj-qh-bs-s1").title == "改过的标题"
    page = client.get(response.url).content.decode()
    assert "台账已导入:新增或修改 1 条记录。" in page and 'http-equiv="refresh"' not in page
    run = TaskRun.objects.get(name="import_records")
    assert (run.state, run.done, run.total, run.triggered_by) == ("succeeded", 14, 14, tree["staff"])
    assert not default_storage.exists(started.stored_name)
    result = client.get(reverse("reports:records-import-result", args=[started.pk])).content.decode()
    assert "学习会:1" in result
    # The 后台任务 page lists the run.
    assert "导入学习台账" in client.get(reverse("reports:run-list")).content.decode()


def test_a_large_bundle_is_checked_by_the_job_and_its_page_lists_every_problem_with_its_place(
    tree,  # noqa: F811
    client,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.RECORDS_CHECK_IN_PAGE_BYTES = 10
    document = export(tree["orgs"]["lj-qh-bs"])
    document["sessions"][0]["title"] = "长" * 201
    document["sessions"][0]["kind"] = "party"
    client.force_login(tree["staff"])
    before = _database()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:records"), {"bundle": _upload(document)})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "发现 2 个问题,未导入任何数据。" in page
    assert "sessions[0].title:过长(最多 200 个字符)。" in page
    assert "sessions[0].kind:&quot;party&quot; 不是以下之一" in page
    finished = RecordsImport.objects.get()
    assert finished.run.state == "failed" and finished.run.message == "发现 2 个问题,未导入任何记录。"
    job = ("reports.RecordsImport", "reports.TaskRun", "studygroup.OutboxMessage")  # the job's own records
    assert [row for row in _database() if row[0] not in job] == [row for row in before if row[0] not in job]


def test_a_small_bad_bundle_is_refused_on_the_page_and_nothing_is_stored(tree, client):  # noqa: F811
    document = export(tree["orgs"]["lj-qh-bs"])
    document["sessions"][0]["title"] = "长" * 201
    client.force_login(tree["staff"])
    response = client.post(reverse("reports:records"), {"bundle": _upload(document)})
    assert response.status_code == 200
    assert "sessions[0].title:过长(最多 200 个字符)。" in response.content.decode()
    assert not RecordsImport.objects.exists() and not TaskRun.objects.exists()


def test_staff_of_another_organization_get_404_for_the_progress_page_and_its_result(
    tree,  # noqa: F811
    client,
    django_capture_on_commit_callbacks,
):
    client.force_login(tree["staff"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:records"), {"bundle": _upload(_town_bundle_renamed(tree))})
    started = RecordsImport.objects.get()
    urls = [reverse(name, args=[started.pk]) for name in ("reports:records-import", "reports:records-import-result")]
    assert [client.get(url).status_code for url in urls] == [200, 200]
    outsiders = [
        user_with_role("staff", tree["orgs"]["lj-ds"]),  # a neighbouring county
        user_with_role("staff", OrganizationFactory(parent=tree["orgs"]["lj-qh"])),  # a sibling town
        user_with_role("staff", tree["orgs"]["lj-qh"]),  # the upper level reads the town, not its uploads
        user_with_role("leader", tree["orgs"]["lj-qh-bs"]),  # the town's own leader is not its office
        user_with_role("viewer", tree["orgs"]["lj"]),
    ]
    for user in outsiders:
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [404, 404], user


def test_the_job_run_again_after_it_finished_changes_nothing(tree, client, django_capture_on_commit_callbacks):  # noqa: F811
    client.force_login(tree["staff"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:records"), {"bundle": _upload(_town_bundle_renamed(tree))})
    started = RecordsImport.objects.get()
    finished_at, before = started.finished_at, _database()
    records_import.records_import_run(records_import_id=started.pk)
    started.refresh_from_db()
    assert started.finished_at == finished_at and _database() == before


def test_the_import_job_is_named_and_retries_temporary_errors():
    from reports.import_tasks import import_records
    from reports.tasks import TRANSIENT, compile_digests

    assert import_records.name == "reports.import_records"
    assert import_records.autoretry_for == TRANSIENT == compile_digests.autoretry_for
    assert (import_records.max_retries, import_records.retry_backoff) == (
        compile_digests.max_retries,
        compile_digests.retry_backoff,
    )


# A long import: never handed to a second worker, its heartbeat seen while its transaction is open ------------


def test_the_import_job_is_acknowledged_on_receipt_and_has_its_own_time_limit(settings):
    from reports.import_tasks import import_records

    # The short tasks' visibility timeout would hand a long import to a second worker while the first still runs.
    assert import_records.acks_late is False
    assert import_records.soft_time_limit == settings.IMPORT_TIME_LIMIT_SECONDS > settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert import_records.time_limit > import_records.soft_time_limit


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_of_an_import_is_committed_apart_from_its_open_transaction():
    import datetime

    from django.db import connection, transaction
    from django.utils import timezone

    if connection.vendor != "postgresql":
        pytest.skip("a second connection to the same database needs PostgreSQL (SQLite's test database is in memory)")
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    run = TaskRun.objects.create(name="import_records", key="import:heartbeat", state="running", heartbeat_at=long_ago)
    with transaction.atomic():
        records_import.HeartbeatApart(run.pk)()
        transaction.set_rollback(True)  # the import fails: its transaction rolls back
    run.refresh_from_db()
    assert run.heartbeat_at > long_ago + datetime.timedelta(minutes=59)
    assert run.stopped_at is None  # shown running, not 已中断
