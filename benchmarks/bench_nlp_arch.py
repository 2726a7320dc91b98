"""`nbx11 arch nlp --file` on N distinct NAS-Bench-NLP recipes, side by side with `nbx11 arch nb201 --file`.

The NLP lines are JSON recipes of sampled cells under random renamings of their
intermediate nodes and shuffled key/input orders (so that no line repeats); the
NB201 lines are sampled arch strings. Both commands run as subprocesses; the
figures are their wall time and CPU time.

    python benchmarks/bench_nlp_arch.py [N]      # default N = 100000
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

from nbx11_data.spaces import nb201, nlp


def nlp_lines(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct JSON recipes: sampled cells, each under several random renamings."""
    rng = np.random.Generator(np.random.PCG64(seed))
    cells = [nlp.to_recipe(a) for a in nlp.sample(max(1, n // 100), seed=seed)]
    lines = []
    while len(lines) < n:
        recipe = cells[len(lines) % len(cells)]
        tag = f"v{len(lines)}_"
        rename = {name: name if name.startswith("h_new_") else tag + name for name in recipe}
        names = list(recipe)
        order = [names[i] for i in rng.permutation(len(names))]
        lines.append(json.dumps({
            rename[name]: {
                "op": recipe[name]["op"],
                "input": [rename.get(s, s) for s in (
                    [recipe[name]["input"][i] for i in rng.permutation(len(recipe[name]["input"]))]
                    if recipe[name]["op"] in nlp.COMMUTATIVE else recipe[name]["input"])],
            }
            for name in order
        }))
    return lines


def run(space: str, path: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of ``nbx11 arch SPACE --file PATH``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nbx11_data.cli", "arch", space, "--file", str(path)],
                   check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        files = {
            "nb201": Path(tmp) / "nb201.txt",
            "nlp": Path(tmp) / "nlp.txt",
        }
        files["nb201"].write_text("\n".join(nb201.format(a) for a in nb201.sample(n, seed=0)) + "\n")
        files["nlp"].write_text("\n".join(nlp_lines(n)) + "\n")
        print(f"nbx11 arch SPACE --file, {n:,} distinct lines")
        print(f"{'space':<8}{'wall s':>10}{'cpu s':>10}{'us/line (cpu)':>16}")
        for space, path in files.items():
            wall, cpu = run(space, path)
            print(f"{space:<8}{wall:>10.2f}{cpu:>10.2f}{cpu / n * 1e6:>16.1f}")


if __name__ == "__main__":
    main()
