"""Sample quality against steps for every sampler, on the toy sets, one trained model per set.

For each toy set of bench_toy.py, one BFNGenerator (defaults, random_state=0)
is trained; then every sampler draws 2000 samples at each number of steps
(``n_steps + 1`` network evaluations for every sampler), and the energy
distance to the 2000 held-out rows and the time per 1000 samples are printed.
A figure of energy distance against steps is written for the docs.

Usage: ``python benchmarks/bench_samplers.py [--figure sampler_quality.png]``
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from toy_data import TOY_SETS, energy_distance, load_toy

from skbfn import BFNGenerator
from skbfn.core import SAMPLERS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(TOY_SETS), choices=list(TOY_SETS))
    parser.add_argument("--steps", nargs="+", type=int, default=[5, 10, 25, 50, 100])
    parser.add_argument("--samplers", nargs="+", default=sorted(SAMPLERS), choices=sorted(SAMPLERS))
    parser.add_argument("--figure", default="sampler_quality.png")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, device cpu"
    )

    results: dict[str, dict[str, list[float]]] = {}
    for name in args.sets:
        train, test = load_toy(name)
        gen = BFNGenerator(random_state=0).fit(train)
        print(f"\n{name}: energy distance to held-out rows (lower is better) / seconds per 1000 samples")
        print(f"{'sampler':<12}" + "".join(f" {'n=' + str(n):>16}" for n in args.steps))
        results[name] = {}
        for sampler in args.samplers:
            energies, cells = [], []
            for n_steps in args.steps:
                gen.set_params(sampler=sampler, n_steps=n_steps)
                start = time.perf_counter()
                samples = gen.sample(2000, random_state=1)
                seconds = (time.perf_counter() - start) / 2
                energies.append(energy_distance(samples, test, train))
                cells.append(f"{energies[-1]:>8.4f} / {seconds:>5.2f}")
            results[name][sampler] = energies
            print(f"{sampler:<12}" + "".join(f" {c:>16}" for c in cells), flush=True)

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("\n(matplotlib is not installed: no figure)")
        return
    fig, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 4), squeeze=False)
    for ax, (name, by_sampler) in zip(axes[0], results.items(), strict=True):
        for sampler, energies in by_sampler.items():
            ax.plot(args.steps, [max(e, 1e-4) for e in energies], marker="o", label=sampler)
        ax.set(xscale="log", yscale="log", xlabel="sampler steps", ylabel="energy distance", title=name)
    axes[0, -1].legend()
    fig.tight_layout()
    fig.savefig(args.figure, dpi=80)
    print(f"\nfigure: {args.figure}")


if __name__ == "__main__":
    main()
