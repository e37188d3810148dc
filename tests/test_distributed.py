"""Data-parallel training with torchrun: two CPU processes, gloo backend."""

import subprocess
import sys
from pathlib import Path

import numpy as np

WORKER = Path(__file__).parent / "workers" / "ddp_fit.py"


def test_two_ranks_end_with_identical_weights(tmp_path):
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        str(WORKER),
        str(tmp_path),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = [np.load(tmp_path / f"rank{r}.npz") for r in (0, 1)]
    names = [n for n in ranks[0].files if n != "loss"]
    assert names and all(np.array_equal(ranks[0][n], ranks[1][n]) for n in names)  # gradients were shared
    assert not np.allclose(ranks[0]["loss"], ranks[1]["loss"])  # each rank trained on its own shard
    assert done.stderr.count("BFN fit:   0%") == 1  # one progress bar starts: rank 0's only
