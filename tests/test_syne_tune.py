"""The Syne Tune blackbox of the tables: encodings, values against the reader, ASHA and Hyperband simulated."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest

import nbx11_data
from nbx11_data import spaces
from nbx11_data.errors import ArchitectureNotFoundError, InvalidArchitectureError, MissingDependencyError
from nbx11_data.errors import UnknownNameError

pytest.importorskip("syne_tune", reason="Syne Tune is not installed (extra `syne-tune`)")
try:
    from nbx11_data.integrations import syne_tune as st
except MissingDependencyError as err:  # Syne Tune present but a dependency it imports is not
    pytest.skip(f"Syne Tune is not usable here: {err}", allow_module_level=True)


@pytest.fixture(scope="module")
def blackboxes():
    return {}


def get(blackboxes, name):
    if name not in blackboxes:
        blackboxes[name] = st.blackbox(name)
    return blackboxes[name]


def random_configs(bb, n, seed):
    rng = np.random.RandomState(seed)
    return [{k: domain.sample(random_state=rng) for k, domain in bb.configuration_space.items()} for _ in range(n)]


# ----- encodings -----------------------------------------------------------------------------------------


def test_nb201_encoding_round_trip_and_size(blackboxes):
    bb = get(blackboxes, "nb201")
    space = spaces.get("nb201")
    assert math.prod(len(d.categories) for d in bb.configuration_space.values()) == space.SIZE
    for arch in space.sample(50, seed=3):
        assert bb.to_arch(bb.to_config(arch)) == space.format(arch)
    for config in random_configs(bb, 50, seed=4):
        assert bb.to_config(bb.to_arch(config)) == config
    assert bb.to_config(space.parse(1)) == dict(zip(bb.encoding.keys, space.parse(1).ops))


def test_darts_encoding_is_a_bijection_onto_the_space(blackboxes):
    bb = get(blackboxes, "nb311-yahpo")
    darts = spaces.get("darts")
    assert math.prod(len(d.categories) for d in bb.configuration_space.values()) == darts.SIZE
    for arch in darts.sample(50, seed=5) + [darts.parse(a) for a in bb.bench.archs()[:20]]:
        assert bb.to_arch(bb.to_config(arch)) == darts.format(arch)
    configs = random_configs(bb, 100, seed=6)
    for config in configs:
        assert bb.to_config(bb.to_arch(config)) == config
    assert len({bb.to_arch(c) for c in configs}) == len(configs)


@pytest.mark.parametrize("name", ["nbnlp11-wt2", "nb111-ec4"])
def test_table_cells_encoding_names_the_table_cells_only(blackboxes, name):
    bb = get(blackboxes, name)
    cells = bb.bench.archs(bb.dataset)
    assert list(bb.configuration_space) == ["arch"] and bb.configuration_space["arch"].categories == cells
    for cell in cells[:: max(1, len(cells) // 50)]:
        assert bb.to_arch(bb.to_config(cell)) == cell
    outside = next(a for a in bb.bench.space.sample(200, seed=7) if bb.bench.space.format(a) not in set(cells))
    with pytest.raises(ArchitectureNotFoundError, match="not one of the table's cells"):
        bb.to_config(outside)


def test_bad_configs_seeds_and_fidelities_raise_the_package_errors(blackboxes):
    bb = get(blackboxes, "nb311-yahpo")
    config = bb.to_config(bb.bench.archs()[0])
    with pytest.raises(InvalidArchitectureError, match="normal_node3_inputs"):
        bb.to_arch({k: v for k, v in config.items() if k != "normal_node3_inputs"})
    with pytest.raises(InvalidArchitectureError, match="is not one of"):
        bb.to_arch(dict(config, normal_node4_inputs="2_2"))
    with pytest.raises(InvalidArchitectureError):
        bb.to_arch(dict(config, normal_node2_op_a="conv_7x7"))
    with pytest.raises(UnknownNameError, match="configuration key"):
        bb.objective_function(dict(config, learning_rate=0.1), seed=0)
    with pytest.raises(UnknownNameError, match="fidelity"):
        bb.objective_function(config, fidelity={"epochs": 3}, seed=0)
    with pytest.raises(UnknownNameError, match="seed"):
        bb.objective_function(config, seed=bb.num_seeds)
    with pytest.raises(UnknownNameError, match="epoch"):
        bb.objective_function(config, fidelity=99, seed=0)
    with pytest.raises(UnknownNameError, match="dataset"):
        st.blackbox("nb311-yahpo", dataset="cifar100")
    nb201 = get(blackboxes, "nb201")
    with pytest.raises(UnknownNameError, match="mean rows"):
        nb201.objective_function(nb201.to_config(0), seed=None)


# ----- values against the reader -------------------------------------------------------------------------


def test_nb201_blackbox_is_the_two_budget_table(blackboxes):
    bb = get(blackboxes, "nb201")
    bench = bb.bench
    assert bb.fidelity_values.tolist() == [12, 200] and bb.seeds == [{12: None, 200: 777}, {12: None, 200: 888}]
    time = bb.elapsed_time_attr
    for index in (5, 11, 9000):
        config = bb.to_config(index)
        values = bb.objective_function(config, seed=1)
        at = {name: values[:, j] for j, name in enumerate(bb.objectives_names)}
        assert at["valid_accuracy"][0] == bench.curve(index, metric="valid_accuracy", seed=None, budget=12)[11]
        assert at["valid_accuracy"][1] == bench.curve(index, metric="valid_accuracy", seed=888, budget=200)[199]
        full = float(bench.curve(index, metric=time, seed=888, budget=200)[199])
        own12 = float(bench.curve(index, metric=time, seed=None, budget=12)[11])
        expected12 = own12 if np.isfinite(own12) else full * 12 / 200
        assert at[time].tolist() == [expected12, expected12 + full]
        assert bb.source(config, seed=1) == "measured"


@pytest.mark.parametrize("name", ["nbnlp11-wt2", "nb111-ec4", "nb201"])
def test_elapsed_time_never_decreases(blackboxes, name):
    bb = get(blackboxes, name)
    column = bb.objectives_names.index(bb.elapsed_time_attr)
    for arch in bb.bench.archs(bb.dataset)[:200]:
        times = bb.objective_function(bb.to_config(arch), seed=0)[:, column]
        assert np.all(np.diff(times[np.isfinite(times)]) >= 0), arch


def test_darts_configs_outside_the_table_are_predicted_live(blackboxes):
    bb = get(blackboxes, "nb311-yahpo")
    inside = bb.to_config(bb.bench.archs()[3])
    outside = random_configs(bb, 1, seed=8)[0]
    assert bb.source(inside, seed=2).startswith("table:")
    assert bb.source(outside, seed=2).startswith("live:")
    fresh = nbx11_data.open("nb311-yahpo")
    for config in (inside, outside):
        got = bb.objective_function(config, fidelity=40, seed=2)
        for metric in fresh.metrics:
            assert got[metric] == fresh.curve(bb.to_arch(config), metric=metric, seed=2)[39]
    mean = bb.objective_function(outside, seed=None)
    assert mean[:, 0].tolist() == fresh.curve(bb.to_arch(outside), metric=bb.objectives_names[0], seed=None).tolist()


# ----- Syne Tune's own schedulers on the simulator -------------------------------------------------------


def simulate(bb, trials: int, brackets: int, tmp_path, monkeypatch):
    """Run Syne Tune's ASHA (brackets=1) or asynchronous Hyperband (brackets>1) on the simulated clock."""
    from syne_tune import StoppingCriterion, Tuner
    from syne_tune.backend.simulator_backend.simulator_callback import SimulatorCallback
    from syne_tune.optimizer.baselines import ASHA

    monkeypatch.setenv("SYNETUNE_FOLDER", str(tmp_path))
    logging.getLogger("syne_tune").setLevel(logging.WARNING)
    state = np.random.get_state()
    np.random.seed(0)  # Syne Tune draws each trial's bracket from numpy's global generator
    try:
        scheduler = ASHA(bb.configuration_space, metric=bb.metric, do_minimize=bb.mode == "min", time_attr=st.FIDELITY,
                         max_t=int(bb.fidelity_values.max()), brackets=brackets, random_seed=0)
        callback = SimulatorCallback()
        Tuner(trial_backend=st.backend(bb), scheduler=scheduler, n_workers=4, sleep_time=0,
              stop_criterion=StoppingCriterion(max_num_trials_started=trials), callbacks=[callback],
              save_tuner=False, results_update_interval=1e9, print_update_interval=1e9).run()
    finally:
        np.random.set_state(state)
    return callback.dataframe()


