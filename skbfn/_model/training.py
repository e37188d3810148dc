"""The fit loop: optimiser, EMA, gradient clipping, validation, early stopping, progress."""

from __future__ import annotations

import copy
import signal
import threading
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor
from tqdm.auto import tqdm

from .._inference.scoring import elbo_per_row
from ..core import BFN, EMA, random_cell_mask
from .checkpoint import Checkpointer
from .config import TrainingConfig
from .distributed import SINGLE_PROCESS, Replica, data_parallel
from .neighbour_noise import NeighbourNoise

__all__ = [
    "ListedTensors",
    "NonFiniteLossError",
    "clip_gradients",
    "make_optimizer",
    "train",
    "training_step",
    "validation_score",
]

# How often (in steps) the loss is read back from the device: for the progress
# bar and the non-finite check. Reading every step would force a device sync.
_READ_EVERY = 50


@dataclass
class History:
    """Training record: loss per step; validation ELBO (nats per row) with its steps."""

    loss: list[float] = field(default_factory=list)
    validation_step: list[int] = field(default_factory=list)
    validation_score: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, list]:
        return {
            "loss": self.loss,
            "validation_step": self.validation_step,
            "validation_score": self.validation_score,
        }


class NonFiniteLossError(FloatingPointError):
    """Raised by ``fit`` when the training loss stops being finite.

    The message names the step and the likely causes (a learning rate too
    high for the data, extreme values). The estimator is left as it was
    before the call.

    Examples
    --------
    A subclass of :class:`FloatingPointError`; catch it to retry with a lower
    learning rate:

    >>> from skbfn import BFNGenerator, NonFiniteLossError
    >>> issubclass(NonFiniteLossError, FloatingPointError)
    True
    >>> def fit_with_backoff(X, learning_rate=1e-2):
    ...     try:
    ...         return BFNGenerator(learning_rate_init=learning_rate).fit(X)
    ...     except NonFiniteLossError:
    ...         return fit_with_backoff(X, learning_rate / 10)
    """


def _batch_loss(model: BFN, config: TrainingConfig, x: Tensor, cond: Tensor | None, generator) -> Tensor:
    cells = random_cell_mask(x, config.conditional_fraction, generator=generator) if model.cell_inputs else None
    n_loss_steps = config.bound.n_loss_steps
    if n_loss_steps is None:
        return model.loss(x, cond, cells=cells, generator=generator).mean()
    return model.discrete_loss(x, cond, n_loss_steps=n_loss_steps, cells=cells, generator=generator).mean()


def make_optimizer(model: BFN, config: TrainingConfig):
    """AdamW and, for 'cosine', a schedule annealing the learning rate to 0 over ``max_iter`` steps."""
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay, **_adamw_kernels(model)
    )
    if config.learning_rate_schedule == "constant":
        return optimizer, None
    return optimizer, torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.max_iter)


def _adamw_kernels(model: BFN) -> dict:
    """The fused AdamW kernel (one kernel for the whole update) on the CPU and CUDA, else foreach kernels.

    On 2 CPU cores, AdamW's update of the default MLP (34 tensors, 135k weights) took a median 0.69 ms
    fused, against 2.07 ms with foreach kernels and 2.78 ms with one loop per tensor.
    """
    devices = {p.device.type for p in model.parameters()}
    return {"fused": True} if devices <= {"cpu", "cuda"} else {"foreach": True}


@dataclass(frozen=True)
class ListedTensors:
    """What every training step reads beyond the batch, listed once per fit.

    Listing a module's parameters walks its tree of submodules (about 0.1 ms
    for the default MLP on two CPU cores), and a step read them three times:
    for clipping and for the EMA's two modules. With the tensors listed once,
    clipping and the EMA update of the 10-column table of
    ``benchmarks/bench_scale.py`` took 0.27 ms and 0.29 ms after a backward
    pass, against 0.52 ms and 0.60 ms.
    """

    parameters: list[Tensor]
    update_ema: Callable[[], None]

    @classmethod
    def of(cls, model: BFN, ema: EMA) -> ListedTensors:
        """The tensors of ``model`` and ``ema``, valid while neither module's tensors are replaced."""
        return cls(list(model.parameters()), ema.updater(model))


