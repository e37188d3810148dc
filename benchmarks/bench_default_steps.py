"""The default number of sampler steps: energy distance to held-out rows against steps, with its noise.

For each toy set of ``toy_data.py`` (5,000 training rows, 2,000 held-out
rows), two default models (``random_state`` 0 and 1) draw 2,000 samples with
each sampler at each number of steps, ``--samples`` times (sample seeds 10,
11, ...); printed is the mean energy distance and its standard error over
those samples, beside the floor (ten fresh samples of the data). The default
is the fewest steps whose mean stays within about one standard error of the
best on every set and model. The sets of ``HELD_OUT_TOY_SETS`` (eight
Gaussians, a checkerboard, a 3-d S curve, a pinwheel) played no part in
choosing the time grid of ``'sde2-lambda-late'``: they check it.

Usage: ``python benchmarks/bench_default_steps.py [--steps 10 12 15 20 25] [--samplers sde2-lambda sde2-lambda-late]``
(about 20 minutes on 2 CPU cores, nearly all of it fitting)
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from toy_data import HELD_OUT_TOY_SETS, TOY_SETS, energy_distance, load_toy

from skbfn import BFNGenerator


def mean_and_error(values: list[float]) -> str:
    return f"{np.mean(values):.4f}+-{np.std(values) / np.sqrt(len(values)):.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", nargs="+", type=int, default=[10, 12, 15, 20, 25])
    parser.add_argument("--samplers", nargs="+", default=["sde2-lambda", "sde2-lambda-late"])
    parser.add_argument("--samples", type=int, default=40, help="samples of 2,000 rows per model, sampler and steps")
    parser.add_argument("--models", type=int, default=2, help="models per set (random_state 0, 1, ...)")
    args = parser.parse_args()
    threads = torch.get_num_threads()
    print(f"# {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {threads} threads")
    for name, make in {**TOY_SETS, **HELD_OUT_TOY_SETS}.items():
        train, test = load_toy(name)
        floor = [energy_distance(make(2000, 100 + s), test, train) for s in range(10)]
        print(f"{name}: floor {mean_and_error(floor)}", flush=True)
        for model_seed in range(args.models):
            gen = BFNGenerator(random_state=model_seed).fit(train)
            for sampler in args.samplers:
                cells = []
                for n_steps in args.steps:
                    gen.set_params(sampler=sampler, n_steps=n_steps)
                    distances = [
                        energy_distance(gen.sample(2000, random_state=10 + s), test, train) for s in range(args.samples)
                    ]
                    cells.append(f"n={n_steps}: {mean_and_error(distances)}")
                print(f"  model {model_seed}, {sampler}: " + "  ".join(cells), flush=True)


if __name__ == "__main__":
    main()
