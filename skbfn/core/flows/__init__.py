"""Bayesian flows: one class per data type, and a product of flows for mixed tables.

A flow holds the mathematics of one data type of Graves et al. (2023): the
accuracy schedule, the sender distribution, the Bayesian update, the flow
distribution, how the network output becomes an output distribution, and the
losses. It holds no learnable state; the network lives in :class:`skbfn.core.BFN`.

Every flow offers the same protocol, which the BFN module and the samplers
use: :class:`~skbfn.core.Flow` (training, the likelihood bound and the paper's sampler)
and :class:`~skbfn.core.SolverFlow` (also the ODE and SDE solvers).
:class:`~skbfn.core.TableFlow` runs a table's columns as one fused part per
data type (:class:`~skbfn.core.flows.DiscretisedColumnsFlow` and
:class:`~skbfn.core.flows.CategoricalColumnsFlow` hold columns of one type
with their own bin or class counts).
"""

from .categorical import CategoricalFlow, categorical_update
from .categorical_columns import CategoricalColumnsFlow
from .compiled import compiled_flows
from .continuous import ContinuousFlow, bayesian_update, update_distribution
from .discretised import DiscretisedFlow, bin_centre, bin_centres, log_gaussian_bin_masses, quantise
from .discretised_columns import DiscretisedColumnsFlow
from .product import ProductFlow
from .protocol import Flow, SolverFlow
from .table import TableFlow

__all__ = [
    "CategoricalColumnsFlow",
    "CategoricalFlow",
    "ContinuousFlow",
    "DiscretisedColumnsFlow",
    "DiscretisedFlow",
    "Flow",
    "ProductFlow",
    "SolverFlow",
    "TableFlow",
    "bayesian_update",
    "bin_centre",
    "bin_centres",
    "categorical_update",
    "compiled_flows",
    "log_gaussian_bin_masses",
    "quantise",
    "update_distribution",
]
