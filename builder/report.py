"""``REPORT.md`` of a trained checkpoint: data, fidelity on the test split, x11's Table 2 beside it.

Example:
    >>> text = render(recipe, meta, test, timing)  # doctest: +SKIP
"""

from __future__ import annotations

#: NAS-Bench-x11 (NeurIPS 2021), Table 2: average / final-epoch Kendall tau of its surrogates
X11_TABLE2 = [
    ("NB111 (NAS-Bench-101 data)", 0.531, 0.645),
    ("NB311 (NAS-Bench-301 data)", 0.728, 0.788),
    ("NB-NLP11 (PTB, architecture only)", 0.449, 0.416),
    ("NB-NLP11 (PTB, + first 3 epochs)", 0.862, 0.820),
]

SPIKE_DEFINITION = (
    "Spike anomaly: a curve's spike is its largest one-epoch excursion above or below both neighbouring "
    "epochs; the threshold is the largest spike among the real test-split runs; the rate is the share of "
    "noisy surrogate curves (one per real test run, seeds 0..r-1) whose spike exceeds it. This follows the "
    "x11 paper's description as we read it (the x11 code has no implementation of it), so compare rates "
    "between our checkpoints rather than with the paper's numbers."
)
KL_DEFINITION = (
    "KL divergence: per epoch, KL(N(0, s_real^2) || N(0, s_pred^2)) with s_real the RMS seed spread of the "
    "multi-seed test architectures (runs minus their mean, scaled by sqrt(r/(r-1))) and s_pred the RMS of "
    "100 noise draws per such architecture; averaged over epochs."
)


def _f(value) -> str:
    return "n/a" if value is None or value != value else f"{value:.3f}"


def _g(value) -> str:
    return "n/a" if value is None or value != value else f"{value:.4g}"


def render(recipe, meta, test: dict, timing: dict, heldout: dict | None = None) -> str:
    data = meta["training_data"]
    split = data["split"]
    lines = [
        f"# {meta['checkpoint_id']}: {recipe.description}",
        "",
        "Trained with `nbx11 train " + recipe.name + " --source PATH`. All figures below are measured on this "
        "checkpoint's own test split; the x11 figures are quoted from its paper (Table 2), on different data.",
        "",
        "## Data",
        "",
        f"- source: {data['source']} (`{data['file']}`, sha256 `{data['sha256']}`), license {data['license']}",
        f"- origin: {data.get('origin', '')}",
        f"- runs read: {data['runs_read']}; used: {data['runs_used']} on {data['architectures']} architectures; "
        f"left out: {data['excluded_runs']} ({', '.join(f'{v} x {k}' for k, v in data['excluded_reasons'].items()) or 'none'})",
        f"- target: {data['target']}",
        f"- split: {split['method']}, seed {split['split_seed']}: {split['train']} train / {split['val']} validation / "
        f"{split['test']} test architectures",
        f"- what differs from x11: {recipe.data_differences}",
    ]
    lines += [f"- note: {n}" for n in data["notes"]]
    lines += ["", "## Model", "",
              f"- {meta['members']} members (bootstrap + own LightGBM seed), chained boosters per SVD component, "
              "early stopping on validation, k chosen on validation",
              f"- features: {meta['features']['encoding']}"
              + (f"(kind={meta['features']['encoding_kind']!r})" if meta["features"].get("encoding_kind") else "")
              + f" ({meta['features']['encoding_dim']} columns)"
              + (f" + first {recipe.first_epochs['count']} epochs of `{recipe.first_epochs['metric']}`"
                 + (" and their successive differences" if recipe.first_epochs.get("differences") else "")
                 if recipe.first_epochs else ""),
              "", "| metric | k | noise source | default noise |", "|---|---|---|---|"]
    for m, info in meta["metrics"].items():
        lines.append(f"| `{m}` | {info['k']} | {info['noise']['source']} | {info['noise']['default']} |")
    lines += ["", "## Fidelity of the noiseless mean on the test split", "",
              "| metric | n | avg R^2 | final R^2 | avg Kendall tau | final Kendall tau | avg Spearman | final Spearman |",
              "|---|---|---|---|---|---|---|---|"]
    for m, t in test.items():
        lines.append(f"| `{m}` | {t['n']} | {_f(t['avg_r2'])} | {_f(t['final_r2'])} | {_f(t['avg_kendall_tau'])} | "
                     f"{_f(t['final_kendall_tau'])} | {_f(t['avg_spearman'])} | {_f(t['final_spearman'])} |")
    if heldout is not None:
        lines += ["", "## Fidelity on held-out architectures", "", heldout["about"], "",
                  "| metric | n | avg R^2 | final R^2 | avg Kendall tau | final Kendall tau | avg Spearman | final Spearman |",
                  "|---|---|---|---|---|---|---|---|"]
        for m, t in heldout.items():
            if isinstance(t, dict):
                lines.append(f"| `{m}` | {t['n']} | {_f(t['avg_r2'])} | {_f(t['final_r2'])} | "
                             f"{_f(t['avg_kendall_tau'])} | {_f(t['final_kendall_tau'])} | {_f(t['avg_spearman'])} | "
                             f"{_f(t['final_spearman'])} |")
    first = next(iter(test))
    lines += ["", f"## Beside NAS-Bench-x11's Table 2 (Kendall tau of `{first}`)", "",
              "| surrogate | data | avg tau | final tau |", "|---|---|---|---|"]
    lines += [f"| x11 {name} | x11 paper, Table 2 | {a:.3f} | {b:.3f} |" for name, a, b in X11_TABLE2]
    lines.append(f"| **{meta['checkpoint_id']}** | measured, {test[first]['n']} test architectures | "
                 f"{_f(test[first]['avg_kendall_tau'])} | {_f(test[first]['final_kendall_tau'])} |")
    ref = recipe.x11_reference
    if ref:
        lines += ["", f"Closest x11 row: {ref['benchmark']} ({ref['avg_kendall_tau']:.3f} / "
                      f"{ref['final_kendall_tau']:.3f}). {recipe.data_differences}"]
    lines += ["", "## Noise models on the test split", "",
              "| metric | noise model | KL divergence (multi-seed archs) | spike-anomaly rate | spike threshold |",
              "|---|---|---|---|---|"]
    for m, t in test.items():
        for kind, entry in t["noise"].items():
            kl = entry.get("kl_divergence")
            kl_text = f"{_f(kl)} ({entry['kl_groups']} archs)" if kl is not None else "n/a (no multi-seed test archs)"
            lines.append(f"| `{m}` | {kind} | {kl_text} | {_f(entry['spike_anomaly']['rate'])} | "
                         f"{_g(entry['spike_anomaly']['threshold'])} |")
    lines += ["", KL_DEFINITION, "", SPIKE_DEFINITION, "",
              f"## Per epoch (`{first}`)", "", "| epoch | R^2 | Kendall tau | Spearman |", "|---|---|---|---|"]
    per = test[first]["per_epoch"]
    for j, epoch in enumerate(meta["epochs"]):
        lines.append(f"| {epoch} | {_f(per['r2'][j])} | {_f(per['kendall_tau'][j])} | {_f(per['spearman'][j])} |")
    lines += ["", "## Training time", "",
              f"- total {timing['train_seconds_total']} s on {timing['machine']}, of which reading/generating the "
              f"data {timing.get('prepare_seconds', 'n/a')} s",
              "- per metric (curve model + noise models): "
              + ", ".join(f"`{m}` {s} s" for m, s in timing["fit_seconds_per_metric"].items()), ""]
    return "\n".join(lines)
