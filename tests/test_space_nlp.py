"""NAS-Bench-NLP space: recipes, canonical identity, validation, x11 encoding, generator sampling, moves.

The protocol every space satisfies (round trip, identity, sampling...) is tested in test_space_contract.py.
"""

from __future__ import annotations

import itertools
import json
import re
import zipfile

import numpy as np
import pytest
from architectures import nlp_recipes as recipes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nbx11_data import cli, spaces
from nbx11_data.errors import InvalidArchitectureError

nlp = spaces.get("nlp")

RNN = {"f": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_0": {"op": "activation_tanh", "input": ["f"]}}
GRU = {
    "r": {"op": "linear", "input": ["x", "h_prev_0"]},
    "r_act": {"op": "activation_sigm", "input": ["r"]},
    "z": {"op": "linear", "input": ["x", "h_prev_0"]},
    "z_act": {"op": "activation_sigm", "input": ["z"]},
    "rh": {"op": "elementwise_prod", "input": ["r_act", "h_prev_0"]},
    "h_tilde": {"op": "linear", "input": ["x", "rh"]},
    "h_tilde_act": {"op": "activation_tanh", "input": ["h_tilde"]},
    "h_new_0": {"op": "blend", "input": ["z_act", "h_prev_0", "h_tilde_act"]},
}


@pytest.fixture(scope="module")
def logs(shared_data):
    """The NAS-Bench-NLP WikiText-2 log records of ../shared/data."""
    with zipfile.ZipFile(shared_data / "nbnlp-wt2" / "logs.zip") as archive:
        return [json.loads(archive.read(name)) for name in archive.namelist() if name.endswith(".json")]


# ---------------------------------------------------------------- strategies


def renamed(recipe: dict, data) -> dict:
    """``recipe`` with fresh intermediate names, shuffled keys and shuffled commutative inputs."""
    inner = [n for n in recipe if not n.startswith("h_new_")]
    fresh = data.draw(
        st.lists(
            st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), min_size=len(inner), max_size=len(inner), unique=True
        )
        .filter(lambda names: not any(n == "x" or re.fullmatch(r"h_(prev|new)_\d+", n) for n in names))
    )
    mapping = dict(zip(inner, fresh))
    out = {}
    for name in data.draw(st.permutations(list(recipe))):
        op, inputs = recipe[name]["op"], [mapping.get(s, s) for s in recipe[name]["input"]]
        if op in nlp.COMMUTATIVE:
            inputs = data.draw(st.permutations(inputs))
        out[mapping.get(name, name)] = {"op": op, "input": list(inputs)}
    return out


def isomorphic(a: dict, b: dict) -> bool:
    """Brute-force oracle: a bijection of intermediate names maps ``a`` onto ``b`` (commutative inputs as sets)."""
    inner_a = [n for n in a if not n.startswith("h_new_")]
    inner_b = [n for n in b if not n.startswith("h_new_")]
    if len(a) != len(b) or len(inner_a) != len(inner_b) or set(a) - set(inner_a) != set(b) - set(inner_b):
        return False

    def norm(node, mapping):
        inputs = [mapping.get(s, s) for s in node["input"]]
        return node["op"], tuple(sorted(inputs) if node["op"] in nlp.COMMUTATIVE else inputs)

    target = {n: norm(v, {}) for n, v in b.items()}
    for perm in itertools.permutations(inner_b):
        mapping = dict(zip(inner_a, perm))
        if all(norm(v, mapping) == target[mapping.get(n, n)] for n, v in a.items()):
            return True
    return False


# ---------------------------------------------------------------- real data


def test_every_logged_recipe_parses(logs):
    assert len(logs) == 300
    archs = [nlp.parse(record["recepie"]) for record in logs]
    assert all(re.fullmatch(r"[0-9a-f]{32}", nlp.arch_id(a)) for a in archs)
    assert [nlp.parse(record) for record in logs] == archs  # the whole log record is accepted too
    assert len({record["recepie"] for record in logs}) == 259
    assert len(set(archs)) == 236  # renamed / reordered duplicates collapse
    sizes = [len(a.nodes) for a in archs]
    assert (min(sizes), max(sizes)) == (2, 15)


