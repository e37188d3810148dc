"""The UNet on the digits on one GPU, in float32 and in bf16 autocast with channels-last.

For each precision: fit, sample and score times (images/s), test bits/dim, the
agreement of guided samples with their labels (by a logistic regression fitted
on the real images), and the throughput of the training step alone after
warm-up. Run by ``gpu_check.sh``; ``--device cpu --steps 5`` checks the script
itself on a machine without a GPU.

    python benchmarks/gpu_digits.py --device cuda --steps 2000
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from skbfn import BFNGenerator
from skbfn._model.config import TrainingConfig
from skbfn._model.training import ListedTensors, make_optimizer, training_step


def synchronised_seconds(function):
    """Wall time of ``function()`` and its result, waiting for the GPU's queued work before and after."""
    synchronise = torch.cuda.synchronize if torch.cuda.is_available() else (lambda: None)
    synchronise()
    start = time.perf_counter()
    result = function()
    synchronise()
    return time.perf_counter() - start, result


def check(precision: str, args: argparse.Namespace, data: tuple, classifier, labels: np.ndarray) -> None:
    """Fit, sample, score and time one training step in ``precision``, and print the figures."""
    X_train, X_test, y_train = data
    gen = BFNGenerator(
        network="unet",
        hidden_layer_sizes=(64, 128),
        max_iter=args.steps,
        batch_size=args.batch_size,
        cond_drop_prob=0.2,
        n_elbo_draws=32,
        guidance_scale=2.0,
        device=args.device,
        precision=precision,
        random_state=0,
    )
    fit_s, _ = synchronised_seconds(lambda: gen.fit(X_train, y_train))
    sample_s, samples = synchronised_seconds(lambda: gen.sample(len(labels), y=labels, random_state=0))
    score_s, scores = synchronised_seconds(lambda: gen.score_samples(X_test))
    assert samples.shape == (len(labels), 64) and np.isfinite(scores).all()
    bits = -scores.mean() / (64 * math.log(2))
    agreement = np.mean(classifier.predict(samples / 16.0) == labels)
    print(
        f"{precision:>9}: fit {args.steps} steps x {args.batch_size} in {fit_s:.1f} s "
        f"({args.steps * args.batch_size / fit_s:.0f} images/s), sample {len(labels) / sample_s:.0f} images/s, "
        f"score {len(X_test) / score_s:.0f} images/s (32 draws), test {bits:.3f} bits/dim, "
        f"guided agreement {agreement:.3f}, autocast {gen.model_.autocast_dtype}, "
        f"channels-last {gen.model_.net.channels_last}",
        flush=True,
    )

    # The training step alone, after warm-up.
    model, ema = gen.model_.train(), gen.ema_
    config = TrainingConfig.of(gen)
    optimizer, scheduler = make_optimizer(model, config)
    x = torch.as_tensor(gen.encoder_.transform(X_train[: args.batch_size]), device=gen.device_)
    cond = torch.as_tensor(gen.condition_encoder_.transform(y_train[: args.batch_size]), device=gen.device_)
    listed = ListedTensors.of(model, ema)  # as the fit loop lists them, once
    for _ in range(10):
        training_step(model, ema, optimizer, scheduler, config, x, cond, None, listed)
    step_s, _ = synchronised_seconds(
        lambda: [training_step(model, ema, optimizer, scheduler, config, x, cond, None, listed) for _ in range(100)]
    )
    print(f"{precision:>9}: training step alone {100 * args.batch_size / step_s:.0f} images/s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args()

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    classifier = LogisticRegression(max_iter=5000).fit(X_train / 16.0, y_train)
    labels = np.repeat(np.arange(10), 100)

    for precision in ("float32", "bfloat16"):
        check(precision, args, (X_train, X_test, y_train), classifier, labels)


if __name__ == "__main__":
    main()
