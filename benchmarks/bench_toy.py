"""BFNGenerator on the toy sets: likelihood, sample quality and training overhead, in one run.

Prints (a) held-out mean log-likelihood (nats per row, original units) of
BFNGenerator beside GaussianMixture (BIC) and KernelDensity (CV), (b) energy
distance of 2000 samples to the 2000 held-out rows at 10, 25 and 100 sampler
steps, with the paper's sampler and with the default 'sde2-lambda-late' solver,
and (c) the median time of one full training step over the median time of a
bare forward+backward+optimiser step of the same network on the same batch,
interleaved in the same process.

With ``--seeds n``, the BFN is fitted with ``random_state`` 0 to n - 1 and
its column is the mean held-out bound (each seed's is printed below the
table); samples come from the first. ``--bfn-params`` sets BFNGenerator
parameters, e.g. the defaults before the two-column profile:
``'{"hidden_layer_sizes": [128, 128, 128], "batch_size": 1024, "max_iter": 2000}'``.

Usage: ``python benchmarks/bench_toy.py [--sets moons circles] [--seeds 3] [--bfn-params '{...}'] [--repeats 200]``
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from toy_data import (
    TOY_SETS,
    energy_distance,
    gaussian_mixture_by_bic,
    kernel_density_by_cv,
    load_toy,
)

from skbfn import BFNGenerator
from skbfn._model.config import TrainingConfig
from skbfn._model.training import ListedTensors, make_optimizer, training_step

# The paper's sampler (as in the protocol's reference figures) and the estimator's default.
SAMPLERS_SHOWN = ("paper", "sde2-lambda-late")


def likelihood_and_energy(name: str, steps: list[int], seeds: int = 1, params: dict | None = None) -> dict:
    train, test = load_toy(name)
    fits, bounds = [], []
    for seed in range(seeds):
        start = time.perf_counter()
        fitted = BFNGenerator(**{**(params or {}), "random_state": seed}).fit(train)
        fits.append(time.perf_counter() - start)
        bounds.append(fitted.score(test))
        if seed == 0:
            gen = fitted  # the samples below come from the first seed's model
    row = {
        "set": name,
        "fit_s": statistics.median(fits),
        "bfn": statistics.mean(bounds),
        "bfn_by_seed": bounds,
        "gmm": gaussian_mixture_by_bic(train).score(test),
        "kde": kernel_density_by_cv(train).score(test) / len(test),
    }
    for sampler in SAMPLERS_SHOWN:
        for n_steps in steps:
            samples = gen.set_params(sampler=sampler, n_steps=n_steps).sample(2000, random_state=1)
            row[f"{sampler}@{n_steps}"] = energy_distance(samples, test, train)
    return row


def step_overhead(repeats: int, params: dict | None = None) -> dict:
    """Median full training step / median bare network step, interleaved.

    Two bare steps: with AdamW as constructed by default (one loop per
    tensor on the CPU), and with its fused kernel, which the full step uses.
    """
    train, _ = load_toy("moons")
    gen = BFNGenerator(**{**(params or {}), "random_state": 0, "max_iter": 1})
    gen.fit(train)  # builds the model, scaler and config exactly as fit does
    config = TrainingConfig.of(gen, encoder=gen.encoder_)
    model, ema = gen.model_.train(), gen.ema_
    optimizer, scheduler = make_optimizer(model, config)
    generator = torch.Generator().manual_seed(0)
    x = torch.from_numpy(gen.encoder_.transform(train[: config.batch_size]))
    # the network's own input width: the flow's inputs and, with cell inputs, the given/absent flags
    mu = torch.randn(x.shape[0], model.net.input_layer.in_features)
    t, target = torch.rand(x.shape[0]), torch.randn_like(x)

    def bare(**adamw_options):
        net = copy.deepcopy(model.net)  # same architecture and weights, trained apart
        bare_optimizer = torch.optim.AdamW(net.parameters(), lr=config.learning_rate, **adamw_options)

        def step():
            loss = ((net(mu, t) - target) ** 2).mean()
            bare_optimizer.zero_grad(set_to_none=True)
            loss.backward()
            bare_optimizer.step()

        return step

    listed = ListedTensors.of(model, ema)  # as the fit loop lists them, once

    def full_step():
        training_step(model, ema, optimizer, scheduler, config, x, None, generator, listed)

    steps = {"bare": bare(), "bare_fused": bare(fused=True), "full": full_step}
    times = {name: [] for name in steps}
    for _ in range(20):  # warm-up
        for step in steps.values():
            step()
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "bare_ms": 1e3 * medians["bare"],
        "bare_fused_ms": 1e3 * medians["bare_fused"],
        "full_ms": 1e3 * medians["full"],
        "ratio": medians["full"] / medians["bare"],
        "ratio_fused": medians["full"] / medians["bare_fused"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(TOY_SETS), choices=list(TOY_SETS))
    parser.add_argument("--steps", nargs="+", type=int, default=[10, 25, 100])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=1, help="training seeds of the BFN (its bound: their mean)")
    parser.add_argument("--bfn-params", type=json.loads, default={}, help="BFNGenerator parameters, as JSON")
    args = parser.parse_args()
    if args.seeds < 1:
        parser.error("--seeds must be at least 1")

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, device cpu"
    )
    print("\n(a) held-out log-likelihood, nats per row (higher is better); (b) energy distance (lower is better)")
    columns = [f"{sampler}@{n}" for sampler in SAMPLERS_SHOWN for n in args.steps]
    print(f"{'set':<11} {'fit s':>6} {'BFN':>8} {'GMM(BIC)':>9} {'KDE(CV)':>8}" + "".join(f" {c:>15}" for c in columns))
    by_seed = {}
    for name in args.sets:
        row = likelihood_and_energy(name, args.steps, args.seeds, args.bfn_params)
        by_seed[name] = row["bfn_by_seed"]
        print(
            f"{row['set']:<11} {row['fit_s']:>6.1f} {row['bfn']:>8.4f} {row['gmm']:>9.4f} {row['kde']:>8.4f}"
            + "".join(f" {row[c]:>15.4f}" for c in columns),
            flush=True,
        )
    if args.seeds > 1:
        print("BFN held-out bound by training seed (fit s: median over seeds):")
        for name, bounds in by_seed.items():
            print(f"  {name:<11}" + "".join(f" {b:.4f}" for b in bounds))

    overhead = step_overhead(args.repeats, args.bfn_params)
    print(f"\n(c) training step, medians of {args.repeats} interleaved repetitions, batch of the defaults:")
    print(
        f"bare forward+backward+AdamW: {overhead['bare_ms']:.2f} ms (fused AdamW: {overhead['bare_fused_ms']:.2f} ms); "
        f"full BFN step (loss, backward, clip, fused AdamW, schedule, EMA): {overhead['full_ms']:.2f} ms; "
        f"ratio {overhead['ratio']:.3f} ({overhead['ratio_fused']:.3f} against the fused bare step)"
    )


if __name__ == "__main__":
    main()
