"""``make bench`` end to end on a tiny branch, each part run once, so the bench code cannot rot unnoticed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bench.__main__ import main
from bench.database import csms_for
from bench.figures import QUEUE_BUILD, SCOREBOARD, Measured
from bench.plan import Bench, Plan, TimedCsm
from bench.probe import Probe
from bench.report import DEFAULT_CLIENTS, LARGE_CLIENTS, XL_CLIENTS, growth, save, table
from bench.runner import FIGURES, run
from bench.service_calls import SEARCH_SAMPLE
from bench.stats import Samples
from storage.migrate import head_revision


def test_a_run_measures_every_figure_prints_them_and_saves_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CSM_BENCH_PG_URL", raising=False)
    results = tmp_path / "results.json"
    argv = ["--clients", "200", "--seed", "3", "--cache", str(tmp_path / "cache"), "--results", str(results)]
    imports = ["--import-clients", "300", "--import-days", "2"]
    main([*argv, "--runs", "1", "--startups", "1", "--moves", "2", "--switch-rounds", "0", *imports])

    run = json.loads(results.read_text(encoding="utf-8"))["sizes"]["200"]
    assert run["seed"] == 3 and run["machine"]["cores"] >= 1
    figures = run["backends"]["sqlite"]
    assert set(figures) == {f.key for f in FIGURES}
    for key, figure in figures.items():
        assert figure["median"] > 0 and figure["min"] <= figure["median"] <= figure["max"], key
    assert figures["search_mobile"]["detail"]["slowest"]
    typed = figures["search_name"]["detail"]["clients"]  # each client's slowest keystroke, the row the median one's
    assert len(typed) == SEARCH_SAMPLE
    assert len({number for number, _ in figures["search_number"]["detail"]["clients"]}) == SEARCH_SAMPLE
    assert figures["search_name"]["median"] == pytest.approx(typed[SEARCH_SAMPLE // 2][1], abs=0.01)
    assert (tmp_path / "cache" / f"demo-3-200-1csm-3000book-{head_revision()}.db").exists()
    out = capsys.readouterr().out
    assert figures["import_rate"]["detail"]["rows"] == 900
    assert "import rows per second" in out
    assert "bytes to the terminal per queue cursor move" in out
    queue = figures["queue_build"]
    assert queue["detail"]["csm"] == "csm01" and queue["detail"]["book"] > 150  # the only CSM: 200 less 3% unassigned
    book, tasks = queue["detail"]["book"], queue["detail"]["open_tasks"]
    assert tasks > 0 and queue["note"] == f"csm01, a book of {book} clients and {tasks} open tasks"
    (row,) = [line for line in out.splitlines() if line.startswith("queue build")]
    assert f"— csm01, a book of {book} clients and {tasks} open tasks" in row and " ms " in row and "≤ 50 ms" in row


def test_growth_compares_the_large_size_with_the_default_one_naming_the_book_timed_at_each(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    for clients, ms, book in ((DEFAULT_CLIENTS, 2.0, 2990), (LARGE_CLIENTS, 3.0, 3004)):
        note = TimedCsm("csm01", book, 1200).note()
        measured = [Measured(QUEUE_BUILD, Samples((ms, ms)), note=note), Measured(SCOREBOARD, Samples((10 * ms,)))]
        results = save(path, {"clients": clients, "seed": 1}, {"sqlite": measured})
    text = growth(results, FIGURES)
    assert text is not None and "beware" not in text
    (queue,) = [line for line in text.splitlines() if line.startswith("queue build")]
    assert "1.50×" in queue and queue.endswith("yes")
    assert "60,000: csm01, a book of 2,990 clients and 1,200 open tasks" in queue
    assert "300,000: csm01, a book of 3,004 clients and 1,200 open tasks" in queue
    assert any("scoreboard" in line and line.endswith("no (branch-wide)") for line in text.splitlines())
    assert growth({"sizes": {str(DEFAULT_CLIENTS): {}}}, FIGURES) is None


def test_a_probe_that_fails_gives_rows_that_say_why(tmp_path: Path) -> None:
    def broken(_bench: Bench) -> list[Measured]:
        raise ValueError("no such table: clients")

    bench = Bench("sqlite://", create_engine("sqlite://"), Plan(), tmp_path, tmp_path, TimedCsm("csm01", 0, 0))
    (row,) = Probe((QUEUE_BUILD,), broken).run(bench)
    assert row.samples is None and row.error == "ValueError: no such table: clients"
    assert "ERROR (ValueError: no such table: clients)" in table("t", [row])
    assert Probe((SCOREBOARD,)).run(bench) == [Measured(SCOREBOARD)]


def test_only_measures_the_probe_giving_that_figure_and_keeps_the_saved_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CSM_BENCH_PG_URL", raising=False)
    results = tmp_path / "results.json"
    results.write_text('{"sizes": {}}\n', encoding="utf-8")
    argv = ["--clients", "200", "--seed", "3", "--cache", str(tmp_path / "cache"), "--results", str(results)]
    main([*argv, "--runs", "2", "--only", "outcome_painted"])

    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if "(app)" in line]
    assert len(rows) == 2 and all(" ms " in line and "ERROR" not in line for line in rows), out  # both of the probe
    assert "queue build" not in out and "not written" in out
    assert results.read_text(encoding="utf-8") == '{"sizes": {}}\n'
    with pytest.raises(SystemExit):
        main([*argv, "--only", "no_such_figure"])


def test_the_readme_tables_come_from_the_saved_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "results.json"
    box = {"cpu": "CPU", "cores": 2, "python": "3.11", "sqlite": "3.40", "date": "2026-11-28T00:00:00+00:00"}
    for clients, ms in ((DEFAULT_CLIENTS, 40.0), (LARGE_CLIENTS, 60.0)):
        note = TimedCsm("csm01", 2990 if ms < 50 else 3004, 900).note()
        measured = [Measured(QUEUE_BUILD, Samples((ms, ms + 2)), note=note), Measured(SCOREBOARD, Samples((10 * ms,)))]
        run = {"clients": clients, "seed": 1, "revision": "abc1234", "machine": box, "postgresql": "15.18"}
        save(path, run, {"sqlite": measured, "postgresql": measured[:1]})
    main(["--results", str(path), "--markdown"])

    lines = capsys.readouterr().out.splitlines()
    assert (
        lines[0]
        == "60,000 clients, commit abc1234, 2026-11-28: CPU, 2 cores, Python 3.11, SQLite 3.40, PostgreSQL 15.18"
    )
    small, large = (f"csm01, a book of {book} clients and 900 open tasks" for book in ("2,990", "3,004"))
    assert (
        f"| queue build (today_queue) — {small} | 41.0 ms (40.0 ms – 42.0 ms) | 41.0 ms (40.0 ms – 42.0 ms) | ≤ 50 ms |"
        in lines
    )
    assert any(line.startswith("| queue build") and "**61.0 ms**" in line for line in lines)  # the miss, in bold
    assert (
        "| scoreboard: the branch quarter table (every CSM's card, ranked) | **600.0 ms** (600.0 ms – 600.0 ms) |  "
        "| ≤ 300 ms |" in lines
    )
    assert (
        f"| queue build (today_queue) — 60,000: {small}; 300,000: {large} | 41.0 ms | 61.0 ms | 1.49× | 41.0 ms "
        "| 61.0 ms | 1.49× | yes (per CSM or client) |" in lines
    )


def test_the_region_size_is_a_million_clients_and_330_csms_on_postgresql_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert csms_for(XL_CLIENTS) == 330
    with pytest.raises(SystemExit):
        main(["--size", "xl"])  # without --pg: refused before anything is built
    assert "PostgreSQL only" in capsys.readouterr().err


def test_a_postgresql_only_run_builds_no_sqlite_branch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    server = request.getfixturevalue("pg_server")
    name = server.create_database()
    try:
        monkeypatch.setenv("CSM_BENCH_PG_URL", server.url(name))
        cache, results = tmp_path / "cache", tmp_path / "results.json"
        run(200, 3, Plan(runs=1), cache, results, True, frozenset({QUEUE_BUILD.key}), sqlite=False)
    finally:
        server.drop_database(name)
    out = capsys.readouterr().out
    assert "postgresql, 200 clients" in out and "sqlite, 200 clients" not in out
    assert not cache.exists() or not list(cache.glob("*.db"))
