"""Speed at scale: sampling, scoring and training against the network's own cost, and growth with the data.

Data: a synthetic mixed table (``--columns`` columns: 60% real-valued, a
third of them log-normal; 20% small-range integers; 20% categories with 3 to 8
levels), fitted with the default ``BFNGenerator`` (``--fit-steps`` steps; the
timings below do not depend on how well it is trained).

1. **Ratios** (medians over ``--repeats``, each measurement interleaved with
   its reference):

   - sampling ``--rows`` rows with the default sampler, over ``n_steps + 1``
     bare forward passes of the same network over the same rows, in the
     sampler's runs (also printed: the same passes in one batch);
   - scoring: rows per second of ``score_samples`` at the default
     ``n_elbo_draws``, and its time over the bare forward passes it needs
     (``n_elbo_draws`` plus the reconstruction draws per row, at the batch
     size scoring uses);
   - one training step (loss, backward, clipping, AdamW, schedule, EMA) over a
     bare forward+backward+AdamW step of the same network on a batch of the
     same size, with PyTorch's default AdamW and with the fused AdamW kernel
     that skbfn's step uses (the like-for-like reference).

   The training step is also measured on wider tables of the same mix
   (``--step-columns``; 5,000 rows, 20 fit steps).

2. **Growth** (``--growth``): for each number of rows in ``--growth-rows`` and
   of columns in ``--growth-columns``, in a fresh process: fit seconds per
   100 steps, sampling and scoring seconds for all rows, the peak resident
   memory of the process (torch and skbfn alone take about 400 MB of it), and
   on a GPU the peak memory torch allocated there.

3. **torch.compile** (``--compile``, last): the network compiled with inductor, for
   the training step and the sampler's forward passes, against eager; and
   the flows' arithmetic compiled with ``skbfn.core.flows.compiled_flows``
   (the network eager), for the training step; and the whole training loss,
   flows and network, forward and backward, compiled as one graph with
   ``skbfn.core.compiled_training.compiled_training`` (CUDA graphs on a GPU),
   against the eager bare step and the bare step with its network compiled.

``--device cuda`` runs the same measurements on a GPU (``gpu_check.sh`` does).

    python benchmarks/bench_scale.py --rows 100000 --repeats 5 --compile --growth
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import torch

from skbfn import BFNGenerator
from skbfn._model.config import TrainingConfig
from skbfn._model.training import ListedTensors, make_optimizer, training_step


def mixed_table(n_rows: int, n_columns: int, seed: int = 0) -> pd.DataFrame:
    """60% real (a third log-normal), 20% integers on 0..k, 20% categories with 3 to 8 levels."""
    rng = np.random.default_rng(seed)
    n_real, n_int = round(0.6 * n_columns), round(0.2 * n_columns)
    columns = {}
    for j in range(n_real):
        columns[f"real{j}"] = rng.lognormal(0, 0.8, n_rows) if j % 3 == 0 else rng.normal(j, 1 + j % 5, n_rows)
    for j in range(n_int):
        columns[f"int{j}"] = rng.integers(0, 5 + 3 * (j % 4), n_rows)
    for j in range(n_columns - n_real - n_int):
        levels = [f"level{k}" for k in range(3 + j % 6)]
        columns[f"cat{j}"] = pd.Categorical(rng.choice(levels, n_rows))
    return pd.DataFrame(columns)


def network_input(gen: BFNGenerator, n_rows: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A batch of the width the network reads (the flows' inputs and the per-cell flags), and times."""
    width = gen.model_.net.input_layer.in_features
    return torch.randn(n_rows, width, device=gen.device_), torch.rand(n_rows, device=gen.device_)


def seconds(function) -> float:
    """Wall time of ``function()``, waiting for the GPU's queued work before and after."""
    synchronise = torch.cuda.synchronize if torch.cuda.is_available() else (lambda: None)
    synchronise()
    start = time.perf_counter()
    function()
    synchronise()
    return time.perf_counter() - start


def interleaved(measure: dict, repeats: int) -> dict[str, float]:
    """Median seconds of each callable, run in turn ``repeats`` times after one warm-up round."""
    for function in measure.values():
        function()
    times = {name: [] for name in measure}
    for _ in range(repeats):
        for name, function in measure.items():
            times[name].append(seconds(function))
    return {name: statistics.median(values) for name, values in times.items()}


