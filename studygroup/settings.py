"""Settings of StudyGroup, read from the environment.

Variables: ``DEBUG`` (off unless set to 1/true), ``SECRET_KEY`` (required when
``DEBUG`` is off), ``ALLOWED_HOSTS`` (comma separated), ``DATABASE_URL`` (unset:
a SQLite file in the project folder), ``REDIS_URL`` (unset: Celery runs tasks
in-process), ``PASSWORD_MAX_AGE_DAYS`` (0: no forced change), ``EMAIL_URL``-free
e-mail settings (``EMAIL_HOST`` and friends; unset: console backend),
``DATABASE_REPLICA_URL`` (unset: no replica; set: dashboards, exports and reports read from it),
``MEDIA_ROOT`` and ``STORAGE_BACKEND``/``STORAGE_S3_*`` (where uploads live: studygroup/storage_config.py),
``CELERY_VISIBILITY_TIMEOUT`` (seconds before Redis hands an unacknowledged job to another worker),
``SECURE_SSL_REDIRECT`` (default on when ``DEBUG`` is off), ``TRUSTED_PROXIES`` (comma
separated addresses or networks of reverse proxies), ``AUDIT_RETENTION_DAYS`` (at least 180).
"""

import os
import secrets
import urllib.parse
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from studygroup import storage_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Development mode is asked for (DEBUG=1: `make run`, `make messages`), never inferred from what is missing.
DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and os.environ.get("STUDYGROUP_KEYLESS_COMMAND"):
    # manage.py's KEYLESS_COMMANDS (makemigrations) sign nothing: a key nobody knows, and DEBUG as it was set.
    SECRET_KEY = secrets.token_urlsafe(50)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. A deployment sets SECRET_KEY (a long random string); "
            "on a developer's machine set DEBUG=1 to run in development mode with a development-only key."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "csp",
    "studygroup",
    "plans",
    "sessions.apps.StudySessionsConfig",
    "audits",
    "reports",
    "assessments",
    "practice",
    "demo",  # the demo and benchmark data: above every app (ARCHITECTURE.md)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "studygroup.middleware.SessionLimitsMiddleware",
    "studygroup.middleware.PasswordAgeMiddleware",
    "studygroup.middleware.AuditContextMiddleware",
    "studygroup.middleware.NoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Innermost: a form's post and its writes share one transaction with its key (studygroup/once.py).
    "studygroup.once.OnceMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # AxesMiddleware must come last (django-axes documentation).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "studygroup.urls"
