"""Pin the exact number of SQL queries a page or a job runs (Zulip's ``assert_database_query_count``).

A page that lists or aggregates records is measured at two data sizes with the same expected count: a count
that grows with the data is a query per row. On failure the message lists every query, numbered, so the one
that came or went is plain to see.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext


@contextmanager
def assert_queries(expected: int) -> Iterator[CaptureQueriesContext]:
    """Fail unless the block runs exactly ``expected`` queries on the default database."""
    with CaptureQueriesContext(connection) as context:
        yield context
    actual = len(context.captured_queries)
    if actual != expected:
        listing = "\n".join(f"{number}. {query['sql']}" for number, query in enumerate(context.captured_queries, 1))
        raise AssertionError(f"{actual} queries ran, {expected} expected:\n{listing}")
