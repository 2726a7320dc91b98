"""NLP canonical form with interchangeable inputs: the one-pass search equals trying every order."""

from __future__ import annotations

import hashlib
import itertools
import random

import pytest

from nbx11_data.spaces import nlp


def _brute_force(recipe: dict) -> str:
    """The smallest serialization over every combination of tied input orders (exponential)."""
    arch = nlp.parse(recipe)  # validates; the search below redoes the keys as _canonicalize does
    spec = {name: (node["op"], tuple(node["input"])) for name, node in recipe.items()}
    key, chosen, ties = dict(nlp._NAMED_KEY), {}, []

    def visit(name):
        op, inputs = spec[name]
        for child in inputs:
            if child in spec and child not in chosen:
                visit(child)
        if op in nlp.COMMUTATIVE:
            inputs = tuple(sorted(inputs, key=key.__getitem__))
            if len({key[i] for i in inputs}) < len(inputs):
                ties.append(name)
        chosen[name] = inputs
        if name not in nlp._OUTPUT_SET:
            key[name] = "9" + hashlib.md5(f"{op}({','.join(key[i] for i in inputs)})".encode()).hexdigest()

    k = arch.hidden_size
    for root in nlp.OUTPUTS[:k]:
        if root not in chosen:
            visit(root)
    best = nlp._serialize(spec, chosen, k)
    for pick in itertools.product(*[nlp._tie_orders(chosen[name], key) for name in ties]):
        chosen.update(zip(ties, pick))
        best = min(best, nlp._serialize(spec, chosen, k))
    return best


def _shared_heads(m: int) -> dict:
    """3 tanh(x) nodes read by m linear nodes chained by elementwise_sum: 6^m orders to try by brute force."""
    recipe = {f"t{i}": {"op": "activation_tanh", "input": ["x"]} for i in range(3)}
    last = None
    for j in range(m):
        recipe[f"l{j}"] = {"op": "linear", "input": ["t2", "t0", "t1"][j % 3:] + ["t2", "t0", "t1"][:j % 3]}
        if last is not None:
            recipe[f"s{j}"] = {"op": "elementwise_sum", "input": [last, f"l{j}"]}
        last = f"s{j}" if j else f"l{j}"
    recipe["h_new_0"] = recipe.pop(last)
    return recipe


def _random_recipe(rng: random.Random) -> dict:
    """A small cell drawn so that structurally equal inputs are common (few distinct leaves)."""
    k = rng.choice([1, 1, 2])
    pool, recipe = ["x"] + [f"h_prev_{i}" for i in range(k)], {}
    for j in range(rng.randint(2, 9)):
        op = rng.choice(["linear", "elementwise_sum", "elementwise_prod", "activation_tanh", "activation_tanh"])
        arity = min(rng.choice(nlp.ARITY[op]), len(pool))
        op = op if arity in nlp.ARITY[op] else "activation_tanh"
        recipe[f"n{j}"] = {"op": op, "input": rng.sample(pool, nlp.ARITY[op][0] if arity not in nlp.ARITY[op] else arity)}
        pool.append(f"n{j}")
    outputs = list(recipe)[-k:]
    rename = {name: f"h_new_{i}" for i, name in enumerate(outputs)}
    recipe = {rename.get(n, n): {"op": v["op"], "input": [rename.get(s, s) for s in v["input"]]} for n, v in recipe.items()}
    keep, stack = set(), list(rename.values())
    while stack:
        name = stack.pop()
        if name in recipe and name not in keep:
            keep.add(name)
            stack += recipe[name]["input"]
    return {n: v for n, v in recipe.items() if n in keep}


@pytest.mark.parametrize("m", [1, 2, 3, 4])
def test_shared_heads_equal_brute_force(m):
    recipe = _shared_heads(m)
    assert nlp.format(recipe) == _brute_force(recipe)


def test_random_tied_cells_equal_brute_force():
    rng = random.Random(0)
    compared = 0
    for _ in range(600):
        recipe = _random_recipe(rng)
        try:
            expected = _brute_force(recipe)
        except nlp.InvalidArchitectureError:
            continue
        assert nlp.format(recipe) == expected, recipe
        compared += 1
    assert compared > 300


def test_the_largest_shared_heads_cell_is_canonical_and_name_invariant():
    recipe = _shared_heads(11)  # 24 nodes: 6^11 orders by brute force
    assert len(recipe) == 24
    text = nlp.format(recipe)

    def rename(name):
        return name if name in nlp.INPUTS or name == "h_new_0" else f"z_{name}"

    renamed = {rename(n): {"op": v["op"], "input": [rename(s) for s in reversed(v["input"])]}
               for n, v in reversed(list(recipe.items()))}
    assert nlp.format(renamed) == text and nlp.parse(text).canonical == text


def test_the_search_is_bounded_with_a_clear_error(monkeypatch):
    monkeypatch.setattr(nlp, "MAX_TIE_WORK", 5)
    with pytest.raises(nlp.InvalidArchitectureError, match="too many interchangeable inputs"):
        nlp.format(_shared_heads(3))
