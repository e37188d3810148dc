"""Worker for test_distributed.py, run by torchrun: fit on moons in a gloo process group, save the weights."""

import sys
from pathlib import Path

import numpy as np
import torch.distributed as dist
from sklearn.datasets import make_moons

from skbfn import BFNGenerator


def main(out_dir: str) -> None:
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    X = make_moons(400, noise=0.1, random_state=0)[0]
    gen = BFNGenerator(
        hidden_layer_sizes=(16, 16), time_embedding_dim=8, max_iter=30, batch_size=64, random_state=0, verbose=1
    ).fit(X)
    weights = {k: v.cpu().numpy() for k, v in gen.ema_.state_dict().items()}
    np.savez(Path(out_dir) / f"rank{rank}.npz", loss=np.asarray(gen.history_["loss"]), **weights)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
