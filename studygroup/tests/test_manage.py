"""manage.py runs in development mode only when asked (DEBUG=1), and models match their migrations."""

import subprocess
import sys

from django.conf import settings

NO_KEY_MESSAGE = "SECRET_KEY is not set."


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
        timeout=120,
    )


def test_with_neither_secret_key_nor_debug_manage_py_refuses_to_start_and_names_the_variables():
    result = run("check")
    assert result.returncode != 0
    assert NO_KEY_MESSAGE in result.stderr and "DEBUG=1" in result.stderr
    assert "System check identified" not in result.stdout


def test_manage_py_does_not_switch_debug_on_by_itself():
    # Run manage.main() in a bare environment and look at DEBUG after settings refused to load.
    probe = (
        "import os, sys\n"
        "sys.argv = ['manage.py', 'check']\n"
        "import manage\n"
        "try:\n"
        "    manage.main()\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, os.environ.get('DEBUG'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert result.stdout.strip().splitlines()[-1:] == ["ImproperlyConfigured None"], result.stderr[-2000:]


def test_debug_1_asks_for_development_mode():
    result = run("check", DEBUG="1")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "System check identified no issues" in result.stdout
    shown = run("shell", "-c", "from django.conf import settings; print(settings.DEBUG)", DEBUG="1")
    assert shown.stdout.strip().splitlines()[-1] == "True", shown.stderr[-2000:]


def test_in_development_mode_migrations_are_complete():
    result = run("makemigrations", "--check", "--dry-run", DEBUG="1")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "No changes detected" in result.stdout


def test_makemigrations_check_runs_without_a_key_and_without_debug():
    # It compares models with migrations and signs nothing: any checkout (a hook, a reviewer) may run it.
    result = run("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "No changes detected" in result.stdout
    probe = (
        "import os, sys\n"
        "sys.argv = ['manage.py', 'makemigrations', '--check', '--dry-run']\n"
        "import manage\n"
        "manage.main()\n"
        "from django.conf import settings\n"
        "print('DEBUG', settings.DEBUG)\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert shown.stdout.strip().splitlines()[-1] == "DEBUG False", shown.stderr[-2000:]
    # Every other command still refuses without a key: the first test of this module.


def test_with_a_secret_key_debug_stays_off():
    result = run(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        SECRET_KEY="k" * 60,
        ALLOWED_HOSTS="example.gov.cn",
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr[-2000:]