def clip_gradients(parameters: list[Tensor], max_norm: float) -> None:
    """Scale the gradients of ``parameters`` so that their total 2-norm is at most ``max_norm``.

    What :func:`torch.nn.utils.clip_grad_norm_` does (same total norm, same
    ``1e-6`` in the scale), without its grouping of the tensors by device and
    dtype where they form one group: a foreach norm, one stack, one foreach
    multiply.
    """
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    if len({(g.device, g.dtype) for g in grads}) > 1:
        torch.nn.utils.clip_grad_norm_(parameters, max_norm, foreach=True)
        return
    total = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))
    torch._foreach_mul_(grads, torch.clamp(max_norm / (total + 1e-6), max=1.0))


def training_step(
    model: BFN,
    ema: EMA,
    optimizer,
    scheduler,
    config: TrainingConfig,
    x: Tensor,
    cond: Tensor | None,
    generator,
    listed: ListedTensors | None = None,
) -> Tensor:
    """One optimiser step on a batch: loss, backward, clipping, update, schedule, EMA. Returns the loss.

    ``listed`` (:class:`ListedTensors` of ``model`` and ``ema``) saves listing
    their tensors again; a loop passes the same one every step.
    """
    listed = ListedTensors.of(model, ema) if listed is None else listed
    loss = _batch_loss(model, config, x, cond, generator)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if config.max_grad_norm is not None:
        clip_gradients(listed.parameters, config.max_grad_norm)
    optimizer.step()
    if scheduler is not None:
        scheduler.step()
    listed.update_ema()
    return loss.detach()


@torch.no_grad()
def validation_score(ema: EMA, config: TrainingConfig, x: Tensor, cond: Tensor | None, seed: int) -> float:
    """Mean ELBO of the averaged model on held-out rows (model units), nats per row.

    Estimated exactly as :meth:`skbfn.BFNGenerator.score_samples` estimates
    it (:func:`~skbfn._inference.scoring.elbo_per_row` with the run's
    :class:`~skbfn._inference.scoring.BoundSettings`, dequantisation
    included), so early stopping selects on the quantity ``score`` reports.
    """
    encoded = x.detach().cpu().numpy()
    return float(np.mean(elbo_per_row(ema.module, encoded, cond, bound=config.bound, seed=seed)))


def _batches(n_rows: int, batch_size: int, generator, device):
    """Endless stream of row indices, reshuffled every epoch, full batches only."""
    batch_size = min(batch_size, n_rows)
    while True:
        order = torch.randperm(n_rows, generator=generator, device=device)
        for start in range(0, n_rows - batch_size + 1, batch_size):
            yield order[start : start + batch_size]


