"""Neighbour noise: training rows moved afresh at every step along the lines to their nearest training rows.

A regulariser for small tables. A network that sees the same few hundred rows
at every step learns a density peaked at them, which its own scores and a
membership audit reveal (training rows scored above held-out rows). Noise
drawn along the lines to a row's nearest neighbours spreads each row where
the data are, not in every direction. It is the Gaussian form of the
interpolation that SMOTE (Chawla et al. 2002) draws between neighbours. It
does not win everywhere: the Choosing parameters page compares it with
weight decay and with noise in every direction on four small tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.neighbors import NearestNeighbors
from torch import Tensor

__all__ = ["N_NEIGHBOURS", "NeighbourNoise"]

# How many nearest rows a row may move towards (5 and 15 gave the same audit and W1 within seed noise).
N_NEIGHBOURS = 5


@dataclass(frozen=True)
class NeighbourNoise:
    """Moves the continuous cells of training rows by ``lambda * (x_j - x_i)``, ``lambda ~ N(0, scale^2)``.

    ``j`` is one of row ``i``'s :data:`N_NEIGHBOURS` nearest training rows,
    drawn uniformly at every step, and ``lambda`` is drawn once per row and
    step. Only observed continuous cells move, and only where the neighbour's
    cell is observed too; categorical and discretised cells, and the
    placeholders of missing cells, keep their values.

    Parameters
    ----------
    scale : float
        Standard deviation of ``lambda`` (1: a row moves about as far as the
        distance to its neighbour).
    neighbours : Tensor of shape [n_rows, k]
        Indices of each training row's nearest other rows.
    movable : Tensor of shape [n_rows, n_columns]
        Which cells may move: observed cells of continuous columns.

    Examples
    --------
    >>> import numpy as np, torch
    >>> rows = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [5.0, 5.0]], dtype=np.float32)
    >>> noise = NeighbourNoise.of(rows, ["continuous", "categorical"], scale=0.5, device="cpu")
    >>> noise.neighbours.shape
    torch.Size([4, 3])
    >>> moved = noise(torch.from_numpy(rows), torch.arange(4), torch.Generator().manual_seed(0))
    >>> bool((moved[:, 1] == torch.from_numpy(rows)[:, 1]).all())  # the second column is not continuous
    True
    >>> bool((moved[:, 0] != torch.from_numpy(rows)[:, 0]).all())
    True
    """

    scale: float
    neighbours: Tensor
    movable: Tensor

    @classmethod
    def of(cls, rows: np.ndarray, kinds: list[str], *, scale: float, device) -> NeighbourNoise | None:
        """The noise for the model-space training ``rows`` (NaN: missing), or None when it cannot move anything.

        ``kinds`` names each column's kind ('continuous', 'discretised' or
        'categorical'). Neighbours are nearest in Euclidean distance over every
        column: continuous and discretised columns by their values (a missing
        cell counted at 0, the middle of the column's range), categorical
        columns, which hold class indices, as one-hot vectors, so that rows of
        other classes are further away.
        """
        n_rows = rows.shape[0]
        kinds = np.asarray(kinds)
        continuous = kinds == "continuous"
        if scale <= 0 or n_rows < 2 or not continuous.any():
            return None
        numbers = np.nan_to_num(rows[:, kinds != "categorical"], nan=0.0)
        classes = [np.nan_to_num(rows[:, j], nan=-1.0) for j in np.flatnonzero(kinds == "categorical")]
        one_hot = [(column[:, None] == np.unique(column)[None, :]).astype(rows.dtype) for column in classes]
        k = min(N_NEIGHBOURS, n_rows - 1)
        search = NearestNeighbors(n_neighbors=k).fit(np.hstack([numbers, *one_hot]))
        found = search.kneighbors(return_distance=False)  # without a query, a row is not its own neighbour
        movable = ~np.isnan(rows) & continuous[None, :]
        return cls(
            scale=float(scale),
            neighbours=torch.as_tensor(found, dtype=torch.int64, device=device),
            movable=torch.as_tensor(movable, device=device),
        )

    def __call__(self, rows: Tensor, index: Tensor, generator: torch.Generator) -> Tensor:
        """The training ``rows[index]``, each with its movable cells moved towards one of its neighbours."""
        batch = rows[index]
        n, k = index.shape[0], self.neighbours.shape[1]
        choice = torch.randint(k, (n,), generator=generator, device=rows.device)
        others = self.neighbours[index].gather(1, choice[:, None]).squeeze(1)
        lam = torch.randn((n, 1), generator=generator, device=rows.device, dtype=rows.dtype) * self.scale
        both = self.movable[index] & self.movable[others]
        return torch.where(both, batch + lam * (rows[others] - batch), batch)
