"""The dataset card of a surrogate table: what is predicted, what is measured, and how good the model is.

The fidelity figures come from the checkpoint (``checkpoint.json``'s ``test_metrics``, as in its
``metrics.json``), the provenance from its ``training_data``; nothing here is typed by hand, so a
distilled or transferred-noise table cannot be mistaken for measured data.

Example:
    >>> card = render_card(spec, checkpoint, layout, [0, 1], plan, counts, "nbx11 build ...")  # doctest: +SKIP
    >>> card.pretty_name  # doctest: +SKIP
    'NB-NLP11 on WikiText-2 (surrogate)'
"""

from __future__ import annotations

from nbx11_data import vocabulary
from nbx11_data.builder.shards import Card

CITATION = """@inproceedings{yan2021bench,
  title     = {NAS-Bench-x11 and the Power of Learning Curves},
  author    = {Yan, Shen and White, Colin and Savani, Yash and Hutter, Frank},
  booktitle = {Advances in Neural Information Processing Systems},
  year      = {2021}}"""
OWN_TEST_SPLIT = "the checkpoint's own test split"
_LICENSES = {"Apache-2.0": "apache-2.0", "MIT": "mit"}


def _f(value) -> str:
    return "n/a" if value is None or value != value else f"{value:.3f}"


def render_card(spec, checkpoint, layout, seeds: list[int], plan, counts: dict, command: str) -> Card:
    """The :class:`~nbx11_data.builder.shards.Card` of a table built from ``checkpoint``."""
    meta = checkpoint.meta
    data = meta["training_data"]
    source = f"`surrogate:{meta['checkpoint_id']}`"
    summary = [
        spec.summary.strip(), "",
        f"**Rows with `source` = {source} are predictions of a surrogate model, not measurements.** "
        f"Per predicted architecture: the noiseless mean curve (`seed` NULL) and {len(seeds)} noisy curves"
        f" (`seed` {', '.join(map(str, seeds)) or '-'}), noise from the checkpoint's `{meta['noise_default']}`"
        " model, drawn from a generator keyed by (checkpoint, arch_id, seed).",
    ]
    if counts["measured"]:
        summary += ["", f"Rows with `source` = `measured` are the {counts['measured_runs']} real runs of"
                        f" {counts['measured']} architectures of `{data['source']}` (`seed` = repeat number in file"
                        " order, the logs record no training seed; `seed` NULL = mean of the runs)."]
    how = [
        f"`{command}` (nbx11-data, `nbx11_data.builder.tables.{spec.name.replace('-', '_')}`): "
        f"{counts['predicted']:,} predicted architectures ({_selection(plan)})"
        + (f" and {counts['measured']:,} measured ones" if counts["measured"] else "")
        + f", {counts['rows']:,} rows. The same command and checkpoint give the same rows"
        " (each shard's `content_sha256` in `manifest.json`).", "",
        f"Checkpoint `{meta['checkpoint_id']}`: {meta.get('description', '')}. Trained on `{data['source']}`"
        f" ({data.get('origin', '')}; `{data['file']}` sha256 `{data['sha256']}`): {data.get('runs_used', '?')} runs"
        f" of {data.get('architectures', '?')} architectures; split {_split(data)}.", "",
        f"Fidelity of the noiseless mean on {meta.get('fidelity_about', OWN_TEST_SPLIT)} (from its `metrics.json`):",
        "",
        "| metric | test archs | avg R^2 | final R^2 | avg Kendall tau | final Kendall tau | RMSE |"
        f" noise KL ({meta['noise_default']}) | spike-anomaly rate |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for m, t in meta.get("test_metrics", {}).items():
        noise = t.get("noise", {}).get(meta["noise_default"], {})
        how.append(f"| `{vocabulary.canonical(m)}` | {t.get('n', '?')} | {_f(t.get('avg_r2'))} | {_f(t.get('final_r2'))} |"
                   f" {_f(t.get('avg_kendall_tau'))} | {_f(t.get('final_kendall_tau'))} | {_f(t.get('rmse'))} |"
                   f" {_f(noise.get('kl_divergence'))} | {_f(noise.get('spike_anomaly', {}).get('rate'))} |")
    if meta.get("noise_card"):
        how += ["", "Seed noise beside the spread between architectures (sd over the cells above, per epoch):", "",
                "| metric | epoch | sd of the seed noise | sd between cells of the mean curves |", "|---|---|---|---|"]
        how += [f"| `{m}` | {e} | {_f(v['seed_noise_sd'])} | {_f(v['between_cells_sd'])} |"
                for m, by_epoch in meta["noise_card"].items() for e, v in by_epoch.items()]
    limits = [spec.limits.strip(),
              "- Predicted curves are only as good as the figures above; rankings of close architectures"
              " are unreliable where Kendall tau is low.",
              f"- The noise model is fitted to the seed spread of the training data ({_noise_sources(meta)});"
              " it is not a measurement of these architectures' seed variance."]
    return Card(pretty_name=spec.pretty_name, license=_LICENSES.get(data.get("license", ""), "other"),
                summary="\n".join(summary), how_made="\n".join(how), limits="\n".join(limits),
                citation=f"{data.get('citation', '')}\n\n```bibtex\n{CITATION}\n```")


def _selection(plan) -> str:
    if "enumerate" in plan.params:
        limit = plan.params["enumerate"].get("max_vertices")
        return "the space enumerated" + (f", graphs of at most {limit} vertices" if limit else "")
    sample = plan.params["sample"]
    return (f"{sample['archs']:,} distinct ones sampled with seed {sample['seed']}"
            + "".join(f", {k}={v}" for k, v in sample.items() if k not in ("archs", "seed")))


def _split(data: dict) -> str:
    split = data.get("split", {})
    return f"{split.get('train', '?')} train / {split.get('val', '?')} validation / {split.get('test', '?')} test architectures"


def _noise_sources(meta: dict) -> str:
    sources = sorted({info["noise"].get("source", "?") for info in meta["metrics"].values() if info.get("noise")})
    return ", ".join(sources)
