"""
Samplers: sample quality against the number of steps
=====================================================

One :class:`skbfn.BFNGenerator` trained on two moons, sampled with every
sampler of :mod:`skbfn.core.samplers` at 5 to 100 steps (``n_steps + 1``
network calls each). Quality is the energy distance between 2000 samples and
2000 held-out rows (0 for two samples of the same distribution; lower is
better). This is the figure behind the sampler advice in "Choosing
parameters": the paper's sampler needs about 100 steps, the second-order
solvers far fewer. Runs in about a minute on two CPU cores and writes
``samplers.png``.
"""

# %%
# Train once with the defaults; the sampler and its number of steps are
# sampling-time parameters, changed with ``set_params`` without refitting.

# sphinx_gallery_start_ignore
import matplotlib

matplotlib.use("Agg")  # scripts write PNGs; no window
# sphinx_gallery_end_ignore
import matplotlib.pyplot as plt
from scipy.spatial.distance import cdist
from sklearn.datasets import make_moons

from skbfn import BFNGenerator
from skbfn.core import SAMPLERS

X_train = make_moons(5000, noise=0.1, random_state=0)[0]
X_test = make_moons(2000, noise=0.1, random_state=1)[0]
gen = BFNGenerator(random_state=0).fit(X_train)


def energy_distance(a, b):
    """``2 E|A-B| - E|A-A'| - E|B-B'|`` (U-statistics), in units of the training rows' spread."""
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    a, b = (a - mean) / std, (b - mean) / std
    within_a = cdist(a, a).sum() / (len(a) * (len(a) - 1))
    within_b = cdist(b, b).sum() / (len(b) * (len(b) - 1))
    return 2 * cdist(a, b).mean() - within_a - within_b


# %%
# Every sampler at 5, 10, 25, 50 and 100 steps. A second sample of the data
# itself gives the floor: the energy distance that sampling noise alone leaves.
steps = [5, 10, 25, 50, 100]
floor = energy_distance(make_moons(2000, noise=0.1, random_state=2)[0], X_test)
print(f"a second sample of the data: {floor:.4f}")
print(f"{'sampler':<12}" + "".join(f"{'n=' + str(n):>9}" for n in steps))
distances = {}
for sampler in sorted(SAMPLERS):
    gen.set_params(sampler=sampler)
    distances[sampler] = [
        energy_distance(gen.set_params(n_steps=n).sample(2000, random_state=1), X_test) for n in steps
    ]
    print(f"{sampler:<12}" + "".join(f"{d:>9.4f}" for d in distances[sampler]))

# %%
# What to see: at 5 and 10 steps the paper's sampler and the first-order
# solvers are far from the data, the second-order ones already close. From 25
# steps the stochastic samplers reach the floor that two samples of the data
# leave (the U-statistic estimate can dip below 0), so ``'sde2-lambda'`` at 25
# steps matches the paper's sampler at 100 steps with a quarter of the network
# calls. The default, ``'sde2-lambda-late'`` (drawn thick), takes its log-SNR
# steps shorter towards the data, where the fine detail is decided: at 15
# steps it was as good as 20 and 25 over forty samples each (one sample, as
# here, moves the distance by about 0.0005). The deterministic ODE solvers
# stay a little above the floor however many steps they take.
default_sampler = BFNGenerator().sampler
fig, ax = plt.subplots(figsize=(5.5, 4))
for sampler, values in distances.items():
    ax.plot(steps, values, marker="o", label=sampler, lw=2 if sampler == default_sampler else 1)
ax.axhline(floor, color="k", ls=":", lw=1, label="two samples of the data")
ax.set(xscale="log", xlabel="n_steps", ylabel="energy distance to held-out rows")
ax.set_yscale("symlog", linthresh=1e-3)  # logarithmic above 0.001, linear around 0
ax.set_xticks(steps, [str(n) for n in steps])
ax.legend(fontsize=8)
fig.tight_layout()
# sphinx_gallery_start_ignore
fig.savefig("samplers.png", dpi=80)
# sphinx_gallery_end_ignore
