"""Fault figures of the public API, the spaces and the CLI: inputs tried, answers, clean errors, hangs,
raw exceptions and wrong answers, per space and per entry point.

It runs the fuzz tests' strategies (tests/fuzzing.py, derandomized, so the same inputs every run) against
whatever ``nbx11_data`` is importable, so the same script measures a checkout before and after a change
(``PYTHONPATH=<old checkout> python benchmarks/fuzz_report.py``). A call over ``--bound`` seconds is a
hang (interrupted by SIGALRM); a success on an argument the API must refuse (a float or bool seed or epoch,
a string as an architecture list, bytes as an NB201 cell) or a parse that does not round-trip is a wrong
answer. Then the CLI: every bad invocation of tests/test_cli_bad_arguments.py, counted as a clean error
(non-zero exit, no traceback), a traceback, a hang or a wrong exit 0.

Usage:
    python benchmarks/fuzz_report.py [--examples 300] [--bound 10]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import signal
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import numpy as np  # noqa: E402
from fuzzing import ANY, fuzz, mutated  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import nbx11_data  # noqa: E402
from nbx11_data import spaces  # noqa: E402
from nbx11_data.errors import NBX11Error  # noqa: E402


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def classify(call, wrong_if_ok, bound: float) -> str:
    """``answer``, ``clean``, ``hang``, ``raw:<type>`` or ``wrong`` for one call."""
    signal.setitimer(signal.ITIMER_REAL, bound)
    try:
        value = call()
    except _Hang:
        return "hang"
    except NBX11Error:
        return "clean"
    except Exception as err:  # noqa: BLE001 - what is being counted
        return f"raw:{type(err).__name__}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    try:
        return "wrong" if wrong_if_ok(value) else "answer"
    except Exception:  # noqa: BLE001 - an answer that cannot even be checked
        return "wrong"


def _run(strategy, examples: int, body) -> None:
    fuzz(examples)(given(strategy)(body))()


def space_figures(examples: int, bound: float) -> dict:
    out = {}
    for name in spaces.NAMES:
        space = spaces.get(name)
        texts = [space.format(a) for a in space.sample(4, 0)]
        counts = collections.Counter()

        def wrong(arch, value=None):
            return space.parse(space.format(arch)) != arch

        def body(value):
            bad_type = isinstance(value, (bytes, bytearray))
            counts[classify(lambda: space.parse(value), lambda a: bad_type or wrong(a), bound)] += 1

        _run(ANY | mutated(texts) | st.text(max_size=60), examples, body)
        for special in ("Genotype(normal=[" + " " * 3000 + "x", "[" * 5000, b"\x00\x01\x02\x03\x04\x00",
                        np.array(3)):
            body(special)
        out[name] = counts
    return out


def api_figures(examples: int, bound: float) -> dict:
    bench = nbx11_data.open("nb201")
    surrogate = nbx11_data.open("nbnlp11-wt2")
    arch = surrogate.archs()[0]
    surrogate.curve(arch, seed=0)  # load the checkpoint first: a one-off cost, not a hang
    seeds = st.sampled_from([None, 777, 1.5, 0.5, "0", True, float("nan"), "abc", [1]]) | ANY
    out = {}

    def record(verb, call, wrong_if_ok):
        out.setdefault(verb, collections.Counter())[classify(call, wrong_if_ok, bound)] += 1

    def body(values):
        archs, seed, epoch, dataset = values
        record("curve (surrogate)", lambda: surrogate.curve(arch, seed=seed),
               lambda _: not (seed is None or _is_int(seed)))
        record("curves", lambda: bench.curves(archs, dataset=dataset),
               lambda got: isinstance(archs, (str, bytes, dict)) or len(got) != len(archs))
        record("query", lambda: bench.query([11], epoch=epoch, dataset=dataset),
               lambda _: not (epoch is None or _is_int(epoch)))
        record("rows", lambda: bench.rows([11], seeds=seed),
               lambda _: not (seed is None or _is_int(seed) or isinstance(seed, list) and all(map(_is_int, seed))))
        record("register", lambda: bench.register(archs, [11]), lambda _: not isinstance(archs, str))
        record("open", lambda: nbx11_data.open(dataset), lambda _: False)

    archs = st.lists(st.integers(-2, 20_000) | st.sampled_from(["284", "x"]), max_size=3) | ANY
    epochs = st.sampled_from([None, 1, 1.5, "1", True, 0]) | ANY
    names = st.sampled_from(bench.datasets + [None]) | ANY
    _run(st.tuples(archs, seeds, epochs, names), examples, body)
    return out


def cli_figures(bound: float) -> collections.Counter:
    from test_cli_bad_arguments import BAD, _filled

    from nbx11_data import cli

    counts = collections.Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for invocations in BAD.values():
            for argv in invocations:
                err = io.StringIO()
                signal.setitimer(signal.ITIMER_REAL, bound)
                try:
                    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                        code = cli.main(_filled(argv, Path(tmp)))
                    counts["wrong exit 0" if code == 0 else "clean"] += 1
                except SystemExit as stop:
                    counts["wrong exit 0" if stop.code == 0 else "clean"] += 1
                except _Hang:
                    counts["hang"] += 1
                except Exception as exc:  # noqa: BLE001 - a traceback
                    counts[f"traceback:{type(exc).__name__}"] += 1
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=300)
    parser.add_argument("--bound", type=float, default=10.0)
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _alarm)
    print(f"nbx11_data from {Path(nbx11_data.__file__).parent}")
    for title, figures in (("space", space_figures(args.examples, args.bound)),
                           ("entry point", api_figures(args.examples, args.bound))):
        for name, counts in figures.items():
            raw = sum(v for k, v in counts.items() if k.startswith("raw:"))
            kinds = ", ".join(sorted(k[4:] for k in counts if k.startswith("raw:")))
            print(f"{title:11s} {name:18s} tried {sum(counts.values()):4d}  answer {counts['answer']:4d}"
                  f"  clean {counts['clean']:4d}  hang {counts['hang']:2d}  raw {raw:3d}  wrong {counts['wrong']:3d}"
                  + (f"  ({kinds})" if kinds else ""))
    counts = cli_figures(args.bound)
    print(f"cli: {sum(counts.values())} bad invocations: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
