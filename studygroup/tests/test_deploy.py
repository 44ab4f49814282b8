"""deploy/ is configuration the tests can read: every unit restarts, reads the environment file and runs as the
service user; nginx's upload limit follows UPLOAD_MAX_MB; the worker units serve the queues the routes name; the
environment file names only settings the app reads."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"
QUEUES = {"reports", "mail", "default"}


def _units() -> dict[str, str]:
    return {path.name: path.read_text() for path in (DEPLOY / "systemd").glob("*.service")}


def test_every_service_restarts_and_runs_as_the_service_user_from_the_environment_file():
    units = _units()
    assert set(units) == {
        "studygroup-web.service",
        "studygroup-worker@.service",
        "studygroup-beat.service",
        "studygroup-relay.service",
    }
    for name, text in units.items():
        for line in (
            "Restart=always",
            "User=studygroup",
            "WorkingDirectory=/srv/studygroup/app",
            "EnvironmentFile=/etc/studygroup/studygroup.env",
        ):
            assert line in text, f"{name} lacks {line}"
        seconds = re.search(r"^RestartSec=(\d+)$", text, re.M)
        assert seconds and 1 <= int(seconds.group(1)) <= 10, name
    assert "manage.py relay_outbox" in units["studygroup-relay.service"]
    assert "-Q %i" in units["studygroup-worker@.service"]


def test_the_routed_queues_each_have_a_worker_unit():
    """Workers run as studygroup-worker@<queue>; the routes (when the settings have them) use only those queues."""
    routes = getattr(settings, "CELERY_TASK_ROUTES", None) or {}
    routed = {route["queue"] for route in routes.values() if isinstance(route, dict) and "queue" in route}
    assert routed <= QUEUES
    guide = (ROOT / "docs" / "deploy.md").read_text()
    assert all(f"`@{queue}`" in guide or f"worker `{queue}`" in guide for queue in QUEUES)


def test_nginx_takes_an_upload_the_app_accepts_and_passes_the_client_address():
    site = (DEPLOY / "nginx" / "studygroup-app.conf").read_text()
    limit = int(re.search(r"client_max_body_size (\d+)m;", site).group(1))
    assert limit == settings.UPLOAD_MAX_BYTES // (1024 * 1024) + 1
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert "location = /healthz" in site
    assert re.search(r"location /media/ \{\s*return 404;", site)


def test_the_environment_file_names_only_settings_the_app_reads():
    sources = (ROOT / "studygroup" / "settings.py").read_text() + (
        ROOT / "studygroup" / "storage_config.py"
    ).read_text()
    example = (DEPLOY / "studygroup.env.example").read_text()
    names = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.M))
    assert {"SECRET_KEY", "DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL", "MEDIA_ROOT", "UPLOAD_MAX_MB"} <= names
    read_by_libraries = {"DATABASE_URL"}  # dj_database_url.config()
    assert sorted(name for name in names - read_by_libraries if f'"{name}"' not in sources) == []
