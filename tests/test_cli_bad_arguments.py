"""Every ``nbx11`` verb answers bad arguments with a short message and a non-zero exit, never a traceback."""

from __future__ import annotations

import time

import pytest

from nbx11_data import cli

LONG = "x" * 5000
BAD = {  # verb: invocations that once ended in a traceback, a hang, a wrong exit 0, or are plain wrong
    "arch": [["arch", "nb201"], ["arch", "nb201", "|bad|"], ["arch", "nb201", "--file", "/nonexistent"],
             ["arch", "nb201", "--file", "{tmp}"], ["arch", "nb201", "--file", "{binary}"],
             ["arch", "darts", "Genotype(normal=[" + " " * 5000 + "x"], ["arch", "nb101", "[" * 5000],
             ["arch", "nb101", "{deep}"], ["arch", "nosuchspace", "x"]],
    "query": [["query", "nb201", "11", "--seed", "abc"], ["query", "nb201", "11", "--seed", "1.5"],
              ["query", "nb201", "11", "--seed", ""], ["query", "nb201", "11", "-o", "/nonexistent/x.csv"],
              ["query", "nb201", "11", "-o", "{tmp}"], ["query", "nb201", "11", "--curve", "--epoch", "3"],
              ["query", "nb201", "11", "--epoch", "0"], ["query", "nb201", "99999"], ["query", LONG, "11"],
              ["query", "nb201", "11", "--dataset", "cifar1000"], ["query", "nb201", "11", "--budget", "x"]],
    "sql": [["sql", "nb201", "SELECT union_value(k := 1)"], ["sql", "nb201", "SELECT 'x'::BIT"],
            ["sql", "nb201", "SELEC"], ["sql", "nb201", "SELECT 1", "-o", "/nonexistent/x.csv"],
            ["sql", "nb201", "SELECT 1", "--format", "csv", "-o", "{tmp}"]],
    "plot": [["plot", "nb201", "11", "--out", "{tmp}/x.unknownext"], ["plot", "nb201", "11", "--out", "{tmp}/adir"],
             ["plot", "nb201", "11", "--out", "{tmp}/no/such/x.png"], ["plot", "nb201", "11", "--out", "{tmp}"]],
    "export": [["export", "nb201", "--out", "{tmp}/no/such/x.csv"], ["export", "nb201", "--out", "{tmp}"],
               ["export", "nb201", "--archs", "nonsense"]],
    "info": [["info", LONG], ["info", "nosuch"], ["info", "a\x00b"]],
    "list": [["list", "--root", "{binary}"]],
    "verify": [["verify", "nosuch"], ["verify", LONG]],
    "download": [["download", "nb201", "--base-url", url, "--cache-dir", "{tmp}/cache"]
                 for url in ("notaurl", "ftp://x", "file:///tmp", "http://[::1")]
                + [["download", "nb201", "--cache-dir", "{binary}", "--base-url", "http://127.0.0.1:9", "--offline"]],
    "publish": [["publish", "nosuch", "{tmp}/mirror"]],
    "build": [["build", "nb201", "--source", "/nonexistent", "--out", "{tmp}/out"], ["build", "nosuch"]],
    "train": [["train", "nosuch", "--source", "/nonexistent"]],
    "run": [["run", "nosuch"]],
    "plot-runs": [["plot-runs", "/nonexistent"]],
    "demo": [["demo", "--nosuchflag"]],
}


def _filled(argv: list[str], tmp_path) -> list[str]:
    binary = tmp_path / "binary.bin"
    binary.write_bytes(bytes(range(256)))
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000)
    fill = {"{tmp}": str(tmp_path), "{binary}": str(binary), "{deep}": "[" * 100_000}
    out = []
    for arg in argv:
        for key, value in fill.items():
            arg = arg.replace(key, value)
        out.append(arg)
    return out


@pytest.mark.parametrize("verb", list(BAD))
def test_bad_arguments_give_one_line_and_a_non_zero_exit(verb, tmp_path, capsys):
    for argv in BAD[verb]:
        argv = _filled(argv, tmp_path)
        started = time.perf_counter()
        try:
            code = cli.main(argv)
        except SystemExit as stop:  # argparse's own usage error
            code = stop.code
        elapsed = time.perf_counter() - started
        out, err = capsys.readouterr()
        shown = " ".join(argv)[:80]
        assert code not in (0, None), f"{shown}: exit 0"
        assert "Traceback" not in err and "internal error" not in err, f"{shown}: {err[-300:]}"
        if argv[0] == "arch" and not err:  # `nbx11 arch` reports an invalid architecture as its JSON record
            assert '"valid": false' in out and '"error": "' in out, f"{shown}: {out[:300]}"
        else:  # argparse's usage lines, then one line of ours or argparse's
            assert err.strip().splitlines()[-1].startswith("nbx11"), f"{shown}: {err[-300:]}"
            assert "error" in err.strip().splitlines()[-1], f"{shown}: {err[-300:]}"
        assert elapsed < 30, f"{shown}: {elapsed:.0f} s"
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == ["binary.bin", "deep.json"], f"files or folders created: {made}"  # nothing written


def test_plot_with_a_suffix_writes_exactly_that_file(tmp_path, capsys):
    out = tmp_path / "curves.png"
    assert cli.main(["plot", "nb201", "11", "--out", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curves.png"]
