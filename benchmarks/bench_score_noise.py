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
  for quasi-random draws with the variates, with the network passes per row each costs;
- *antithetic* (measured, not used by skbfn): quasi-random draws whose second half repeats the first half's
  times with the noises negated (``eps`` and ``-eps`` at each time), which cancels every odd term of the
  integrand in the noise;
- *fitted variate* (measured, not used by skbfn): the continuous flow's variate
  ``a(t) sum(eps^2 - 1)`` with ``a(t)`` fitted per time bin (64 bins) to the
  training rows' loss integrand (the least-squares coefficient pooled over 512
  rows and 8 noises per bin), in place of ``-ln(sigma_1) gamma(t)``: still
  unbiased (the statistic has mean 0 at every ``t``), for quasi-random draws.

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
from skbfn.core import ContinuousFlow, ProductFlow


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


@torch.no_grad()
def fitted_coefficients(generator: BFNGenerator, X: np.ndarray, n_bins: int = 64, n_noises: int = 8) -> torch.Tensor:
    """Per time bin, the least-squares coefficient of ``sum(eps^2 - 1)`` in the loss integrand over rows of X."""
    model = generator.ema_.module.eval()
    rows = torch.from_numpy(generator.encoder_.transform(X).astype(np.float32)).repeat_interleave(n_noises, 0)
    random = torch.Generator().manual_seed(1)
    coefficients = torch.zeros(n_bins, dtype=torch.float64)
    for b in range(n_bins):
        t = (b + torch.rand(rows.shape[0], generator=random)) / n_bins
        noise = torch.randn(rows.shape, generator=random)
        prediction = model._estimate(rows, t, None, None, noise=noise)
        loss = model.flow.continuous_time_loss(rows, prediction, t).double().reshape(len(X), n_noises)
        statistic = ((noise**2).sum(1) - noise.shape[1]).double().reshape(len(X), n_noises)
        centred = loss - loss.mean(1, keepdim=True)
        coefficients[b] = (centred * statistic).sum() / (statistic**2).sum()
    return coefficients.float()


QUASI_RANDOM_DRAWS = scoring.row_draws


def antithetic_draws(rows, n_draws, *args, **kwargs):
    """Quasi-random draws (:func:`skbfn._inference.scoring.row_draws`) whose second half mirrors the first:
    the same times and dequantisation offsets, the noises negated."""
    draws = QUASI_RANDOM_DRAWS(rows, n_draws, *args, **kwargs)
    half = n_draws // 2
    for name, sign in (("times", 1.0), ("noise", -1.0), ("sender_noise", -1.0), ("offsets", 1.0)):
        if draws[name] is not None:
            draws[name][:, half : 2 * half] = sign * draws[name][:, :half]
    return draws


@contextmanager
def setting(quasi_random: bool, control_variate: bool, fitted: torch.Tensor | None = None, antithetic=False):
    with ExitStack() as stack:
        if antithetic:
            stack.enter_context(mock.patch.object(scoring, "row_draws", antithetic_draws))
        if fitted is not None:

            def fitted_variate(self, noise, t, *, mask=None):
                bins = (t * len(fitted)).long().clamp(0, len(fitted) - 1)
                squares = noise**2 - 1.0
                return fitted.to(noise)[bins] * (squares if mask is None else squares * mask).sum(1)

            stack.enter_context(mock.patch.object(ContinuousFlow, "control_variate", fitted_variate))
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
    fitted = fitted_coefficients(generator, X_train[:512])
    settings = [(False, False, 16, None, False), (False, True, 16, None, False), (True, False, 16, None, False)]
    settings += [(True, True, 16, None, False), (True, True, 4, None, False), (True, True, 16, fitted, False)]
    settings += [(True, True, 16, None, True)]
    for n_draws in args.draws:
        generator.set_params(n_elbo_draws=n_draws)
        for quasi_random, control_variate, divisor, coefficients, antithetic in settings:
            generator.reconstruction_divisor_ = divisor
            with setting(quasi_random, control_variate, coefficients, antithetic):
                scores, rate = scores_over_seeds(generator, rows, args.seeds)
            sd = scores.std(axis=0, ddof=1)
            points = "antithetic" if antithetic else ("quasi-random" if quasi_random else "independent")
            passes = n_draws + scoring.recon_draw_count(n_draws, divisor)
            variate = "fitted" if coefficients is not None else ("on" if control_variate else "off")
            print(
                f"{n_draws:>5} {passes:>6}  {points:<13} {variate:<8} "
                f"{np.median(sd):>9.3f} {np.quantile(sd, 0.9):>7.3f} {scores.mean():>10.4f} {rate:>7.0f}"
            )


if __name__ == "__main__":
    main()
