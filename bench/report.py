"""The benchmark's results: ``bench/results/latest.json`` (machine-readable) and ``bench/results.md``."""

from __future__ import annotations

import datetime
import functools
import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The figures of issue 16's table, in its order: key → (label, target).
TABLE = [
    ("dashboard-root", "root dashboard p95", "≤ 300 ms, ≤ 20 queries"),
    ("compliance-root", "compliance (八有) root, first page", "≤ 300 ms"),
    ("digests", "every monthly digest (Celery, -c 1 → -c 2)", "≤ 120 s with 2 processes; ≥ 1.8× faster"),
    ("year_summary_json", "root year figures (`year_summary --json`)", "≤ 2 s"),
    ("home-leader-root", "leader home page at the root", "≤ 300 ms"),
    ("home-viewer-root", "viewer home page at the root", "≤ 300 ms"),
    ("rollup_refresh", "rollup refresh, 10 changed groups", "≤ 2 s"),
    ("rollup_rebuild", "rollup full rebuild", "≤ 30 s"),
    ("signin_burst", "sign-in burst, 500 members in a minute", "p95 ≤ 200 ms, 0 errors, 0 duplicates"),
    ("checklist_queries", "a group's 八有/七有 checklist page, 5 → 40 sessions", "fixed count"),
    ("export_memory", "`export_records` memory", "≤ 250 MB"),
    (
        "answer_burst",
        "answer saves, 2,000 drawn people opening a test within a minute (issue 17, `bench/answer_burst.py`)",
        "p95 ≤ 150 ms, no lost answers",
    ),
]


NOTES = [
    "How: pages are requested in-process through Django's test client (the whole middleware, view and template "
    "stack, DEBUG off, on PostgreSQL; the WSGI server and loopback network are left out), one warm-up then the "
    "timed requests; one more request counts the SQL queries (`CaptureQueriesContext`) and reads the figures the "
    "template was given, compared with the hand-written SQL in `bench/checks.py` (equal, or the run stops). The "
    "SQL may read what the application keeps (rollups, stored 八有/七有 statuses, compiled digests) as the pages do. "
    "The year summary compares the 25 core figures (not the keys the apps above reports add). The accounts are "
    "those `generate_load` makes: staff, leader, viewer, observer, inspector at the root, staff, leader, viewer at "
    "the first county — no superuser. Menu pages without figures are timed and counted, with no SQL comparison.",
    "Digests: `reports.compile_digests(year, month, organization_id, run_id)` sent to a real Celery worker "
    "(`-c 1`, then `-c 2`, prefork) on Redis at 127.0.0.1, timed from dispatch until its run record is finished.",
]


@functools.cache
def git_commit() -> str:
    result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False)
    return result.stdout.strip() or "unknown"


def header(**machine) -> dict:
    """What every run records: when, which commit, the machine and its load (the machine is shared)."""
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "machine": {"cores": os.cpu_count(), **machine},
        "contended": True,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "sizes": [],
    }


def read_json(path: Path) -> dict[int, dict]:
    """The sizes an earlier run wrote (groups → entry), or nothing."""
    try:
        return {entry["groups"]: entry for entry in json.loads(path.read_text(encoding="utf-8"))["sizes"]}
    except (OSError, ValueError, KeyError):
        return {}


def read_once(path: Path) -> dict:
    """The figures an earlier run took once, whatever the size (sign-in burst, export memory)."""
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("once", {})
    except (OSError, ValueError):
        return {}


