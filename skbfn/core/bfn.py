"""The Bayesian Flow Network module: a flow, a network and conditioning."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor, nn

from .cells import CellMask
from .compiled_training import training_graph
from .elbo import diffusion_term, independent_draws, loss_steps, reconstruction_term, stratified_times
from .flows import ContinuousFlow
from .guidance import guide
from .samplers import SAMPLERS
from .shared_time import shared_time

__all__ = ["BFN"]


class BFN(nn.Module):
    """Bayesian Flow Network: a flow, a network and conditioning.

    Composes a flow (:class:`~skbfn.core.ContinuousFlow`,
    :class:`~skbfn.core.DiscretisedFlow`, :class:`~skbfn.core.CategoricalFlow`,
    or a :class:`~skbfn.core.ProductFlow` of them for mixed tables) with a
    network that maps the flow's input parameters and time ``t`` (and
    optionally a condition) to the flow's output parameters (``eps_hat``,
    ``(mu_eps, ln sigma_eps)`` or logits). Losses are per data point (shape
    ``[B]``), in nats.

    Parameters
    ----------
    net : nn.Module
        ``net(inputs, t, cond=None, drop=None) -> outputs`` where ``inputs`` is
        ``flow.network_input(state, t)`` and ``outputs`` has
        ``flow.output_size(data_shape)`` entries per row; e.g.
        :class:`skbfn.core.nets.MLP`.
    data_shape : int or tuple of int
        Shape of one data point (categorical data: class indices).
    flow : Flow, optional
        Any flow following the :class:`~skbfn.core.Flow` protocol; defaults
        to ``ContinuousFlow(sigma_1=0.01)``.
    cond_drop_prob : float, default=0.0
        While training, each condition is replaced by the null condition with
        this probability, so that the model also learns ``p(x)`` (needed for
        classifier-free guidance). Never applied outside training mode.
    autocast_dtype : torch.dtype, optional
        Run the network (only the network: the flow's arithmetic, losses and
        sampler updates stay in the data's dtype) under
        :func:`torch.autocast` with this dtype, e.g. ``torch.bfloat16`` on a
        GPU. Its output is cast back to the data's dtype.
    cell_inputs : bool, default=False
        Give the network two flags per cell (given, absent) after the flow's
        inputs, so that it can learn from incomplete rows and condition on
        any cells (see :class:`~skbfn.core.CellMask`): the losses, :meth:`elbo`
        and :meth:`sample` then take a ``cells`` mask. The network must read
        ``flow.input_size(data_shape) + 2 * prod(data_shape)`` inputs.

    Examples
    --------
    A complete training loop on a toy data set, then sampling and scoring:

    >>> import torch
    >>> from skbfn.core import BFN, ContinuousFlow, EMA
    >>> from skbfn.core.nets import MLP
    >>> _ = torch.manual_seed(0)
    >>> x = torch.randn(512, 2).clamp(-3, 3) / 3            # data in [-1, 1]
    >>> model = BFN(MLP(2, hidden_layer_sizes=(64, 64)), data_shape=2,
    ...             flow=ContinuousFlow(sigma_1=0.01))
    >>> opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    >>> ema = EMA(model, decay=0.99)
    >>> for step in range(50):
    ...     batch = x[torch.randint(0, len(x), (128,))]
    ...     loss = model.loss(batch).mean()             # or model.discrete_loss(batch, n_loss_steps=30)
    ...     opt.zero_grad()
    ...     loss.backward()
    ...     _ = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    ...     opt.step()
    ...     ema.update(model)
    >>> samples = ema.module.sample(100, n_steps=20)
    >>> samples.shape
    torch.Size([100, 2])
    >>> ema.module.elbo(x[:4]).shape                    # nats per data point
    torch.Size([4])
    """

    def __init__(
        self,
        net: nn.Module,
        data_shape: int | tuple[int, ...],
        flow: ContinuousFlow | None = None,
        cond_drop_prob: float = 0.0,
        autocast_dtype: torch.dtype | None = None,
        cell_inputs: bool = False,
    ) -> None:
        super().__init__()
        if not 0.0 <= cond_drop_prob <= 1.0:
            raise ValueError(f"cond_drop_prob must lie in [0, 1], got {cond_drop_prob!r}.")
        self.net = net
        self.data_shape = (data_shape,) if isinstance(data_shape, int) else tuple(data_shape)
        self.flow = ContinuousFlow() if flow is None else flow
        self.cond_drop_prob = float(cond_drop_prob)
        self.autocast_dtype = autocast_dtype
        self.cell_inputs = bool(cell_inputs)

    # ------------------------------------------------------------ network use
    def _reference(self) -> Tensor:
        return next(self.parameters())

    def _run_net(self, inputs: Tensor, t: Tensor, cond: Tensor | None, drop: Tensor | None) -> Tensor:
        if self.autocast_dtype is None:
            return self.net(inputs, t, cond, drop)
        with torch.autocast(inputs.device.type, dtype=self.autocast_dtype):
            out = self.net(inputs, t, cond, drop)
        return out.to(inputs.dtype)

    def _network_inputs(self, state, t: Tensor, cells: CellMask | None):
        """The state with ``cells`` applied, and what the network reads of it (with the cell flags)."""
        if cells is not None:
            if not self.cell_inputs:
                raise ValueError("This BFN was built without cell_inputs: it cannot take given or absent cells.")
            state = self.flow.masked_state(state, cells.values, cells.given, cells.absent)
        inputs = self.flow.network_input(state, t)
        if not self.cell_inputs:
            return state, inputs
        if cells is None:
            flags = inputs.new_zeros((inputs.shape[0], 2 * math.prod(self.data_shape)))
        else:
            flags = cells.flags(inputs.dtype)
        return state, torch.cat([inputs.flatten(1), flags], dim=1)

    def forward(
        self, state, t: Tensor, cond: Tensor | None = None, drop: Tensor | None = None, cells: CellMask | None = None
    ) -> Tensor:
        """Raw network output for the input parameters ``state`` (no guidance)."""
        return self._run_net(self._network_inputs(state, t, cells)[1], t, cond, drop)

    def guided_output(
        self,
        state,
        t: Tensor,
        cond: Tensor | None = None,
        guidance_scale: float = 1.0,
        rescaled_phi: float = 0.0,
        cells: CellMask | None = None,
    ) -> Tensor:
        """Network output with classifier-free guidance.

        ``cond=None`` uses the null condition (unconditional). With a condition
        and ``guidance_scale != 1`` the conditional and null outputs are computed
        in one batch and combined by :func:`skbfn.core.guide`. A given
        condition is always used: no dropout happens here.

        Parameters
        ----------
        state : Tensor or tuple of Tensor
            The input distribution's parameters (the flow's state), per row.
        t : Tensor of shape [B]
            Times.
        cond : Tensor, optional
            Condition per row; None uses the null condition.
        guidance_scale : float, default=1.0
            Classifier-free guidance scale (1: plain conditional).
        rescaled_phi : float, default=0.0
            Guidance rescaling weight, see :func:`skbfn.core.guide`.
        cells : CellMask, optional
            Given and absent cells (a model built with ``cell_inputs``).

        Returns
        -------
        out : Tensor
            Network output, ``flow.output_size(data_shape)`` entries per row.

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import BFN
        >>> from skbfn.core.nets import MLP
        >>> model = BFN(MLP(2, hidden_layer_sizes=(16,), n_classes=3), 2, cond_drop_prob=0.1)
        >>> x, labels = torch.rand(5, 2) - 0.5, torch.tensor([0, 1, 2, 0, 1])
        >>> mu = torch.zeros(5, 2)
        >>> model.guided_output(mu, torch.full((5,), 0.5), labels, guidance_scale=3.0).shape
        torch.Size([5, 2])
        """
        return self._guided(self._network_inputs(state, t, cells)[1], t, cond, guidance_scale, rescaled_phi)

    def _guided(self, inputs: Tensor, t: Tensor, cond: Tensor | None, guidance_scale: float, rescaled_phi: float):
        if cond is None or (guidance_scale == 1.0 and rescaled_phi == 0.0):
            return self._run_net(inputs, t, cond, None)
        batch = inputs.shape[0]
        drop = torch.arange(2 * batch, device=inputs.device) >= batch
        both = self._run_net(torch.cat([inputs, inputs]), torch.cat([t, t]), torch.cat([cond, cond]), drop)
        return guide(both[:batch], both[batch:], guidance_scale, rescaled_phi)

    def predict(
        self,
        state,
        t: Tensor,
        cond: Tensor | None = None,
        guidance_scale: float = 1.0,
        rescaled_phi: float = 0.0,
        cells: CellMask | None = None,
    ):
        """The flow's output prediction (``x_hat``, bin or class log-probabilities), with optional guidance.

        Parameters
        ----------
        state : Tensor or tuple of Tensor
            The input distribution's parameters (the flow's state), per row.
        t : Tensor of shape [B]
            Times.
        cond : Tensor, optional
            Condition per row; None uses the null condition.
        guidance_scale : float, default=1.0
            Classifier-free guidance scale (1: plain conditional).
        rescaled_phi : float, default=0.0
            Guidance rescaling weight, see :func:`skbfn.core.guide`.
        cells : CellMask, optional
            Given and absent cells (a model built with ``cell_inputs``).

        Returns
        -------
        prediction : Tensor
            ``x_hat`` for continuous data, bin or class log-probabilities for the
            other flows (a tuple for a :class:`ProductFlow`).

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import BFN
        >>> from skbfn.core.nets import MLP
        >>> model = BFN(MLP(2, hidden_layer_sizes=(16,), n_classes=3), 2, cond_drop_prob=0.1)
        >>> x, labels = torch.rand(5, 2) - 0.5, torch.tensor([0, 1, 2, 0, 1])
        >>> model.predict(torch.zeros(5, 2), torch.full((5,), 0.5), labels).shape
        torch.Size([5, 2])
        """
        state, inputs = self._network_inputs(state, t, cells)
        return self.flow.output_prediction(state, t, self._guided(inputs, t, cond, guidance_scale, rescaled_phi))

    def _training_drop(self, cond: Tensor | None, batch: int, generator: torch.Generator | None) -> Tensor | None:
        if cond is None or not self.training or self.cond_drop_prob == 0.0:
            return None
        u = torch.rand(batch, generator=generator, device=self._reference().device)
        return u < self.cond_drop_prob

    def _noise(self, x: Tensor, generator) -> Tensor:
        shape = (x.shape[0], *self.flow.noise_shape(self.data_shape))
        return torch.randn(shape, generator=generator, device=x.device, dtype=x.dtype)

    def _estimate(
        self,
        x: Tensor,
        t: Tensor,
        cond: Tensor | None,
        generator,
        noise: Tensor | None = None,
        cells: CellMask | None = None,
    ):
        """Draw the input parameters from ``p_F(.|x; t)`` and return the network's prediction for them.

        In training mode conditions are dropped with probability ``cond_drop_prob``.
        """
        noise = self._noise(x, generator) if noise is None else noise
        return self._prediction(x, t, noise, cond, self._training_drop(cond, x.shape[0], generator), cells)

    def _prediction(self, x: Tensor, t: Tensor, noise: Tensor, cond, drop, cells: CellMask | None):
        """The network's prediction for the flow draw of ``noise`` (no randomness of its own)."""
        state, inputs = self._network_inputs(self.flow.state_from_noise(x, t, noise), t, cells)
        return self.flow.output_prediction(state, t, self._run_net(inputs, t, cond, drop))

    def _continuous_loss(self, x, t, noise, cond, drop, cells, modelled) -> Tensor:
        """:meth:`loss` given its draws: what :func:`~skbfn.core.compiled_training.compiled_training` compiles."""
        prediction = self._prediction(x, t, noise, cond, drop, cells)
        return self.flow.continuous_time_loss(x, prediction, t, mask=modelled)

    def _discrete_loss(self, x, t, i, n, noise, cond, drop, cells, modelled, sender_noise) -> Tensor:
        """:meth:`discrete_loss` given its draws, as :meth:`_continuous_loss`."""
        prediction = self._prediction(x, t, noise, cond, drop, cells)
        return self.flow.discrete_time_loss(x, prediction, i, n, sender_noise, mask=modelled)

    @staticmethod
    def _filled(x: Tensor, cells: CellMask | None) -> tuple[Tensor, Tensor | None]:
        """``x`` with absent cells set to 0 (they may hold NaN), and the mask of cells the loss counts."""
        if cells is None:
            return x, None
        return x.masked_fill(cells.absent, 0.0), cells.modelled

    # ------------------------------------------------------------------ losses
    def loss(
        self,
        x: Tensor,
        cond: Tensor | None = None,
        *,
        cells: CellMask | None = None,
        generator: torch.Generator | None = None,
    ) -> Tensor:
        """Continuous-time loss ``L_inf(x)``, one draw of ``t ~ U(0, 1)`` per data point.

        The times of a batch are stratified (see ``skbfn.core.elbo.stratified_times``). In
        training mode conditions are dropped with probability ``cond_drop_prob``.
        Inside :func:`~skbfn.core.compiled_training.compiled_training`, all
        after the draws runs as one compiled graph.

        Parameters
        ----------
        x : Tensor of shape ``[B, *data_shape]``
            Data in the flow's range (class indices for categorical data).
        cond : Tensor, optional
            Condition per row; None uses the null condition.
        cells : CellMask, optional
            Given and absent cells (a model built with ``cell_inputs``): the
            loss counts only the modelled cells; absent cells may hold NaN.
        generator : torch.Generator, optional
            Randomness for the times and the flow draws.

        Returns
        -------
        loss : Tensor of shape [B]
            Loss per data point, in nats; its mean is an unbiased estimate of
            the expected loss.

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import BFN
        >>> from skbfn.core.nets import MLP
        >>> model = BFN(MLP(2, hidden_layer_sizes=(16,), n_classes=3), 2, cond_drop_prob=0.1)
        >>> x, labels = torch.rand(5, 2) - 0.5, torch.tensor([0, 1, 2, 0, 1])
        >>> model.loss(x, labels).shape
        torch.Size([5])
        """
        x, modelled = self._filled(x, cells)
        t = stratified_times(x.shape[0], generator, x.device, x.dtype)
        noise = self._noise(x, generator)
        drop = self._training_drop(cond, x.shape[0], generator)
        return training_graph(self, "_continuous_loss")(x, t, noise, cond, drop, cells, modelled)

    def discrete_loss(
        self,
        x: Tensor,
        cond: Tensor | None = None,
        *,
        n_loss_steps: int | None = None,
        cells: CellMask | None = None,
        generator: torch.Generator | None = None,
        n_steps: int | None = None,
    ) -> Tensor:
        """Discrete-time loss ``L_n(x)`` with ``n = n_loss_steps``, one step ``i ~ U{1..n}`` per data point.

        The steps of a batch are stratified like the times of :meth:`loss`.

        Parameters
        ----------
        x : Tensor of shape ``[B, *data_shape]``
            Data in the flow's range (class indices for categorical data).
        cond : Tensor, optional
            Condition per row; None uses the null condition.
        n_loss_steps : int
            Number of steps ``n`` (required).
        cells : CellMask, optional
            Given and absent cells (a model built with ``cell_inputs``): the
            loss counts only the modelled cells; absent cells may hold NaN.
        generator : torch.Generator, optional
            Randomness for the steps, flow draws and sender samples.
        n_steps : int, optional
            Deprecated name of ``n_loss_steps`` (``n_steps`` names sampler steps).

        Returns
        -------
        loss : Tensor of shape [B]
            Loss per data point, in nats.

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import BFN
        >>> from skbfn.core.nets import MLP
        >>> model = BFN(MLP(2, hidden_layer_sizes=(16,), n_classes=3), 2, cond_drop_prob=0.1)
        >>> x, labels = torch.rand(5, 2) - 0.5, torch.tensor([0, 1, 2, 0, 1])
        >>> model.discrete_loss(x, labels, n_loss_steps=20).shape
        torch.Size([5])
        """
        n_steps = loss_steps(n_loss_steps, n_steps)
        if n_steps is None:
            raise TypeError("discrete_loss needs n_loss_steps, the number of steps n of L_n.")
        x, modelled = self._filled(x, cells)
        u = stratified_times(x.shape[0], generator, x.device, torch.float64)
        i = (u * n_steps).floor().clamp_max(n_steps - 1) + 1
        t = ((i - 1) / n_steps).to(x.dtype)
        noise = self._noise(x, generator)
        drop = self._training_drop(cond, x.shape[0], generator)
        sender_noise = self._noise(x, generator)
        loss = training_graph(self, "_discrete_loss")
        return loss(x, t, i.to(x.dtype), n_steps, noise, cond, drop, cells, modelled, sender_noise)

    def reconstruction_loss(
        self,
        x: Tensor,
        cond: Tensor | None = None,
        *,
        cells: CellMask | None = None,
        generator: torch.Generator | None = None,
    ) -> Tensor:
        """Reconstruction loss ``L_r(x) = -E ln p_O(x | theta; 1)``, one draw per point.

        For continuous data ``p_O(x | theta; 1) = N(x | x_hat, sigma_1^2)``, a density.

        Parameters
        ----------
        x : Tensor of shape ``[B, *data_shape]``
            Data in the flow's range (class indices for categorical data).
        cond : Tensor, optional
            Condition per row; None uses the null condition.
        cells : CellMask, optional
            Given and absent cells (a model built with ``cell_inputs``): the
            loss counts only the modelled cells; absent cells may hold NaN.
        generator : torch.Generator, optional
            Randomness for the flow draw at ``t = 1``.

        Returns
        -------
        loss : Tensor of shape [B]
            Loss per data point, in nats.

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import BFN
        >>> from skbfn.core.nets import MLP
        >>> model = BFN(MLP(2, hidden_layer_sizes=(16,), n_classes=3), 2, cond_drop_prob=0.1)
        >>> x, labels = torch.rand(5, 2) - 0.5, torch.tensor([0, 1, 2, 0, 1])
        >>> model.reconstruction_loss(x).shape
        torch.Size([5])
        """
        x, modelled = self._filled(x, cells)
        t = shared_time(1.0, x.shape[0], device=x.device, dtype=x.dtype)
        return self.flow.reconstruction_loss(x, self._estimate(x, t, cond, generator, cells=cells), mask=modelled)

    @torch.no_grad()
    def elbo(
        self,
        x: Tensor,
        cond: Tensor | None = None,
        *,
        n_loss_steps: int | None = None,
        n_draws: int = 32,
        cells: CellMask | None = None,
        generator: torch.Generator | None = None,
        draws: tuple[Tensor, Tensor, Tensor, Tensor] | None = None,
        dequantisation: tuple[Tensor, Tensor] | None = None,
        n_steps: int | None = None,
    ) -> Tensor:
        """Monte-Carlo evidence lower bound on ``ln p(x)`` (or ``ln p(x | cond)``), in nats.

        ``-(L(x) + L_r(x))`` with ``L = L_inf`` (``n_loss_steps=None``) or ``L_n``,
        each averaged over ``n_draws`` draws per row, with times stratified
        over ``[0, 1]`` (or over the steps): an unbiased estimate of the bound.
        The flow's :meth:`~skbfn.core.ContinuousFlow.control_variate` and
        :meth:`~skbfn.core.ContinuousFlow.reconstruction_control_variate`,
        statistics of the flow noise with mean 0, are subtracted from each
        draw of ``L`` and ``L_r``: the expectation is unchanged and the noise
        of continuous columns, once resolved, cancels.

        Parameters
        ----------
        x : Tensor of shape ``[B, *data_shape]``
            Data in the flow's range (class indices for categorical data).
        cond : Tensor, optional
            Condition per row; None gives the unconditional bound.
        n_loss_steps : int, optional
            Discrete-time bound with this many steps; None for continuous time.
        n_draws : int, default=32
            Draws per row.
        cells : CellMask, optional
            Given and absent cells (a model built with ``cell_inputs``). With
            the missing cells absent and none given (:meth:`CellMask.absent_where_missing`)
            the result bounds ``ln p(x_observed)``, the log-likelihood of the
            observed cells alone; with given cells, ``ln p(x_o | x_g)``.
        generator : torch.Generator, optional
            Randomness for the draws.
        draws : tuple of Tensor, optional
            ``(t [B, M], noise, recon_noise, sender_noise)`` to use instead
            of drawing them: times in ``[0, 1)``, and standard normal noises
            of shape ``[B, M, *flow.noise_shape(data_shape)]`` (flow draws at
            ``t``, sender draws of the discrete-time bound, which may be None
            for the continuous-time one) and ``[B, M_r, ...]`` (flow draws at
            1 for the reconstruction term, whose count ``M_r`` may differ).
            ``M`` then overrides ``n_draws``. Lets a caller make each row's
            estimate a function of that row alone, or use quasi-random points.
        dequantisation : (Tensor, Tensor), optional
            Offsets ``u`` added to ``x`` for each draw of the diffusion term
            (``[B, M, *x.shape[1:]]``) and of the reconstruction term
            (``[B, M_r, ...]``); with ``u`` uniform over a cell around ``x``
            (given with ``draws``), the estimate is of ``E_u ELBO(x + u)``,
            which bounds the log-probability of the cell for a model trained
            on dequantised data (Theis et al. 2016; Ho et al. 2019).

        n_steps : int, optional
            Deprecated name of ``n_loss_steps`` (``n_steps`` names sampler steps).

        Returns
        -------
        elbo : Tensor of shape [B]
            Lower bound on the log-likelihood of each row, in nats.

        Raises
        ------
        RuntimeError
            In training mode (which would drop conditions).

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import BFN
        >>> from skbfn.core.nets import MLP
        >>> model = BFN(MLP(2, hidden_layer_sizes=(16,), n_classes=3), 2, cond_drop_prob=0.1)
        >>> x, labels = torch.rand(5, 2) - 0.5, torch.tensor([0, 1, 2, 0, 1])
        >>> model.eval().elbo(x, labels, n_draws=4).shape
        torch.Size([5])
        """
        n_steps = loss_steps(n_loss_steps, n_steps)
        if self.training:
            raise RuntimeError("elbo needs evaluation mode (call model.eval()): training mode drops conditions.")
        if draws is None:
            draws = independent_draws(self, x, n_draws, generator)
        times, noise, recon_noise, sender_noise = draws
        offsets, recon_offsets = (None, None) if dequantisation is None else dequantisation
        x, modelled = self._filled(x, cells)
        diffusion = diffusion_term(self, x, cond, times, noise, sender_noise, n_steps, cells, modelled, offsets)
        recon = reconstruction_term(self, x, cond, recon_noise, cells, modelled, recon_offsets)
        return -(diffusion + recon)

    # ---------------------------------------------------------------- sampling
    def predictor(
        self,
        cond: Tensor | None = None,
        guidance_scale: float = 1.0,
        rescaled_phi: float = 0.0,
        cells: CellMask | None = None,
    ) -> Callable[[object, Tensor], object]:
        """The function ``(state, t) -> prediction`` that the samplers call."""

        def predict(state, t: Tensor):
            return self.predict(state, t, cond, guidance_scale, rescaled_phi, cells)

        return predict

    @torch.no_grad()
    def sample(
        self,
        n_samples: int,
        cond: Tensor | None = None,
        *,
        n_steps: int = 100,
        sampler: str | Callable = "paper",
        guidance_scale: float = 1.0,
        rescaled_phi: float = 0.0,
        cells: CellMask | None = None,
        generator: torch.Generator | None = None,
        callback: Callable[[dict], None] | None = None,
        progress: bool = False,
        **sampler_options,
    ) -> Tensor:
        """Draw samples.

        Parameters
        ----------
        n_samples : int
            Number of samples.
        cond : Tensor, optional
            Condition per sample (first dimension ``n_samples``). None samples
            unconditionally (null condition).
        n_steps : int, default=100
            Number of sampler steps (``n_steps + 1`` network evaluations).
        sampler : str or callable, default='paper'
            A name from :data:`skbfn.core.samplers.SAMPLERS` ('paper': the
            sampler of Graves et al.; 'ode1' (DDIM), 'ode2', 'sde1', 'sde2':
            the solvers of Xue et al.; '-lambda' variants use a grid uniform
            in log-SNR), or a function with the same signature.
        guidance_scale : float, default=1.0
            Classifier-free guidance scale (1: plain conditional).
        rescaled_phi : float, default=0.0
            Guidance rescaling weight.
        cells : CellMask, optional
            Cells to condition on (a model built with ``cell_inputs``), e.g.
            ``CellMask.given_where_observed(values)`` with NaN in the cells to generate:
            given cells come back with their values exactly, absent cells as
            NaN, and the modelled cells are drawn from ``p(x_o | x_g)``.
        generator : torch.Generator, optional
            Randomness, on the model's device.
        callback : callable, optional
            Called after every step with a dict (see the samplers).
        progress : bool, default=False
            Show a progress bar.
        **sampler_options
            Passed to the sampler, e.g. ``t_start`` for the solvers.

        Returns
        -------
        samples : Tensor of shape ``[n_samples, *data_shape]``
            Draws in the flow's range (class indices for categorical data).

        Raises
        ------
        ValueError
            For an unknown sampler name or a condition of the wrong length.

        Examples
        --------
        >>> import torch
        >>> from skbfn.core import BFN
        >>> from skbfn.core.nets import MLP
        >>> model = BFN(MLP(2, hidden_layer_sizes=(16,), n_classes=3), 2, cond_drop_prob=0.1)
        >>> x, labels = torch.rand(5, 2) - 0.5, torch.tensor([0, 1, 2, 0, 1])
        >>> model.eval().sample(4, labels[:4], n_steps=5, sampler="ode2", guidance_scale=2.0).shape
        torch.Size([4, 2])
        """
        if cond is not None and cond.shape[0] != n_samples:
            raise ValueError(f"cond has {cond.shape[0]} rows for {n_samples} samples.")
        if cells is not None and cells.given.shape != (n_samples, *self.data_shape):
            raise ValueError(
                f"cells has shape {tuple(cells.given.shape)} for samples of shape {(n_samples, *self.data_shape)}."
            )
        if isinstance(sampler, str):
            if sampler not in SAMPLERS:
                raise ValueError(f"Unknown sampler {sampler!r}; choose one of {sorted(SAMPLERS)}.")
            sampler = SAMPLERS[sampler]
        reference = self._reference()
        samples = sampler(
            self.predictor(cond, guidance_scale, rescaled_phi, cells),
            self.flow,
            (n_samples, *self.data_shape),
            n_steps,
            device=reference.device,
            dtype=reference.dtype,
            generator=generator,
            callback=callback,
            progress=progress,
            **sampler_options,
        )
        if cells is None:
            return samples
        samples = torch.where(cells.given, cells.values.to(samples.dtype), samples)
        return samples.masked_fill(cells.absent, float("nan"))