def test_equal_arch_ids_in_the_logs_are_the_same_model(logs):
    """Recipes that collapse to one arch_id have the same parameter count and near-equal final losses."""
    groups = {}
    for record in logs:
        groups.setdefault(nlp.arch_id(record["recepie"]), []).append(record)
    repeated = [g for g in groups.values() if len(g) > 1]
    assert len(repeated) == 43
    for group in repeated:
        assert len({r["num_params"] for r in group}) == 1
        finals = [r["val_losses"][-1] for r in group if r["status"] == "OK"]
        if len(finals) > 1:
            assert max(finals) - min(finals) < 0.3  # seed noise; final losses across the logs span 4.6..7.5


def test_logged_lstm_and_gru_are_the_generators_examples(logs):
    ids = {nlp.arch_id(record["recepie"]) for record in logs}
    assert nlp.arch_id(GRU) in ids
    assert nlp.arch_id(RNN) in ids
    lstm = [r for r in logs if "h_new_1_act" in r["recepie"]]
    assert len(lstm) == 1 and len(nlp.parse(lstm[0]).nodes) == 13


def test_encode_the_logged_cells_that_fit(logs):
    archs = sorted({nlp.parse(r["recepie"]) for r in logs}, key=str)
    fit = [a for a in archs if len(a.nodes) <= 8]
    assert len(fit) == 159
    x = nlp.encode(fit)
    assert x.shape == (159, 185) and x.dtype == np.float32
    too_big = next(a for a in archs if len(a.nodes) > 8)
    with pytest.raises(InvalidArchitectureError, match="at most 8 cell nodes"):
        nlp.encode([too_big])


# ---------------------------------------------------------------- canonical form and identity


def test_canonical_form_of_the_rnn_cell():
    assert nlp.format(RNN) == "node_0=linear(x,h_prev_0);h_new_0=activation_tanh(node_0)"
    assert nlp.to_recipe(RNN) == {
        "node_0": {"op": "linear", "input": ["x", "h_prev_0"]},
        "h_new_0": {"op": "activation_tanh", "input": ["node_0"]},
    }
    assert nlp.parse(RNN).hidden_size == 1


def test_blend_keeps_its_input_order_and_linear_does_not():
    swapped = dict(GRU, h_new_0={"op": "blend", "input": ["z_act", "h_tilde_act", "h_prev_0"]})
    assert nlp.arch_id(swapped) != nlp.arch_id(GRU)
    flipped = dict(GRU, h_tilde={"op": "linear", "input": ["rh", "x"]})
    assert nlp.arch_id(flipped) == nlp.arch_id(GRU)


def test_structurally_equal_inputs_of_a_commutative_op():
    """Two identical branches into one sum: the canonical form must not depend on which is listed first."""
    a = {
        "p": {"op": "activation_tanh", "input": ["x"]},
        "q": {"op": "activation_tanh", "input": ["x"]},
        "s": {"op": "elementwise_sum", "input": ["p", "q"]},
        "t": {"op": "activation_sigm", "input": ["p"]},
        "h_new_0": {"op": "elementwise_prod", "input": ["s", "t"]},
    }
    b = dict(a, t={"op": "activation_sigm", "input": ["q"]})
    c = dict(a, s={"op": "elementwise_sum", "input": ["q", "p"]})
    assert nlp.format(a) == nlp.format(b) == nlp.format(c)


@st.composite
def twins(draw):
    """Two structurally equal branches from x into one sum, one branch also read elsewhere."""
    ops = draw(st.lists(st.sampled_from(["activation_tanh", "activation_sigm"]), min_size=1, max_size=3))
    recipe = {}
    for copy in "pq":
        source = "x"
        for level, op in enumerate(ops):
            recipe[f"{copy}{level}"] = {"op": op, "input": [source]}
            source = f"{copy}{level}"
    recipe["s"] = {"op": "elementwise_sum", "input": [f"p{len(ops) - 1}", f"q{len(ops) - 1}"]}
    reader = f"{draw(st.sampled_from('pq'))}{draw(st.integers(0, len(ops) - 1))}"
    recipe["t"] = {"op": draw(st.sampled_from(["activation_tanh", "activation_leaky_relu"])), "input": [reader]}
    recipe["h_new_0"] = {"op": "linear", "input": ["s", "t", "h_prev_0"]}
    return recipe


@settings(max_examples=60)
@given(twins(), st.data())
def test_arch_id_with_structurally_equal_commutative_inputs(recipe, data):
    other = renamed(recipe, data)
    assert nlp.arch_id(other) == nlp.arch_id(recipe)
    swap = {f"{a}{level}": f"{b}{level}" for a, b in ("pq", "qp") for level in range(3)}
    mirrored = {n: {"op": v["op"], "input": [swap.get(s, s) for s in v["input"]]} for n, v in recipe.items()}
    assert nlp.arch_id(mirrored) == nlp.arch_id(recipe)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(recipes())
