"""Per-row Monte-Carlo noise of ``score_samples``: independent draws, quasi-random draws, and the control variate.

Fits the default ``BFNGenerator`` on a toy set, then scores the same held-out
rows under ``--seeds`` scoring seeds (``random_state`` changes only the draws
once the model is fitted). For each way of drawing, prints the median and 90th
percentile over rows of the per-row standard deviation across seeds, the mean
score and the scoring rate.

- *independent*: times stratified per row, noises i.i.d. normal (seeded by the row);
- *quasi-random*: each row's own digitally shifted Sobol point set (the default);
- *control variate* on or off: the flow-noise statistics subtracted from each draw of the diffusion and
  reconstruction terms (on by default);
- *reconstruction draws*: a sixteenth of the draws (the default) or a quarter (models fitted before), printed
  for quasi-random draws with the variates, with the network passes per row each costs.

    python benchmarks/bench_score_noise.py --data moons --seeds 12
"""

from __future__ import annotations

import argparse
import time
from contextlib import ExitStack, contextmanager
from unittest import mock

import numpy as np
import torch
from toy_data import TOY_SETS, load_toy

import skbfn._inference.scoring as scoring
from skbfn import BFNGenerator
from skbfn.core import ProductFlow


def independent_draws(
    rows,
    n_draws,
    noise_size,
    seed,
    *,
    sender=False,
    dequantisation_widths=None,
    device=None,
    reconstruction_divisor=scoring.RECONSTRUCTION_DIVISOR,
):
    """Stratified times and i.i.d. normal noises (and uniform offsets), from a generator seeded by the row's key."""
    n_rows, n_recon = len(rows), scoring.recon_draw_count(n_draws, reconstruction_divisor)
    draws = {
        "times": np.empty((n_rows, n_draws)),
        "noise": np.empty((n_rows, n_draws, noise_size)),
        "recon_noise": np.empty((n_rows, n_recon, noise_size)),
        "sender_noise": np.empty((n_rows, n_draws, noise_size)) if sender else None,
        "offsets": None,
        "recon_offsets": None,
    }
    if dequantisation_widths is not None:
        draws["offsets"] = np.empty((n_rows, n_draws, len(dequantisation_widths)))
        draws["recon_offsets"] = np.empty((n_rows, n_recon, len(dequantisation_widths)))
    for r, key in enumerate(scoring.row_keys(rows, seed)):
        rng = np.random.default_rng(int(key))
        draws["times"][r] = (np.arange(n_draws) + rng.random(n_draws)) / n_draws
        for name in ("noise", "recon_noise", "sender_noise"):
            if draws[name] is not None:
                draws[name][r] = rng.standard_normal(draws[name].shape[1:])
        for name in ("offsets", "recon_offsets"):
            if draws[name] is not None:
                draws[name][r] = (rng.random(draws[name].shape[1:]) - 0.5) * dequantisation_widths
    return draws


@contextmanager
def setting(quasi_random: bool, control_variate: bool):
    with ExitStack() as stack:
        if not quasi_random:
            stack.enter_context(mock.patch.object(scoring, "row_draws", independent_draws))
        if not control_variate:
            zeros = lambda self, noise, *args, mask=None: noise.new_zeros(noise.shape[0])  # noqa: E731
            stack.enter_context(mock.patch.object(ProductFlow, "control_variate", zeros))
            stack.enter_context(mock.patch.object(ProductFlow, "reconstruction_control_variate", zeros))
        yield


def scores_over_seeds(generator: BFNGenerator, X: np.ndarray, seeds: int) -> tuple[np.ndarray, float]:
    scores, start = [], time.perf_counter()
    for seed in range(seeds):
        scores.append(generator.set_params(random_state=seed).score_samples(X))
    return np.stack(scores), seeds * len(X) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", choices=sorted(TOY_SETS), default="moons")
    parser.add_argument("--seeds", type=int, default=12)
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--draws", type=int, nargs="+", default=[32, 64, 128])
    args = parser.parse_args()
    torch.manual_seed(0)
    X_train, X_test = load_toy(args.data)
    generator = BFNGenerator(random_state=0).fit(X_train)
    rows = X_test[: args.rows]
    print(f"{args.data}: {args.rows} held-out rows, {args.seeds} scoring seeds, default model")
    header = f"{'draws':>5} {'passes':>6}  {'points':<13} {'variate':<8} {'median sd':>9} {'p90 sd':>7}"
    print(f"{header} {'mean score':>10} {'rows/s':>7}")
    settings = [(False, False, 16), (False, True, 16), (True, False, 16), (True, True, 16), (True, True, 4)]
    for n_draws in args.draws:
        generator.set_params(n_elbo_draws=n_draws)
        for quasi_random, control_variate, divisor in settings:
            generator.reconstruction_divisor_ = divisor
            with setting(quasi_random, control_variate):
                scores, rate = scores_over_seeds(generator, rows, args.seeds)
            sd = scores.std(axis=0, ddof=1)
            points = "quasi-random" if quasi_random else "independent"
            passes = n_draws + scoring.recon_draw_count(n_draws, divisor)
            print(
                f"{n_draws:>5} {passes:>6}  {points:<13} {'on' if control_variate else 'off':<8} "
                f"{np.median(sd):>9.3f} {np.quantile(sd, 0.9):>7.3f} {scores.mean():>10.4f} {rate:>7.0f}"
            )


if __name__ == "__main__":
    main()
