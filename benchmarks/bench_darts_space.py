"""Throughput of the darts space beside its peer nb201, in the same run.

Prints seconds for ``nbx11 arch SPACE --file`` on N lines (subprocess, so
interpreter start-up is included) for each darts representation and for
nb201 arch strings, then in-process rates of sample / encode / encode_yahpo.

Usage:
    python benchmarks/bench_darts_space.py [N]      # N = 100000 by default
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nbx11_data import spaces


def _cli_seconds(space: str, path: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nbx11_data.cli", "arch", space, "--file", str(path)],
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _rate(label: str, n: int, func) -> None:
    start = time.perf_counter()
    func()
    seconds = time.perf_counter() - start
    print(f"{label:<34} {seconds:7.2f} s  ({n / seconds:,.0f} archs/s)")


def main(n: int = 100_000) -> None:
    darts, nb201 = spaces.get("darts"), spaces.get("nb201")
    archs = darts.sample(n, seed=0)
    forms = {
        "darts genotype string": [darts.format(a) for a in archs],
        "darts configspace JSON": [json.dumps(darts.to_config(a)) for a in archs],
        "darts compact JSON": [json.dumps(darts.to_compact(a)) for a in archs],
    }
    with tempfile.TemporaryDirectory() as folder:
        print(f"nbx11 arch --file, {n:,} lines (wall, including start-up)")
        for label, lines in forms.items():
            path = Path(folder) / "darts.txt"
            path.write_text("\n".join(lines) + "\n")
            print(f"  {label:<32} {_cli_seconds('darts', path):7.2f} s")
        path = Path(folder) / "nb201.txt"
        path.write_text("\n".join(nb201.format(a) for a in nb201.sample(n, seed=0)) + "\n")
        print(f"  {'nb201 arch string (peer)':<32} {_cli_seconds('nb201', path):7.2f} s")
    print("in-process")
    _rate("darts.sample", n, lambda: darts.sample(n, seed=1))
    _rate("nb201.sample (peer)", n, lambda: nb201.sample(n, seed=1))
    _rate("darts.encode (x11, 34 cols)", n, lambda: darts.encode(archs))
    _rate("darts.encode_yahpo (34 codes)", n, lambda: darts.encode_yahpo(archs))
    peer = nb201.sample(n, seed=1)
    _rate("nb201.encode (peer, 30 cols)", n, lambda: nb201.encode(peer))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
