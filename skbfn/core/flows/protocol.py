"""The flow protocol: what :class:`skbfn.core.BFN` and the samplers ask of a flow."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch
from torch import Tensor

__all__ = ["Flow", "SolverFlow"]


@runtime_checkable
class Flow(Protocol):
    """What every flow offers: the training losses and the paper's sampler need only this.

    A flow holds the mathematics of one data type and no learnable state. Its
    *state* is the input distribution's parameters for a batch (a tensor, or a
    tuple of tensors for :class:`~skbfn.core.ProductFlow`); its *prediction*
    is what the network's output means for the data (``x_hat``, or the log of
    the bin or class probabilities). :class:`~skbfn.core.ContinuousFlow`,
    :class:`~skbfn.core.DiscretisedFlow`, :class:`~skbfn.core.CategoricalFlow`
    and :class:`~skbfn.core.ProductFlow` implement it; so can a flow of your
    own. ``isinstance(obj, Flow)`` checks that the methods exist.

    Examples
    --------
    >>> from skbfn.core import CategoricalFlow, ContinuousFlow
    >>> from skbfn.core.flows import Flow, SolverFlow
    >>> isinstance(ContinuousFlow(), Flow), isinstance(CategoricalFlow(3), SolverFlow)
    (True, True)
    """

    def noise_shape(self, data_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape, per data point, of the standard normal noise that draws the flow.

        Parameters
        ----------
        data_shape : tuple of int
            Shape of one data point.

        Returns
        -------
        shape : tuple of int
            E.g. ``data_shape`` for continuous data, ``(*data_shape, K)`` for
            categorical data.

        Examples
        --------
        >>> from skbfn.core import CategoricalFlow
        >>> CategoricalFlow(4).noise_shape((3,))
        (3, 4)
        """

    def input_size(self, data_shape: tuple[int, ...]) -> int:
        """Number of network inputs per data point.

        Parameters
        ----------
        data_shape : tuple of int
            Shape of one data point.

        Returns
        -------
        size : int
            Entries of :meth:`network_input` per data point.

        Examples
        --------
        >>> from skbfn.core import CategoricalFlow
        >>> CategoricalFlow(4).input_size((3,))
        12
        """

    def output_size(self, data_shape: tuple[int, ...]) -> int:
        """Number of network outputs per data point.

        Parameters
        ----------
        data_shape : tuple of int
            Shape of one data point.

        Returns
        -------
        size : int
            Entries of the network output that :meth:`output_prediction` reads.

        Examples
        --------
        >>> from skbfn.core import DiscretisedFlow
        >>> DiscretisedFlow(17).output_size((1, 8, 8))  # (mu_eps, ln sigma_eps) per pixel
        128
        """

    def prior_state(self, shape: tuple[int, ...], *, device=None, dtype=None):
        """The prior input parameters, the state at ``t = 0``.

        Parameters
        ----------
        shape : tuple of int
            ``(batch, *data_shape)``.
        device, dtype : optional
            Where and in what precision the state lives.

        Returns
        -------
        state : Tensor or tuple of Tensor
            E.g. ``mu = 0`` for continuous data, uniform probabilities for
            categorical data.

        Examples
        --------
        >>> from skbfn.core import CategoricalFlow
        >>> CategoricalFlow(4).prior_state((1, 2))
        tensor([[[0.2500, 0.2500, 0.2500, 0.2500],
                 [0.2500, 0.2500, 0.2500, 0.2500]]])
        """

    def state_from_noise(self, x: Tensor, t: Tensor, noise: Tensor):
        """A draw of the Bayesian flow distribution ``p_F(theta | x; t)``.

        Parameters
        ----------
        x : Tensor of shape ``[B, *data_shape]``
            Data.
        t : Tensor of shape [B]
            Times.
        noise : Tensor of shape ``[B, *noise_shape(data_shape)]``
            Standard normal noise; the draw is a deterministic function of it.

        Returns
        -------
        state : Tensor or tuple of Tensor
            Input parameters at time ``t``.

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import ContinuousFlow
        >>> x = torch.full((2, 3), 0.5)
        >>> ContinuousFlow().state_from_noise(x, torch.ones(2), torch.zeros(2, 3))  # gamma(1) x
        tensor([[0.4999, 0.4999, 0.4999],
                [0.4999, 0.4999, 0.4999]])
        """

    def network_input(self, state, t: Tensor) -> Tensor:
        """What the network sees of the state.

        Parameters
        ----------
        state : Tensor or tuple of Tensor
            Input parameters.
        t : Tensor of shape [B]
            Times.

        Returns
        -------
        inputs : Tensor
            :meth:`input_size` entries per data point (e.g. ``mu``, or
            ``2 theta - 1`` for categorical data).

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import CategoricalFlow
        >>> flow = CategoricalFlow(2)
        >>> flow.network_input(flow.prior_state((1, 1)), torch.zeros(1))
        tensor([[[0., 0.]]])
        """

    def masked_state(self, state, x: Tensor, given: Tensor, absent: Tensor):
        """The state with given cells known exactly and absent cells at the prior.

        This is how a network learns from incomplete rows and conditions on
        any cells (Graves et al. 2023 treat complete rows; the extension is
        described in the user guide, "Missing values and imputation"): a
        given cell's input distribution has converged to its value, an
        absent cell's has received nothing.

        Parameters
        ----------
        state : Tensor or tuple of Tensor
            Input parameters.
        x : Tensor of shape ``[B, *data_shape]``
            Data; read only on given cells (class indices for categorical data).
        given, absent : Tensor of bool, shape ``[B, *data_shape]``
            Cells whose value is known, and cells neither known nor modelled.

        Returns
        -------
        state : Tensor or tuple of Tensor
            The masked input parameters.

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import CategoricalFlow
        >>> flow = CategoricalFlow(2)
        >>> given, absent = torch.tensor([[True, False]]), torch.tensor([[False, True]])
        >>> flow.masked_state(flow.prior_state((1, 2)), torch.tensor([[1.0, 0.0]]), given, absent)
        tensor([[[0.0000, 1.0000],
                 [0.5000, 0.5000]]])
        """

    def output_prediction(self, state, t: Tensor, net_out: Tensor):
        """What the network output means for the data.

        Parameters
        ----------
        state : Tensor or tuple of Tensor
            Input parameters the network saw.
        t : Tensor of shape [B]
            Times.
        net_out : Tensor
            Network output, :meth:`output_size` entries per data point.

        Returns
        -------
        prediction : Tensor or tuple of Tensor
            ``x_hat`` (continuous), or log-probabilities ``[B, *D, K]`` of
            the bins (discretised) or classes (categorical), kept in log
            space so that the losses of badly predicted cells stay exact.

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import CategoricalFlow
        >>> flow = CategoricalFlow(2)
        >>> flow.output_prediction(flow.prior_state((1, 1)), torch.ones(1), torch.zeros(1, 2)).exp()
        tensor([[[0.5000, 0.5000]]])
        """

    def continuous_time_loss(self, x: Tensor, prediction, t: Tensor, *, mask: Tensor | None = None) -> Tensor:
        """Continuous-time loss ``L_inf(x)`` at times ``t``, one value per data point.

        Parameters
        ----------
        x : Tensor of shape ``[B, *data_shape]``
            Data.
        prediction : Tensor or tuple of Tensor
            :meth:`output_prediction` at ``t``.
        t : Tensor of shape [B]
            Times, drawn uniformly from ``[0, 1]``.
        mask : Tensor of bool, shape ``[B, *data_shape]``, optional
            Sum only over the cells it marks (the modelled cells of rows with
            missing or given cells); None sums over every cell.

        Returns
        -------
        loss : Tensor of shape [B]
            Nats; its expectation over ``t`` is ``L_inf(x)``.

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import ContinuousFlow
        >>> x = torch.zeros(2, 3)
        >>> ContinuousFlow().continuous_time_loss(x, x, torch.rand(2))  # a perfect prediction
        tensor([0., 0.])
        """

    def discrete_time_loss(
        self, x: Tensor, prediction, i: Tensor, n: int, noise: Tensor, *, mask: Tensor | None = None
    ) -> Tensor:
        """Discrete-time loss ``L_n(x)`` at step ``i`` of ``n``, one value per data point.

        Parameters
        ----------
        x : Tensor of shape ``[B, *data_shape]``
            Data.
        prediction : Tensor or tuple of Tensor
            :meth:`output_prediction` at ``t = (i - 1) / n``.
        i : Tensor of shape [B]
            Steps, drawn uniformly from ``1..n``.
        n : int
            Number of steps.
        noise : Tensor of shape ``[B, *noise_shape(data_shape)]``
            Standard normal noise for the sender sample, where the loss needs one.
        mask : Tensor of bool, shape ``[B, *data_shape]``, optional
            Sum only over the cells it marks (the modelled cells of rows with
            missing or given cells); None sums over every cell.

        Returns
        -------
        loss : Tensor of shape [B]
            Nats; its expectation over ``i`` (and the noise) is ``L_n(x)``.

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import ContinuousFlow
        >>> x = torch.zeros(2, 3)
        >>> ContinuousFlow().discrete_time_loss(x, x, torch.tensor([1.0, 5.0]), 10, torch.randn(2, 3))
        tensor([0., 0.])
        """

    def reconstruction_loss(self, x: Tensor, prediction, *, mask: Tensor | None = None) -> Tensor:
        """Reconstruction loss ``L_r(x) = -ln p_O(x | theta; 1)``, one value per data point.

        Parameters
        ----------
        x : Tensor of shape ``[B, *data_shape]``
            Data.
        prediction : Tensor or tuple of Tensor
            :meth:`output_prediction` at ``t = 1``.
        mask : Tensor of bool, shape ``[B, *data_shape]``, optional
            Sum only over the cells it marks (the modelled cells of rows with
            missing or given cells); None sums over every cell.

        Returns
        -------
        loss : Tensor of shape [B]
            Nats (a negative log-density for continuous data, a negative
            log-probability for the others).

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import CategoricalFlow
        >>> x, log_probs = torch.tensor([[0.0]]), torch.tensor([[[0.5, 0.5]]]).log()
        >>> CategoricalFlow(2).reconstruction_loss(x, log_probs)  # ln 2
        tensor([0.6931])
        """

    def control_variate(self, noise: Tensor, t: Tensor, *, mask: Tensor | None = None) -> Tensor:
        """A statistic of the flow noise with mean 0 at every ``t``, subtracted from each draw of the bound.

        :meth:`skbfn.core.BFN.elbo` subtracts it from the diffusion loss of
        each draw: the expectation is unchanged, and a statistic that follows
        the loss's own noise lowers the variance of the estimate. Return
        zeros when there is none (the discretised and categorical flows).

        Parameters
        ----------
        noise : Tensor of shape ``[B, *noise_shape(data_shape)]``
            The standard normal noise that drew the flow sample at ``t``.
        t : Tensor of shape [B]
            Times.
        mask : Tensor of bool, shape ``[B, *data_shape]``, optional
            Cells the loss counts; None counts every cell.

        Returns
        -------
        Tensor of shape [B]
            Nats; its expectation over ``noise`` is 0.

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import CategoricalFlow, ContinuousFlow
        >>> CategoricalFlow(3).control_variate(torch.randn(2, 1, 3), torch.rand(2))
        tensor([0., 0.])
        >>> ContinuousFlow(sigma_1=0.01).control_variate(torch.ones(1, 2), torch.ones(1))  # 1 - 1 per cell
        tensor([0.])
        """

    def reconstruction_control_variate(self, noise: Tensor, *, mask: Tensor | None = None) -> Tensor:
        """A statistic of the flow noise at ``t = 1`` with mean 0, subtracted from each draw of ``L_r``.

        :meth:`skbfn.core.BFN.elbo` subtracts it from the reconstruction loss
        of each draw, as :meth:`control_variate` is subtracted from the
        diffusion loss. Return zeros when there is none (the discretised and
        categorical flows).

        Parameters
        ----------
        noise : Tensor of shape ``[B, *noise_shape(data_shape)]``
            The standard normal noise that drew the flow sample at ``t = 1``.
        mask : Tensor of bool, shape ``[B, *data_shape]``, optional
            Cells the loss counts; None counts every cell.

        Returns
        -------
        Tensor of shape [B]
            Nats; its expectation over ``noise`` is 0.

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import CategoricalFlow, ContinuousFlow
        >>> CategoricalFlow(3).reconstruction_control_variate(torch.randn(2, 1, 3))
        tensor([0., 0.])
        >>> ContinuousFlow(sigma_1=0.01).reconstruction_control_variate(torch.ones(1, 2))  # 1 - 1 per cell
        tensor([0.])
        """

    def sampler_update(self, state, prediction, i: int, n: int, generator: torch.Generator | None = None):
        """Step ``i`` of ``n`` of the paper's sampler: a sender sample from the prediction, then the update.

        Parameters
        ----------
        state : Tensor or tuple of Tensor
            Input parameters at ``t = (i - 1) / n``.
        prediction : Tensor or tuple of Tensor
            :meth:`output_prediction` for that state.
        i : int
            Step, in ``1..n``.
        n : int
            Number of steps.
        generator : torch.Generator, optional
            Randomness of the sender sample.

        Returns
        -------
        state : Tensor or tuple of Tensor
            Input parameters at ``t = i / n``.

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import ContinuousFlow
        >>> flow = ContinuousFlow()
        >>> flow.sampler_update(flow.prior_state((2, 3)), torch.zeros(2, 3), 1, 10).shape
        torch.Size([2, 3])
        """

    def sample_output(self, prediction, generator: torch.Generator | None = None) -> Tensor:
        """The sample given the final prediction (at ``t = 1``).

        Parameters
        ----------
        prediction : Tensor or tuple of Tensor
            :meth:`output_prediction` at ``t = 1``.
        generator : torch.Generator, optional
            Randomness of the draw (discretised and categorical data).

        Returns
        -------
        samples : Tensor of shape ``[B, *data_shape]``
            ``x_hat`` for continuous data, a bin centre or class index drawn
            from the prediction for the others.

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import CategoricalFlow
        >>> CategoricalFlow(3).sample_output(torch.tensor([[[0.0, 0.0, 1.0]]]).log())
        tensor([[2.]])
        """


