"""Data-parallel training through torch.distributed (torchrun), when it is initialised."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import torch

from ..core import BFN

__all__ = ["SINGLE_PROCESS", "Replica", "current_replica", "data_parallel"]


@dataclass(frozen=True)
class Replica:
    """This process's place in a data-parallel job (rank 0 of 1 when there is none)."""

    rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        """Only the main replica prints."""
        return self.rank == 0


SINGLE_PROCESS = Replica()


def current_replica() -> Replica:
    """The rank and world size of an initialised default process group, else a single replica."""
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized():
        return Replica(dist.get_rank(), dist.get_world_size())
    return SINGLE_PROCESS


@contextmanager
def data_parallel(model: BFN, replica: Replica):
    """Wrap ``model.net`` in DistributedDataParallel for the duration (gradients averaged over replicas).

    DDP broadcasts rank 0's weights at the start, so every replica starts, and
    stays, identical.
    """
    if replica.world_size == 1:
        yield
        return
    net = model.net
    device = next(net.parameters()).device
    model.net = torch.nn.parallel.DistributedDataParallel(
        net, device_ids=[device.index] if device.type == "cuda" else None
    )
    try:
        yield
    finally:
        model.net = net
