"""Project-wide test setup."""

import pytest

from studygroup.celery import app as celery_app
from studygroup.tests.browser import browser, live_server  # noqa: F401 - the shared browser fixtures


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
