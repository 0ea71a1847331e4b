"""bench/run.py (issue 23 item 5): options per benchmark, the headline figures and the summary table.
The benchmarks themselves never run in the tests."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]


def _runner():
    spec = importlib.util.spec_from_file_location("bench_runner", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_benchmark_gets_its_own_options_from_the_environment(monkeypatch):
    run = _runner()
    monkeypatch.setenv("BENCH_RESERVE_ARGS", "--seconds 1 --clients '4'")
    assert run.own_options(Path("bench_reserve.py")) == ["--seconds", "1", "--clients", "4"]
    assert run.own_options(Path("bench_ledger.py")) == []


def test_an_unknown_benchmark_name_is_refused_before_anything_runs(monkeypatch, capsys):
    run = _runner()
    monkeypatch.setattr(run, "warm_up", lambda env: (_ for _ in ()).throw(AssertionError("warmed up")))
    assert run.main(["reserv"]) == 1
    assert "No benchmark matches ['reserv']" in capsys.readouterr().out


def test_headline_figures_are_rates_percentiles_and_ceiling_ratios():
    run = _runner()
    lines = ["ledger transfers on PostgreSQL (2 CPUs), 20 per process",
             "  2 processes, distinct accounts     24 transfers/s   (40 in 1.6 s)",
             "  do_reserve  its own transaction :  97 /s   = 25% of the ceiling",
             "  push p50 58 ms, p99 128 ms",
             "  books after the run: balanced"]
    assert [line for line in lines if run.FIGURE.search(line)] == lines[1:4]


def test_the_summary_has_a_row_per_benchmark_with_status_time_and_figures():
    table = _runner().summary([
        {"name": "reserve", "rc": 0, "seconds": 12.34, "figures": ["a 1 /s", "b 2 /s"]},
        {"name": "ledger", "rc": 2, "seconds": 3.0, "figures": []},
    ])
    lines = table.splitlines()
    assert lines[0].split() == ["benchmark", "status", "seconds", "headline", "figures"]
    assert lines[2].split()[:4] == ["reserve", "ok", "12.3", "a"] and lines[3].strip() == "b 2 /s"
    assert lines[4].split()[:3] == ["ledger", "rc=2", "3.0"] and "(no figure printed)" in lines[4]


def test_only_the_databases_a_benchmark_names_are_cleaned_after_it(tmp_path):
    bench = tmp_path / "bench_x.py"
    bench.write_text('DB_NAME = "omnicanal_bench_x"\nOTHER = "postgres"\n# see omnicanal_bench_x_extra\n')
    assert _runner().own_databases(bench) == {"omnicanal_bench_x", "omnicanal_bench_x_extra"}
