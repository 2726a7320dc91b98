"""NB101 search space: parsing, pruning, the NB101 module hash, canonical form, enumeration, encoding.

The protocol every space satisfies (round trip, identity, sampling, no moves) is tested in test_space_contract.py.
"""

from __future__ import annotations

import functools
import itertools
import json
import tarfile
from types import SimpleNamespace

import numpy as np
import pytest
from architectures import nb101_archs as all_archs
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nbx11_data import spaces
from nbx11_data.errors import InvalidArchitectureError

nb101 = spaces.get("nb101")
C3, C1, MP = nb101.OPS
INCEPTION = (  # the example of NAS-Bench-101's api.py
    [
        [0, 1, 1, 1, 0, 1, 0],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 1, 0, 0],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0, 0],
    ],
    ["input", C1, C3, C3, C3, MP, "output"],
)


@functools.cache
def enumerated() -> frozenset:
    return frozenset(nb101.enumerate())


def reordered(arch, priorities):
    """``arch`` with its interior vertices in another topological order, as (matrix, ops)."""
    n = len(arch.ops)
    order = [0] + sorted(range(1, n - 1), key=lambda v: priorities[v - 1]) + [n - 1]
    matrix = np.array(arch.matrix)[np.ix_(order, order)]
    assume(not np.tril(matrix).any())
    return matrix, [arch.ops[v] for v in order]


def padded(arch):
    """``arch`` padded to 7 vertices with pruned-away dangling vertices (x11's ``convert_to_cell`` layout)."""
    n = len(arch.ops)
    matrix = np.zeros((7, 7), dtype=int)
    slot = list(range(n - 1)) + [6]
    matrix[np.ix_(slot, slot)] = arch.matrix
    return {"matrix": matrix, "ops": list(arch.ops[:-1]) + [C3] * (7 - n) + ["output"]}


@settings(deadline=None)  # the first example enumerates the space
@given(all_archs, st.lists(st.floats(0, 1), min_size=5, max_size=5))
def test_arch_id_and_canonical_form_equal_across_representations(arch, priorities):
    matrix, ops = reordered(arch, priorities)
    labels = [-1] + [nb101.OPS.index(op) for op in ops[1:-1]] + [-2]
    forms = [
        arch,
        nb101.format(arch),
        (matrix, ops),
        (matrix.tolist(), labels),
        {"matrix": matrix.tolist(), "ops": ops},
        json.dumps([matrix.tolist(), ops]),
        SimpleNamespace(matrix=matrix, ops=ops),
        SimpleNamespace(original_matrix=matrix, original_ops=ops, matrix=None, ops=None),
        padded(arch),
    ]
    assert {nb101.format(f) for f in forms} == {nb101.format(arch)}
    assert {nb101.arch_id(f) for f in forms} == {nb101.arch_id(arch)}


def test_known_example_and_naslib_flat_tuple():
    arch = nb101.parse(INCEPTION)
    assert arch.n_vertices == 7 and sum(map(sum, arch.matrix)) == 9
    naslib = tuple(np.array(INCEPTION[0]).flatten()) + tuple(nb101.NASLIB_OPS.index(op) for op in INCEPTION[1])
    assert nb101.parse(naslib) == arch


def test_pruning_drops_vertices_off_the_input_output_path():
    # vertex 2 has no input (not reachable from input), vertex 3 feeds nothing (cannot reach output)
    matrix = [
        [0, 1, 0, 1, 0],
        [0, 0, 0, 0, 1],
        [0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0],
    ]
    arch = nb101.parse((matrix, ["input", C1, MP, C3, "output"]))
    assert nb101.format(arch) == f"010,001,000|input,{C1},output"
    with pytest.raises(InvalidArchitectureError, match="no path from input to output"):
        nb101.parse(([[0, 1, 0], [0, 0, 0], [0, 0, 0]], ["input", C3, "output"]))


def test_limits_apply_after_pruning_as_in_nasbench():
    # 8 vertices and 10 edges, but vertex 6 feeds nothing: NAS-Bench-101 prunes it and accepts the rest
    matrix = np.zeros((8, 8), dtype=int)
    for x, y in [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 7), (0, 6), (1, 6), (2, 6), (3, 6)]:
        matrix[x, y] = 1
    arch = nb101.parse((matrix, ["input"] + [C3] * 6 + ["output"]))
    assert arch.n_vertices == 7 and sum(map(sum, arch.matrix)) == 6