@runtime_checkable
class SolverFlow(Flow, Protocol):
    """A flow with a Gaussian view, which the ODE and SDE solvers also need.

    The flow is seen as a Gaussian diffusion of a latent ``z ~ N(a_t D, s_t^2)``
    around a data term ``D`` (Xue et al., ICML 2024): ``z = mu`` for continuous
    and discretised data, the accumulated logits for categorical data. Every
    flow of skbfn has it, :class:`~skbfn.core.ProductFlow` included; the
    single-type flows get it from ``skbfn.core.flows.gaussian_view``, given
    their coefficients ``(a_t, s_t)``.

    Examples
    --------
    >>> from skbfn.core import DiscretisedFlow
    >>> from skbfn.core.flows import SolverFlow
    >>> isinstance(DiscretisedFlow(5), SolverFlow)
    True
    """

    def log_snr(self, t: float) -> float:
        """Log signal-to-noise ratio ``lambda_t = ln(a_t / s_t)``, increasing in ``t``.

        Parameters
        ----------
        t : float
            Time in ``(0, 1]``.

        Returns
        -------
        lambda_t : float
            The log-SNR at ``t``; the solvers' ``'lambda'`` grid is uniform in it.

        Examples
        --------
        >>> from skbfn.core import ContinuousFlow
        >>> flow = ContinuousFlow()
        >>> flow.log_snr(0.2) < flow.log_snr(0.8)
        True
        """

    def prior_latent(self, shape: tuple[int, ...], t: float, *, generator=None, device=None, dtype=None):
        """A draw of the latent at the solvers' start time, ``z ~ N(0, s_t^2)``.

        Parameters
        ----------
        shape : tuple of int
            ``(batch, *data_shape)``.
        t : float
            Start time.
        generator : torch.Generator, optional
            Randomness of the draw.
        device, dtype : optional
            Where and in what precision the latent lives.

        Returns
        -------
        z : Tensor or tuple of Tensor
            Of the flow's latent shape.

        Examples
        --------
        >>> from skbfn.core import CategoricalFlow
        >>> CategoricalFlow(4).prior_latent((2, 3), 0.5).shape
        torch.Size([2, 3, 4])
        """

    def add_data_share(self, z, denoised, t: float):
        """The latent plus the data's share ``a_t D`` of it.

        The solvers draw their start latent as noise, ``N(0, s_{t_0}^2)``, and
        then add ``a_{t_0} D`` with ``D`` the network's estimate from that start:
        without it, an ODE carries the missing ``a_{t_0} x`` to the end.

        Parameters
        ----------
        z : Tensor or tuple of Tensor
            Latent at ``t``.
        denoised : Tensor or tuple of Tensor
            :meth:`denoised` of a prediction at ``t``.
        t : float
            Time.

        Returns
        -------
        z : Tensor or tuple of Tensor
            ``z + a_t D``.

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import ContinuousFlow
        >>> flow = ContinuousFlow(sigma_1=0.01)
        >>> flow.add_data_share(torch.zeros(1, 1), torch.ones(1, 1), 1.0)  # a_1 = gamma(1)
        tensor([[0.9999]])
        """

    def state_from_latent(self, z):
        """The input parameters that the latent ``z`` stands for.

        Parameters
        ----------
        z : Tensor or tuple of Tensor
            Latent.

        Returns
        -------
        state : Tensor or tuple of Tensor
            ``mu = z``, or ``theta = softmax(z)`` for categorical data.

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import CategoricalFlow
        >>> CategoricalFlow(2).state_from_latent(torch.zeros(1, 1, 2))
        tensor([[[0.5000, 0.5000]]])
        """

    def denoised(self, prediction):
        """The data term ``D`` that the prediction estimates.

        Parameters
        ----------
        prediction : Tensor or tuple of Tensor
            :meth:`~Flow.output_prediction`.

        Returns
        -------
        D : Tensor or tuple of Tensor
            ``x_hat``, the bin mean ``k_hat``, or ``K e_hat - 1`` for
            categorical data (``e_hat`` the class probabilities, the
            exponential of the prediction).

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import CategoricalFlow
        >>> CategoricalFlow(2).denoised(torch.tensor([[[1.0, 0.0]]]).log())
        tensor([[[ 1., -1.]]])
        """

    def solver_update(
        self, z, denoised, previous, t: float, t_next: float, *, order: int, stochastic: bool, generator=None
    ):
        """One step of the first- or second-order ODE or SDE solver, from ``t`` to ``t_next``.

        Parameters
        ----------
        z : Tensor or tuple of Tensor
            Latent at ``t``.
        denoised : Tensor or tuple of Tensor
            :meth:`denoised` of the prediction at ``t``.
        previous : tuple or None
            ``(denoised, t)`` of the previous step (second order), else None.
        t, t_next : float
            The step's start and end times.
        order : {1, 2}
            Order of the solver.
        stochastic : bool
            SDE (fresh noise) rather than ODE step.
        generator : torch.Generator, optional
            Randomness of the SDE step.

        Returns
        -------
        z_next : Tensor or tuple of Tensor
            Latent at ``t_next``.

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import ContinuousFlow
        >>> flow, x = ContinuousFlow(), torch.full((2, 1), 0.5)
        >>> z = flow.gaussian_coefficients(0.1)[0] * x      # the latent's mean at t = 0.1
        >>> z_next = flow.solver_update(z, x, None, 0.1, 0.5, order=1, stochastic=False)
        >>> torch.allclose(z_next, flow.gaussian_coefficients(0.5)[0] * x)  # the mean at t = 0.5
        True
        """
