"""``{% page_panels "place" obj %}``: the panels other apps registered for this place of the page."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from studygroup.page_panels import panels_at

register = template.Library()


@register.simple_tag(takes_context=True)
def page_panels(context, place: str, obj) -> str:
    request = context.get("request")
    parts = [
        render_to_string(name, {**panel_context, "object": obj}, request=request)
        for name, panel_context in panels_at(place, request, obj)
    ]
    return mark_safe("".join(parts))  # noqa: S308 - each part is a rendered (auto-escaped) template