def test_enumeration_counts_and_uniqueness():
    assert sum(1 for _ in nb101.enumerate(max_vertices=4)) == 91
    assert sum(1 for _ in nb101.enumerate(max_vertices=5)) == 2_532
    everything = list(nb101.enumerate())
    assert len(everything) == len(set(everything)) == nb101.SIZE == 423_624
    assert all(len(a.ops) <= 7 and sum(map(sum, a.matrix)) <= 9 for a in everything[::97])


def test_enumeration_matches_nasbench_generate_graphs_brute_force():
    """NB101's own procedure (every full DAG, every labelling, keep the first of each hash), up to 5 vertices."""
    first = {}
    for n in range(2, 6):
        edges = [(x, y) for y in range(n) for x in range(y)]  # NB101's bit order: x + y*(y-1)/2
        for bits in range(2 ** len(edges)):
            matrix = np.zeros((n, n), dtype=int)
            for i, (x, y) in enumerate(edges):
                matrix[x, y] = bits >> i & 1
            full_dag = matrix[:-1].any(axis=1).all() and matrix[:, 1:].any(axis=0).all()
            if not full_dag or matrix.sum() > 9:
                continue
            for labels in itertools.product(range(3), repeat=n - 2):
                ops = ["input", *(nb101.OPS[i] for i in labels), "output"]
                first.setdefault(nb101._module_hash(n, bits, labels), (matrix.tolist(), ops))
    ours = [(nb101.arch_id(a), [list(r) for r in a.matrix], list(a.ops)) for a in nb101.enumerate(5)]
    assert ours == [(h, m, o) for h, (m, o) in first.items()]


def test_hash_table_and_lookup():
    table = nb101.hash_table(5)
    assert len(table) == 2_532
    arch = nb101.parse(f"0110,0001,0001,0000|input,{C3},{MP},output")
    assert table[nb101.arch_id(arch)] == arch == nb101.parse(nb101.arch_id(arch))
    with pytest.raises(InvalidArchitectureError, match="not the module hash"):
        nb101.from_hash("0" * 32, max_vertices=5)


def test_generated_graphs_keys_are_their_module_hashes(shared_data):
    graphs = json.loads((shared_data / "ecnas-nb101" / "generated_graphs_4V9E.json").read_text())
    assert len(graphs) == 91
    for module_hash, (matrix, labels) in graphs.items():
        arch = nb101.parse((matrix, labels))
        assert nb101.arch_id(arch) == module_hash
        # our canonical vertex order is NAS-Bench-101's stored representative
        assert [list(r) for r in arch.matrix] == matrix
        assert [nb101._LABEL.get(op, {"input": -1, "output": -2}.get(op)) for op in arch.ops] == labels
    assert set(graphs) == set(nb101.hash_table(4))


def test_every_ecnas_result_folder_is_an_enumerated_graph(shared_data):
    with tarfile.open(shared_data / "ecnas-nb101" / "results_4V9E_5V9E.tar.gz") as archive:
        parts = [name.split("/") for name in archive.getnames() if name.endswith("/results.json")]
    # train_model_results/energy/<4V9E|5V9E>/4_epochs/<xx>/<hash>/repeat_<r>/results.json
    folders = {(p[2], p[5]) for p in parts}
    for space, max_vertices in (("4V9E", 4), ("5V9E", 5)):
        hashes = {h for s, h in folders if s == space}
        assert hashes == set(nb101.hash_table(max_vertices))


def test_encode_is_x11_adjacency_encoding():
    arch = nb101.parse(([[0, 1, 1], [0, 0, 1], [0, 0, 0]], ["input", MP, "output"]))
    x = nb101.encode([arch, INCEPTION])
    assert x.shape == (2, 26) and x.dtype == np.float32
    upper = [(i, j) for i in range(6) for j in range(i + 1, 7)]
    expected_edges = {(0, 1), (0, 6), (1, 6)}  # output moved to vertex 6
    assert x[0, :21].tolist() == [float(e in expected_edges) for e in upper]
    assert x[0, 21:].tolist() == [1.0, 0.5, 0.5, 0.5, 0.5]
    assert x[1, :21].sum() == 9 and sorted(x[1, 21:].tolist()) == [0.0, 0.5, 0.5, 0.5, 1.0]


def test_sample_draws_the_large_graphs_too():
    assert {a.n_vertices for a in nb101.sample(2_000, seed=0)} >= {5, 6, 7}