def test_recipe_and_canonical_forms_round_trip(recipe):
    arch = nlp.parse(recipe)
    assert nlp.parse(nlp.to_recipe(arch)) == arch
    assert nlp.format(arch) == arch.canonical


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(recipes(), st.data())
def test_arch_id_is_invariant_to_renaming_order_and_serialization(recipe, data):
    expected = nlp.arch_id(recipe)
    other = renamed(recipe, data)
    assert nlp.arch_id(other) == expected
    assert nlp.arch_id(json.dumps(other)) == expected
    assert nlp.arch_id({"recepie": json.dumps(other), "status": "OK"}) == expected
    assert nlp.arch_id(";".join(f"{n}={v['op']}({','.join(v['input'])})" for n, v in other.items())) == expected


SMALL = recipes(max_intermediate=3, ops=("linear", "activation_tanh", "elementwise_sum", "blend"))


def rewired(recipe: dict, data) -> dict:
    """``recipe`` with one input of one node replaced by another name (may be invalid)."""
    name = data.draw(st.sampled_from(sorted(recipe)))
    inputs = list(recipe[name]["input"])
    position = data.draw(st.integers(0, len(inputs) - 1))
    inputs[position] = data.draw(st.sampled_from(sorted(set(recipe) | set(nlp.INPUTS[:2]))))
    return dict(recipe, **{name: {"op": recipe[name]["op"], "input": inputs}})


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(SMALL, st.data())
def test_arch_id_equal_exactly_when_isomorphic(a, data):
    kind = data.draw(st.sampled_from(["independent", "renamed", "rewired", "rewired-renamed"]))
    b = data.draw(SMALL) if kind == "independent" else rewired(a, data) if kind.startswith("rewired") else a
    if kind.endswith("renamed"):
        b = renamed(b, data)
    try:
        id_b = nlp.arch_id(b)
    except InvalidArchitectureError:
        return
    assert (nlp.arch_id(a) == id_b) == isomorphic(a, b)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(recipes(), st.data())
def test_changing_an_op_changes_the_arch_id(recipe, data):
    name = data.draw(st.sampled_from(sorted(recipe)))
    op = recipe[name]["op"]
    arity = len(recipe[name]["input"])
    others = [o for o in nlp.OPS if o != op and arity in nlp.ARITY[o]]
    if not others:
        return
    mutated = dict(recipe, **{name: {"op": data.draw(st.sampled_from(others)), "input": recipe[name]["input"]}})
    assert nlp.arch_id(mutated) != nlp.arch_id(recipe)


def test_sampled_arch_ids_differ_for_different_cells():
    archs = nlp.sample(400, seed=11)
    by_id = {}
    for arch in archs:
        assert by_id.setdefault(nlp.arch_id(arch), arch) == arch
    assert len(by_id) == len(set(archs)) > 300


# ---------------------------------------------------------------- validation


def _cell(**nodes):
    return {name: {"op": op, "input": list(inputs)} for name, (op, inputs) in nodes.items()}


