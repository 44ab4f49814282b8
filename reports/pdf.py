"""PDF rendering with WeasyPrint. Chinese text is real text: the page says lang="zh-CN" and names CJK fonts
that the setup installs (fonts-noto-cjk); fontconfig maps Windows font names to them.

Pages hold user text, so WeasyPrint never fetches what a page names: its default fetcher reads
``file://`` and ``http://`` URLs. Ours serves only our own static files (and inline ``data:`` URLs).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

# The pages are rendered as if served from this origin, so relative and /static/ URLs resolve here.
BASE_URL = "https://studygroup.invalid/"


def static_path(url: str) -> Path | None:
    """The file of our static files that ``url`` names, or ``None`` for anything else."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or parts.query or parts.fragment:
        return None
    path = unquote(parts.path)
    if not path.startswith(settings.STATIC_URL):
        return None
    relative = path.removeprefix(settings.STATIC_URL)
    if not relative or ".." in Path(relative).parts or relative.startswith("/"):
        return None
    found = finders.find(relative)
    return Path(found) if found else None


def _fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = static_path(url)
            if path is None:
                raise ValueError(f"Only our static files are fetched, not {url[:100]}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    return StaticOnlyFetcher(allowed_protocols={"data", "https"}, allow_redirects=False)


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher()).write_pdf()