@torch.no_grad()
def bare_forwards(net, batch: torch.Tensor, t: torch.Tensor, n_calls: int, run_rows: int | None = None) -> None:
    """``n_calls`` forward passes over ``batch``, each in slices of ``run_rows`` rows (None: in one)."""
    run_rows = len(batch) if run_rows is None else run_rows
    for _ in range(n_calls):
        for start in range(0, len(batch), run_rows):
            net(batch[start : start + run_rows], t[start : start + run_rows])


def sampling_ratio(gen: BFNGenerator, n_rows: int, repeats: int, net=None) -> dict[str, float]:
    """``sample(n_rows)`` against its bare forward passes in the sampler's runs ("bare") and in one batch."""
    from skbfn._device import batch_kind
    from skbfn._inference.sampling import SAMPLE_BATCH

    net = gen.ema_.module.net if net is None else net
    batch, t = network_input(gen, n_rows)
    run_rows = SAMPLE_BATCH[batch_kind(batch.device)]
    medians = interleaved(
        {
            "sample": lambda: gen.sample(n_rows, random_state=0),
            "bare": lambda: bare_forwards(net, batch, t, gen.n_steps + 1, run_rows),
            "bare_one_batch": lambda: bare_forwards(net, batch, t, gen.n_steps + 1),
        },
        repeats,
    )
    return {
        **medians,
        "run_rows": run_rows,
        "ratio": medians["sample"] / medians["bare"],
        "rows_per_s": n_rows / medians["sample"],
    }