BAD = [
    (_cell(h_new_0=("conv3x3", ["x"])), "unknown op 'conv3x3'"),
    (_cell(h_new_0=("linear", ["x"])), "has 1 inputs; linear takes 2 or 3"),
    (_cell(a=("blend", ["x", "h_prev_0"]), h_new_0=("activation_tanh", ["a"])), "blend takes 3"),
    (_cell(h_new_0=("activation_tanh", ["x", "h_prev_0"])), "takes 1"),
    (_cell(h_new_0=("linear", ["x", "ghost"])), "reads 'ghost'"),
    (_cell(a=("activation_tanh", ["b"]), b=("activation_tanh", ["a"]), h_new_0=("linear", ["a", "x"])), "cycle"),
    (_cell(h_new_0=("elementwise_sum", ["h_new_0", "x"])), "cycle"),
    (_cell(a=("linear", ["x", "h_prev_0"])), "missing h_new_0"),
    (_cell(h_new_1=("linear", ["x", "h_prev_0"])), "missing h_new_0"),
    (_cell(h_new_0=("linear", ["x", "h_prev_0"]), h_new_2=("linear", ["x", "h_prev_0"])), "missing h_new_1"),
    (_cell(h_new_0=("linear", ["x", "h_prev_0"]), h_new_3=("linear", ["x", "h_prev_0"])), "'h_new_3' is not allowed"),
    (_cell(h_new_0=("linear", ["x", "h_prev_1"])), "reads 'h_prev_1' but the cell has 1 hidden state"),
    (_cell(a=("activation_tanh", ["x"]), h_new_0=("linear", ["x", "h_prev_0"])), "'a' does not lead to any output"),
    (_cell(h_new_0=("linear", ["x", "x"])), "repeats an input"),
    (_cell(x=("activation_tanh", ["h_prev_0"]), h_new_0=("linear", ["x", "h_prev_0"])), "redefines a cell input"),
    (_cell(**{f"n{i}": ("activation_tanh", ["x"]) for i in range(30)}), "at most 25"),
    ({"h_new_0": ["linear", ["x", "h_prev_0"]]}, "must be a dict"),
    ({"h_new_0": {"op": "linear", "input": "x"}}, "must be a list of node names"),
    ({"h_new_0": {"op": "linear", "input": ["x", 3]}}, "must be a list of node names"),
    ({"h_new_0": {"op": "linear", "input": None}}, "must be a list of node names"),
    ({"h_new_0": {"op": ["linear"], "input": ["x", "h_prev_0"]}}, "unknown op"),
    ({"h_new_0": {"op": "linear", "inputs": ["x", "h_prev_0"]}}, "exactly the keys"),
    ({"h_new_0": {"op": "linear", "input": ["x", "h_prev_0"], "extra": 1}}, "exactly the keys"),
    ({3: {"op": "linear", "input": ["x", "h_prev_0"]}}, "non-empty strings"),
    ({}, "empty"),
    ("", "cannot parse"),
    ("garbage", "cannot parse 'garbage'"),
    ("h_new_0=linear(x,h_prev_0);", "cannot parse ''"),
    ("a=linear(x,h_prev_0);a=linear(x,h_prev_0);h_new_0=activation_tanh(a)", "defined twice"),
    ("h_new_0=linear(x,,h_prev_0)", "reads ''"),
    ('{"h_new_0": {"op": "linear"', "invalid recipe JSON"),
    ("[1, 2]", "cannot parse"),
    ('{"recepie": "nonsense"}', "cannot parse 'nonsense'"),
    (None, "cannot parse a NoneType"),
    (7, "cannot parse a int"),
    (3.5, "cannot parse a float"),
    ([("h_new_0", "linear", ("x", "h_prev_0"))], "cannot parse a list"),
    (nlp.NLPArch("h_new_0=magic(x)"), "unknown op 'magic'"),
    (nlp.NLPArch(None), "must be a string"),
]


@pytest.mark.parametrize("bad,message", BAD, ids=lambda v: repr(v)[:50])
def test_malformed_input_raises_project_error_naming_the_problem(bad, message):
    with pytest.raises(InvalidArchitectureError, match=re.escape(message)) as info:
        nlp.parse(bad)
    assert str(info.value).startswith("nlp: ")


def test_validate_wants_canonical_archs():
    nlp.validate(nlp.parse(RNN))
    with pytest.raises(InvalidArchitectureError, match="not canonical"):
        nlp.validate(nlp.NLPArch("h_new_0=activation_tanh(f);f=linear(h_prev_0,x)"))
    with pytest.raises(InvalidArchitectureError, match="expected an NLPArch"):
        nlp.validate(RNN)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=80), json_values, json_values.map(json.dumps)))
def test_arbitrary_input_never_raises_a_bare_error(value):
    try:
        nlp.parse(value)
    except InvalidArchitectureError:
        pass


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(recipes(), st.data())
def test_corrupted_recipes_never_raise_a_bare_error(recipe, data):
    name = data.draw(st.sampled_from(sorted(recipe)))
    field = data.draw(st.sampled_from(["op", "input", None]))
    junk = data.draw(json_values | st.sampled_from(list(recipe) + ["x", "h_prev_2", "h_new_0"]))
    node = dict(recipe[name])
    if field is None:
        corrupted = dict(recipe, **{name: junk})
    elif field == "input" and isinstance(junk, str) and data.draw(st.booleans()):
        node["input"] = node["input"] + [junk]
        corrupted = dict(recipe, **{name: node})
    else:
        node[field] = junk
        corrupted = dict(recipe, **{name: node})
    try:
        nlp.parse(corrupted)
    except InvalidArchitectureError:
        pass


