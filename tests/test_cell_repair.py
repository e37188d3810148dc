"""Drawn cells outside the range, or breaking an order, are drawn again given the rest of their row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import skbfn._estimators.generator_inference as inference_module
from skbfn import BFNGenerator
from skbfn._device import torch_generator
from skbfn._encoding.table import TableEncoder
from skbfn._inference.cell_repair import CellRepair, indicated_columns
from skbfn._inference.sampling import SamplerSettings, draw_network, sampling_repair


def _table(n_rows: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n_rows), "D")
    return pd.DataFrame(
        {
            "start": start,
            "end": start + pd.to_timedelta(rng.integers(1, 30, n_rows), "D"),
            "stock": np.where(rng.random(n_rows) < 0.5, 0.0, np.round(rng.lognormal(5, 1, n_rows), 2)),
            "x": np.round(rng.normal(size=n_rows), 3),
        }
    )


@pytest.fixture(scope="module")
def encoder():
    encoder = TableEncoder().fit(_table())
    assert [(low, high) for low, high in encoder.orders_] == [(0, 1)]
    assert encoder.point_masses == [(2, 0.0)]
    return encoder


EVERY_COLUMN = frozenset(range(4))


def _drawn_rows(encoder, table: pd.DataFrame) -> np.ndarray:
    """Model rows of training rows as the sampler gives them: every cell holds a draw (here, a placeholder)."""
    return encoder.with_placeholders(encoder.transform(table))


class _Redraw:
    """Records each request and fills its NaN cells with ``fill`` (or leaves ``stuck`` cells outside)."""

    def __init__(self, fill: float = 0.0, stuck: tuple[int, int] | None = None):
        self.requests, self.fill, self.stuck = [], fill, stuck

    def __call__(self, indices: np.ndarray, request: np.ndarray) -> np.ndarray:
        self.requests.append((indices.copy(), request.copy()))
        rows = np.where(np.isnan(request), self.fill, request)
        if self.stuck is not None:
            row, position = self.stuck
            rows[indices == row, position] = 5.0
        return rows


def test_only_the_cells_outside_are_drawn_again_the_rest_of_the_row_given(encoder):
    rows = _drawn_rows(encoder, _table().iloc[:6])
    stock = encoder.model_columns.index(2)
    x = encoder.model_columns.index(3)
    rows[1, x] = 3.0  # beyond the range's edge at 0.9
    rows[4, stock] = -2.0
    before = rows.copy()
    redraw = _Redraw()
    repaired = CellRepair(encoder, encoder.model_bounds, EVERY_COLUMN)(rows, None, redraw)
    assert len(redraw.requests) == 1
    indices, request = redraw.requests[0]
    np.testing.assert_array_equal(indices, [1, 4])
    expected = before[[1, 4]].copy()
    expected[0, x] = expected[1, stock] = np.nan
    np.testing.assert_array_equal(request, expected)  # the rest of each row given as drawn
    np.testing.assert_array_equal(np.delete(repaired, [1, 4], axis=0), np.delete(before, [1, 4], axis=0))
    assert repaired[1, x] == 0.0 and repaired[4, stock] == 0.0
    assert not CellRepair(encoder, encoder.model_bounds, EVERY_COLUMN).broken_cells(repaired, None).any()


def test_a_cell_its_indicator_makes_meaningless_is_given_its_placeholder(encoder):
    rows = _drawn_rows(encoder, _table().iloc[:4])
    stock, x = encoder.model_columns.index(2), encoder.model_columns.index(3)
    mass = len(encoder.model_columns) + len(encoder.indicators_)  # the stock's point-mass indicator
    rows[0, mass], rows[0, stock], rows[0, x] = 1.0, -5.0, 3.0  # on the mass: its drawn value means nothing
    redraw = _Redraw()
    repaired = CellRepair(encoder, encoder.model_bounds, EVERY_COLUMN)(rows, None, redraw)
    request = redraw.requests[0][1]
    assert request[0, stock] == 0.0 and np.isnan(request[0, x])  # outside, but meaningless: not drawn again
    assert repaired[0, stock] == 0.0


def test_given_cells_stay_given_and_a_cell_still_outside_is_left_to_the_caller(encoder):
    rows = _drawn_rows(encoder, _table().iloc[:3])
    x = encoder.model_columns.index(3)
    given = np.full(rows.shape, np.nan)
    given[:, 0] = rows[:, 0] + 0.001  # a given start, as asked (float32 rows hold it rounded)
    rows[2, x] = 4.0
    redraw = _Redraw(stuck=(2, x))
    repair = CellRepair(encoder, encoder.model_bounds, EVERY_COLUMN, rounds=3)
    repaired = repair(rows, given, redraw)
    assert len(redraw.requests) == 3
    for _, request in redraw.requests:
        assert request[0, 0] == given[2, 0] and np.isnan(request[0, x])
    assert repair.broken_cells(repaired, given)[2, x]


def test_a_drawn_pair_out_of_order_is_drawn_again_but_not_its_given_cell(encoder):
    rows = _drawn_rows(encoder, _table().iloc[:3])
    start, end = encoder.model_columns.index(0), encoder.model_columns.index(1)
    rows[1, [start, end]] = rows[1, [end, start]] + np.array([0.3, -0.3], dtype=np.float32)
    repair = CellRepair(encoder, None, EVERY_COLUMN)
    broken = repair.broken_cells(rows, None)
    assert broken[1, start] and broken[1, end] and broken.sum() == 2
    given = np.full(rows.shape, np.nan)
    given[1, start] = rows[1, start]
    broken = repair.broken_cells(rows, given)
    assert not broken[1, start] and broken[1, end] and broken.sum() == 1


def test_only_cells_with_an_indicator_and_orders_that_hold_one_are_repaired(encoder):
    """Rejecting a row whose plain cell left the range truncates the model; only a cell that may be absent (on a
    mass, missing) changes how often it is absent when its row is rejected."""
    assert indicated_columns(encoder) == {2}  # the stock's point mass
    rows = _drawn_rows(encoder, _table().iloc[:3])
    start, end, stock, x = (encoder.model_columns.index(j) for j in range(4))
    rows[0, x], rows[1, stock] = 3.0, -2.0
    rows[2, [start, end]] = rows[2, [end, start]] + np.array([0.3, -0.3], dtype=np.float32)
    broken = CellRepair(encoder, encoder.model_bounds, indicated_columns(encoder)).broken_cells(rows, None)
    assert broken[1, stock] and broken.sum() == 1
    broken = CellRepair(encoder, encoder.model_bounds, frozenset({1})).broken_cells(rows, None)
    assert broken[2, start] and broken[2, end] and broken.sum() == 2  # an order with one such column: both cells


def test_no_repair_without_bounds_indicators_or_a_model_that_can_be_given_cells():
    gen = BFNGenerator(max_iter=2, hidden_layer_sizes=(8,), random_state=0).fit(_table(60))
    assert isinstance(sampling_repair(gen.encoder_, gen, gen.model_), CellRepair)
    assert sampling_repair(gen.encoder_, gen.set_params(enforce_bounds=False), gen.model_) is None
    gen = BFNGenerator(max_iter=2, hidden_layer_sizes=(8,), conditional_fraction=0.0, random_state=0).fit(_table(60))
    assert sampling_repair(gen.encoder_, gen, gen.model_) is None
    plain = _table(60).drop(columns="stock")  # no column with an indicator: rows are rejected whole
    gen = BFNGenerator(max_iter=2, hidden_layer_sizes=(8,), random_state=0).fit(plain)
    assert sampling_repair(gen.encoder_, gen, gen.model_) is None


def test_repair_keeps_the_share_of_a_point_mass_that_rejecting_whole_rows_raises(monkeypatch):
    """A heavy-tailed amount piled against its minimum leaks below it; rejecting those rows would drop amounts
    off the mass (the only ones that can leak) and raise the share of zeros."""
    rng = np.random.default_rng(0)
    n_rows = 600
    table = pd.DataFrame(
        {
            "level": rng.integers(1, 4, n_rows),
            "stock": np.where(rng.random(n_rows) < 0.6, 0.0, np.round(rng.lognormal(9, 1.2, n_rows), -2)),
            "x": rng.normal(size=n_rows).round(2),
        }
    )
    gen = BFNGenerator(max_iter=100, category_shares="model", random_state=0).fit(table)
    raw = draw_network(
        gen.ema_.module,
        SamplerSettings.of(gen),
        4000,
        cond=None,
        given_values=None,
        generator=torch_generator(1, gen.device_),
    )
    network_share = raw[:, gen.encoder_.n_model_columns - 1].mean()  # the stock's point-mass indicator
    repaired_share = (gen.sample(4000, random_state=2)["stock"] == 0).mean()
    assert abs(repaired_share - network_share) < 0.03  # about 3.5 standard errors of the difference
    monkeypatch.setattr(inference_module, "sampling_repair", lambda *args: None)
    rejected_share = (gen.sample(4000, random_state=2)["stock"] == 0).mean()
    assert rejected_share - network_share > 0.05
