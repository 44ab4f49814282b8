"""Issue 15, failure 7, on every form of the site: each URL that accepts POST (the write crawl's ``WRITES``) is sent
the body the page draws for the insider whose job it is, twice, with the form's key as drawn. After the second
post the database is exactly as after the first (every row of every watched table), and the second answer is
never a 500: a redirect to where the first led, or the page that says the form was already sent.

Outsiders are the write crawl's affair (``test_write_crawl.py``); here every form must also draw its key.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from tests import crawl_support as crawl
from tests.crawl_support import module_world, world_in_test  # noqa: F401 - the fixtures
from tests.test_write_crawl import OWN_ACCOUNT, WRITES, actor_key, bodies_for, url_of


def _twice(client, url: str, body: dict) -> tuple:
    """POST ``body`` twice; answer both responses and the database after each, then undo everything."""
    cookies = crawl.copy.deepcopy(client.cookies)
    with transaction.atomic(), crawl.plain_error_pages():
        before = crawl.fingerprint()
        first = client.post(url, crawl._fresh_files(body))
        after_first = crawl.fingerprint()
        second = client.post(url, crawl._fresh_files(body))
        after_second = crawl.fingerprint()
        transaction.set_rollback(True)
    client.cookies = cookies
    return first, second, crawl.diff(before, after_first), crawl.diff(after_first, after_second)


@pytest.mark.parametrize("name", sorted(set(crawl.post_url_names()) - OWN_ACCOUNT))
def test_every_form_posted_twice_changes_the_database_once(name, crawl_world):
    world = crawl_world
    spec = WRITES[name]
    url = url_of(name, spec, world)
    client = world.clients[actor_key(spec)]
    bodies = bodies_for(name, spec, world, client, url)
    problems = []
    for body in bodies:
        if name == "reports:records":  # a file the test builds, not a page's form: it carries a key as pages do
            body = {**body, "once": str(uuid.uuid4())}
        if "once" not in body:
            problems.append(f"the form posting to {name} draws no key: {sorted(body)}")
            continue
        first, second, (gone, new), (gone_again, new_again) = _twice(client, url, body)
        if not (gone or new):
            continue  # this body changed nothing (the write crawl proves another body of the page does)
        if second.status_code >= 500:
            problems.append(f"the second post answered {second.status_code}")
        if gone_again or new_again:
            problems.append(
                "the second post changed the database again:\n    " + crawl.describe_change(gone_again, new_again)
            )
        if first.status_code in (301, 302, 303) and second.status_code == 302 and second.url != first.url:
            problems.append(f"the second post led to {second.url}, the first to {first.url}")
    assert not problems, f"POST {url} ({name}) twice:\n  " + "\n  ".join(problems)