WSGI_APPLICATION = "studygroup.wsgi.application"
ASGI_APPLICATION = "studygroup.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "studygroup.context_processors.navigation",
            ],
            # ``{% csrf_token %}`` also writes the form's key, so that every form acts once (studygroup/once.py).
            "builtins": ["studygroup.templatetags.form_keys"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if os.environ.get("DATABASE_REPLICA_URL"):
    # Dashboards, exports and reports read here (studygroup/dbrouter.py); tests use it as a mirror of default.
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60"))
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# PostgreSQL's JIT compiles the plan of any query estimated above ``jit_above_cost``: the year figures' and the
# homes' aggregates over a province spent more time compiling (0.5 s of 0.9 s at 1,000 groups) than running.
# Off unless ``PG_JIT=1``.
for _database in DATABASES.values():
    if "postgresql" in _database.get("ENGINE", "") and os.environ.get("PG_JIT", "0") != "1":
        _database.setdefault("OPTIONS", {})["options"] = "-c jit=off"
DATABASE_ROUTERS = ["studygroup.dbrouter.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "studygroup.User"
AUTHENTICATION_BACKENDS = [
    # AxesStandaloneBackend must come first so locked-out logins are refused.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "studygroup.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "studygroup.passwords.CharacterClassValidator",
        "OPTIONS": {"min_classes": 2},
    },
]
# Days after which a password must be changed; 0 switches the rule off.
PASSWORD_MAX_AGE_DAYS = int(os.environ.get("PASSWORD_MAX_AGE_DAYS", "0"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after 30 minutes without a request and 12 hours after login.
SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# django-axes: lock a username from one address, never a whole address,
# because an office shares one address.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The lockout and the audit log key on the client's address, read past our own reverse proxies.
AXES_CLIENT_IP_CALLABLE = "studygroup.network.client_address"
# Addresses or networks of reverse proxies in front of the site (comma separated). When a request comes
# from one of them, the client is the right-most address in X-Forwarded-For that is not one of them.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

# Audit entries younger than this are never deleted.
AUDIT_RETENTION_DAYS = max(180, int(os.environ.get("AUDIT_RETENTION_DAYS", "180")))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded materials and reports: at most this many bytes (default 20 MB).
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_MB", "20")) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Records bundles up to this size are checked by the import page itself (the answer comes at once); larger ones
# are checked by the import job, whose page shows its progress and then the problems or the result.
RECORDS_CHECK_IN_PAGE_BYTES = int(float(os.environ.get("RECORDS_CHECK_IN_PAGE_MB", "2")) * 1024 * 1024)
# Materials published later than this many days before their session are flagged (预学导学).
PRESTUDY_LEAD_DAYS = int(os.environ.get("PRESTUDY_LEAD_DAYS", "3"))
# Sessions: a plan (会前方案) is flagged when still missing this many days before the session.
SESSION_PLAN_DAYS = int(os.environ.get("SESSION_PLAN_DAYS", "3"))
# Sign-in: opens this many minutes before the start; "late" after the start plus the grace minutes.
SIGNIN_OPENS_MINUTES = int(os.environ.get("SIGNIN_OPENS_MINUTES", "60"))
SIGNIN_GRACE_MINUTES = int(os.environ.get("SIGNIN_GRACE_MINUTES", "10"))
# The QR code on the screen changes every SIGNIN_QR_SECONDS and a scanned code stays valid a little longer.
SIGNIN_QR_SECONDS = 60
SIGNIN_QR_MAX_AGE = 120
# Members on leave or absent make up within this many days of the session.
MAKEUP_DAYS = int(os.environ.get("MAKEUP_DAYS", "14"))
# Observer visits: review the session plan at least this many days before (学前两审); report within these days after.
PRE_REVIEW_DAYS = int(os.environ.get("PRE_REVIEW_DAYS", "14"))
VISIT_REPORT_DAYS = int(os.environ.get("VISIT_REPORT_DAYS", "7"))
# 学习报备: a session is reported upward at least this many days before it starts, else it is flagged late.
REPORT_DAYS = int(os.environ.get("REPORT_DAYS", "3"))
# Self-study: members behind on a target are reminded once in the last this-many days of its period.
SELFSTUDY_REMINDER_DAYS = int(os.environ.get("SELFSTUDY_REMINDER_DAYS", "5"))
# Uploaded files: MEDIA_ROOT, a directory every node shares, or an S3-compatible bucket (studygroup/storage_config.py).
try:
    _default_storage = storage_config.default_storage(os.environ)
except storage_config.StorageConfigError as error:
    raise ImproperlyConfigured(str(error)) from error
if not storage_config.backend_installed(_default_storage):
    raise ImproperlyConfigured(
        "STORAGE_BACKEND=s3 needs django-storages and boto3: pip install -r deploy/requirements-s3.txt"
    )
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("STATIC_PLAIN")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Every asset comes from our own static files; nothing inline, nothing remote.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer probes over plain HTTP
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("USE_X_FORWARDED_PROTO"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "studygroup@localhost")
# Where links in e-mails point: the address users open the site at.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Celery: Redis as broker and result backend when REDIS_URL is set,
# otherwise every task runs in-process.
REDIS_URL = os.environ.get("REDIS_URL", "")
# Test processes running side by side (pytest-xdist's gw0, gw1, ...) each get a Redis database of their own, as
# pytest-django gives each its own PostgreSQL database: the next lower number for each further process. The
# processes a test starts (a worker, the relay) inherit the address already chosen, and choose nothing again.
if (
    REDIS_URL
    and os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw")
    and not os.environ.get("REDIS_URL_CHOSEN_FOR_WORKER")
):
    _redis = urllib.parse.urlsplit(REDIS_URL)
    _redis_database = int(_redis.path.strip("/") or 0) - int(os.environ["PYTEST_XDIST_WORKER"][2:])
    REDIS_URL = _redis._replace(path=f"/{_redis_database % 16}").geturl()
    os.environ.update(REDIS_URL=REDIS_URL, REDIS_URL_CHOSEN_FOR_WORKER="1")
# The cache (Redis when configured); the jobs keep their locks in the database (studygroup.jobs), not here.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Jobs are made of short tasks (an organization or a chunk each), so a task whose worker died is delivered again
# within three minutes. A task must end within the visibility timeout, and a retry's wait (studygroup.jobs.RETRY,
# at most 150 s) stays below it, or Redis would deliver it twice.
# The sweep that hands a dead worker's tasks back runs every 10 s on each worker (kombu's unacked_restore_*);
# CELERY_VISIBILITY_TIMEOUT may change the timeout, never below the time limits plus a retry's wait.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "180")),
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
CELERY_TASK_SOFT_TIME_LIMIT = 150
CELERY_TASK_TIME_LIMIT = 170
# A job's lease (studygroup.jobs) expires this long after its holder's last heartbeat; a run silent this long
# shows as interrupted on the job runs page.
JOB_LEASE_SECONDS = int(os.environ.get("JOB_LEASE_SECONDS", "120"))
# The same form sent again with the same content by the same user within this time is a repeat (studygroup.once).
FORM_RESEND_SECONDS = int(os.environ.get("FORM_RESEND_SECONDS", "600"))
# A records import is one transaction: it has its own time limit (an hour by default), not the short tasks' one.
IMPORT_TIME_LIMIT_SECONDS = int(os.environ.get("IMPORT_TIME_LIMIT_SECONDS", "3600"))
# Queues: heavy report work never delays e-mails, notifications or sign-in side effects. In production run a worker
# per queue (README): ``celery -A studygroup worker -Q reports``, ``-Q mail``, ``-Q default``; a worker started
# without ``-Q`` takes all three.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [Queue("default"), Queue("reports"), Queue("mail")]
CELERY_TASK_ROUTES = {
    "studygroup.email_notification": {"queue": "mail"},
    "reports.notify_digest_readers": {"queue": "mail"},
    "reports.daily_reminders": {"queue": "mail"},
    "practice.selfstudy_reminders": {"queue": "mail"},
    "reports.*": {"queue": "reports"},
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Dashboards (and the leaders' home figures) of subtrees with more groups than this read the rollup tables when
# they are current for the subtree (reports.dashboard.current_rollup), instead of live joins.
DASHBOARD_LIVE_LIMIT = int(os.environ.get("DASHBOARD_LIVE_LIMIT", "50"))
# A monthly digest lists every session of subtrees up to this many groups; above, it summarises the organizations
# directly below (reports.digest.build_summary).
DIGEST_DETAIL_LIMIT = int(os.environ.get("DIGEST_DETAIL_LIMIT", "50"))
# Organizations per task when compiling digests (reports.tasks, read together: reports.digest_chunk).
DIGEST_CHUNK = int(os.environ.get("DIGEST_CHUNK", "250"))
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
