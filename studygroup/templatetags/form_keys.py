"""``{% csrf_token %}`` with the form's key: every form posted on the site acts once (``studygroup/once.py``).

Registered as a template builtin (``TEMPLATES`` in settings), after Django's own tags, so this ``csrf_token``
replaces Django's wherever a template writes one: the CSRF token as before, then a hidden ``once`` field with
a new key for this drawing of the form.
"""

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import format_html

from studygroup import once, versions

register = template.Library()


class KeyedCsrfTokenNode(CsrfTokenNode):
    def render(self, context):
        token = super().render(context)
        if not token:
            return token
        return token + format_html('<input type="hidden" name="{}" value="{}">', once.FIELD, once.new_key())


@register.tag
def csrf_token(parser, token):
    return KeyedCsrfTokenNode()


@register.filter
def version(record) -> str:
    """The version an edit form of ``record`` carries (``studygroup/versions.py``): ``{{ digest|version }}``."""
    return versions.token(record)
