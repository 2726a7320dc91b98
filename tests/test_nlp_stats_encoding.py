"""``nlp.encode(archs, kind="stats")``: the architecture statistics the nbnlp11-wt2 checkpoints use."""

from __future__ import annotations

import numpy as np
import pytest

from nbx11_data.builder.sources import nbnlp
from nbx11_data.errors import InvalidArchitectureError, UnknownNameError
from nbx11_data.spaces import nlp

TANH_CELL = "node_0=linear(x,h_prev_0);h_new_0=activation_tanh(node_0)"
# two hidden states; h_prev_1 reaches h_new_1 only through an elementwise sum (no squashing node)
TWO_STATE = ("a=linear(x,h_prev_0,h_prev_1);b=activation_sigm(a);h_new_1=elementwise_sum(b,h_prev_1);"
             "h_new_0=blend(b,h_new_1,h_prev_0)")


def test_hand_counted_rows():
    rows = dict(zip(nlp.STATS_FEATURES, nlp.encode([TANH_CELL], kind="stats")[0].tolist()))
    assert rows == {
        "nodes": 2, "hidden": 1, "edges": 3, "count_linear": 1, "count_blend": 0, "count_elementwise_prod": 0,
        "count_elementwise_sum": 0, "count_activation_tanh": 1, "count_activation_sigm": 0,
        "count_activation_leaky_relu": 0, "linear_inputs": 2, "linear_3_inputs": 0, "x_reads": 1,
        "h_prev_reads": 1, "max_fan_out": 1, "outputs_read": 0, "x_to_h0_longest": 2, "x_to_h0_shortest": 2,
        "x_to_h0_fewest_linear": 1, "depth": 2, "recurrent_paths": 1, "recurrent_shortest": 2,
        "recurrent_longest": 2, "recurrent_fewest_squashing": 2, "recurrent_fewest_linear": 1,
        "h0_op": 2, "h0_fan_in": 1, "h0_input_ops": 6, "h1_op": 0, "h1_fan_in": 0, "h1_input_ops": 0,
        "h2_op": 0, "h2_fan_in": 0, "h2_input_ops": 0,
    }
    two = dict(zip(nlp.STATS_FEATURES, nlp.encode([TWO_STATE], kind="stats")[0].tolist()))
    assert (two["hidden"], two["linear_inputs"], two["linear_3_inputs"], two["h_prev_reads"]) == (2, 3, 1, 4)
    assert (two["max_fan_out"], two["outputs_read"], two["depth"]) == (2, 1, 4)
    assert (two["x_to_h0_longest"], two["x_to_h0_shortest"]) == (4, 3)  # x-a-b-h_new_1-h_new_0, x-a-b-h_new_0
    # h_prev_0 -> h_new_0 directly (blend input): 1 node, no squashing; h_prev_1 -> h_new_1 likewise
    assert (two["recurrent_paths"], two["recurrent_shortest"], two["recurrent_fewest_squashing"]) == (2, 1, 0)
    # h_new_0 = blend(sigm, sum, input): codes 1, 4 and 0 packed in base 8 after sorting: 0 + 1*8 + 4*64
    assert (two["h0_op"], two["h0_fan_in"], two["h0_input_ops"], two["h1_op"]) == (7, 3, 8 + 4 * 64, 4)


def test_equivalent_recipes_encode_alike_and_errors():
    renamed = "h_new_0=activation_tanh(f);f=linear(h_prev_0,x)"
    np.testing.assert_array_equal(nlp.encode([TANH_CELL], kind="stats"), nlp.encode([renamed], kind="stats"))
    assert nlp.encode([], kind="stats").shape == (0, len(nlp.STATS_FEATURES))
    with pytest.raises(UnknownNameError, match="stats"):
        nlp.encode([TANH_CELL], kind="onehot")
    with pytest.raises(InvalidArchitectureError):
        nlp.encode(["h_new_0=activation_tanh(h_prev_3)"], kind="stats")


def test_every_logged_and_sampled_cell_encodes(shared_data):
    runs = nbnlp.load_logs_zip(shared_data / "nbnlp-wt2" / "logs.zip").runs
    archs = [r.arch for r in runs] + nlp.sample(200, seed=3)
    X = nlp.encode(archs, kind="stats")
    assert X.dtype == np.float32 and X.shape == (len(archs), len(nlp.STATS_FEATURES)) and np.isfinite(X).all()
    large = [a for a in archs if len(nlp.parse(a).nodes) > 8]
    assert len(large) > 80  # x11's encoding refuses these
    with pytest.raises(InvalidArchitectureError, match="at most 8"):
        nlp.encode(large[:1])
    assert (X[:, 0] == [len(nlp.parse(a).nodes) for a in archs]).all()
