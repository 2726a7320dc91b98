"""DARTS / NB301 space: representations, identity, validation, encodings (x11, YAHPO), sampling and moves.

The protocol every space satisfies (round trip, identity, sampling...) is tested in test_space_contract.py.
"""

from __future__ import annotations

import json
from collections import Counter, namedtuple

import numpy as np
import pytest
from architectures import darts_genotypes as genotypes
from hypothesis import given, settings
from hypothesis import strategies as st

from nbx11_data import spaces
from nbx11_data.commands.arch import describe
from nbx11_data.errors import InvalidArchitectureError, UnknownNameError

darts = spaces.get("darts")

# The example of the NAS-Bench-x11 README ("Using the API"), verbatim, line continuations included.
X11_README_GENOTYPE = """Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_5x5', 1), ('skip_connect', 1), ('max_pool_3x3', 2), ('sep_conv_3x3', 0), ('dil_conv_5x5', 1), ('sep_conv_5x5', 2), ('dil_conv_5x5', 4)], \\
                normal_concat=[2, 3, 4, 5, 6], \\
                reduce=[('dil_conv_5x5', 0), ('skip_connect', 1), ('avg_pool_3x3', 0), ('sep_conv_5x5', 1), ('avg_pool_3x3', 0), ('max_pool_3x3', 2), ('sep_conv_3x3', 1), ('max_pool_3x3', 3)], \\
                reduce_concat=[4, 5, 6])"""


def _swap_inputs(genotype):
    """The same architecture with every node's two pairs written the other way round."""
    swap = lambda cell: [cell[k ^ 1] for k in range(8)]  # noqa: E731
    return genotype._replace(normal=swap(genotype.normal), reduce=swap(genotype.reduce))


@given(genotypes)
def test_arch_id_equal_across_representations(genotype):
    arch = darts.parse(genotype)
    compact = darts.to_compact(arch)
    forms = [
        arch,
        genotype,
        str(genotype),  # the namedtuple's repr is the genotype string
        _swap_inputs(genotype),
        str(_swap_inputs(genotype)),
        genotype._asdict(),
        darts.to_genotype(arch),
        darts.to_config(arch),
        darts.to_config(_swap_inputs(genotype)),
        darts.to_config(arch, colon="_COLON_"),
        compact,
        json.loads(json.dumps(compact)),  # lists of lists, as JSON gives them
        json.loads(json.dumps(darts.to_config(arch))),
        namedtuple("Genotype", "normal normal_concat reduce reduce_concat")(*genotype),  # another module's Genotype
        [genotype.normal, genotype.reduce],
    ]
    assert {darts.arch_id(form) for form in forms} == {darts.arch_id(arch)}
    assert {darts.parse(form) for form in forms} == {arch}


@given(genotypes)
def test_representation_kinds_map_x11_names(genotype):
    arch = darts.parse(genotype)
    assert darts.parse(genotype, representation_kind="genotype") == arch
    assert darts.parse(str(genotype), representation_kind="arch_str") == arch
    assert darts.parse(darts.to_config(arch), representation_kind="configspace") == arch
    assert darts.parse(darts.to_compact(arch), representation_kind="compact") == arch
    assert darts.parse(darts.to_compact(arch), representation_kind="BANANAS") == arch


def test_unknown_representation_kind_is_named():
    with pytest.raises(UnknownNameError, match="nb201_string.*allowed: BANANAS, arch_str, compact"):
        darts.parse(X11_README_GENOTYPE, representation_kind="nb201_string")


