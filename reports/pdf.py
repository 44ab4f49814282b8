"""PDF rendering with WeasyPrint. Chinese text is real text: the page says lang="zh-CN" and names CJK fonts
that the setup installs (fonts-noto-cjk); fontconfig maps Windows font names to them."""

from __future__ import annotations

from django.template.loader import render_to_string


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html).write_pdf()
