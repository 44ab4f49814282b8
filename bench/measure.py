"""Timing pages and their SQL, counting queries, and checking that page and SQL agree (see ``bench.pages``)."""

from __future__ import annotations

import contextlib
import math
import os
import statistics
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from bench import checks
from bench.pages import REPEAT, ROOT_ROLES, Dataset, Page, checked_pages
from bench.report import git_commit

# Seconds a page's timed requests should take at most (``BENCH_PAGE_BUDGET``); see ``measure_page``.
PAGE_BUDGET = float(os.environ.get("BENCH_PAGE_BUDGET", "120"))
SLOW_SECONDS = float(os.environ.get("BENCH_SLOW_SECONDS", "60"))


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (p95 of 20 values is the 19th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(round(share * len(ordered), 6)) - 1)]


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def timed(function: Callable, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def menu_pages(data: Dataset, checked: list[Page]) -> list[Page]:
    """Every menu entry the root's accounts see (``navigation_for``), opened as the menu links it, by the first
    root role that has it; entries a checked page already measures are left out."""
    from studygroup.navigation import navigation_for

    covered = {urlsplit(page.url).path for page in checked}
    pages, seen = [], set()
    for role in ROOT_ROLES:
        user = data.users[f"{role}-root"]
        for entry in navigation_for(user):
            for item in entry.get("children", [entry]):
                url = item["url"]
                if url in covered or url in seen:
                    continue
                seen.add(url)
                pages.append(Page(f"menu:{url}", str(item["label"]), f"{role}-root", url))
    return pages


@contextlib.contextmanager
def _rendered_contexts():
    """Let the test client keep the contexts the templates rendered (as Django's test runner does)."""
    from django.template import Template
    from django.test.utils import instrumented_test_render

    original = Template._render
    Template._render = instrumented_test_render
    try:
        yield
    finally:
        Template._render = original


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def open_page(client, url: str):
    """One request, its SQL queries counted and its rendered context kept."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with _rendered_contexts(), CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


def measure_page(data: Dataset, page: Page, repeat: int = REPEAT) -> dict:
    """Time ``page`` ``repeat`` times, count its queries, and check its figures against its SQL (raises
    ``checks.FiguresDiffer`` when they differ)."""
    from django.db import connection

    client = _client(data.users[page.role])
    started = time.perf_counter()
    first = client.get(page.url)
    once = time.perf_counter() - started
    # A page slower than the budget allows is timed fewer times (at least 3): the result says how many.
    repeat = min(repeat, max(3, int(PAGE_BUDGET / max(once, 1e-3))))
    result = {"key": page.key, "label": page.label, "role": page.role, "url": page.url, "status": first.status_code}
    if first.status_code != 200:
        result["error"] = f"HTTP {first.status_code} {first.get('Location', '')}".strip()
        return result
    if once > SLOW_SECONDS and page.page_figures is None:
        # A page slower than a minute is reported from its one (first) request, its queries not counted.
        one = _ms(once)
        result.update(p50_ms=one, p95_ms=one, requests=1, queries=None, load_average=load(), git_commit=git_commit())
        result.update(html_kb=round(len(first.content) / 1024, 1), sql="none written; one request: too slow to repeat")
        return result
    times = timed(lambda: client.get(page.url), repeat)
    result["requests"] = repeat
    response, queries = open_page(client, page.url)
    result.update(
        p50_ms=_ms(statistics.median(times)),
        p95_ms=_ms(percentile(times, 0.95)),
        queries=queries,
        html_kb=round(len(response.content) / 1024, 1),
        load_average=load(),
        git_commit=git_commit(),
        sql="none written: the page is measured, not compared",
    )
    if page.page_figures is not None:
        with connection.cursor() as cursor:
            sql_figures = page.sql_figures(cursor)
            checks.compare(page.key, page.page_figures(response.context), sql_figures)
            sql_times = timed(lambda: page.sql_figures(cursor), repeat)
        result.update(
            sql="checked: the page's figures equal the hand-written SQL's",
            sql_p50_ms=_ms(statistics.median(sql_times)),
            sql_p95_ms=_ms(percentile(sql_times, 0.95)),
            ratio_to_sql=round(statistics.median(times) / max(statistics.median(sql_times), 1e-6), 1),
        )
    return result


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def measure_pages(
    data: Dataset, digest_id: int | None, repeat: int = REPEAT, menu: bool = True, measured: Callable | None = None
) -> list[dict]:
    """Every checked page, then every other menu page; a page whose figures differ from its SQL stops the run.
    ``measured`` is called with the results so far after each page (the run saves them)."""
    checked = checked_pages(data, digest_id)
    pages = checked + (menu_pages(data, checked) if menu else [])
    results = []
    for page in pages:
        results.append(measure_page(data, page, repeat))
        print(_line(results[-1]), flush=True)
        if measured is not None:
            measured(results)
    return results


def _line(result: dict) -> str:
    if "error" in result:
        return f"{result['key']}: {result['error']}"
    ratio = f", {result['ratio_to_sql']}× SQL" if "ratio_to_sql" in result else ""
    return f"{result['key']}: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, {result['queries']} queries{ratio}"