@given(genotypes, st.integers(0, 15), st.integers(1, 6))
def test_changing_one_op_changes_the_arch_id(genotype, edge, shift):
    cells = [list(genotype.normal), list(genotype.reduce)]
    op, src = cells[edge // 8][edge % 8]
    cells[edge // 8][edge % 8] = (darts.OPS[(darts.OPS.index(op) + shift) % 7], src)
    assert darts.arch_id(genotype) != darts.arch_id(genotype._replace(normal=cells[0], reduce=cells[1]))


def test_x11_readme_genotype_parses():
    arch = darts.parse(X11_README_GENOTYPE)
    readme_object = darts.Genotype(
        normal=[("sep_conv_3x3", 0), ("sep_conv_5x5", 1), ("skip_connect", 1), ("max_pool_3x3", 2),
                ("sep_conv_3x3", 0), ("dil_conv_5x5", 1), ("sep_conv_5x5", 2), ("dil_conv_5x5", 4)],
        normal_concat=[2, 3, 4, 5, 6],
        reduce=[("dil_conv_5x5", 0), ("skip_connect", 1), ("avg_pool_3x3", 0), ("sep_conv_5x5", 1),
                ("avg_pool_3x3", 0), ("max_pool_3x3", 2), ("sep_conv_3x3", 1), ("max_pool_3x3", 3)],
        reduce_concat=[4, 5, 6],
    )
    assert darts.parse(readme_object) == arch
    assert darts.format(arch) == (
        "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_5x5', 1), ('skip_connect', 1), ('max_pool_3x3', 2),"
        " ('sep_conv_3x3', 0), ('dil_conv_5x5', 1), ('sep_conv_5x5', 2), ('dil_conv_5x5', 4)],"
        " normal_concat=[2, 3, 4, 5], reduce=[('dil_conv_5x5', 0), ('skip_connect', 1), ('avg_pool_3x3', 0),"
        " ('sep_conv_5x5', 1), ('avg_pool_3x3', 0), ('max_pool_3x3', 2), ('sep_conv_3x3', 1),"
        " ('max_pool_3x3', 3)], reduce_concat=[2, 3, 4, 5])"
    )
    # NB301's conversion (x11 representations.convert_genotype_to_config): node 3 reads 1 and 2 -> edges 3, 4.
    config = darts.to_config(arch)
    assert config["NetworkSelectorDatasetInfo:darts:inputs_node_normal_3"] == "1_2"
    assert config["NetworkSelectorDatasetInfo:darts:edge_normal_3"] == "skip_connect"
    assert config["NetworkSelectorDatasetInfo:darts:edge_normal_4"] == "max_pool_3x3"
    assert config["NetworkSelectorDatasetInfo:darts:inputs_node_normal_5"] == "2_4"
    assert config["NetworkSelectorDatasetInfo:darts:edge_normal_13"] == "dil_conv_5x5"
    assert darts.to_compact(arch)[0][:2] == ((0, 3), (1, 4))


def test_range_concat_and_x11_fixed_hyperparameters_are_accepted():
    arch = darts.parse(X11_README_GENOTYPE)
    darts_style = darts.format(arch).replace("[2, 3, 4, 5]", "range(2, 6)")
    assert darts.parse(darts_style) == arch
    x11_query = {"NetworkSelectorDatasetInfo:darts:auxiliary": "True", "OptimizerSelector:sgd:momentum": 0.9,
                 "epoch": 7, **darts.to_config(arch)}
    assert darts.parse(x11_query) == arch


def test_swapped_pairs_in_a_hand_built_arch_are_reordered_by_parse_and_rejected_by_validate():
    arch = darts.parse(X11_README_GENOTYPE)
    swapped = darts.DartsArch(tuple(arch.normal[k ^ 1] for k in range(8)), arch.reduce)
    with pytest.raises(InvalidArchitectureError, match="canonical order"):
        darts.validate(swapped)
    assert darts.parse(swapped) == arch


def _config(**changes):
    config = darts.to_config(X11_README_GENOTYPE)
    for key, value in changes.items():
        full = f"NetworkSelectorDatasetInfo:darts:{key}"
        if value is None:
            del config[full]
        else:
            config[full] = value
    return config


def _readme_with(cell="normal", index=0, pair=None, concat=None):
    genotype = darts.Genotype(*[list(x) for x in darts.to_genotype(X11_README_GENOTYPE)])
    if pair is not None:
        getattr(genotype, cell)[index] = pair
    if concat is not None:
        genotype = genotype._replace(normal_concat=concat)
    return genotype


BAD = [
    (_readme_with(pair=("conv_3x3", 0)), "unknown op 'conv_3x3'"),
    (_readme_with(pair=("none", 0)), "unknown op 'none'"),
    (_readme_with("reduce", 7, ("max_pool_3x3", 5)), "reduce cell, node 5: input 5 is not an earlier node"),
    (_readme_with("normal", 2, ("skip_connect", -1)), "node 3: input -1 is not an earlier node"),
    (_readme_with("normal", 1, ("sep_conv_5x5", 0)), "normal cell, node 2: duplicate input 0"),
    (_readme_with("normal", 1, ("sep_conv_5x5", True)), "input True must be an int"),
    (_readme_with("normal", 1, ("sep_conv_5x5", "1")), "input '1' must be an int"),
    (_readme_with("normal", 1, ("sep_conv_5x5", 1, 2)), "must be an \\(op, input\\) pair"),
    (_readme_with("normal", 1, "sep_conv_5x5"), "must be an \\(op, input\\) pair"),
    (_readme_with(concat=[2, 3, 4]), "normal_concat \\[2, 3, 4\\] is not a valid concat"),
    (_readme_with(concat="2345"), "not a valid concat"),
    (_readme_with(concat=[[2]]), "not a valid concat"),
    (darts.Genotype([("sep_conv_3x3", 0)] * 7, [2, 3, 4, 5], [], [2, 3, 4, 5]), "exactly 8 edges.*got 7"),
    (darts.Genotype(None, [2, 3, 4, 5], [], [2, 3, 4, 5]), "missing normal"),
    ({"normal": [], "reduce": 5}, "exactly 8 edges|must be a list"),
    (X11_README_GENOTYPE.replace("('max_pool_3x3', 3)", "('max_pool_3x3', 3), ('skip_connect', 0)"),
     "reduce cell must have exactly 8 edges.*got 9"),
    (X11_README_GENOTYPE.replace("sep_conv_3x3", "sep-conv"), "cannot parse"),
    (X11_README_GENOTYPE.replace("reduce_concat=[4, 5, 6]", "reduce_concat=[4, 5]"), "reduce_concat"),
    ("Genotype(normal=[], normal_concat=[], reduce=[], reduce_concat=[])", "normal_concat"),
    ("", "cannot parse"),
    ("garbage", "cannot parse"),
    ("{'normal': 1}", "cannot parse"),
    (_config(inputs_node_normal_4=None), "inputs_node_normal_4 is missing"),
    (_config(inputs_node_normal_4="2_1"), "inputs_node_normal_4 is '2_1'; allowed: 0_1, 0_2, 0_3, 1_2"),
    (_config(inputs_node_reduce_3=3), "inputs_node_reduce_3 is 3"),
    (_config(edge_normal_13=None), "edge_normal_13 \\(node 5 <- 4\\) is missing"),
    (_config(edge_normal_9="skip_connect"), "edge_normal_9 is set but inactive: node 5 reads inputs \\(2, 4\\)"),
    (_config(edge_normal_14="skip_connect"), "unknown architecture hyperparameter .*edge_normal_14"),
    (_config(inputs_node_normal_2="0_1"), "unknown architecture hyperparameter"),
    (_config(edge_reduce_0="zero"), "reduce cell, node 2: unknown op 'zero'"),
    (_config(edge_reduce_0=["max_pool_3x3"]), "unknown op \\['max_pool_3x3'\\]"),
    ({}, "inputs_node_normal_3 is missing|edge_normal_0"),
    ((((0, 0),) * 8, ((0, 0),) * 8), "duplicate input 0"),
    ((((0, 7), (1, 0)) * 4, ((0, 0), (1, 0)) * 4), "op index 7 is outside 0..6"),
    ((((0, "sep_conv_3x3"), (1, 0)) * 4,) * 2, "op index 'sep_conv_3x3'"),
    ((((0, 0), (1, 0)) * 4,) * 3, "compact architecture is \\(normal, reduce\\)"),
    ((((0, 0), (1, 0)),) * 2, "exactly 8 edges.*got 2"),
    (([0, 1], [0, 1]), "not an \\(input, op_index\\) pair"),
    (None, "cannot parse a NoneType"),
    (3.5, "cannot parse a float"),
    (7, "cannot parse a int"),
    (b"Genotype", "cannot parse a bytes"),
    ({1, 2}, "cannot parse a set"),
]


@pytest.mark.parametrize("bad, message", BAD, ids=[str(i) for i in range(len(BAD))])
def test_malformed_input_raises_a_named_project_error(bad, message):
    with pytest.raises(InvalidArchitectureError, match=f"darts: .*({message})"):
        darts.parse(bad)


leaves = st.one_of(st.none(), st.booleans(), st.integers(-3, 16), st.floats(allow_nan=True),
                   st.sampled_from(darts.OPS + ("0_1", "1_3", "#na#", "none")), st.text(max_size=12))
garbage = st.recursive(leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=9), st.tuples(inner, inner),
    st.dictionaries(st.sampled_from(list(darts.to_config(X11_README_GENOTYPE)) + ["normal", "reduce", "x"]),
                    inner, max_size=6)), max_leaves=40)


