"""Where uploads live is read from the environment: a shared directory by default, an S3-compatible bucket by
configuration (no S3 service is needed here: the settings are checked as Django would receive them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from studygroup import storage_config

ROOT = Path(__file__).resolve().parent.parent.parent


def test_by_default_uploads_go_to_the_shared_media_root():
    entry = storage_config.default_storage({})
    assert entry == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert storage_config.default_storage({"STORAGE_BACKEND": "Local"}) == entry


def test_s3_compatible_storage_by_configuration():
    entry = storage_config.default_storage(
        {
            "STORAGE_BACKEND": "s3",
            "STORAGE_S3_BUCKET": "studygroup-uploads",
            "STORAGE_S3_ENDPOINT_URL": "https://oss.example.gov.cn",
            "STORAGE_S3_REGION": "cn-east-1",
            "STORAGE_S3_ACCESS_KEY": "key",
            "STORAGE_S3_SECRET_KEY": "secret",
            "STORAGE_S3_PREFIX": "province",
            "STORAGE_S3_ADDRESSING_STYLE": "path",
        }
    )
    assert entry["BACKEND"] == "storages.backends.s3.S3Storage"
    assert entry["OPTIONS"] == {
        "bucket_name": "studygroup-uploads",
        "endpoint_url": "https://oss.example.gov.cn",
        "region_name": "cn-east-1",
        "access_key": "key",
        "secret_key": "secret",
        "location": "province",
        "addressing_style": "path",
        "file_overwrite": False,
        "default_acl": None,
        "querystring_auth": True,
    }


@pytest.mark.parametrize(
    ("environ", "says"),
    [({"STORAGE_BACKEND": "s3"}, "STORAGE_S3_BUCKET"), ({"STORAGE_BACKEND": "nfs"}, "'local'")],
)
def test_an_incomplete_storage_configuration_is_refused(environ, says):
    with pytest.raises(storage_config.StorageConfigError, match=says):
        storage_config.default_storage(environ)


def test_the_settings_refuse_to_start_with_a_storage_they_cannot_use():
    """A node configured for S3 without the bucket, or without django-storages installed, stops at start-up
    with the reason, instead of failing on the first upload."""
    environ = {**os.environ, "DEBUG": "1", "STORAGE_BACKEND": "s3", "DJANGO_SETTINGS_MODULE": "studygroup.settings"}
    environ.pop("STORAGE_S3_BUCKET", None)
    code = "import django; django.setup()"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True)
    assert result.returncode != 0 and "STORAGE_S3_BUCKET" in result.stderr
    environ["STORAGE_S3_BUCKET"] = "uploads"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True)
    if storage_config.backend_installed({"BACKEND": storage_config.S3_BACKEND}):
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode != 0 and "deploy/requirements-s3.txt" in result.stderr
