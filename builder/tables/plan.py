"""What a surrogate table holds: its architectures, in table order, cut into deterministic work units.

A :class:`Plan` lists one :class:`Entry` per architecture: predicted ones (the space
enumerated, or a sample) and, optionally, the real architectures of the checkpoint's training
data with their measured runs. Entries are in table order (``arch_index`` where the space is
enumerated, else ``arch_id``) and unit ``u`` is entries ``[u * unit_archs, (u + 1) * unit_archs)``.
The plan's :attr:`~Plan.key` hashes everything that decides the data, so work units of one
configuration are never mixed with another's.

Sampling gives ``n`` *distinct* architectures (none of them measured): the first distinct ones of
``space.sample(n, seed)``, then of ``space.sample(n, s_b)`` for ``b = 1, 2, ...`` with
``s_b = SeedSequence([seed, b]).generate_state(1)[0]``, until there are ``n``.

Example:
    >>> from nbx11_data.spaces import nb101
    >>> plan = Plan.enumerated(nb101, {"max_vertices": 3}, unit_archs=2)
    >>> len(plan.entries), plan.units, plan.entries[0].arch_index
    (7, 4, 0)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace

import numpy as np

from nbx11_data.errors import UnknownNameError


@dataclass(frozen=True)
class Entry:
    """One architecture of the table: canonical string, index, and its measured runs (None: predicted)."""

    arch: str
    arch_id: str
    arch_index: int | None = None
    runs: dict | None = None  # metric -> (r, len(epochs)) float64 measured curves, runs in source order
    costs: dict | None = None  # cost column -> value, for measured architectures


@dataclass
class Plan:
    """The entries of a table in order, the unit size, and the parameters that decided them."""

    entries: list[Entry]
    unit_archs: int
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.unit_archs, bool) or not isinstance(self.unit_archs, int) or self.unit_archs < 1:
            raise UnknownNameError("unit size (architectures per work unit)", self.unit_archs, ["an int >= 1"])

    @property
    def units(self) -> int:
        return -(-len(self.entries) // self.unit_archs)

    def unit(self, u: int) -> list[Entry]:
        """The entries of work unit ``u``."""
        return self.entries[u * self.unit_archs:(u + 1) * self.unit_archs]

    @property
    def key(self) -> str:
        """sha256 over the parameters, the unit size and every entry (arch and measured values)."""
        digest = hashlib.sha256(json.dumps({**self.params, "unit_archs": self.unit_archs}, sort_keys=True).encode())
        for entry in self.entries:
            digest.update(f"{entry.arch}\0{entry.arch_index}\0".encode())
            for metric in sorted(entry.runs or {}):
                digest.update(metric.encode() + np.ascontiguousarray(entry.runs[metric], dtype="<f8").tobytes())
            digest.update(json.dumps(entry.costs, sort_keys=True).encode())
        return digest.hexdigest()

    @classmethod
    def enumerated(cls, space, enumerate_kwargs: dict, unit_archs: int, measured: list[Entry] | None = None,
                   params: dict | None = None) -> "Plan":
        """Every architecture of a finite space in enumeration order (``arch_index`` = position in it);
        a ``measured`` entry stands in for the predicted one of its architecture.

        The ``arch_id`` of a predicted entry is computed where its unit is built (NB101 hashes are slow).
        """
        real = {entry.arch: entry for entry in measured or []}
        entries = []
        for i, arch in enumerate(space.enumerate(**enumerate_kwargs)):
            text = space.format(arch)
            entry = real.get(text)
            entries.append(Entry(text, "", i) if entry is None else replace(entry, arch_index=i))
        return cls(entries, unit_archs, {**(params or {}), "enumerate": enumerate_kwargs})

    @classmethod
    def sampled(cls, space, n: int, seed: int, sample_kwargs: dict, unit_archs: int,
                measured: list[Entry] | None = None, params: dict | None = None, index: dict | None = None) -> "Plan":
        """``n`` distinct sampled architectures plus the ``measured`` entries, sorted by ``arch_index``
        (from ``index``: canonical string -> position, for an enumerable space) else by ``arch_id``."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise UnknownNameError("number of sampled architectures", n, ["an int >= 0"])
        index = index or {}
        taken = {entry.arch_id: replace(entry, arch_index=index.get(entry.arch)) for entry in measured or []}
        picked, batch = 0, 0
        while picked < n:
            batch_seed = seed if batch == 0 else int(np.random.SeedSequence([seed, batch]).generate_state(1)[0])
            before = picked
            for arch in space.sample(n, batch_seed, **sample_kwargs):
                text = space.format(arch)
                arch_id = space.arch_id(text)
                if arch_id not in taken and picked < n:
                    taken[arch_id] = Entry(text, arch_id, index.get(text))
                    picked += 1
            batch += 1
            if picked == before:
                raise UnknownNameError(f"number of distinct sampled {space.NAME} architectures", n,
                                       [f"at most about {picked} (a batch of {n} draws gave no new one)"])
        entries = sorted(taken.values(), key=lambda e: (e.arch_index is None, e.arch_index or 0, e.arch_id))
        return cls(entries, unit_archs, {**(params or {}), "sample": {"archs": n, "seed": seed, **sample_kwargs},
                                         "sample_batches": batch})