@settings(max_examples=300)
@given(garbage)
def test_arbitrary_input_never_raises_a_bare_error(value):
    try:
        darts.parse(value)
    except InvalidArchitectureError:
        pass


@settings(max_examples=300)
@given(genotypes, st.data())
def test_corrupted_valid_representations_parse_or_raise_the_project_error(genotype, data):
    config = darts.to_config(genotype)
    key = data.draw(st.sampled_from(sorted(config)))
    config[key] = data.draw(leaves)
    text = str(genotype)
    cut = data.draw(st.integers(0, len(text)))
    for value in (config, text[:cut] + data.draw(st.text(max_size=3)) + text[cut + 1:]):
        try:
            darts.parse(value)
        except InvalidArchitectureError:
            pass


def test_sampled_archs_are_valid_when_checked_from_scratch():
    for arch in darts.sample(50, seed=7):
        darts.validate(darts.DartsArch(arch.normal, arch.reduce))  # a fresh object, checked from scratch


def test_sample_draws_input_pairs_and_ops_uniformly():
    archs = darts.sample(4000, seed=0)
    pairs = Counter((a.normal[6][1], a.normal[7][1]) for a in archs)  # node 5: 10 possible input pairs
    assert set(pairs) == {tuple(map(int, c.split("_"))) for c in darts.INPUT_CHOICES[5]}
    assert all(0.08 < count / 4000 < 0.12 for count in pairs.values())
    ops = Counter(op for a in archs for op, _ in a.normal + a.reduce)
    assert set(ops) == set(darts.OPS)
    assert all(abs(count / (16 * 4000) - 1 / 7) < 0.01 for count in ops.values())
    assert len({darts.arch_id(a) for a in archs}) == 4000


