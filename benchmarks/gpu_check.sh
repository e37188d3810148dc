#!/usr/bin/env bash
# End-to-end check of the CUDA path on one GPU: the CUDA-only tests, then a UNet
# BFNGenerator on the digits in float32 and in bf16 autocast with channels-last
# (fit, sample, score, and throughput in images/s), in under 5 minutes; then the
# figures of bench_scale.py on the GPU.
#
# Usage (from the repository root, with skbfn installed):  bash benchmarks/gpu_check.sh
set -euo pipefail
PYTHON="${PYTHON:-python}"

"$PYTHON" - <<'PY'
import torch
if not torch.cuda.is_available():
    raise SystemExit("gpu_check.sh needs a CUDA GPU: torch.cuda.is_available() is False.")
print("GPU:", torch.cuda.get_device_name(0), "| torch", torch.__version__)
PY

"$PYTHON" -m pytest -q -p no:cacheprovider tests/test_images.py tests/test_estimator.py -k "cuda and not without_cuda"

"$PYTHON" - <<'PY'
import math
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from skbfn import BFNGenerator
from skbfn._training import make_optimizer, training_step

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
classifier = LogisticRegression(max_iter=5000).fit(X_train / 16.0, y_train)
labels = np.repeat(np.arange(10), 100)


def synchronised_seconds(function):
    torch.cuda.synchronize()
    start = time.perf_counter()
    result = function()
    torch.cuda.synchronize()
    return time.perf_counter() - start, result


for precision in ("float32", "bfloat16"):
    gen = BFNGenerator(network="unet", hidden_layer_sizes=(64, 128), max_iter=2000, batch_size=256,
                       cond_drop_prob=0.2, n_elbo_draws=32, guidance_scale=2.0, device="cuda",
                       precision=precision, random_state=0)
    fit_s, _ = synchronised_seconds(lambda: gen.fit(X_train, y_train))
    sample_s, samples = synchronised_seconds(lambda: gen.sample(len(labels), y=labels, random_state=0))
    score_s, scores = synchronised_seconds(lambda: gen.score_samples(X_test))
    assert samples.shape == (len(labels), 64) and np.isfinite(scores).all()
    bits = -scores.mean() / (64 * math.log(2))
    agreement = np.mean(classifier.predict(samples / 16.0) == labels)
    print(f"{precision:>9}: fit 2000 steps x 256 in {fit_s:.1f} s ({2000 * 256 / fit_s:.0f} images/s), "
          f"sample {len(labels) / sample_s:.0f} images/s, score {len(X_test) / score_s:.0f} images/s "
          f"(32 draws), test {bits:.3f} bits/dim, guided agreement {agreement:.3f}, "
          f"autocast {gen.model_.autocast_dtype}, channels-last {gen.model_.net.channels_last}")

    # Training throughput of one step alone, after warm-up.
    model, ema = gen.model_, gen.ema_
    config = gen._training_config()
    optimizer, scheduler = make_optimizer(model, config)
    x = torch.as_tensor(gen.encoder_.transform(X_train[:256]), device="cuda")
    cond = torch.as_tensor(gen.condition_encoder_.transform(y_train[:256]), device="cuda")
    for _ in range(10):
        training_step(model, ema, optimizer, scheduler, config, x, cond, None)
    step_s, _ = synchronised_seconds(
        lambda: [training_step(model, ema, optimizer, scheduler, config, x, cond, None) for _ in range(100)]
    )
    print(f"{precision:>9}: training step throughput {100 * 256 / step_s:.0f} images/s")
PY

# The figures of bench_scale.py on the GPU: sampling, scoring and a training step against the bare
# network passes, torch.compile, and growth to a million rows.
"$PYTHON" benchmarks/bench_scale.py --device cuda --rows 1000000 --repeats 3 --compile --growth
