"""Hooks: a lower app asks, the higher app answers; a missing or doubled answer is a configuration error."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from studygroup.hooks import Hook


def test_a_hook_answers_with_what_was_registered_else_its_default():
    hook = Hook("test.answer", default=lambda: "default")
    assert hook() == "default"
    hook.register(lambda: "registered")
    assert hook() == "registered"


def test_a_hook_without_answer_names_itself():
    with pytest.raises(ImproperlyConfigured, match=r"test\.missing"):
        Hook("test.missing")()


def test_a_hook_takes_one_answer():
    def first():
        return 1

    hook = Hook("test.once")
    hook.register(first)
    hook.register(first)  # the same answer again (an app loaded twice) changes nothing
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        hook.register(lambda: 2)
    assert hook() == 1