def train(
    model: BFN,
    ema: EMA,
    config: TrainingConfig,
    x: Tensor,
    cond: Tensor | None,
    *,
    generator: torch.Generator,
    validation: tuple[Tensor, Tensor | None] | None = None,
    validation_seed: int = 0,
    replica: Replica = SINGLE_PROCESS,
    checkpoint: Checkpointer | None = None,
    dequantisation_widths: Tensor | None = None,
    neighbour_noise: NeighbourNoise | None = None,
) -> History:
    """Train ``model`` in place on rows ``x`` (and conditions ``cond``), updating ``ema``.

    Runs ``config.max_iter`` optimiser steps, or fewer when early stopping on
    the validation ELBO triggers; then the weights with the best validation
    score are restored. Raises :class:`NonFiniteLossError` if the loss stops
    being finite. In a data-parallel job (``replica.world_size > 1``) every
    replica draws the same global batches and trains on its own shard of each,
    with its own noise, and DDP averages the gradients. With a ``checkpoint``
    the run resumes from a matching checkpoint, writes one every
    ``checkpoint.interval`` steps, and removes it once complete. With
    ``dequantisation_widths`` (one per column, or one per row of ``x`` and
    column; 0 off the integer lattice) every batch gets fresh uniform noise
    of that width on its lattice columns, so that the model learns a density
    whose integral over the image of each integer's cell is that integer's
    probability. With
    ``neighbour_noise``, every batch's rows first move towards their
    neighbours (:class:`~skbfn._model.neighbour_noise.NeighbourNoise`).
    """
    model.train()
    optimizer, scheduler = make_optimizer(model, config)
    losses = torch.empty(config.max_iter, device=x.device)
    start = 0
    restored = None if checkpoint is None else checkpoint.restore(model, ema, optimizer, scheduler, config.max_iter)
    if restored is not None:
        start, done = restored
        losses[:start] = torch.tensor(done, device=x.device, dtype=losses.dtype)
        generator = torch.Generator(device=x.device).manual_seed(generator.initial_seed() + start)
    progress = tqdm(
        total=config.max_iter,
        initial=start,
        disable=config.verbose < 1 or not replica.is_main,
        desc="BFN fit",
        unit="step",
    )
    with _deferred_keyboard_interrupt() as interrupt, data_parallel(model, replica):
        loop = _Loop(
            model=model,
            ema=ema,
            config=config,
            x=x,
            cond=cond,
            generator=generator,
            optimizer=optimizer,
            scheduler=scheduler,
            losses=losses,
            validation=validation,
            validation_seed=validation_seed,
            replica=replica,
            checkpoint=checkpoint,
            start=start,
            dequantisation_widths=dequantisation_widths,
            neighbour_noise=neighbour_noise,
            progress=progress,
            interrupt=interrupt,
        )
        n_done, best_state = loop.run()
    progress.close()
    history = loop.history
    if checkpoint is not None and n_done == config.max_iter and replica.is_main:
        checkpoint.remove()
    if interrupt.requested:
        warnings.warn(
            f"Training was interrupted (KeyboardInterrupt) after {n_done} of {config.max_iter} steps; "
            "the model keeps the weights reached at the end of that step.",
            UserWarning,
            stacklevel=3,
        )

    history.loss = losses[:n_done].tolist()
    if config.early_stopping and best_state is not None:
        model.load_state_dict(best_state[0])
        ema.load_state_dict(best_state[1])
    model.eval()
    return history


class _InterruptFlag:
    requested = False


@contextmanager
def _deferred_keyboard_interrupt():
    """Turn Ctrl-C (SIGINT) into a flag that the step loop reads at the end of each step.

    Outside the main thread, where signal handlers cannot be set, Ctrl-C keeps
    its usual effect.
    """
    flag = _InterruptFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def request_stop(signum, frame):
        flag.requested = True

    previous = signal.signal(signal.SIGINT, request_stop)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def _stream_seed(seed: int) -> int:
    """A seed for a second stream beside a generator seeded with ``seed``: one step of Knuth's 64-bit LCG.

    The same seed would replay that generator's raw numbers in the other
    stream; neighbouring seeds (``seed + rank + 1``, the replicas' noise) map
    far apart.
    """
    return (seed * 6364136223846793005 + 1442695040888963407) % 2**64


@contextmanager
def _seeded_global_rng(seed: int, device: torch.device):
    """PyTorch's global random state of the CPU (and of ``device`` on CUDA) seeded for the block, then restored.

    The fit draws its own randomness from explicit generators; a network's
    dropout (:class:`~skbfn.core.nets.MLP`) draws from the global state, which
    this makes reproducible without touching the caller's. The global state
    gets a seed derived from ``seed`` (:func:`_stream_seed`), so that the
    dropout masks do not reuse the noise generator's numbers.
    """
    cuda = device.type == "cuda"
    index = (torch.cuda.current_device() if device.index is None else device.index) if cuda else None
    derived = _stream_seed(seed)
    with torch.random.fork_rng(devices=[index] if cuda else [], device_type="cuda"):
        torch.random.default_generator.manual_seed(derived)
        if cuda:
            torch.cuda.default_generators[index].manual_seed(derived)
        yield


