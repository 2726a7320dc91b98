"""NLP canonical form of cells with interchangeable inputs: the one-pass tie search beside brute force.

The cell: 3 ``tanh(x)`` nodes read by m ``linear(t0, t1, t2)`` nodes chained by ``elementwise_sum``
(2m + 2 nodes, 6^m input orders). Brute force (every combination of tied orders, what the canonical
form did before) runs up to m = 5; both give the same string. Medians of interleaved repeats.

Usage:
    python benchmarks/bench_nlp_ties.py [REPEATS]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_nlp_ties import _brute_force, _shared_heads  # noqa: E402

from nbx11_data.spaces import nlp  # noqa: E402


def main(repeats: int = 5) -> None:
    print(f"{'m':>3} {'nodes':>5} {'one pass (s)':>13} {'brute force (s)':>16}  same")
    for m in range(1, 12):
        recipe = _shared_heads(m)
        ours, brute = [], []
        for _ in range(repeats):
            started = time.perf_counter()
            text = nlp.format(recipe)
            ours.append(time.perf_counter() - started)
            if m <= 5:
                started = time.perf_counter()
                expected = _brute_force(recipe)
                brute.append(time.perf_counter() - started)
        same = "yes" if m > 5 or text == expected else "NO"
        shown = f"{statistics.median(brute):16.4f}" if brute else f"{'(6^' + str(m) + ' orders)':>16}"
        print(f"{m:3d} {len(recipe):5d} {statistics.median(ours):13.4f} {shown}  {same if m <= 5 else '-'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
