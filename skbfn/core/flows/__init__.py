"""Bayesian flows: one class per data type, and a product of flows for mixed tables.

A flow holds the mathematics of one data type of Graves et al. (2023): the
accuracy schedule, the sender distribution, the Bayesian update, the flow
distribution, how the network output becomes an output distribution, and the
losses. It holds no learnable state; the network lives in :class:`skbfn.core.BFN`.

Every flow offers the same protocol, which the BFN module and the samplers use:
``noise_shape``, ``input_size``, ``output_size``, ``prior_state``,
``state_from_noise``, ``network_input``, ``output_prediction``,
``continuous_time_loss``, ``discrete_time_loss``, ``reconstruction_loss``,
``sampler_update`` and ``sample_output``.
"""

from .categorical import CategoricalFlow
from .continuous import ContinuousFlow
from .discretised import DiscretisedFlow, bin_centres, quantise
from .product import ProductFlow

__all__ = ["CategoricalFlow", "ContinuousFlow", "DiscretisedFlow", "ProductFlow", "bin_centres", "quantise"]
