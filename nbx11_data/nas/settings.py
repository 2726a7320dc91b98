"""Search settings per benchmark, in one place, following NAS-Bench-x11's run scripts.

Sources (automl/nas-bench-x11, ``naslib/benchmarks/nas/run_nb311.sh``, ``run_nbnlp.sh``,
``create_configs.py`` and the optimizers under ``naslib/optimizers/discrete/``):

================  ==============  ===============
setting           nb311 (DARTS)    nbnlp11 (NLP)
================  ==============  ===============
budget (sim. s)   5,000,000       1,000,000
full fidelity     98 epochs       50 epochs
first epochs      20              10
target epoch      49 (half)       50 (full)
top fraction LCE  0.2             0.5
top fraction SVR  0.2             0.2
HB min/eta        4 / 3           1 / 2
BOHB min/eta/top  4 / 3 / 0.1     3 / 2 / 0.3
population/sample 20 / 10         20 / 10
================  ==============  ===============

Where the paper's code has no value we choose and say so: BANANAS uses an ensemble of 3 MLPs,
100 candidates by mutating the 4 best, 10 evaluations per fit (the BANANAS paper's batch); LcSVR's random
search draws 100 hyperparameter settings (x11: 1,000) and is rerun when the history has doubled (refit on
every new point); the weighted probabilistic model runs x11's 10 Metropolis steps from the fits.

Example:
    >>> s = settings_for("nb311-yahpo", epochs=98)
    >>> s.first_epochs, s.target_epoch, s.budget
    (20, 49, 5000000.0)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from nbx11_data.errors import NBX11Error


@dataclass(frozen=True)
class Settings:
    """Every knob of the optimizers for one benchmark (epochs are 1-based counts)."""

    budget: float
    epochs: int
    first_epochs: int
    target_epoch: int
    top_fraction_lce: float = 0.2
    top_fraction_svr: float = 0.2
    population_size: int = 20
    sample_size: int = 10
    num_init: int = 20
    num_ensemble: int = 3
    num_candidates: int = 100
    num_arches_to_mutate: int = 4
    batch_size: int = 10
    hb_min_epochs: int = 4
    hb_eta: int = 3
    bohb_min_epochs: int = 4
    bohb_eta: int = 3
    bohb_top_fraction: float = 0.1
    mcmc_steps: int = 10
    svr_hypers: int = 100

    def __post_init__(self) -> None:
        if not 1 <= self.first_epochs < self.epochs:
            raise NBX11Error(f"first_epochs must be in 1..{self.epochs - 1}, got {self.first_epochs}")
        if not self.first_epochs <= self.target_epoch <= self.epochs:
            raise NBX11Error(
                f"target_epoch must be in {self.first_epochs}..{self.epochs}, got {self.target_epoch}"
            )
        if self.budget <= 0:
            raise NBX11Error(f"budget must be positive, got {self.budget}")


_PAPER = {
    # name prefix -> function of the table's epoch count
    "nb311": lambda epochs: Settings(
        budget=5e6, epochs=epochs, first_epochs=20, target_epoch=(epochs - 1) // 2 + 1,
        top_fraction_lce=0.2, top_fraction_svr=0.2, hb_min_epochs=4, hb_eta=3,
        bohb_min_epochs=4, bohb_eta=3, bohb_top_fraction=0.1),
    "nbnlp11": lambda epochs: Settings(
        budget=1e6, epochs=epochs, first_epochs=10, target_epoch=epochs,
        top_fraction_lce=0.5, top_fraction_svr=0.2, hb_min_epochs=1, hb_eta=2,
        bohb_min_epochs=3, bohb_eta=2, bohb_top_fraction=0.3),
}


def has_paper_settings(benchmark: str) -> bool:
    """Whether :func:`settings_for` knows ``benchmark``'s settings from the paper (else a budget is needed)."""
    return any(benchmark.startswith(prefix) for prefix in _PAPER)


def settings_for(benchmark: str, epochs: int, **overrides) -> Settings:
    """The paper's settings for ``benchmark`` (matched by name prefix), or generic ones, with ``overrides``.

    Generic settings (any other benchmark) need ``budget`` among the overrides; they train a fifth of
    the epochs first and extrapolate to the last epoch.
    """
    for prefix, make in _PAPER.items():
        if benchmark.startswith(prefix):
            return replace(make(epochs), **overrides)
    if "budget" not in overrides:
        raise NBX11Error(
            f"no paper settings for benchmark {benchmark!r} (known: {', '.join(_PAPER)}); pass budget=..."
        )
    base = dict(epochs=epochs, first_epochs=max(1, epochs // 5), target_epoch=epochs,
                hb_min_epochs=max(1, epochs // 27), hb_eta=3, bohb_min_epochs=max(1, epochs // 27), bohb_eta=3)
    base.update(overrides)
    return Settings(**base)