BAD = [
    (([[0, 1], [0, 0]], ["input", "output", "output"]), "2 ops for a 2x2|3 ops"),
    (([[0, 1, 1], [0, 0, 1]], ["input", C3, "output"]), "square"),
    (([[0, 1, 1], [0, 0, 1], [0, 0, 0]], ["input", "conv5x5", "output"]), "unknown op 'conv5x5'"),
    (([[0, 1, 1], [0, 0, 1], [0, 0, 0]], [C3, C3, "output"]), "first op must be 'input'"),
    (([[0, 1, 1], [0, 0, 1], [0, 0, 0]], ["input", C3, C3]), "last op must be 'output'"),
    (([[0, 1, 1], [0, 0, 1], [0, 1, 0]], ["input", C3, "output"]), "cycle"),
    (([[0, 1, 0], [0, 1, 1], [0, 0, 0]], ["input", C3, "output"]), "self-loop"),
    (([[0, 0, 1], [1, 0, 0], [0, 0, 0]], ["input", C3, "output"]), "backward edge"),
    (([[0, 2, 0], [0, 0, 1], [0, 0, 0]], ["input", C3, "output"]), "0 or 1"),
    ((np.triu(np.ones((8, 8), dtype=int), 1), ["input"] + [C3] * 6 + ["output"]), "8 vertices after pruning"),
    ((np.triu(np.ones((5, 5), dtype=int), 1), ["input", C3, C3, C3, "output"]), "10 edges after pruning"),
    (([[0]], ["input"]), "at least the input and output"),
    ("011,001,000|input,conv3x3,output", "unknown op"),
    ("011,001|input,conv3x3-bn-relu,output", "square"),
    ("01x,001,000|input,maxpool3x3,output", "cannot parse"),
    ("garbage", "cannot parse"),
    ("", "cannot parse"),
    ("[[0, 1], [0, 0]", "invalid JSON"),
    ('{"matrix": [[0, 1], [0, 0]]}', "needs 'matrix' and 'ops'"),
    (None, "cannot parse a NoneType"),
    (3.5, "cannot parse a float"),
    (7, "cannot parse a int"),
    ([1, 2, 3], "n\\*n \\+ n entries"),
    ((0, 1, 0, 0, 0, 9), "outside 0..4"),
    (([[0, 1], [0, 0]], "input,output"), "ops must be a list"),
    (([[0, 1], [0, 0]], [None, "output"]), "neither an op name"),
    (("01", ["input", "output"]), "list of rows"),
    (([[0, None], [0, 0]], ["input", "output"]), "entries must be 0 or 1"),
    ((np.array([["a", "b"], ["c", "d"]]), ["input", "output"]), "dtype"),
    ((np.zeros((2, 2, 2)), ["input", "output"]), "square"),
    (nb101.NB101Arch(((0, 1, 1), (0, 0, 1), (0, 0, 0)), ("input", "conv", "output")), "unknown op 'conv'"),
]


@pytest.mark.parametrize("bad,message", BAD, ids=[m for _, m in BAD])
def test_malformed_input_raises_project_error(bad, message):
    for function in (nb101.parse, nb101.format, nb101.arch_id, nb101.validate, lambda a: nb101.encode([a])):
        with pytest.raises(InvalidArchitectureError, match=f"nb101: .*({message})"):
            function(bad)


def test_a_directly_built_arch_is_canonicalised_where_used():
    direct = nb101.NB101Arch(((0, 1, 1, 0), (0, 0, 0, 1), (0, 0, 0, 1), (0, 0, 0, 0)), ("input", MP, C3, "output"))
    canonical = nb101.parse(direct)
    assert canonical.ops == ("input", C3, MP, "output") and canonical != direct
    assert nb101.format(direct) == nb101.format(canonical) and nb101.arch_id(direct) == nb101.arch_id(canonical)


json_like = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats() | st.text(max_size=12) | st.sampled_from(nb101.OPS),
    lambda inner: st.lists(inner, max_size=8) | st.dictionaries(st.sampled_from(["matrix", "ops", "x"]), inner),
    max_leaves=40,
)


@given(st.one_of(json_like, json_like.map(json.dumps), st.text(alphabet="01,|", max_size=40)))
def test_arbitrary_input_never_raises_a_bare_error(value):
    try:
        nb101.parse(value)
    except InvalidArchitectureError:
        pass


@settings(deadline=None)  # the first example enumerates the space
@given(st.lists(st.booleans(), min_size=21, max_size=21), st.lists(st.sampled_from(nb101.OPS), min_size=5, max_size=5))
def test_random_7x7_specs_parse_or_fail_cleanly(edges, ops):
    matrix = np.zeros((7, 7), dtype=int)
    matrix[np.triu_indices(7, 1)] = edges
    try:
        arch = nb101.parse((matrix, ["input", *ops, "output"]))
    except InvalidArchitectureError as err:
        assert "no path" in str(err) or "after pruning" in str(err)
    else:
        assert nb101.parse(nb101.format(arch)) == arch
        assert arch in enumerated()
