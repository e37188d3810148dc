"""Relations between columns that training rows keep, which the encoder records and the sampler keeps.

Three kinds, each in its own module: orders (a start before its end) and
copies (paid equal to due) in :mod:`.orders`, and partitions (an age group
from an age) in :mod:`.partitions`. This module fits, writes and reads them
together, and tells which drawn rows break an order or a partition.
"""

from __future__ import annotations

import numpy as np

from .orders import column_copies, column_orders, copies_from_json, orders_broken, orders_from_json
from .partitions import Partition, column_partitions, numeric_columns, partitions_broken, partitions_from_json

__all__ = ["fit_relations", "relations_broken", "relations_from_json", "relations_to_json"]


def fit_relations(columns: list, X) -> tuple[list, list, list[Partition]]:
    """The orders, copies and partitions among the fitted ``columns`` of ``X``."""
    return column_orders(columns, X), column_copies(columns, X), column_partitions(columns, X)


def relations_to_json(encoder) -> dict:
    """The encoder's relations as plain JSON values (entries left out where there are none)."""
    return {
        **({"orders": [list(pair) for pair in encoder.orders_]} if encoder.orders_ else {}),
        **({"copies": [list(pair) for pair in encoder.copies_]} if encoder.copies_ else {}),
        **({"partitions": [p.to_dict() for p in encoder.partitions_]} if encoder.partitions_ else {}),
    }


def relations_from_json(doc: dict, columns: list) -> tuple[list, list, list[Partition]]:
    """The orders, copies and partitions of an encoder's document, checked (each absent in files before it)."""
    return (
        orders_from_json(doc.get("orders", []), columns),
        copies_from_json(doc.get("copies", []), columns),
        partitions_from_json(doc.get("partitions", []), columns),
    )


def relations_broken(encoder, rows: np.ndarray, given: np.ndarray | None) -> np.ndarray:
    """Which model rows ``rows`` break an order or a partition of ``encoder`` in a drawn cell (the rows are
    decoded once for both)."""
    orders, partitions = list(encoder.orders_), list(encoder.partitions_)
    needed = {j for pair in orders for j in pair} | numeric_columns(partitions, encoder.columns_)
    numbers = encoder.decoded_numbers(rows, sorted(needed))
    broken = orders_broken(encoder, orders, rows, given, numbers)
    return broken | partitions_broken(encoder, partitions, rows, given, numbers)
