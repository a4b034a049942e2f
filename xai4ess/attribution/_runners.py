"""The functions that run each explanation method (the ``run`` column of the method registry).

Every runner takes a :class:`Job` (the validated inputs, the resolved target and
the model to explain) plus the method's options, and returns one relevance
array per model input. Runners process the batch in chunks of
:data:`CHUNK` samples so that memory stays flat in the batch size, and report
progress per chunk.
"""

from __future__ import annotations

import hashlib
import inspect
import time
from dataclasses import dataclass, field

import numpy as np

from ..errors import OptionError, UnsupportedModelError
from ._occlusion import occlusion_map, patch_starts
from ._targets import Target

#: Samples per chunk (every method).
CHUNK = 64
#: Rows (augmented copies) per gradient evaluation in SmoothGrad and integrated gradients
#: (128: integrated gradients of 16 pictures through the 64 x 64 x 3 horses CNN peak
#: +62 MB; 256 rows peaked +122 MB in the same time, with bitwise identical maps).
ROWS = 128
#: A progress bar appears when a run's remaining time is expected to exceed this (seconds).
PROGRESS_AFTER_S = 5.0


def _b():
    """The TensorFlow side, imported on first use (importing this module stays TF-free)."""
    from .. import _backend

    return _backend


class Progress:
    """A tqdm bar (a widget in notebooks, text in a terminal) for long runs.

    ``enabled=True`` always shows it, ``False`` never. ``None`` shows it only
    for runs of more than ``threshold`` units whose remaining time,
    extrapolated from the units done so far, exceeds :data:`PROGRESS_AFTER_S`.
    """

    def __init__(self, enabled: bool | None, total: int, desc: str, threshold: int = 1):
        self.total, self.desc, self.done, self.bar = total, desc, 0, None
        self.auto = enabled is None and total > threshold
        self.start = time.perf_counter()
        if enabled:
            self._open()

    def _open(self) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(total=self.total, initial=self.done, desc=self.desc, leave=False)

    def update(self, k: int = 1) -> None:
        self.done += k
        if self.bar is not None:
            self.bar.update(k)
        elif self.auto and self.done < self.total:
            remaining = (time.perf_counter() - self.start) / self.done * (self.total - self.done)
            if remaining > PROGRESS_AFTER_S:
                self._open()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@dataclass