@dataclass(kw_only=True)
class _Loop:
    """The step loop, with everything it reads and updates."""

    model: BFN
    ema: EMA
    config: TrainingConfig
    x: Tensor
    cond: Tensor | None
    generator: torch.Generator
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler | None
    losses: Tensor
    validation: tuple[Tensor, Tensor | None] | None
    validation_seed: int
    replica: Replica
    checkpoint: Checkpointer | None
    start: int
    dequantisation_widths: Tensor | None
    neighbour_noise: NeighbourNoise | None
    progress: tqdm
    interrupt: _InterruptFlag
    history: History = field(default_factory=History)
    best_score: float = -float("inf")
    best_state: tuple[dict, dict] | None = None
    rounds_without_gain: int = 0

    def run(self) -> tuple[int, tuple[dict, dict] | None]:
        """Run the steps. Returns ``(steps done, best state)``; a Ctrl-C ends it after the step in flight."""
        replica, x = self.replica, self.x
        batches = _batches(x.shape[0], self.config.batch_size, self.generator, x.device)
        noise = self.generator
        if replica.world_size > 1:  # same batches everywhere, different noise on each replica
            noise = torch.Generator(device=x.device).manual_seed(self.generator.initial_seed() + replica.rank + 1)
        n_done = self.start
        listed = ListedTensors.of(self.model, self.ema)
        with _seeded_global_rng(noise.initial_seed(), x.device):  # the network's dropout draws from it
            for step in range(self.start, self.config.max_iter):
                self.losses[step] = self._step(next(batches)[replica.rank :: replica.world_size], noise, listed)
                n_done = step + 1
                self._after_step(n_done)
                if self.validation is not None and self._validation_due(n_done) and self._validate(n_done):
                    break
                if self.interrupt.requested:
                    break
        return n_done, self.best_state

    def _step(self, index: Tensor, noise: torch.Generator, listed: ListedTensors) -> Tensor:
        """One optimiser step on the rows ``index`` (moved and dequantised afresh, where asked)."""
        batch = self.x[index] if self.neighbour_noise is None else self.neighbour_noise(self.x, index, noise)
        if self.dequantisation_widths is not None:
            uniform = torch.rand(batch.shape, generator=noise, device=batch.device, dtype=batch.dtype)
            widths = self.dequantisation_widths
            batch = batch + (uniform - 0.5) * (widths if widths.ndim == 1 else widths[index])
        cond = None if self.cond is None else self.cond[index]
        return training_step(
            self.model, self.ema, self.optimizer, self.scheduler, self.config, batch, cond, noise, listed
        )

    def _after_step(self, n_done: int) -> None:
        """Checkpoint when due; every ``_READ_EVERY`` steps, check the losses and show their mean."""
        if self.checkpoint is not None and self.replica.is_main and n_done % self.checkpoint.interval == 0:
            done = self.losses[:n_done].tolist()
            self.checkpoint.write(n_done, self.model, self.ema, self.optimizer, self.scheduler, done)
        if n_done % _READ_EVERY == 0 or n_done == self.config.max_iter:
            recent = self.losses[max(0, n_done - _READ_EVERY) : n_done]
            if not torch.isfinite(recent).all():
                raise NonFiniteLossError(
                    f"The training loss became non-finite by step {n_done}. Try a smaller "
                    "learning_rate_init, a smaller max_grad_norm, or a larger sigma_1."
                )
            self.progress.set_postfix(loss=f"{recent.mean().item():.4g}", refresh=False)
        self.progress.update(1)

    def _validation_due(self, n_done: int) -> bool:
        return n_done % self.config.validation_interval == 0 or n_done == self.config.max_iter

    def _validate(self, n_done: int) -> bool:
        """Score the held-out rows, keep the best weights; True when early stopping says stop."""
        score = validation_score(self.ema, self.config, *self.validation, self.validation_seed)
        self.history.validation_step.append(n_done)
        self.history.validation_score.append(score)
        if score > self.best_score + self.config.tol:
            self.best_score, self.rounds_without_gain = score, 0
            self.best_state = (copy.deepcopy(self.model.state_dict()), copy.deepcopy(self.ema.state_dict()))
        else:
            self.rounds_without_gain += 1
        return self.config.early_stopping and self.rounds_without_gain >= self.config.n_iter_no_change
