"""Project-wide test setup."""

import os
from importlib import import_module

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from studygroup.celery import app as celery_app
from studygroup.tests.browser import browser, live_server  # noqa: F401 - the shared browser fixtures

# Hypothesis: the default run stays quick; CI runs the same examples every time (``derandomize``) so a green
# build is not luck; developers widen the search with ``HYPOTHESIS_PROFILE=dev``.
_shared = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}
hypothesis_settings.register_profile("default", max_examples=100, **_shared)
hypothesis_settings.register_profile(
    "ci", max_examples=100, derandomize=True, database=None, print_blob=True, **_shared
)
hypothesis_settings.register_profile("dev", max_examples=1000, **_shared)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Run Celery tasks in-process, except in tests marked ``redis`` that test the real broker."""
    if request.node.get_closest_marker("redis"):
        yield
        return
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


def _weasyprint_missing() -> str:
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:  # the Pango libraries are missing
        return f"WeasyPrint cannot load its system libraries (apt-get install libpango-1.0-0 libpangoft2-1.0-0): {exc}"
    return ""


needs_weasyprint = pytest.mark.skipif(bool(_weasyprint_missing()), reason=_weasyprint_missing() or "available")


# The migrations that write data every installation starts with: the 八有/七有 checklists and the periodic jobs.
SEEDING_MIGRATIONS = [
    "audits.migrations.0002_checklists",
    "practice.migrations.0002_reminder_schedule",
    "reports.migrations.0003_schedules",
    "reports.migrations.0005_rollup_schedule",
    "reports.migrations.0006_nightly_rollup_rebuild",
    "studygroup.migrations.0007_prune_audit_log_schedule",
    "studygroup.migrations.0012_beat_tick_schedule",
]


@pytest.fixture(autouse=True)
def _seeded_data(request):
    """A transactional test's flush removes what the data migrations wrote. Tests spread over processes (``make
    test`` runs pytest-xdist) may run after such a test in the same process, so a test with the database gets
    that data back when it is missing (one query otherwise), by running those migrations' forward code again."""
    if request.node.get_closest_marker("django_db") is None and not {"db", "transactional_db"} & set(
        request.fixturenames
    ):
        return
    request.getfixturevalue("_django_db_helper")
    from django.apps import apps

    if apps.get_model("audits", "Checklist").objects.exists():
        return
    for name in SEEDING_MIGRATIONS:
        for operation in import_module(name).Migration.operations:
            operation.code(apps, None)