class Job:
    """One explain call after validation: what every runner needs."""

    method: str
    model: object  # a single-output Keras model (a fixed-size copy if needed)
    scores_model: object  # eager model whose output is explained (logits unless kept)
    xs: list  # float32 input arrays
    target: Target
    out_shape: tuple
    activation: str | None  # "softmax", "sigmoid" or None
    keep: bool  # explain the output after its activation
    progress: bool | None
    _heads: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.xs[0])

    def require_single_input(self) -> None:
        if len(self.xs) > 1:
            raise UnsupportedModelError(
                f"method {self.method!r} takes single-input models; this model has "
                f"{len(self.xs)} inputs. Use an iNNvestigate method such as 'lrp.epsilon', "
                "'gradient' or 'integrated_gradients'."
            )

    def chunks(self):
        """Yield ``(positions, indices, weights)`` per output head and chunk of samples."""
        groups = list(self.target.groups(self.n))
        total = sum(-(-len(pos) // CHUNK) for pos, _, _ in groups)
        bar = Progress(self.progress, total, self.method)
        try:
            for pos, idx, w in groups:
                for i in range(0, len(pos), CHUNK):
                    yield pos[i : i + CHUNK], None if idx is None else idx[i : i + CHUNK], w
                    bar.update()
        finally:
            bar.close()

    def collect(self, fn, per_channel: bool = True) -> list:
        """Run ``fn(xs, indices, weights, positions)`` per chunk; assemble per-input outputs."""
        shapes = [a.shape for a in self.xs] if per_channel else [self.xs[0].shape[:-1]]
        out = [np.zeros(s, dtype=np.float32) for s in shapes]
        for pos, idx, w in self.chunks():
            parts = fn([a[pos] for a in self.xs], idx, w, pos)
            for o, p in zip(out, parts):
                o[pos] = np.asarray(p, dtype=np.float32).reshape(o[pos].shape)
        return out

    # -- iNNvestigate -------------------------------------------------------------
    def analyze(self, inn_name: str, options: dict, xs: list, idx, w) -> list:
        """One iNNvestigate call; returns one array per input."""
        kwargs = {}
        if self.keep and self.activation is not None:
            if (
                "keep_output_activation"
                not in inspect.signature(_b().innvestigate_analyze).parameters
            ):
                raise UnsupportedModelError(
                    f"output_activation='keep' is not available for {self.method!r} "
                    "(iNNvestigate) with this version of xai4ess' backend; use a tf-explain "
                    "method or 'occlusion'."
                )
            kwargs["keep_output_activation"] = True
        x_in = xs[0] if len(xs) == 1 else xs
        out = _b().innvestigate_analyze(
            self.model, x_in, inn_name, self.method, options, idx, w, **kwargs
        )
        return list(out) if isinstance(out, (list, tuple)) else [out]

    def gradient(self, rows: list, idx: np.ndarray, w) -> list:
        """iNNvestigate gradients of many augmented rows, at most :data:`ROWS` at a time."""
        parts = [
            self.analyze("gradient", {}, [a[i : i + ROWS] for a in rows], idx[i : i + ROWS], w)
            for i in range(0, len(rows[0]), ROWS)
        ]
        return [np.concatenate([p[k] for p in parts]) for k in range(len(rows))]

    def mean_gradient(self, rows_of, n: int, count: int, idx: np.ndarray, w) -> list:
        """Each sample's gradient averaged over its ``n`` augmented copies.

        ``rows_of(lo, hi)`` gives the copies of samples ``lo..hi-1`` (of ``count``), one
        array per input, sample-major, ``(hi - lo) * n`` rows. Samples are taken ``ROWS // n``
        at a time, so only one group's copies and gradients exist at once (all 16
        samples' 512 copies at once held 0.13 GB more).
        """
        groups = max(1, ROWS // n)
        out = None
        for lo in range(0, count, groups):
            hi = min(lo + groups, count)
            grads = self.gradient(rows_of(lo, hi), np.repeat(idx[lo:hi], n), w)
            means = [g.reshape((hi - lo, n) + g.shape[1:]).mean(axis=1) for g in grads]
            if out is None:
                out = [np.empty((count,) + m.shape[1:], np.float32) for m in means]
            for o, m in zip(out, means):
                o[lo:hi] = m
        return out

    # -- tf-explain ---------------------------------------------------------------
    def tfx_model(self, w):
        """The eager model tf-explain differentiates: scores, flattened or weighted if needed."""
        key = None if w is None else w.tobytes()
        if key not in self._heads:
            model = self.scores_model
            if len(self.out_shape) > 2 or w is not None:
                model = _b().flat_head_model(model, w)
            self._heads[key] = model
        return self._heads[key]


def sample_rng(seed: int, arrays: list) -> np.random.Generator:
    """A generator seeded by ``seed`` and the sample's values (independent of its batch).

    >>> a = np.ones((2, 3), np.float32)
    >>> sample_rng(0, [a]).normal() == sample_rng(0, [a.copy()]).normal()
    True
    """
    h = hashlib.blake2b(digest_size=8)
    for a in arrays:
        h.update(np.ascontiguousarray(a, dtype=np.float32).tobytes())
    return np.random.default_rng([int(seed), int.from_bytes(h.digest(), "little")])


def _noisy(xs: list, n_aug: int, scale, seed: int) -> list:
    """``n_aug`` noisy copies per sample (rows sample-major), noise drawn per sample."""
    out = [np.empty((len(xs[0]) * n_aug,) + a.shape[1:], np.float32) for a in xs]
    for s in range(len(xs[0])):
        sample = [a[s] for a in xs]
        rng = sample_rng(seed, sample)
        for k, a in enumerate(sample):
            sd = float(0.1 * (a.max() - a.min()) or 0.1) if scale is None else float(scale)
            noise = rng.normal(0.0, sd, size=(n_aug,) + a.shape).astype(np.float32)
            out[k][s * n_aug : (s + 1) * n_aug] = a + noise
    return out


# ---------------------------------------------------------------------------
# runners: run(job, **options) -> list of arrays (one per input)
# ---------------------------------------------------------------------------
def run_innvestigate(job: Job, **options) -> list:
    """A plain iNNvestigate analyzer (gradient, LRP, deep Taylor, guided backprop)."""
    inn = {k: v for k, v in options.items() if v is not None}
    if job.method == "lrp.alpha_beta":
        a, b = float(inn["alpha"]), float(inn["beta"])
        if not np.isclose(a - b, 1.0):
            raise OptionError(
                f"lrp.alpha_beta needs alpha - beta = 1 (iNNvestigate convention); got "
                f"alpha={a}, beta={b}. In the convention of Bach et al. 2015 "
                f"(beta = 1 - alpha with a '+beta' term) see the heatmap-zoo chapter."
            )
    _b().check_innvestigate_layers(job.model, job.method)
    return job.collect(lambda xs, idx, w, pos: job.analyze(job.method, inn, xs, idx, w))


def run_smoothgrad(job: Job, augment_by_n=16, noise_scale=None, seed=0) -> list:
    """Mean iNNvestigate gradient over noisy copies; each sample's noise is seeded by its values."""
    _b().check_innvestigate_layers(job.model, job.method)
    n = int(augment_by_n)

    def one(xs, idx, w, pos):
        def rows_of(lo, hi):
            return _noisy([a[lo:hi] for a in xs], n, noise_scale, seed)

        return job.mean_gradient(rows_of, n, len(xs[0]), idx, w)

    return job.collect(one)


def _references(job: Job, reference_inputs) -> list:
    refs = reference_inputs
    if not isinstance(refs, (list, tuple)) or len(job.xs) == 1:
        refs = [refs] * len(job.xs) if len(job.xs) > 1 else [refs]
    if len(refs) != len(job.xs):
        raise OptionError(
            f"reference_inputs: give one baseline per model input ({len(job.xs)}); got {len(refs)}."
        )
    out = []
    for r, a in zip(refs, job.xs):
        r = np.asarray(r, dtype=np.float32)
        if r.shape == (1, *a.shape[1:]):  # one sample with its batch axis, e.g. clim[None]
            r = r[0]
        if r.shape == a.shape[1:] or r.ndim == 0:
            r = np.broadcast_to(r, a.shape[1:])[None]
        elif r.shape != a.shape:
            raise OptionError(
                f"reference_inputs has shape {r.shape}; use a number, one sample's shape "
                f"{a.shape[1:]} (or {(1, *a.shape[1:])}) or x's shape {a.shape}."
            )
        out.append(r)
    return out


def run_integrated_gradients(job: Job, steps=32, reference_inputs=0.0) -> list:
    """(x - x') times the mean gradient at x' + k/steps (x - x'), k = 0..steps-1."""
    _b().check_innvestigate_layers(job.model, job.method)
    refs, n = _references(job, reference_inputs), int(steps)
    alphas = np.arange(n, dtype=np.float32) / n

    def one(xs, idx, w, pos):
        rs = [r if len(r) == 1 else r[pos] for r in refs]

        def rows_of(lo, hi):
            rows = []
            for a, r in zip(xs, rs):
                a, r = a[lo:hi], (r if len(r) == 1 else r[lo:hi])
                path = r[:, None] + alphas.reshape((1, n) + (1,) * (a.ndim - 1)) * (a - r)[:, None]
                rows.append(path.reshape((len(a) * n,) + a.shape[1:]))
            return rows

        means = job.mean_gradient(rows_of, n, len(xs[0]), idx, w)
        return [m * (a - r) for m, a, r in zip(means, xs, rs)]

    return job.collect(one)


def run_tfx(job: Job, **options) -> list:
    """tf-explain's vanilla gradients, gradients x inputs or integrated gradients."""
    job.require_single_input()
    fn = {
        "tfx.vanilla_gradients": _b().tfx_vanilla_gradients,
        "tfx.gradients_inputs": _b().tfx_gradients_inputs,
        "tfx.integrated_gradients": _b().tfx_integrated_gradients,
    }[job.method]
    return job.collect(lambda xs, idx, w, pos: [fn(job.tfx_model(w), xs[0], idx, **options)])


def run_gradcam(job: Job, layer=None) -> list:
    """tf-explain's Grad-CAM (ReLU-ed, resized bilinearly to the input)."""
    job.require_single_input()
    return job.collect(
        lambda xs, idx, w, pos: [_b().tfx_gradcam(job.tfx_model(w), xs[0], idx, layer=layer)],
        per_channel=False,
    )


def run_tfx_smoothgrad(job: Job, samples=16, noise=0.1, seed=0) -> list:
    """tf-explain's SmoothGrad of log p(target); each sample's noise is seeded by its values."""
    job.require_single_input()
    if job.activation != "softmax":
        raise UnsupportedModelError(
            f"method 'tfx.smoothgrad' differentiates tf-explain's cross-entropy loss and needs a "
            f"classifier ending in softmax; model {job.model.name!r} has none. Use 'smoothgrad' "
            "(iNNvestigate) instead."
        )
    if len(job.out_shape) != 2:
        raise UnsupportedModelError(
            f"method 'tfx.smoothgrad' needs a classifier with outputs (N, classes); model "
            f"{job.model.name!r} outputs {tuple(job.out_shape)}. Use 'smoothgrad' (iNNvestigate), "
            "which explains an output pixel or a region."
        )
    if job.target.weights is not None:
        raise UnsupportedModelError(
            "method 'tfx.smoothgrad' explains log p(class) and takes class targets only; for "
            "target='contrast' use 'smoothgrad'."
        )
    n = int(samples)

    def one(xs, idx, w, pos):
        noisy = _noisy(xs, n, noise, seed)[0]
        out = np.zeros_like(xs[0])
        for t in np.unique(idx):
            rows = np.flatnonzero(idx == t)
            sel = (rows[:, None] * n + np.arange(n)).reshape(-1)
            # tf-explain differentiates -log p_t: flip the sign (positive = evidence for t).
            out[rows] = -_b().frontend_tfx_smoothgrad(job.model, noisy[sel], int(t), n)
        return [out]

    return job.collect(one)


def run_occlusion(job: Job, patch_size=4, stride=None, baseline="mean") -> list:
    """Score drop when patches are replaced by the baseline (see ``xai4ess.attribution._occlusion``)."""
    job.require_single_input()
    x = job.xs[0]
    spatial = x.shape[1:-1]
    sizes = (patch_size,) * len(spatial) if np.isscalar(patch_size) else tuple(patch_size)
    steps = sizes if stride is None else (stride,) * len(spatial) if np.isscalar(stride) else stride
    try:
        n_patches = int(
            np.prod([len(patch_starts(L, min(p, L), s)) for L, p, s in zip(spatial, sizes, steps)])
        )
    except (TypeError, ValueError):
        n_patches = 1  # occlusion_map reports the bad option
    bar = Progress(job.progress, job.n * (n_patches + 1), "occlusion", threshold=256)
    out = np.zeros(x.shape[:-1], dtype=np.float32)
    try:
        for i in range(0, job.n, CHUNK):
            pos = np.arange(i, min(i + CHUNK, job.n))

            def score(batch, owners, pos=pos):
                outputs = _b().frontend_predict(job.scores_model, batch)
                return job.target.scores(outputs, pos[owners])

            bar.update(len(pos))
            out[pos] = occlusion_map(
                x[pos], score, patch_size, stride, baseline, progress=bar.update
            )
    finally:
        bar.close()
    return [out]
