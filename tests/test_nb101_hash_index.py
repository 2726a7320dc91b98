"""The shipped NB101 hash index holds every enumerated graph once, under its module hash."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from nbx11_data.errors import InvalidArchitectureError
from nbx11_data.spaces import nb101


def test_index_holds_exactly_the_enumerated_graphs():
    prefixes, keys = nb101._hash_index()
    assert prefixes.dtype == keys.dtype == np.uint32 and len(keys) == nb101.SIZE
    assert (np.diff(prefixes.astype(np.int64)) >= 0).all()  # sorted: a binary search finds a prefix
    sizes, bits, codes = nb101._all_keys(nb101.MAX_VERTICES)
    enumerated = np.sort(np.array([nb101.pack_key(int(n), int(b), int(c)) for n, b, c in zip(sizes, bits, codes)],
                                  dtype=np.uint32))
    assert np.array_equal(np.sort(keys), enumerated)


def test_a_sample_of_columns_has_its_graphs_hash_prefix():
    prefixes, keys = nb101._hash_index()
    for column in np.random.Generator(np.random.PCG64(0)).integers(0, nb101.SIZE, 500).tolist():
        n, bits, code = nb101._unpack_key(int(keys[column]))
        assert int(nb101._hash_of_key(n, bits, code)[:8], 16) == int(prefixes[column])


def test_lookup_of_sampled_graphs_and_unknown_hashes():
    for arch in nb101.sample(300, 1):
        module_hash = nb101.arch_id(arch)
        assert nb101.from_hash(module_hash) == arch == nb101.parse(module_hash)
        if arch.n_vertices > 5:
            with pytest.raises(InvalidArchitectureError, match="at most 5 vertices"):
                nb101.from_hash(module_hash, max_vertices=5)
    with pytest.raises(InvalidArchitectureError, match="not the module hash"):
        nb101.from_hash("f" * 32)
    with pytest.raises(InvalidArchitectureError, match="32 lowercase hex"):
        nb101.from_hash("F" * 32)


def test_a_new_process_looks_up_without_enumerating():
    code = ("from nbx11_data.spaces import nb101; import sys;"
            " print(nb101.format(nb101.parse('6f6257bc3b12d87b8736e81cd4b7ed8b')));"
            " print(nb101._graphs.cache_info().currsize, nb101.hash_table.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "011,001,000|input,maxpool3x3,output" and out[1] == "0 0"
