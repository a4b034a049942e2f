"""The precomputed sweep behind the chapter "Can you trust a heatmap?".

Every method of ``xai4ess.methods()`` that runs on the additive benchmark's networks is
scored against the exact truth for the seed-0 network and its five retrained seeds (both
architectures), the proxy metrics are computed for the seed-0 networks and, on two more
datasets with a (weaker) truth, for the de-confounded horse classifier against the horse
masks and for the climate chapter's year-from-map network against the true
signal-to-noise map; everything is written to ``data/results/trust.npz`` through the registry
(``python -m xai4ess data regenerate results:trust``). Heavy (20 minutes to an hour on
two shared cores, mostly the horse part), so the chapter only reads the file; a reliability
dataset can be recomputed alone with :func:`update_shipped`, through the same functions.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from . import complexity, faithfulness, localisation, randomisation, ranking, robustness, truth

#: Test samples scored for truth fidelity (all seeds) and for the proxy metrics.
N_TRUTH, N_PROXY = 200, 100
#: Untagged horse pictures for the second reliability table.
N_HORSES = 32
#: Late-century (2071-2100) test maps of the climate network for the third table.
N_CLIMATE = 60
SEEDS = (0, 1, 2, 3, 4, 5)
#: Methods that need a classifier (softmax) or a convolution and so do not apply to the
#: dense regression network; they are tried anyway and the error is recorded.
PROXIES = (
    ("deletion_area", -1.0),
    ("insertion_area", 1.0),
    ("faithfulness_corr", 1.0),
    ("randomisation_sim", -1.0),
    ("sparseness", 1.0),
    ("entropy", -1.0),
    ("max_sensitivity", -1.0),
)
#: Per-method medians closer than this share of the largest count as tied in Kendall's tau.
TIE_RTOL = 1e-5
#: The absolute-temperature encoding of the baseline lesson: T = CLIM + SCALE * x (K).
SCALE_K = 0.8


def _methods() -> list[str]:
    from .. import methods

    return list(methods().index)


def climatology(lat: np.ndarray, nlon: int) -> np.ndarray:
    """A made-up SST climatology (K) for the absolute encoding: warm equator, cooler edges."""
    c = 301.0 - 0.012 * lat.astype(np.float64) ** 2
    return np.repeat(c[:, None], nlon, axis=1)[..., None].astype(np.float32)


def absolute_model(model, clim: np.ndarray, scale: float = SCALE_K):
    """The dense network re-expressed for inputs in K: ``T = clim + scale * x``.

    The first Dense layer gets kernel ``W / scale`` and bias ``b - (W / scale) . clim``, so
    the new model gives exactly the same output for ``T`` as the old one for ``x``.
    """
    from .. import models

    new = models.build("additive")
    new.set_weights(model.get_weights())
    layer = new.get_layer("dense_a")
    w, b = layer.get_weights()
    w2 = w / scale
    layer.set_weights([w2, b - clim.reshape(-1) @ w2])
    return new


def _safe_explain(model, x, method, **options):
    from .. import explain

    try:
        r = np.asarray(explain(model, x, method, **options), dtype=np.float64)
    except Exception as exc:  # recorded: the chapter lists what does not apply and why
        return None, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    if r.ndim == x.ndim - 1:
        r = r[..., None]
    return r, ""


def run(log=print) -> dict[str, np.ndarray]:
    """Compute every number of the chapter (minutes on 2 cores)."""
    from .. import data, models

    t0 = time.time()
    _, test = data.load("additive")
    x = np.asarray(test.x[:N_TRUTH], dtype=np.float32)
    tr = np.asarray(test.truth[:N_TRUTH])
    names = _methods()
    seeds = list(SEEDS)
    out: dict[str, np.ndarray] = {}
    errors: dict[str, str] = {}
    for a in ("additive", "additive_cnn"):
        pear = np.full((len(names), len(seeds), N_TRUTH), np.nan)
        spear = np.full_like(pear, np.nan)
        r2s = []
        for j, s in enumerate(seeds):
            model = models.load(a if s == 0 else f"{a}_s{s}")
            p = np.asarray(model(test.x, training=False)).ravel()
            r2s.append(1 - np.mean((p - test.y) ** 2) / np.var(test.y))
            for i, m in enumerate(names):
                r, err = _safe_explain(model, x, m)
                if r is None:
                    errors[f"{a}:{m}"] = err
                    continue
                pear[i, j] = truth.truth_correlation(r, tr)
                spear[i, j] = truth.truth_correlation(r, tr, kind="spearman")
                if s == 0:
                    out[f"{a}/map/{m}"] = r[:4].astype(np.float32)
            log(f"{a} seed {s}: {time.time() - t0:.0f} s")
        out[f"{a}/pearson"] = pear.astype(np.float32)
        out[f"{a}/spearman"] = spear.astype(np.float32)
        out[f"{a}/r2"] = np.asarray(r2s)
        out[f"{a}/chance"] = truth.chance_correlation(tr, n_draws=20).astype(np.float32)
        out.update(_proxies(a, models.load(a), test, names, log, t0))
    out.update(_lessons(test, names, log))
    out.update(_horses(names, log, t0))
    out.update(_climate(names, log, t0))
    out["x"] = x[:4]
    out["truth"] = tr[:4].astype(np.float32)
    meta = {"methods": names, "seeds": seeds, "errors": errors, "proxies": [p for p, _ in PROXIES]}
    out["meta"] = np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8)
    log(f"done in {time.time() - t0:.0f} s")
    return out


def _proxies(a, model, test, names, log, t0) -> dict[str, np.ndarray]:
    x = np.asarray(test.x[:N_PROXY], dtype=np.float32)
    tr = np.asarray(test.truth[:N_PROXY])

    def predict(b):
        return np.asarray(model(np.asarray(b, np.float32), training=False)).ravel()

    return _proxy_sweep(
        a, model, x, predict, lambda r: truth.truth_correlation(r, tr), names, log, t0
    )


def _horses(names, log, t0) -> dict[str, np.ndarray]:
    """Second dataset with a truth: the de-confounded horse classifier on untagged horse
    pictures; 'truth' score = share of positive relevance inside the horse mask."""
    from .. import data, models

    _, test = data.load("horses")
    pick = np.flatnonzero((test.y == 1) & ~test.has_tag)[:N_HORSES]
    x = np.asarray(test.x[pick], dtype=np.float32)
    mask = np.asarray(test.horse_mask[pick])
    model = models.load("horses_fixed")

    def predict(b):  # probability of "horse" (the softmax output; a monotone map of the logit)
        return np.asarray(model(np.asarray(b, np.float32), training=False))[:, 1]

    def fidelity(r):
        return localisation.relevance_share(r, mask)

    return _proxy_sweep(
        "horses",
        model,
        x,
        predict,
        fidelity,
        names,
        log,
        t0,
        target=1,
        subset_size=256,
        radius=0.02,
    )


def _climate(names, log, t0, n: int = N_CLIMATE) -> dict[str, np.ndarray]:
    """Third dataset with a truth: the year-from-map network of the climate chapter on
    late-century (2071-2100) test maps; 'truth' score = per-sample Pearson correlation
    between the signed map and the true signal-to-noise map ``snr = |signal| / noise_std``
    (the static truth of ``xai4ess.data.climate``, the same for every sample)."""
    from .. import data, models

    _, test = data.load("climate")
    pick = np.flatnonzero(np.asarray(test.y) >= 2071)[:n]
    x = np.asarray(test.x[pick], dtype=np.float32)
    snr = np.broadcast_to(np.asarray(test.snr, dtype=np.float64)[None, ..., None], x.shape)
    model = models.load("climate")

    def predict(b):  # the predicted year
        return np.asarray(model(np.asarray(b, np.float32), training=False)).ravel()

    def fidelity(r):
        return truth.truth_correlation(r, snr)

    out = _proxy_sweep(
        "climate", model, x, predict, fidelity, names, log, t0, subset_size=128, radius=0.1
    )
    out["climate/years"] = np.asarray(test.y)[pick].astype(np.float32)
    return out


def _proxy_sweep(
    a, model, x, predict, fidelity, names, log, t0, target=None, subset_size=16, radius=0.1
) -> dict[str, np.ndarray]:
    from .. import explain

    n = len(x)
    vals = np.full((len(PROXIES), len(names), n), np.nan)
    fid = np.full((len(names), n), np.nan)
    opts = {} if target is None else {"target": target}
    casc = {}
    for i, m in enumerate(names):
        r, err = _safe_explain(model, x, m, **opts)
        if r is None:
            continue
        if r.shape != x.shape:  # one map per pixel (Grad-CAM, occlusion): share it over channels
            r = np.repeat(r, x.shape[-1], axis=-1) / x.shape[-1]
        fid[i] = fidelity(r)
        f, c = faithfulness.deletion_curve(predict, x, r, steps=16, baseline=0.0)
        vals[0, i] = faithfulness.area_under_curve(f, c, normalise=False)
        f, c = faithfulness.insertion_curve(predict, x, r, steps=16, baseline=0.0)
        vals[1, i] = faithfulness.area_under_curve(f, c, kind="insertion", normalise=False)
        vals[2, i] = faithfulness.faithfulness_correlation(
            predict, x, r, subset_size=subset_size, n_draws=32, baseline=0.0
        )
        res = randomisation.cascading_randomisation(
            model, x, explain_fn=lambda mm, b, m=m: explain(mm, b, m, **opts), kind="spearman_abs"
        )
        vals[3, i] = res["similarity"][-1]
        casc[m] = res
        vals[4, i] = complexity.sparseness(r)
        vals[5, i] = complexity.entropy(r)
        vals[6, i] = robustness.max_sensitivity(
            lambda b, m=m: explain(model, np.asarray(b, np.float32), m, **opts),
            x,
            radius=radius,
            n_samples=4,
        )
        log(f"{a} proxies {m}: {time.time() - t0:.0f} s")
    out = {f"{a}/proxy": vals.astype(np.float32), f"{a}/proxy_truth": fid.astype(np.float32)}
    some = next(iter(casc.values()))
    out[f"{a}/casc_chance"] = some["chance"].astype(np.float32)
    out[f"{a}/casc"] = np.stack(
        [
            casc[m]["similarity"].mean(axis=1)
            if m in casc
            else np.full(len(some["layers"]), np.nan)
            for m in names
        ]
    ).astype(np.float32)
    out[f"{a}/tau"] = taus(out[f"{a}/proxy"], out[f"{a}/proxy_truth"])
    return out


def taus(vals: np.ndarray, fid: np.ndarray) -> np.ndarray:
    """Reliability rows ``(tau, low, high)`` of every proxy metric, from the stored
    (float32) per-sample scores, so that the file alone determines them. Methods with a
    missing truth score, or a metric undefined on every sample, are left out; medians
    within ``TIE_RTOL`` of the largest are ties (near-duplicate implementations)."""
    vals = np.asarray(vals, dtype=np.float64)
    fid = np.asarray(fid, dtype=np.float64)
    tau = np.full((len(PROXIES), 3), np.nan)
    ok = np.isfinite(fid).all(axis=1)
    for k, (_, sign) in enumerate(PROXIES):
        good = ok & np.isfinite(vals[k]).any(axis=1)
        b = ranking.bootstrap_kendall(
            vals[k][good], fid[good], n_boot=1000, sign=sign, rtol=TIE_RTOL
        )
        tau[k] = b["tau"], b["low"], b["high"]
    return tau


def _lessons(test, names, log) -> dict[str, np.ndarray]:
    """Baseline lesson and zero-input numbers on the seed-0 dense network."""
    from .. import models

    model = models.load("additive")
    x = np.asarray(test.x[:N_TRUTH], dtype=np.float32)
    tr = np.asarray(test.truth[:N_TRUTH])
    clim = climatology(test.lat, len(test.lon))
    t_abs = clim[None] + np.float32(SCALE_K) * x
    absm = absolute_model(model, clim)
    out = {}
    p0 = np.asarray(model(x, training=False)).ravel()
    p1 = np.asarray(absm(t_abs, training=False)).ravel()
    out["lesson/encoding_max_diff"] = np.asarray([np.abs(p0 - p1).max()])
    rows = {
        "ig_anomaly_zero": (model, x, "integrated_gradients", {}),
        "ig_kelvin_zero": (absm, t_abs, "integrated_gradients", {}),
        "ig_kelvin_clim": (absm, t_abs, "integrated_gradients", {"reference_inputs": clim}),
        "ixg_anomaly": (model, x, "input_t_gradient", {}),
        "ixg_kelvin": (absm, t_abs, "input_t_gradient", {}),
        "grad_anomaly": (model, x, "gradient", {}),
        "grad_kelvin": (absm, t_abs, "gradient", {}),
    }
    keys = []
    table = []
    for key, (m, xx, meth, opts) in rows.items():
        r, err = _safe_explain(m, xx, meth, **opts)
        keys.append(key)
        table.append(truth.truth_correlation(r, tr) if r is not None else np.full(len(x), np.nan))
        if key == "ig_kelvin_zero" and r is not None:
            out["lesson/ig_kelvin_zero_sum"] = r.sum(axis=(1, 2, 3))
    out["lesson/pearson"] = np.stack(table).astype(np.float32)
    out["lesson/keys"] = np.frombuffer(json.dumps(keys).encode(), dtype=np.uint8)
    # zero-input ignorance: |attribution| in cells with |x| < 0.1 relative to all cells
    small = np.abs(x) < 0.1
    zero = {}
    for m in ("gradient", "input_t_gradient", "integrated_gradients", "lrp.epsilon"):
        r, _ = _safe_explain(model, x, m)
        zero[m] = float(np.median(np.abs(r[small])) / np.median(np.abs(r)))
    zero["truth"] = float(np.median(np.abs(tr[small])) / np.median(np.abs(tr)))
    out["lesson/zero"] = np.frombuffer(json.dumps(zero, sort_keys=True).encode(), dtype=np.uint8)
    # alpha1beta0 and sign
    r, _ = _safe_explain(model, x, "lrp.alpha_1_beta_0")
    out["lesson/ab_negative_share"] = np.asarray([float(np.mean(r < 0))])
    out["lesson/ab_vs_abs_truth"] = truth.truth_correlation(r, np.abs(tr)).astype(np.float32)
    out["lesson/truth_negative_share"] = np.asarray([float(np.mean(tr < 0))])
    log("lessons done")
    return out


#: Parts that :func:`update_shipped` can recompute alone (same code as :func:`run`).
PARTS = {"climate": _climate}


def update_shipped(directory: Path, parts=("climate",), log=print) -> None:
    """Recompute only some reliability datasets of ``results/trust.npz`` (and every
    reliability row, from the stored scores, with :func:`taus`) and rewrite it.

    The full recipe (:func:`write_shipped`) explains 12 networks and the horse pictures
    (half an hour or more on two shared cores); a reliability dataset added later is
    computed here by the very functions :func:`run` calls, its arrays replace (or join)
    those of the registered file, and the file is registered again. Running the full
    recipe gives the same arrays.
    """
    from .. import registry

    directory = Path(directory)
    out = dict(registry.load_npz("results/trust.npz", directory))
    names = json.loads(bytes(out["meta"]).decode())["methods"]
    if names != _methods():
        raise RuntimeError(
            "the method list changed since results/trust.npz was made; run the full recipe: "
            "python -m xai4ess data regenerate results:trust"
        )
    t0 = time.time()
    for part in parts:
        out = {k: v for k, v in out.items() if not k.startswith(f"{part}/")}
        out.update(PARTS[part](names, log, t0))
    for key in [k for k in out if k.endswith("/proxy_truth")]:  # taus from the stored scores
        a = key.rsplit("/", 1)[0]
        out[f"{a}/tau"] = taus(out[f"{a}/proxy"], out[key])
    _write(directory, out)


def _write(directory: Path, arrays: dict[str, np.ndarray]) -> None:
    from .. import registry

    registry.write_npz(
        directory,
        "results/trust.npz",
        arrays,
        recipe="results:trust",
        description=f"Chapter 'Can you trust a heatmap?': truth fidelity of every method on "
        f"{N_TRUTH} test samples x 6 seeds x 2 architectures, proxy metrics on {N_PROXY}; "
        f"reliability also on {N_HORSES} horse pictures and {N_CLIMATE} climate maps",
    )


def write_shipped(directory: Path) -> None:
    """Run the sweep and write ``results/trust.npz`` through the registry."""
    _write(Path(directory), run())
