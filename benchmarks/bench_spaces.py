"""Enumeration times and ``nbx11 arch --file`` throughput of every search space, side by side.

Each figure is measured in a fresh interpreter (``python -c``/``-m``), so start-up and
first-call work (building lookup tables) are included. Printed:

- NB101 enumeration (<=5 and <=7 vertices) beside its peer, NAS-Bench-101's own procedure
  (hash every labelled full DAG, keep the first of each hash) re-run here for <=5 vertices,
  and beside NB201's enumeration; then the hash -> architecture tables of NB101,
- ``nbx11 arch SPACE --file`` on N lines (wall and CPU, start-up included): sampled canonical
  strings of every space, and the other representations a user feeds in: DARTS configspace and
  compact JSON, NLP JSON recipes under random renamings and shuffled orders (no line repeats),
- in-process rates of ``sample`` and ``encode`` of darts beside nb201.

Usage:
    python benchmarks/bench_spaces.py [N] [--full-hash-table]   # N = 100000 by default
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from nbx11_data import spaces
from nbx11_data.spaces import darts, nb201, nlp

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


def _cli_seconds(space: str, path: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of ``nbx11 arch SPACE --file PATH`` in a fresh interpreter."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nbx11_data.cli", "arch", space, "--file", str(path)],
                   check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _nlp_renamed(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct JSON recipes: sampled cells, each under random renamings and shuffled orders."""
    rng = np.random.Generator(np.random.PCG64(seed))
    cells = [nlp.to_recipe(a) for a in nlp.sample(max(1, n // 100), seed=seed)]
    lines = []
    while len(lines) < n:
        recipe = cells[len(lines) % len(cells)]
        tag = f"v{len(lines)}_"
        rename = {name: name if name.startswith("h_new_") else tag + name for name in recipe}
        names = list(recipe)
        lines.append(json.dumps({
            rename[name]: {
                "op": recipe[name]["op"],
                "input": [rename.get(s, s) for s in (
                    [recipe[name]["input"][i] for i in rng.permutation(len(recipe[name]["input"]))]
                    if recipe[name]["op"] in nlp.COMMUTATIVE else recipe[name]["input"])],
            }
            for name in (names[i] for i in rng.permutation(len(names)))
        }))
    return lines


def _inputs(n: int) -> dict[str, tuple[str, list[str]]]:
    """{label: (space, lines)} fed to ``nbx11 arch``."""
    inputs = {f"{name} canonical strings": (name, [spaces.get(name).format(a) for a in spaces.get(name).sample(n, seed=0)])
              for name in spaces.NAMES}
    cells = darts.sample(n, seed=0)
    inputs["darts configspace JSON"] = ("darts", [json.dumps(darts.to_config(a)) for a in cells])
    inputs["darts compact JSON"] = ("darts", [json.dumps(darts.to_compact(a)) for a in cells])
    inputs["nlp renamed JSON recipes"] = ("nlp", _nlp_renamed(n))
    return inputs


def _rate(label: str, n: int, func) -> None:
    start = time.perf_counter()
    func()
    seconds = time.perf_counter() - start
    print(f"  {label:<34} {seconds:7.2f} s  ({n / seconds:,.0f} archs/s)")


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

    print(f"nbx11 arch SPACE --file, {n_lines:,} lines (fresh interpreter: wall, CPU)")
    with tempfile.TemporaryDirectory() as folder:
        for label, (name, lines) in _inputs(n_lines).items():
            path = Path(folder) / "lines.txt"
            path.write_text("\n".join(lines) + "\n")
            wall, cpu = _cli_seconds(name, path)
            print(f"  {label:<28} {wall:7.2f} s wall {cpu:7.2f} s CPU  ({n_lines / wall:,.0f} lines/s)")
    print("in-process")
    cells, peer = darts.sample(n_lines, seed=1), nb201.sample(n_lines, seed=1)
    _rate("darts.sample", n_lines, lambda: darts.sample(n_lines, seed=1))
    _rate("nb201.sample (peer)", n_lines, lambda: nb201.sample(n_lines, seed=1))
    _rate("darts.encode (x11, 34 cols)", n_lines, lambda: darts.encode(cells))
    _rate("darts.encode_yahpo (34 codes)", n_lines, lambda: darts.encode_yahpo(cells))
    _rate("nb201.encode (peer, 30 cols)", n_lines, lambda: nb201.encode(peer))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else 100_000, "--full-hash-table" in sys.argv)
