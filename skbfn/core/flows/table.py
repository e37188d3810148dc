"""A table's columns in one flow with one fused part per data type (a few, of similar widths, where one would pad
many narrow columns to a wide one's bins or classes)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import torch
from torch import Tensor

from ._padding import TensorCache
from .categorical import CategoricalFlow
from .categorical_columns import CategoricalColumnsFlow
from .compiled import compilable
from .continuous import ContinuousFlow
from .discretised import DiscretisedFlow
from .discretised_columns import DiscretisedColumnsFlow
from .product import ProductFlow

__all__ = ["TableFlow"]


def _fusion_key(flow, column: int) -> tuple:
    """Columns with equal keys share one fused part: the type and every parameter but the bin or class count."""
    if isinstance(flow, ContinuousFlow):
        return ("continuous", flow)
    if isinstance(flow, DiscretisedFlow):
        return ("discretised", flow.sigma_1, flow.t_min)
    if isinstance(flow, CategoricalFlow):
        return ("categorical", flow.beta_1)
    return ("own", column)  # a flow of the user's: a part of its own


def _fused(kind: str, flows: list) -> object:
    """One flow over the columns of ``flows`` (all of one fusion key)."""
    first = flows[0]
    if kind in ("continuous", "own"):
        return first
    counts = [f.n_bins if kind == "discretised" else f.n_classes for f in flows]
    if kind == "discretised":
        return DiscretisedColumnsFlow(counts, first.sigma_1, first.t_min)
    return CategoricalColumnsFlow(counts, first.beta_1)


# What one more fused part costs, in padded entries per row. A part runs its few dozen small operations whatever
# its width: on two CPU cores, a 1,024-row training step of bench_scale.py's 10-column table took 0.24 ms more
# per extra part (5 parts against 3), and a padded class about 0.02 ms (a 45-class column beside twelve narrow
# ones), so a part costs about 12 padded entries. 64 splits a type only where a wide column pads many narrow
# ones by far, and leaves tables of similar widths (bench_scale.py's among them) in one part per type.
PART_COST = 64


def _width_groups(widths: Sequence[int], part_cost: float) -> list[list[int]]:
    """Positions into ``widths`` in groups (each in its own order) of the widths' sorted runs that minimise
    ``sum(part_cost + max(group) * len(group))``: one group unless a wide column would pad many narrow ones.

    Examples
    --------
    >>> _width_groups([3, 4, 5], PART_COST)  # little padding: one part
    [[0, 1, 2]]
    >>> _width_groups([2, 200, 2, 3, 2], PART_COST)  # 200 classes would pad four columns of 2 or 3 to 200
    [[0, 2, 3, 4], [1]]
    """
    order = sorted(range(len(widths)), key=lambda i: (widths[i], i))
    best, cut = [0] + [math.inf] * len(order), [0] * (len(order) + 1)
    for end in range(1, len(order) + 1):
        for start in range(end):
            cost = best[start] + part_cost + widths[order[end - 1]] * (end - start)
            if cost < best[end]:
                best[end], cut[end] = cost, start
    groups, end = [], len(order)
    while end:
        groups.append(sorted(order[cut[end] : end]))
        end = cut[end]
    return sorted(groups)


def _column_flows(flow, n_columns: int) -> list:
    """The one-column flows of a part of ``n_columns`` columns."""
    if isinstance(flow, DiscretisedColumnsFlow):
        return [DiscretisedFlow(k, flow.sigma_1, flow.t_min) for k in flow.n_bins]
    if isinstance(flow, CategoricalColumnsFlow):
        return [CategoricalFlow(k, flow.beta_1) for k in flow.n_classes]
    return [flow] * n_columns


def _split_by_width(keys: list[tuple], members: list[list[int]], column_flows: list) -> tuple[list, list]:
    """Each type's columns (``members`` of ``keys``), discretised and categorical ones in groups of similar
    bin or class counts (:func:`_width_groups`), every group after the group it split from."""
    split_keys, split_members = [], []
    for key, columns in zip(keys, members, strict=True):
        if key[0] not in ("discretised", "categorical"):
            split_keys.append(key)
            split_members.append(columns)
            continue
        widths = [_width(column_flows[j]) for j in columns]
        for group in _width_groups(widths, PART_COST):
            split_keys.append(key)
            split_members.append([columns[position] for position in group])
    return split_keys, split_members


def _width(flow) -> int:
    return flow.n_bins if isinstance(flow, DiscretisedFlow) else flow.n_classes


def _entries(sizes: Sequence[int], order: Sequence[int]) -> list[int]:
    """Positions, in a row laid out column by column with ``sizes`` entries each, of the columns in ``order``."""
    starts = [0, *itertools.accumulate(sizes)]
    return [starts[j] + e for j in order for e in range(sizes[j])]


class TableFlow(ProductFlow):
    """A flow over table rows ``x [B, n]``, one flow per column, run as one fused part per data type.

    Column ``j`` follows ``column_flows[j]``. Its network inputs, outputs and
    noise are laid out column by column, exactly as a
    :class:`ProductFlow` of one part per column lays them out, so a network
    trained with either fits the other. Inside, the columns are gathered by
    type: all continuous columns form one :class:`ContinuousFlow` part, all
    discretised ones one :class:`~skbfn.core.flows.DiscretisedColumnsFlow`
    part, all categorical ones one
    :class:`~skbfn.core.flows.CategoricalColumnsFlow` part (bins and classes
    padded to each type's widest column; where a wide column would pad many
    narrow ones, the type's columns are split into parts of similar widths,
    as ``PART_COST`` decides). The flow arithmetic is then a few
    batched operations per part, whatever the number of columns; permutations
    of the inputs, outputs and noise connect it to the column layout.

    States, latents and predictions are those of the parts, as a tuple in the
    order of ``columns``; rows, masks, noise, network inputs and outputs
    and samples are in column order.

    Parameters
    ----------
    column_flows : sequence of flows
        One flow per column: :class:`ContinuousFlow`, :class:`DiscretisedFlow`
        or :class:`CategoricalFlow` (columns of one type with equal parameters
        but their bin or class counts are fused); any other flow of the
        :class:`Flow` protocol keeps a part of its own.

    Attributes
    ----------
    columns : tuple of tuple of int
        The table columns of each part, in the parts' order (the order in
        which the types first appear).

    Examples
    --------
    >>> import torch
    >>> from skbfn.core import CategoricalFlow, ContinuousFlow, DiscretisedFlow
    >>> columns = [CategoricalFlow(3), ContinuousFlow(), DiscretisedFlow(5), CategoricalFlow(4), ContinuousFlow()]
    >>> flow = TableFlow(columns)
    >>> flow.columns
    ((0, 3), (1, 4), (2,))
    >>> flow.input_size((5,)), flow.output_size((5,))  # as one flow per column: 3 + 1 + 1 + 4 + 1, 3 + 1 + 2 + 4 + 1
    (10, 11)
    """

    def __init__(self, column_flows: Sequence[object]) -> None:
        column_flows = list(column_flows)
        if not column_flows:
            raise ValueError("TableFlow needs at least one column.")
        keys: list[tuple] = []
        members: list[list[int]] = []
        for j, flow in enumerate(column_flows):
            key = _fusion_key(flow, j)
            if key in keys:
                members[keys.index(key)].append(j)
            else:
                keys.append(key)
                members.append([j])
        keys, members = _split_by_width(keys, members, column_flows)
        super().__init__(
            [
                (_fused(key[0], [column_flows[j] for j in cols]), len(cols))
                for key, cols in zip(keys, members, strict=True)
            ]
        )
        self.column_flows = tuple(column_flows)
        self.columns = tuple(tuple(cols) for cols in members)
        order = [j for cols in members for j in cols]
        one = (1,)
        noise = [math.prod(f.noise_shape(one)) for f in column_flows]
        inputs = [f.input_size(one) for f in column_flows]
        outputs = [f.output_size(one) for f in column_flows]
        in_groups = _entries(inputs, order)  # grouped input position -> column-layout position
        inputs_to_columns = [0] * len(in_groups)
        for grouped, position in enumerate(in_groups):
            inputs_to_columns[position] = grouped
        self._indices = {
            "order": order,
            "columns_of_order": sorted(range(len(order)), key=order.__getitem__),
            "noise": _entries(noise, order),
            "outputs": _entries(outputs, order),
            "inputs": inputs_to_columns,
        }
        self.is_grouped = order == list(range(len(order)))
        self._tensors = TensorCache()

    @classmethod
    def from_product(cls, flow: ProductFlow) -> TableFlow:
        """The table flow with the same columns as a :class:`ProductFlow` (its network fits both)."""
        return cls([column for part, n in flow.parts for column in _column_flows(part, n)])

    def __repr__(self) -> str:
        return f"TableFlow(parts={self.parts!r})"

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_tensors": TensorCache()}

    def _index(self, name: str, device) -> Tensor:
        key = (name, device)
        if key not in self._tensors:
            self._tensors[key] = torch.tensor(self._indices[name], dtype=torch.long, device=device)
        return self._tensors[key]

    def _grouped(self, values: Tensor | None, name: str = "order") -> Tensor | None:
        """Column-layout ``values [B, ...]`` (rows, masks, noise or network outputs) in the parts' order."""
        if values is None or self.is_grouped:
            return values
        return values.flatten(1).index_select(1, self._index(name, values.device))

    def _in_columns(self, values: Tensor, name: str) -> Tensor:
        return values if self.is_grouped else values.index_select(1, self._index(name, values.device))

    # ---------------------------------------------------- the flow protocol
    @compilable
    def state_from_noise(self, x: Tensor, t: Tensor, noise: Tensor) -> tuple[Tensor, ...]:
        """Each part's flow draw from its columns' noise."""
        return super().state_from_noise(self._grouped(x), t, self._grouped(noise, "noise"))

    @compilable
    def network_input(self, state: tuple[Tensor, ...], t: Tensor) -> Tensor:
        """The parts' network inputs, in column layout: ``[B, input_size]``."""
        return self._in_columns(super().network_input(state, t), "inputs")

    @compilable
    def output_prediction(self, state: tuple[Tensor, ...], t: Tensor, net_out: Tensor) -> tuple[Tensor, ...]:
        """Each part's prediction from its columns' network outputs."""
        return super().output_prediction(state, t, self._grouped(net_out, "outputs"))

    @compilable
    def continuous_time_loss(self, x, prediction, t, *, mask=None) -> Tensor:
        """Sum of the parts' continuous-time losses (over the cells of ``mask``), shape ``[B]``."""
        return super().continuous_time_loss(self._grouped(x), prediction, t, mask=self._grouped(mask))

    @compilable
    def discrete_time_loss(self, x, prediction, i, n, noise, *, mask=None) -> Tensor:
        """Sum of the parts' discrete-time losses (over the cells of ``mask``), shape ``[B]``."""
        return super().discrete_time_loss(
            self._grouped(x), prediction, i, n, self._grouped(noise, "noise"), mask=self._grouped(mask)
        )

    @compilable
    def reconstruction_loss(self, x, prediction, *, mask=None) -> Tensor:
        """Sum of the parts' reconstruction losses (over the cells of ``mask``), shape ``[B]``."""
        return super().reconstruction_loss(self._grouped(x), prediction, mask=self._grouped(mask))

    @compilable
    def control_variate(self, noise, t, *, mask=None) -> Tensor:
        """Sum of the parts' control variates (over the cells of ``mask``), shape ``[B]``."""
        return super().control_variate(self._grouped(noise, "noise"), t, mask=self._grouped(mask))

    @compilable
    def reconstruction_control_variate(self, noise, *, mask=None) -> Tensor:
        """Sum of the parts' reconstruction control variates (over the cells of ``mask``), shape ``[B]``."""
        return super().reconstruction_control_variate(self._grouped(noise, "noise"), mask=self._grouped(mask))

    @compilable
    def masked_state(self, state, x, given, absent):
        """Each part's state with its given cells known exactly and its absent cells at the prior."""
        return super().masked_state(state, self._grouped(x), self._grouped(given), self._grouped(absent))

    @compilable
    def sample_output(self, prediction, generator=None) -> Tensor:
        """The parts' samples, in column order: ``[B, n_columns]``."""
        return self._in_columns(super().sample_output(prediction, generator), "columns_of_order")