# ---------------------------------------------------------------- sampling


def test_samples_look_like_nas_bench_nlp_cells():
    """The generator's constraints hold and the sizes match the logged cells (2-15 nodes, median 7)."""
    archs = nlp.sample(600, seed=7)
    sizes = np.array([len(a.nodes) for a in archs])
    assert 2 <= sizes.min() and sizes.max() <= nlp.MAX_NODES
    assert 5 <= np.median(sizes) <= 9
    assert {a.hidden_size for a in archs} == {1, 2, 3}
    for arch in archs:
        ops = {name: op for name, op, _ in arch.nodes}
        k = arch.hidden_size
        used = {s for _, _, inputs in arch.nodes for s in inputs}
        assert set(nlp.INPUTS[: k + 1]) <= used  # every input is used
        for name, op, inputs in arch.nodes:
            if name.startswith("h_new_"):
                assert not any(s.startswith("h_prev_") for s in inputs)
            if op == "linear":  # linear reads inputs and activations only
                assert all(s in nlp.INPUTS or ops[s].startswith("activation_") for s in inputs)
            elif not op.startswith("activation_"):
                assert "x" not in inputs
            else:
                assert ops.get(inputs[0]) == "linear"


def test_sample_encodable_fits_the_x11_encoding():
    archs = nlp.sample(50, seed=3, encodable=True)
    assert max(len(a.nodes) for a in archs) <= 8
    assert nlp.encode(archs).shape == (50, 185)


# ---------------------------------------------------------------- moves


def test_neighbours_keep_the_node_count():
    for arch in nlp.sample(4, seed=11, encodable=True):
        assert all(len(n.nodes) == len(arch.nodes) for n in nlp.neighbours(arch))


def test_moves_that_give_the_same_cell_give_one_neighbour():
    twins = "node_0=activation_tanh(x);node_1=activation_tanh(x);h_new_0=elementwise_sum(node_0,node_1)"
    # 5 moves: either tanh to sigm or leaky_relu (the same cell either way), sum to prod
    assert [nlp.format(n) for n in nlp.neighbours(twins)] == [
        twins.replace("node_0=activation_tanh", "node_0=activation_sigm"),
        twins.replace("node_0=activation_tanh", "node_0=activation_leaky_relu"),
        twins.replace("elementwise_sum", "elementwise_prod"),
    ]


def test_a_cell_too_large_for_the_encoding_has_no_neighbours_and_mutates_to_itself():
    large = next(a for a in nlp.sample(40, seed=0) if len(a.nodes) > 8)
    assert nlp.neighbours(large) == []
    assert nlp.mutate(large, np.random.default_rng(0)) == large


# ---------------------------------------------------------------- encoding


def test_encode_matches_x11_layout_on_the_rnn_cell():
    x = nlp.encode([RNN])[0]
    adjacency, ops, hidden = x[:169].reshape(13, 13), x[169:182], x[182:]
    # nodes: x=0, h_prev_0=1, h_prev_1=2, h_prev_2=3, node_0=4, h_new_0=5 (last: slot 12)
    assert set(zip(*np.nonzero(adjacency))) == {(0, 4), (1, 4), (4, 12)}
    assert ops.tolist() == [0, 0, 0, 0, 6] + [0] * 7 + [2]
    assert hidden.tolist() == [5, 0, 0]  # x11 keeps the raw index of the outputs


def test_encode_is_the_same_for_equivalent_recipes():
    assert np.array_equal(nlp.encode([GRU]), nlp.encode([json.dumps(GRU)]))
    assert nlp.encode([]).shape == (0, 185)


# ---------------------------------------------------------------- command line


def test_cli_prints_canonical_form_and_arch_id(capsys, tmp_path):
    assert cli.main(["arch", "nlp", json.dumps(RNN)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["valid"] and record["canonical"] == nlp.format(RNN) and record["arch_id"] == nlp.arch_id(RNN)
    lines = tmp_path / "cells.txt"
    lines.write_text(f"{json.dumps(GRU)}\nh_new_0=conv(x)\n{nlp.format(RNN)}\n")
    assert cli.main(["arch", "nlp", "--file", str(lines)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["valid"] for r in out] == [True, False, True]
    assert "unknown op 'conv'" in out[1]["error"]
