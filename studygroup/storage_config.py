"""Where uploaded files live, from the environment (read by the settings; no Django import here).

Every node of a deployment (each web node and each worker) must see the same files: a material uploaded
through one web node is downloaded through another, and a worker zips submissions into an archive.

``STORAGE_BACKEND=local`` (the default): a directory, ``MEDIA_ROOT``, that every node mounts (NFS, a
shared volume). ``STORAGE_BACKEND=s3``: an S3-compatible bucket through django-storages (install
``deploy/requirements-s3.txt``), configured by ``STORAGE_S3_BUCKET`` (required), ``STORAGE_S3_ENDPOINT_URL``
(for MinIO, Ceph or a cloud's own S3-compatible service), ``STORAGE_S3_REGION``, ``STORAGE_S3_ACCESS_KEY``,
``STORAGE_S3_SECRET_KEY`` (unset: the usual AWS credential chain), ``STORAGE_S3_PREFIX`` (a folder inside
the bucket) and ``STORAGE_S3_ADDRESSING_STYLE`` (``path`` or ``virtual``).

The code reads and writes uploads only through the storage API (``FieldFile.save``/``open``/``delete``),
never by path, so either backend works unchanged; downloads always go through the app's own views, which
check who may read the file (no public bucket URL, no ``/media/`` served by the web server).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping

LOCAL = "local"
S3 = "s3"
S3_BACKEND = "storages.backends.s3.S3Storage"


class StorageConfigError(ValueError):
    """The environment asks for a storage it does not fully describe."""


def default_storage(environ: Mapping[str, str]) -> dict:
    """The ``STORAGES["default"]`` entry the environment asks for."""
    kind = (environ.get("STORAGE_BACKEND") or LOCAL).strip().lower()
    if kind == LOCAL:
        # No fixed location: FileSystemStorage follows settings.MEDIA_ROOT (and a test's override of it).
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind == S3:
        return {"BACKEND": S3_BACKEND, "OPTIONS": s3_options(environ)}
    raise StorageConfigError(f"STORAGE_BACKEND={kind!r}: use 'local' (MEDIA_ROOT, shared by every node) or 's3'.")


def s3_options(environ: Mapping[str, str]) -> dict:
    """django-storages' ``S3Storage`` options: private objects, never overwritten, read through the app."""
    bucket = environ.get("STORAGE_S3_BUCKET", "").strip()
    if not bucket:
        raise StorageConfigError("STORAGE_BACKEND=s3 needs STORAGE_S3_BUCKET (and usually STORAGE_S3_ENDPOINT_URL).")
    options = {
        "bucket_name": bucket,
        # Uploads get generated names; an existing object is never replaced by another upload.
        "file_overwrite": False,
        # Objects stay private: the app streams them to readers it has checked.
        "default_acl": None,
        "querystring_auth": True,
    }
    optional = {
        "endpoint_url": "STORAGE_S3_ENDPOINT_URL",
        "region_name": "STORAGE_S3_REGION",
        "access_key": "STORAGE_S3_ACCESS_KEY",
        "secret_key": "STORAGE_S3_SECRET_KEY",
        "location": "STORAGE_S3_PREFIX",
        "addressing_style": "STORAGE_S3_ADDRESSING_STYLE",
    }
    for option, variable in optional.items():
        value = environ.get(variable, "").strip()
        if value:
            options[option] = value
    return options


def backend_installed(entry: dict) -> bool:
    """Whether the package behind a ``STORAGES`` entry can be imported on this machine."""
    return importlib.util.find_spec(entry["BACKEND"].split(".", 1)[0]) is not None