@pytest.mark.slow
@pytest.mark.parametrize("name,trials", [("nbnlp11-wt2", 300), ("nb311-yahpo", 200)])
@pytest.mark.parametrize("brackets", [1, 3], ids=["asha", "hyperband"])
def test_syne_tune_records_the_readers_values(name, trials, brackets, tmp_path, monkeypatch):
    bb = st.blackbox(name)
    results = simulate(bb, trials, brackets, tmp_path, monkeypatch)
    assert results.trial_id.nunique() >= trials - 4  # the last ones may still be running
    assert results[st.FIDELITY].max() == bb.fidelity_values.max()  # some trials were promoted to the end
    fresh = nbx11_data.open(name)  # an independent reader: its own index and fallback cache
    keys = list(bb.configuration_space)
    archs = [bb.to_arch({k: row[f"config_{k}"] for k in keys}) for row in results.to_dict("records")]
    seeds = [bb.seeds[t % bb.num_seeds][max(bb.bench.budgets)] for t in results.trial_id]
    epochs = results[st.FIDELITY].to_numpy() - 1
    expected_sources = np.empty(len(archs), dtype=object)
    for metric in fresh.metrics:
        if metric == bb.elapsed_time_attr:
            continue  # the simulator rewrites it: time since the trial's last resume
        expected = np.empty(len(archs))
        for seed in set(seeds):
            pick = np.flatnonzero(np.array(seeds) == seed)
            curves, labels = fresh.curves([archs[i] for i in pick], metric=metric, seed=seed, with_source=True)
            expected[pick] = curves[np.arange(len(pick)), epochs[pick]]
            expected_sources[pick] = labels
        assert results[metric].to_numpy().tolist() == expected.tolist(), metric
    sources = [bb.sources[arch, t % bb.num_seeds] for arch, t in zip(archs, results.trial_id)]
    assert sources == expected_sources.tolist()
    if name == "nb311-yahpo":  # a DARTS search leaves the 2,000 stored cells
        assert sum(s.startswith("live:") for s in sources) > len(sources) / 2
    else:  # every cell is in the table; measured cells lack most seeds, which the checkpoint answers
        assert {s.split(":")[0] for s in sources} == {"measured", "table", "live"}


def test_without_syne_tune_the_module_names_the_extra():
    import subprocess
    import sys

    code = ("import sys; sys.modules['syne_tune'] = None\n"
            "from nbx11_data.errors import MissingDependencyError\n"
            "try:\n    import nbx11_data.integrations.syne_tune\n"
            "except MissingDependencyError as err:\n    print(err)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert 'pip install "nbx11-data[syne-tune]"' in out
