"""manage.py on a developer's machine (no environment set) works, and models match their migrations."""

import subprocess
import sys

from django.conf import settings


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
        timeout=120,
    )


def test_bare_manage_py_runs_in_development_mode_and_migrations_are_complete():
    result = run("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "No changes detected" in result.stdout


def test_with_a_secret_key_debug_stays_off():
    result = run(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        SECRET_KEY="k" * 60,
        ALLOWED_HOSTS="example.gov.cn",
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr[-2000:]
