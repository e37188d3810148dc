"""The default number of sampler steps: energy distance to held-out rows at 10 to 25 steps, with its noise.

For each toy set of ``toy_data.py`` (5,000 training rows, 2,000 held-out
rows), two default models (``random_state`` 0 and 1) draw 2,000 samples at
each number of steps with the default sampler, five times (sample seeds
10-14); printed is the mean energy distance and its standard error over the
five samples, beside the floor (five fresh samples of the data). The default
is the fewest steps whose mean stays within about one standard error of 25
steps on every set and model.

Usage: ``python benchmarks/bench_default_steps.py [--steps 10 15 20 25]`` (about 25 minutes on 2 CPU cores)
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
from toy_data import TOY_SETS, energy_distance, load_toy

from skbfn import BFNGenerator


def mean_and_error(values: list[float]) -> str:
    return f"{np.mean(values):.4f}+-{np.std(values) / np.sqrt(len(values)):.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", nargs="+", type=int, default=[10, 15, 20, 25])
    parser.add_argument("--samples", type=int, default=5, help="samples of 2,000 rows per model and steps")
    args = parser.parse_args()
    threads = torch.get_num_threads()
    print(f"# {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {threads} threads")
    for name, make in TOY_SETS.items():
        train, test = load_toy(name)
        floor = [energy_distance(make(2000, 100 + s), test, train) for s in range(args.samples)]
        print(f"{name}: floor {mean_and_error(floor)}", flush=True)
        for model_seed in (0, 1):
            gen = BFNGenerator(random_state=model_seed).fit(train)
            cells = []
            for n_steps in args.steps:
                gen.set_params(n_steps=n_steps)
                distances = [
                    energy_distance(gen.sample(2000, random_state=10 + s), test, train) for s in range(args.samples)
                ]
                cells.append(f"n={n_steps}: {mean_and_error(distances)}")
            print(f"  model {model_seed}, {gen.sampler}: " + "  ".join(cells), flush=True)


if __name__ == "__main__":
    main()