def write_json(results: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _ms(page: dict) -> str:
    if "error" in page:
        return page["error"]
    fewer = f" ({page['requests']} requests)" if page.get("requests", 20) < 20 else ""
    if page.get("requests") == 1:
        fewer = " (one request: too slow to repeat)"
    return f"{page['p50_ms']:.0f} / {page['p95_ms']:.0f} ms{fewer}"


def _sql(page: dict) -> str:
    if "ratio_to_sql" not in page:
        return "–"
    return f"{page['sql_p50_ms']:.1f} ms; {page['ratio_to_sql']:.1f}×"


def _figure(size: dict, key: str, once: dict) -> str:
    if key in once:
        return f"{once[key]['text']} (own data, any size)"
    pages = {page["key"]: page for page in size.get("pages", [])}
    if key in pages:
        page = pages[key]
        return f"{_ms(page)}, {page.get('queries', '?')} queries (load {page.get('load_average', ['?'])[0]})"
    figure = size.get("figures", {}).get(key)
    if figure is None:
        return "not measured"
    return figure.get("text") or json.dumps(figure, ensure_ascii=False)


def _answer_burst(burst: dict) -> list[str]:
    """The answer burst's run: what it modelled, the figures, the rates, the check, the load and the commit."""
    if "p95_ms" not in burst:
        return [burst.get("text", "not measured")]
    rates = ", ".join(
        f"{name} {burst[key]['peak_1s']} at the busiest second, {burst[key]['peak_10s']} over the busiest 10 s, "
        f"{burst[key]['mean']} on average"
        for name, key in (("opens/s", "opens_per_s"), ("saves/s", "saves_per_s"))
    )
    return [
        f"Measured {burst['date']} at commit `{burst['git_commit'][:10]}`; load average at the start "
        f"{burst['load_average_at_start']}, at most {burst['load_average_max']} during the run.",
        "",
        f"- Model: {burst['model']}; {burst['server']}, PostgreSQL and the load generator on the same cores "
        f"(CPU in {burst['elapsed_s']} s: gunicorn's workers {burst.get('server_cpu_s', '?')} s, "
        f"{burst.get('server_cpu_ms_per_request', '?')} ms a request; the load generator "
        f"{burst.get('client_cpu_s', '?')} s).",
        f"- Answer saves: p50 {burst['p50_ms']} ms, p95 **{burst['p95_ms']} ms**, p99 {burst['p99_ms']} ms, "
        f"max {burst['max_ms']} ms over {burst['saves']} saves; errors {burst['errors_by_request']}.",
        f"- Opening: p50 {burst['open_p50_ms']} ms, p95 {burst['open_p95_ms']} ms; handing in p95 "
        f"{burst['hand_in_p95_ms']} ms.",
        f"- Rates: {rates}.",
        f"- Answers: {burst['rows_with_an_answer']} stored with an answer for {burst['saves_answered_200']} saves "
        f"answered 200: {burst['lost']} lost, {burst['wrong']} stored other than sent, "
        f"{burst['stored_without_200']} stored without a 200 seen; {burst['handed_in']} sittings handed in, each "
        f"with {'/'.join(map(str, burst['rows_per_handed_in_sitting'])) or '—'} rows "
        f"({'no answer lost' if burst['none_lost'] else 'ANSWERS LOST'}).",
        *([f"- Note: {burst['note']}"] if burst.get("note") else []),
    ]


def markdown(results: dict, notes: list[str] = NOTES) -> str:
    """The Markdown report: issue 16's table at every size, then every page with its SQL."""
    sizes = results["sizes"]
    lines = [
        "# Benchmark results",
        "",
        f"Last run {results['date']} at commit `{results['git_commit'][:10]}` on {results['machine']['cores']} cores, "
        f"which PostgreSQL, the load generator and the app share (and, at times, other engineers' tests: the load "
        f"average is recorded with every figure in `bench/results/latest.json`; at this run's start it was "
        f"{results['load_average_at_start']}). A run may measure only some figures (`BENCH_GROUPS`, "
        f"`BENCH_STEPS`): every size and every figure below gives the date and commit it was measured at.",
        "",
        *[note + "\n" for note in [*notes, *results.get("notes", [])]],
        "",
        "## Issue 16's figures",
        "",
        "| figure | target | " + " | ".join(f"{s['groups']:,} groups" for s in sizes) + " |",
        "|---|---|" + "---|" * len(sizes),
    ]
    for key, label, target in TABLE:
        lines.append(
            f"| {label} | {target} | " + " | ".join(_figure(s, key, results.get("once", {})) for s in sizes) + " |"
        )
    burst = results.get("once", {}).get("answer_burst")
    if burst:
        lines += ["", "## Answer burst (issue 17)", "", *_answer_burst(burst)]
    for size in sizes:
        lines += [
            "",
            f"## Pages at {size['groups']:,} groups (p50 / p95 over {size.get('repeat', 20)} requests unless said)",
            "",
            f"Last measured {size.get('date', '?')}; each page gives the commit it was measured at. "
            f"Data: {size.get('data', '')}",
            "",
            "| page | as | p50 / p95 | queries | HTML | hand-written SQL p50; app ÷ SQL | load | commit |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for page in size.get("pages", []):
            lines.append(
                f"| {page['label']} | {page['role']} | {_ms(page)} | {page.get('queries') if page.get('queries') is not None else '–'} | "
                f"{page.get('html_kb', '–')} KB | {_sql(page)} | {(page.get('load_average') or ['–'])[0]} | "
                f"{page.get('git_commit', '?')[:7]} |"
            )
    return "\n".join(lines) + "\n"


def merge(paths: list[Path], into: Path, markdown_path: Path, notes: list[str] | None = None) -> None:
    """Merge the sizes of several runs' JSON files (a later file's size replaces an earlier's) into ``into``
    and write its Markdown: ``python -m bench.report a.json b.json``."""
    results = json.loads(paths[0].read_text(encoding="utf-8"))
    sizes: dict[int, dict] = {}
    for path in paths:
        run = json.loads(path.read_text(encoding="utf-8"))
        for entry in run["sizes"]:
            old = sizes.get(entry["groups"], {})
            # A later run's page replaces the same page of an earlier one; pages it did not measure are kept.
            pages = {page["key"]: page for page in [*old.get("pages", []), *entry.get("pages", [])]}
            sizes[entry["groups"]] = {
                **old,
                **entry,
                "figures": {**old.get("figures", {}), **entry["figures"]},
                "pages": list(pages.values()),
            }
        results.setdefault("once", {}).update(run.get("once", {}))
    results["sizes"] = [sizes[key] for key in sorted(sizes)]
    results["git_commit"] = git_commit()
    results["notes"] = notes or []
    write_json(results, into)
    markdown_path.write_text(markdown(results), encoding="utf-8")


if __name__ == "__main__":
    import sys

    # python -m bench.report a.json b.json [--note "text"]...
    paths = [Path(arg) for arg in sys.argv[1:] if arg.endswith(".json")]
    notes = [sys.argv[i + 1] for i, arg in enumerate(sys.argv) if arg == "--note"]
    merge(paths, ROOT / "bench" / "results" / "latest.json", ROOT / "bench" / "results.md", notes)