def test_neighbours_change_one_pair():
    for arch in darts.sample(4, seed=11):
        found = darts.neighbours(arch)
        assert len(found) == 120  # 2 cells x 8 pairs x 6 other ops + 2 x (1 + 1 + 2 + 2 + 3 + 3) input moves
        for n in found:
            changed = sum(a != b for c in ("normal", "reduce") for a, b in zip(getattr(arch, c), getattr(n, c)))
            assert 1 <= changed <= 2  # one pair changed (a node's two pairs may swap order)


def test_x11_encoding_is_configspace_vector_with_minus_one_for_inactive():
    archs = darts.sample(300, seed=2)
    x = darts.encode(archs)
    assert x.shape == (300, 34) and x.dtype == np.float32
    assert np.all((x == -1).sum(axis=1) == 12)  # 6 inactive edges per cell
    for row, arch in zip(x, archs):
        config = darts.to_config(arch)
        expected = []
        for column in darts.X11_COLUMNS:
            value = config.get(column)
            node = int(column.rsplit("_", 1)[1])
            choices = darts.OPS if "edge" in column else darts.INPUT_CHOICES[node]
            expected.append(-1 if value is None else choices.index(value))
        assert row.tolist() == expected


def test_x11_columns_follow_the_configspace_order(shared_data):
    space = json.loads((shared_data / "yahpo-nb301" / "config_space_v2.json").read_text())
    names = [hp["name"].replace("_COLON_", ":") for hp in space["hyperparameters"] if hp["name"] != "epoch"]
    assert tuple(names) == darts.X11_COLUMNS