def scoring_rate(gen: BFNGenerator, X: pd.DataFrame, repeats: int) -> dict[str, float]:
    import math

    from skbfn._inference.scoring import recon_draw_count, rows_per_call

    n_rows = len(X)
    model = gen.ema_.module
    draws = gen.n_elbo_draws + recon_draw_count(gen.n_elbo_draws, gen.reconstruction_divisor_)
    noise_size = math.prod(model.flow.noise_shape(model.data_shape))
    # The network batch that scoring uses for the diffusion term.
    chunk = rows_per_call(gen.device_, gen.n_elbo_draws, noise_size) * gen.n_elbo_draws
    batch, t = network_input(gen, chunk)
    n_calls = -(-n_rows * draws // chunk)
    medians = interleaved(
        {
            "score": lambda: gen.score_samples(X),
            "bare": lambda: bare_forwards(gen.ema_.module.net, batch, t, n_calls),
        },
        repeats,
    )
    return {**medians, "ratio": medians["score"] / medians["bare"], "rows_per_s": n_rows / medians["score"]}


def step_ratio(gen: BFNGenerator, X: pd.DataFrame, repeats: int, net=None, context=None) -> dict[str, float]:
    """One training step against two bare steps of the same network: with PyTorch's default AdamW
    ("bare", the reference of the targets) and with the fused AdamW kernel that skbfn's own step uses
    ("bare_fused", the like-for-like reference). ``net`` replaces the bare steps' network (a compiled
    one), ``context`` (a function returning a context manager) wraps every training step."""
    context = contextlib.nullcontext if context is None else context
    config = TrainingConfig.of(gen, encoder=gen.encoder_)
    model, ema = gen.model_.train(), gen.ema_
    optimizer, scheduler = make_optimizer(model, config)
    generator = torch.Generator(device=gen.device_).manual_seed(0)
    rows = torch.from_numpy(gen.encoder_.transform(X.iloc[: config.batch_size])).to(gen.device_)
    bare_net = gen.model_.net if net is None else net
    default_adamw = torch.optim.AdamW(bare_net.parameters(), lr=config.learning_rate)
    fused_adamw = torch.optim.AdamW(bare_net.parameters(), lr=config.learning_rate, fused=True)
    batch, t = network_input(gen, rows.shape[0])
    target = torch.randn(rows.shape[0], bare_net.output_layer.out_features, device=gen.device_)
    listed = ListedTensors.of(model, ema)  # as the fit loop lists them, once

    def bare_step(optimizer):
        loss = ((bare_net(batch, t) - target) ** 2).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    medians = interleaved(
        {
            "step": lambda: in_context(
                context, training_step, model, ema, optimizer, scheduler, config, rows, None, generator, listed
            ),
            "bare": lambda: bare_step(default_adamw),
            "bare_fused": lambda: bare_step(fused_adamw),
        },
        repeats,
    )
    model.eval()
    return {
        **medians,
        "ratio": medians["step"] / medians["bare"],
        "ratio_fused": medians["step"] / medians["bare_fused"],
    }


def in_context(context, function, *args):
    with context():
        return function(*args)


def compiled_network(gen: BFNGenerator):
    import copy

    return torch.compile(copy.deepcopy(gen.ema_.module.net))


def growth_point(n_rows: int, n_columns: int, fit_steps: int, device: str = "cpu") -> dict[str, float]:
    """One point of the growth table; run in its own process so that its peak memory is its own."""
    X = mixed_table(n_rows, n_columns)
    gen = BFNGenerator(max_iter=fit_steps, device=device, random_state=0)
    fit = seconds(lambda: gen.fit(X))
    sample = seconds(lambda: gen.sample(n_rows, random_state=0))
    score = seconds(lambda: gen.score_samples(X))
    gpu_mb = torch.cuda.max_memory_allocated() / 2**20 if gen.device_.type == "cuda" else float("nan")
    return {
        "fit_per_100": 100 * fit / fit_steps,
        "sample": sample,
        "score": score,
        "peak_mb": peak_memory_mb(),
        "gpu_peak_mb": gpu_mb,
    }


def peak_memory_mb() -> float:
    """This process's peak resident memory: VmHWM on Linux (its own, where getrusage's high-water mark
    survives fork and exec and would report the parent's); getrusage elsewhere."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--columns", type=int, default=10)
    parser.add_argument("--fit-steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--compile", action="store_true", help="also measure torch.compile")
    parser.add_argument("--step-columns", type=int, nargs="*", default=[100], help="training step on wider tables")
    parser.add_argument("--growth", action="store_true", help="also print the growth table")
    parser.add_argument("--growth-rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--growth-columns", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--device", default="cpu", help="'cpu' or 'cuda' (gpu_check.sh passes cuda)")
    parser.add_argument("--growth-point", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.growth_point:
        print(json.dumps(growth_point(*args.growth_point, device=args.device)))
        return
    where = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else "cpu"
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, device {where}"
    )
    X = mixed_table(args.rows, args.columns)
    gen = BFNGenerator(max_iter=args.fit_steps, device=args.device, random_state=0).fit(X)
    print(f"{args.rows} rows x {args.columns} columns; model flows: {gen.model_.flow}")
    print(f"defaults: sampler {gen.sampler} at {gen.n_steps} steps, {gen.n_elbo_draws} ELBO draws per row\n")

    sampling = sampling_ratio(gen, args.rows, args.repeats)
    print(
        f"sampling {args.rows} rows: {sampling['sample']:.2f} s ({sampling['rows_per_s']:.0f} rows/s); "
        f"{gen.n_steps + 1} bare forwards in its runs of {sampling['run_rows']} rows {sampling['bare']:.2f} s; "
        f"ratio {sampling['ratio']:.3f} (the bare forwards in one batch: {sampling['bare_one_batch']:.2f} s)"
    )
    if gen.category_tilt_ is not None:
        # the same network (the tilt is fitted after training), drawing its own category shares
        own = BFNGenerator(max_iter=args.fit_steps, device=args.device, random_state=0, category_shares="model")
        untilted = sampling_ratio(own.fit(X), args.rows, args.repeats)
        kept = np.exp(gen.category_tilt_.log_mean_acceptance)
        print(
            f"  the category tilt keeps about {kept:.3f} of the network's rows; without it (category_shares="
            f"'model'): {untilted['sample']:.2f} s, ratio {untilted['ratio']:.3f}"
        )
    n_scored = min(args.rows, 20_000)
    scoring = scoring_rate(gen, X.iloc[:n_scored], args.repeats)
    print(
        f"scoring {n_scored} rows: {scoring['score']:.2f} s ({scoring['rows_per_s']:.0f} rows/s); "
        f"bare forwards for its draws {scoring['bare']:.2f} s; ratio {scoring['ratio']:.3f}"
    )
    step = step_ratio(gen, X, args.repeats * 20)
    print(
        f"training step (batch {TrainingConfig.of(gen).batch_size}): {1e3 * step['step']:.2f} ms; bare "
        f"forward+backward+AdamW {1e3 * step['bare']:.2f} ms; ratio {step['ratio']:.3f} (against the bare step "
        f"with fused AdamW, as skbfn's step uses it: {1e3 * step['bare_fused']:.2f} ms, {step['ratio_fused']:.3f})"
    )

    for n_columns in args.step_columns:
        wide = mixed_table(5000, n_columns)
        wide_gen = BFNGenerator(max_iter=20, device=args.device, random_state=0).fit(wide)
        wide_step = step_ratio(wide_gen, wide, args.repeats * 20)
        print(
            f"training step, {n_columns} columns ({len(wide_gen.model_.flow.parts)} flow parts): "
            f"{1e3 * wide_step['step']:.2f} ms; bare {1e3 * wide_step['bare']:.2f} ms; ratio {wide_step['ratio']:.3f} "
            f"(fused AdamW: {wide_step['ratio_fused']:.3f})"
        )

    if args.growth:
        print(f"\ngrowth ({args.fit_steps} fit steps per point, each point in a fresh process):")
        print(
            f"{'rows':>9} {'columns':>8} {'fit s/100 steps':>16} {'sample s':>9} {'score s':>9} {'peak MB':>8} "
            f"{'GPU peak MB':>12}"
        )
        for n_columns in args.growth_columns:
            for n_rows in args.growth_rows:
                point_args = ["--growth-point", str(n_rows), str(n_columns), str(args.fit_steps)]
                command = [sys.executable, __file__, *point_args, "--device", args.device]
                run = subprocess.run(command, capture_output=True, text=True)
                if run.returncode != 0:
                    print(f"{n_rows:>9} {n_columns:>8} failed: {run.stderr.strip().splitlines()[-1:]}", flush=True)
                    continue
                point = json.loads(run.stdout)
                print(
                    f"{n_rows:>9} {n_columns:>8} {point['fit_per_100']:>16.2f} {point['sample']:>9.1f} "
                    f"{point['score']:>9.1f} {point['peak_mb']:>8.0f} {point['gpu_peak_mb']:>12.0f}",
                    flush=True,
                )

    if args.compile:
        from skbfn.core.compiled_training import compiled_training
        from skbfn.core.flows import compiled_flows

        for n_columns in [args.columns, *args.step_columns]:
            table = X if n_columns == args.columns else mixed_table(5000, n_columns)
            model = gen if n_columns == args.columns else BFNGenerator(max_iter=20, device=args.device, random_state=0)
            model = model if n_columns == args.columns else model.fit(table)
            eager_step = step_ratio(model, table, args.repeats * 20)
            start = time.perf_counter()
            with compiled_flows():
                step_ratio(model, table, 1)  # compiles
                first = time.perf_counter() - start
                flows_step = step_ratio(model, table, args.repeats * 20)
            print(
                f"flows compiled, {n_columns} columns: first steps (compilation) {first:.1f} s; training step "
                f"ratio {flows_step['ratio']:.3f} against eager {eager_step['ratio']:.3f}"
            )
            # the whole loss (flows and network, forward and backward) in one graph; CUDA graphs on a GPU
            mode = "reduce-overhead" if args.device.startswith("cuda") else None
            whole = functools.partial(compiled_training, mode=mode)
            start = time.perf_counter()
            step_ratio(model, table, 1, context=whole)  # compiles
            first = time.perf_counter() - start
            against_eager = step_ratio(model, table, args.repeats * 20, context=whole)
            compiled_net = torch.compile(model.model_.net, mode=mode)
            step_ratio(model, table, 1, net=compiled_net)  # compiles the bare network
            against_compiled = step_ratio(model, table, args.repeats * 20, net=compiled_net, context=whole)
            print(
                f"loss compiled (compiled_training, mode {mode}), {n_columns} columns: first step (compilation) "
                f"{first:.1f} s; step {1e3 * against_eager['step']:.2f} ms, ratio {against_eager['ratio']:.3f} "
                f"against the eager bare step ({1e3 * against_eager['bare']:.2f} ms), "
                f"{against_compiled['ratio']:.3f} against the bare step with the network compiled "
                f"({1e3 * against_compiled['bare']:.2f} ms)"
            )
        compiled = compiled_network(gen)
        start = time.perf_counter()
        batch, t = network_input(gen, args.rows)
        with torch.no_grad():
            compiled(batch, t)
        print(f"\ntorch.compile: first call (compilation) {time.perf_counter() - start:.1f} s")
        eager = sampling_ratio(gen, args.rows, args.repeats)["bare"]
        fast = sampling_ratio(gen, args.rows, args.repeats, net=compiled)["bare"]
        print(f"sampler's forwards: eager {eager:.2f} s, compiled {fast:.2f} s, speed-up {eager / fast:.2f}x")
        train_eager = step_ratio(gen, X, args.repeats * 20)["bare"]
        train_fast = step_ratio(gen, X, args.repeats * 20, net=torch.compile(gen.model_.net))["bare"]
        print(
            f"forward+backward+AdamW: eager {1e3 * train_eager:.2f} ms, compiled {1e3 * train_fast:.2f} ms, "
            f"speed-up {train_eager / train_fast:.2f}x"
        )


if __name__ == "__main__":
    main()
