"""Hypothesis strategies of each space's architectures, for the contract test and the per-space tests.

:data:`REPRESENTATIONS` maps a space's name to a strategy of valid representations of it: nb201 and nb101
architectures uniformly over the whole space, darts genotypes with each node's inputs in random order, nlp
recipes in which any op may read any earlier node.
"""

from __future__ import annotations

from hypothesis import strategies as st

from nbx11_data.spaces import darts, nb101, nb201, nlp

nb201_archs = st.tuples(*[st.sampled_from(nb201.OPS)] * 6).map(nb201.NB201Arch)
nb101_archs = st.integers(0, nb101.SIZE - 1).map(lambda i: nb101._arch(*(int(a[i]) for a in nb101._all_keys(7))))


def _darts_cell():
    """8 (op, input) pairs, each node's two distinct inputs in random order."""
    nodes = [
        st.tuples(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True),
                  st.lists(st.sampled_from(darts.OPS), min_size=2, max_size=2))
        for n in darts.NODES
    ]
    return st.tuples(*nodes).map(lambda ns: [(op, src) for srcs, ops in ns for op, src in zip(ops, srcs)])


darts_genotypes = st.builds(lambda n, r: darts.Genotype(n, [2, 3, 4, 5], r, [2, 3, 4, 5]), _darts_cell(), _darts_cell())


@st.composite
def nlp_recipes(draw, max_intermediate: int = 8, ops=nlp.OPS):
    """Random valid recipes (any op may read any earlier node), dead nodes pruned as the generator does."""
    k = draw(st.integers(1, 3))
    sources = list(nlp.INPUTS[: k + 1])
    nodes = {}
    for i in range(draw(st.integers(k, k + max_intermediate))):
        op = draw(st.sampled_from(ops))
        count = draw(st.sampled_from([n for n in nlp.ARITY[op] if n <= len(sources)] or [0]))
        if count == 0:
            continue
        inputs = draw(st.permutations(sources).map(lambda p, c=count: list(p[:c])))
        nodes[f"n{i}"] = {"op": op, "input": inputs}
        sources.append(f"n{i}")
    names = list(nodes)
    if len(names) < k:
        nodes[f"n{len(names)}"] = {"op": "linear", "input": ["x", "h_prev_0"]}
        names = list(nodes)
    outputs = draw(st.permutations(names).map(lambda p: p[:k]))
    rename = {old: f"h_new_{j}" for j, old in enumerate(outputs)}
    recipe = {
        rename.get(n, n): {"op": v["op"], "input": [rename.get(s, s) for s in v["input"]]} for n, v in nodes.items()
    }
    reached, stack = set(), [f"h_new_{j}" for j in range(k)]
    while stack:
        name = stack.pop()
        if name in recipe and name not in reached:
            reached.add(name)
            stack.extend(recipe[name]["input"])
    return {n: v for n, v in recipe.items() if n in reached}


REPRESENTATIONS = {"nb101": nb101_archs, "nb201": nb201_archs, "darts": darts_genotypes, "nlp": nlp_recipes()}
