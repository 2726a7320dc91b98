"""Enumeration times and ``nbx11 arch --file`` throughput of every search space, side by side.

Each figure is measured in a fresh interpreter (``python -c``/``-m``), so start-up and
first-call work (building lookup tables) are included. Printed:

- NB101 enumeration (<=5 and <=7 vertices) beside its peer, NAS-Bench-101's own procedure
  (hash every labelled full DAG, keep the first of each hash) re-run here for <=5 vertices,
  and beside NB201's enumeration; then the hash -> architecture tables of NB101,
- ``nbx11 arch SPACE --file`` on N lines of sampled canonical strings, for each space whose
  module exists (nb101, nb201, darts, nlp).

Usage:
    python benchmarks/bench_spaces.py [N] [--full-hash-table]   # N = 100000 by default
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path

from nbx11_data import spaces

_ENUMERATE = "import time; from nbx11_data.spaces import {space} as s; t = time.perf_counter(); " \
    "n = sum(1 for _ in s.enumerate({args})); print(n, time.perf_counter() - t)"
_HASH_TABLE = "import time; from nbx11_data.spaces import nb101; t = time.perf_counter(); " \
    "n = len(nb101.hash_table({v})); print(n, time.perf_counter() - t)"
# NAS-Bench-101's generate_graphs.py procedure, with this package's module hash.
_BRUTE_FORCE = """
import itertools, time
from nbx11_data.spaces import nb101
t = time.perf_counter(); first = {}
for n in range(2, 6):
    edges = nb101._edges(n)
    for bits in range(2 ** len(edges)):
        out = {x for (x, y), i in zip(edges, range(len(edges))) if bits >> i & 1}
        into = {y for (x, y), i in zip(edges, range(len(edges))) if bits >> i & 1}
        if out != set(range(n - 1)) or into != set(range(1, n)) or bin(bits).count("1") > 9:
            continue
        for labels in itertools.product(range(3), repeat=n - 2):
            first.setdefault(nb101._module_hash(n, bits, labels), (bits, labels))
print(len(first), time.perf_counter() - t)
"""


def _in_fresh_python(code: str) -> tuple[int, float]:
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    count, seconds = out.split()
    return int(count), float(seconds)


def _cli_seconds(space: str, path: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nbx11_data.cli", "arch", space, "--file", str(path)],
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(n_lines: int = 100_000, full_hash_table: bool = False) -> None:
    print("enumeration (fresh interpreter, objects built)")
    rows = [
        ("nb101 <=5 vertices", _ENUMERATE.format(space="nb101", args="max_vertices=5")),
        ("nb101 <=5, NB101's generate_graphs procedure (peer)", _BRUTE_FORCE),
        ("nb101 <=7 vertices", _ENUMERATE.format(space="nb101", args="")),
        ("nb201 (peer)", _ENUMERATE.format(space="nb201", args="")),
        ("nb101 hash_table(5): module hash -> arch", _HASH_TABLE.format(v=5)),
    ]
    if full_hash_table:
        rows.append(("nb101 hash_table(7): module hash -> arch", _HASH_TABLE.format(v=7)))
    for label, code in rows:
        count, seconds = _in_fresh_python(code)
        print(f"  {label:<52} {count:>9,} archs {seconds:8.2f} s")

    present = [name for name in spaces.NAMES if find_spec(f"nbx11_data.spaces.{name}") is not None]
    print(f"nbx11 arch SPACE --file, {n_lines:,} lines of sampled canonical strings (wall, with start-up)")
    with tempfile.TemporaryDirectory() as folder:
        for name in present:
            space = spaces.get(name)
            path = Path(folder) / f"{name}.txt"
            path.write_text("".join(space.format(a) + "\n" for a in space.sample(n_lines, seed=0)))
            seconds = _cli_seconds(name, path)
            print(f"  {name:<8} {seconds:7.2f} s  ({n_lines / seconds:,.0f} lines/s)")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else 100_000, "--full-hash-table" in sys.argv)