def test_configs_satisfy_the_real_nb301_config_space(shared_data):
    space = json.loads((shared_data / "yahpo-nb301" / "config_space_v2.json").read_text())
    choices = {hp["name"]: hp.get("choices") for hp in space["hyperparameters"]}
    parents = {c["child"]: (c["parent"], set(c["values"])) for c in space["conditions"]}
    for arch in darts.sample(200, seed=4) + [darts.parse(X11_README_GENOTYPE)]:
        config = darts.to_config(arch, colon="_COLON_")
        for name, allowed in choices.items():
            if name == "epoch":
                continue
            parent = parents.get(name)
            active = parent is None or config[parent[0]] in parent[1]
            assert (name in config) == active, name
            assert name not in config or config[name] in allowed
        assert darts.parse(config) == arch


def test_yahpo_encoding_matches_encoding_v2(shared_data):
    encoding = json.loads((shared_data / "yahpo-nb301" / "encoding_v2.json").read_text())
    assert set(encoding) == set(darts.YAHPO_COLUMNS)
    archs = darts.sample(300, seed=5) + [darts.parse(X11_README_GENOTYPE)]
    x = darts.encode_yahpo(archs)
    assert x.shape == (301, 34) and x.dtype == np.int32
    for row, arch in zip(x, archs):
        config = darts.to_config(arch, colon="_COLON_")
        assert row.tolist() == [encoding[c][config.get(c, "#na#")] for c in darts.YAHPO_COLUMNS]


def test_yahpo_teacher_gives_sensible_learning_curves(shared_data):
    rt = pytest.importorskip("onnxruntime")
    options = rt.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = rt.InferenceSession(str(shared_data / "yahpo-nb301" / "model_v2.onnx"), options,
                                  providers=["CPUExecutionProvider"])
    epochs = np.arange(1, 99, dtype=np.float32)

    def curves(x_cat):
        x = np.repeat(x_cat, len(epochs), axis=0)
        e = np.tile(epochs, len(x_cat))[:, None]
        return session.run(None, {"x_cat": x, "x_cont": e})[0].reshape(len(x_cat), len(epochs), 4)

    archs = darts.sample(6, seed=11) + [darts.parse(X11_README_GENOTYPE)]
    y = curves(darts.encode_yahpo(archs))
    accuracy, cross_entropy, runtime, per_epoch = y[..., 0], y[..., 1], y[..., 2], y[..., 3]
    assert np.all((accuracy > 0.3) & (accuracy < 1.0))  # a fraction, not percent
    assert np.all(accuracy[:, -1] - accuracy[:, 0] > 0.2) and np.all(accuracy[:, -1] > 0.85)
    assert np.all(cross_entropy[:, 0] > cross_entropy[:, -1]) and np.all(cross_entropy > 0)
    assert np.all((per_epoch > 10) & (per_epoch < 300))  # seconds per epoch
    ratio = runtime[:, 9:] / (epochs[9:] * per_epoch[:, 9:])  # cumulative seconds ~ epoch x seconds/epoch
    assert np.all((ratio > 0.7) & (ratio < 1.3))
    # The teacher reads the encoding: a different arch, or the same codes in other columns, changes the curve.
    assert not np.allclose(y[0], y[1], atol=1e-3)
    shuffled = darts.encode_yahpo(archs[:1])[:, np.r_[14:28, 0:14, 28:34]]  # normal and reduce cells swapped
    assert not np.allclose(curves(shuffled)[0], y[0], atol=1e-3)


def test_cli_describe_gives_one_identity_for_every_form():
    arch = darts.parse(X11_README_GENOTYPE)
    lines = [X11_README_GENOTYPE.replace("\\\n", " "), json.dumps(darts.to_config(arch)),
             json.dumps(darts.to_compact(arch)), darts.format(arch)]
    records = [describe(darts, line) for line in lines]
    assert all(r["valid"] for r in records)
    assert {r["arch_id"] for r in records} == {darts.arch_id(arch)}
    assert {r["canonical"] for r in records} == {darts.format(arch)}
    bad = describe(darts, json.dumps(darts.to_config(arch) | {"NetworkSelectorDatasetInfo:darts:edge_normal_0": "x"}))
    assert not bad["valid"] and "unknown op 'x'" in bad["error"]
