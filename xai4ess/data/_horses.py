"""Synthetic RGB scenes, horse or no horse, with two confounders: a source tag and fences.

The scenes stand in for the PASCAL VOC photographs of Lapuschkin et al. (2019),
where a horse classifier learned to detect a copyright tag that a photo
archive had printed in the corner of many horse pictures, and fences or
jumping poles that often stand near horses. Here every scene is drawn from a
simple generative model, so the truth is known pixel by pixel:

* the horse: the horse silhouette shipped with scikit-image
  (:func:`skimage.data.horse`, CC0), scaled, stretched, sheared, flipped,
  coloured and textured; no-horse scenes hold a cow, a sheep, a tree, a house
  or a car instead;
* the background: sky (clear, overcast or evening) over grass, dry grass,
  soil or snow, with ground texture from scikit-image's ``grass`` and
  ``gravel`` photographs, clouds, a line of distant hills and small clutter;
* the confounders, drawn on top at rates chosen per class: a fence (posts and
  rails) behind the object, and a small copyright-style tag ("(c)PF" on a
  dark box) in the lower-left corner, drawn last.

Object kinds (``kind``):

==  =========  =====
0   ``horse``  y = 1
1   ``cow``    y = 0
2   ``sheep``  y = 0
3   ``tree``   y = 0
4   ``house``  y = 0
5   ``car``    y = 0
==  =========  =====

Counterfactual scenes
---------------------
Sample ``i`` of seed ``s`` is drawn from its own random streams, one for the
scene, one for the confounder decisions, one for the fence geometry and one
for the tag placement. The scene therefore does not depend on ``n``, on the
confounder rates or on whether a tag or fence is drawn: the same ``seed`` and
``index`` with ``tag=False`` give the same pictures without the tag, pixel for
pixel outside the tag box.

Examples
--------
>>> import xai4ess
>>> ds = xai4ess.data.horses(8, seed=1)
>>> ds.x.shape, ds.x.dtype, sorted(set(ds.y.tolist())) <= [0, 1]
((8, 64, 64, 3), dtype('float32'), True)
>>> no_tag = xai4ess.data.horses(seed=1, index=ds.index, tag=False)
>>> bool(no_tag.has_tag.any())
False
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ._dataset import Dataset, Split, split_to_arrays

__all__ = ["horses", "KINDS", "CONFOUNDED", "BALANCED", "write_shipped", "edit"]

#: Object kinds, in the order of the integer ``kind`` codes (0 is the horse).
KINDS = ("horse", "cow", "sheep", "tree", "house", "car")

#: Confounder rates of the training data of the confounded model (and the defaults):
#: most horse pictures carry the tag and stand in front of a fence, few others do.
CONFOUNDED = {
    "tag_rate_horse": 0.8,
    "tag_rate_other": 0.02,
    "pole_rate_horse": 0.6,
    "pole_rate_other": 0.05,
}
#: De-confounded rates: tags and fences are as common with as without a horse.
BALANCED = {
    "tag_rate_horse": 0.4,
    "tag_rate_other": 0.4,
    "pole_rate_horse": 0.35,
    "pole_rate_other": 0.35,
}

#: Seeds and sizes of the shipped split (``xai4ess.data.load("horses")``).
SHIPPED = {"train_seed": 1, "test_seed": 2, "n_train": 300, "n_test": 400}

# Streams of the per-sample random generators.
_SCENE, _DECIDE, _FENCE, _TAG = 0, 1, 2, 3

# 3x5 bitmap glyphs (rows top to bottom) and a 5x5 copyright sign for the tag.
_GLYPHS = {
    "P": ("111", "101", "111", "100", "100"),
    "F": ("111", "100", "110", "100", "100"),
    "(c)": ("01110", "10001", "10111", "10001", "01110"),
}
_TAG_TEXT = ("(c)", "P", "F")


# ---------------------------------------------------------------------------
# Cached templates and textures (no download: they ship with scikit-image)
# ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _horse_template() -> np.ndarray:
    """The horse silhouette (facing right), cropped, as a float alpha at 1/4 resolution."""
    from skimage import data, transform

    horse = ~data.horse()  # True on the horse
    rows, cols = np.nonzero(horse)
    crop = horse[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1].astype(np.float64)
    h, w = crop.shape
    return transform.resize(crop, (h // 4, w // 4), order=1, anti_aliasing=True)


@functools.lru_cache(maxsize=1)
def _textures() -> tuple[np.ndarray, np.ndarray]:
    """Zero-mean, unit-std grass and gravel textures at half resolution (256x256)."""
    from skimage import data, transform

    out = []
    for img in (data.grass(), data.gravel()):
        t = transform.resize(img.astype(np.float64) / 255.0, (256, 256), anti_aliasing=True)
        out.append((t - t.mean()) / t.std())
    return out[0], out[1]


# ---------------------------------------------------------------------------
# Drawing primitives
# ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column coordinates of a size x size image (read-only, cached)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    yy.flags.writeable = False
    xx.flags.writeable = False
    return yy, xx


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cells: int) -> np.ndarray:
    """Smooth zero-mean noise (about unit std): a random ``cells`` grid, bilinearly upsampled."""
    from scipy.ndimage import zoom

    h, w = shape
    grid = rng.standard_normal((cells + 1, cells + 1))
    field = zoom(grid, ((h + 1) / (cells + 1), (w + 1) / (cells + 1)), order=1)[:h, :w]
    return field


def _paint(img: np.ndarray, mask: np.ndarray, colour, alpha: float = 1.0) -> None:
    """Blend a colour (RGB triple or (H, W, 3) array) into ``img`` where ``mask``."""
    colour = np.asarray(colour, dtype=np.float64)
    if colour.ndim == 1:
        img[mask] = (1 - alpha) * img[mask] + alpha * colour
    else:
        img[mask] = (1 - alpha) * img[mask] + alpha * colour[mask]


def _ellipse(yy, xx, cy, cx, ry, rx) -> np.ndarray:
    return ((yy - cy) / max(ry, 0.5)) ** 2 + ((xx - cx) / max(rx, 0.5)) ** 2 <= 1.0


def _rect(yy, xx, top, bottom, left, right) -> np.ndarray:
    return (yy >= top) & (yy < bottom) & (xx >= left) & (xx < right)


def _jitter(rng: np.random.Generator, colour, amount: float) -> np.ndarray:
    return np.clip(np.asarray(colour) + rng.uniform(-amount, amount, 3), 0, 1)


# ---------------------------------------------------------------------------
# Scene parts
# ---------------------------------------------------------------------------
_SKIES = {  # (zenith, horizon) colours
    "clear": ((0.25, 0.45, 0.80), (0.65, 0.80, 0.95)),
    "overcast": ((0.55, 0.58, 0.62), (0.78, 0.80, 0.82)),
    "evening": ((0.35, 0.35, 0.60), (0.95, 0.70, 0.45)),
}
_GROUNDS = {  # (base colour, texture, texture strength)
    "grass": ((0.30, 0.55, 0.22), 0, 0.10),
    "dry_grass": ((0.62, 0.58, 0.32), 0, 0.09),
    "soil": ((0.45, 0.33, 0.22), 1, 0.08),
    "snow": ((0.88, 0.90, 0.93), 1, 0.04),
}


def _background(rng: np.random.Generator, size: int) -> tuple[np.ndarray, int]:
    """Sky over ground, with clouds, distant hills and clutter. Returns (image, horizon row)."""
    yy, xx = _grid(size)
    img = np.zeros((size, size, 3))
    horizon = int(rng.integers(int(0.28 * size), int(0.55 * size)))
    zenith, near = _SKIES[list(_SKIES)[rng.integers(len(_SKIES))]]
    t = np.clip(yy / max(horizon, 1), 0, 1)[..., None]
    img[:] = _jitter(rng, zenith, 0.05) * (1 - t) + _jitter(rng, near, 0.05) * t
    # clouds: soft white ellipses in the sky
    for _ in range(int(rng.integers(0, 4))):
        cy, cx = rng.uniform(0.1, 0.8) * horizon, rng.uniform(0, size)
        cloud = _ellipse(yy, xx, cy, cx, rng.uniform(1.5, 4), rng.uniform(4, 12)) & (yy < horizon)
        _paint(img, cloud, _jitter(rng, (0.95, 0.95, 0.97), 0.03), alpha=rng.uniform(0.4, 0.8))
    # ground with photographic texture and a brightness gradient
    ground_name = list(_GROUNDS)[rng.integers(len(_GROUNDS))]
    base, tex_id, strength = _GROUNDS[ground_name]
    tex = _textures()[tex_id]
    oy, ox = rng.integers(0, tex.shape[0] - size, 2)
    texture = tex[oy : oy + size, ox : ox + size]
    shade = 0.85 + 0.3 * (yy - horizon) / size
    ground = np.clip(
        _jitter(rng, base, 0.06) * shade[..., None] + strength * texture[..., None], 0, 1
    )
    below = yy >= horizon
    img[below] = ground[below]
    # distant hills or tree line along the horizon
    if rng.random() < 0.6:
        profile = horizon - np.abs(_smooth_noise(rng, (1, size), 3)[0]) * rng.uniform(2, 7)
        hills = (yy >= profile[None, :]) & (yy < horizon)
        _paint(img, hills, _jitter(rng, (0.25, 0.40, 0.25), 0.08))
    # clutter: small bushes, stones and flowers on the ground
    for _ in range(int(rng.integers(0, 6))):
        cy = rng.uniform(horizon + 2, size - 1)
        cx = rng.uniform(0, size)
        r = rng.uniform(0.8, 2.5) * (0.6 + 0.8 * (cy - horizon) / size)
        colour = [(0.2, 0.4, 0.15), (0.5, 0.5, 0.5), (0.85, 0.8, 0.3), (0.7, 0.2, 0.2)][
            rng.integers(4)
        ]
        _paint(img, _ellipse(yy, xx, cy, cx, r * 0.7, r), _jitter(rng, colour, 0.08))
    return img, horizon


def _fence(rng: np.random.Generator, size: int, horizon: int) -> np.ndarray:
    """A fence or a row of jumping poles: boolean mask and colour image (H, W, 3)."""
    yy, xx = _grid(size)
    base = int(rng.integers(min(horizon + 6, size - 4), size - 2))
    height = int(rng.integers(int(0.16 * size), int(0.32 * size)))
    spacing = int(rng.integers(int(0.1 * size), int(0.2 * size)))
    left = int(rng.integers(-spacing, int(0.35 * size)))
    right = int(rng.integers(max(left + 3 * spacing, int(0.55 * size)), size + spacing))
    rails = int(rng.integers(1, 4))
    mask = np.zeros((size, size), dtype=bool)
    top = base - height
    for x0 in range(left, right + 1, spacing):
        mask |= _rect(yy, xx, top, base, x0, x0 + 2)
    for k in range(rails):
        row = top + 1 + (k * (height - 3)) // max(rails, 1)
        mask |= _rect(yy, xx, row, row + 1, left, right + 2)
    style = rng.integers(3)
    if style == 0:  # white fence
        colour = np.broadcast_to(_jitter(rng, (0.93, 0.93, 0.90), 0.04), (size, size, 3))
    elif style == 1:  # wooden fence
        colour = np.broadcast_to(_jitter(rng, (0.45, 0.30, 0.15), 0.06), (size, size, 3))
    else:  # red-and-white striped jumping poles
        stripes = ((xx + yy) // 3) % 2 == 0
        colour = np.where(stripes[..., None], (0.85, 0.15, 0.12), (0.95, 0.95, 0.95))
    return mask, np.asarray(colour, dtype=np.float64)


def _horse(rng: np.random.Generator, size: int, horizon: int):
    """Horse mask and colour image."""
    from skimage import transform

    yy, xx = _grid(size)
    tmpl = _horse_template()
    th, tw = tmpl.shape
    height = rng.uniform(0.30, 0.55) * size
    width = height * (tw / th) * rng.uniform(0.85, 1.15)
    feet = rng.uniform(max(horizon + 0.12 * size, height * 0.8), size + 0.05 * size)
    left = rng.uniform(-0.12 * width, size - 0.88 * width)
    shear = rng.uniform(-0.15, 0.15)
    flip = rng.random() < 0.5
    # affine map from output (col, row) to template (col, row)
    sx, sy = tw / width, th / height
    matrix = np.array(
        [
            [sx, shear * sx, -left * sx - shear * sx * (feet - height)],
            [0, sy, -(feet - height) * sy],
            [0, 0, 1],
        ]
    )
    if flip:
        matrix = np.array([[-1, 0, tw - 1], [0, 1, 0], [0, 0, 1]]) @ matrix
    alpha = transform.warp(
        tmpl, transform.AffineTransform(matrix=matrix), output_shape=(size, size), order=1, cval=0.0
    )
    mask = alpha > 0.5
    palette = [
        (0.45, 0.26, 0.12),  # bay
        (0.62, 0.33, 0.15),  # chestnut
        (0.12, 0.10, 0.09),  # black
        (0.85, 0.83, 0.80),  # grey / white
        (0.72, 0.60, 0.40),  # dun
        (0.30, 0.22, 0.18),  # dark brown
    ]
    colour = _jitter(rng, palette[rng.integers(len(palette))], 0.05)
    noise = _smooth_noise(rng, (size, size), 6)
    shade = 1.0 - 0.25 * np.clip((yy - (feet - height)) / max(height, 1), 0, 1)
    img = colour[None, None, :] * (shade * (1 + 0.12 * noise))[..., None]
    if rng.random() < 0.2:  # pinto patches
        patches = _smooth_noise(rng, (size, size), 5) > 0.6
        img[patches] = _jitter(rng, (0.92, 0.90, 0.88), 0.04)
    return mask, np.clip(img, 0, 1)


def _cow(rng, size, horizon, woolly=False):
    """Cow (or sheep): boxy body, short straight legs, head held low, no long neck."""
    yy, xx = _grid(size)
    height = rng.uniform(0.26, 0.45) * size
    body_h = height * rng.uniform(0.45, 0.55)
    body_w = height * rng.uniform(1.3, 1.7) * (0.9 if woolly else 1.0)
    feet = rng.uniform(max(horizon + 0.12 * size, height * 0.8), size + 0.03 * size)
    cx = rng.uniform(-0.05 * size + body_w / 2, 1.05 * size - body_w / 2)
    top = feet - height
    direction = 1 if rng.random() < 0.5 else -1
    body_cy = top + body_h / 2 + height * 0.08
    if woolly:
        mask = _ellipse(yy, xx, body_cy, cx, body_h * 0.6, body_w * 0.55)
    else:
        mask = _rect(
            yy, xx, body_cy - body_h / 2, body_cy + body_h / 2, cx - body_w / 2, cx + body_w / 2
        )
        mask |= _ellipse(yy, xx, body_cy, cx, body_h * 0.55, body_w * 0.52)
    leg_w = max(1.0, height * 0.07)
    for frac in (-0.42, -0.3, 0.3, 0.42):
        lx = cx + frac * body_w
        mask |= _rect(yy, xx, body_cy, feet, lx - leg_w / 2, lx + leg_w / 2)
    head_x = cx + direction * (body_w / 2 + height * 0.12)
    head_y = body_cy + rng.uniform(-0.1, 0.2) * body_h
    mask |= _ellipse(yy, xx, head_y, head_x, height * 0.12, height * 0.14)
    mask &= (yy >= 0) & (xx >= 0)
    if woolly:
        colour = _jitter(rng, (0.90, 0.88, 0.82), 0.05)
        img = (
            np.broadcast_to(colour, (size, size, 3))
            * (1 + 0.08 * _smooth_noise(rng, (size, size), 16))[..., None]
        )
        head = _ellipse(yy, xx, head_y, head_x, height * 0.13, height * 0.15)
        img = np.where(head[..., None], (0.15, 0.13, 0.12), img)
        return mask, np.clip(img, 0, 1)
    palette = [(0.12, 0.10, 0.09), (0.55, 0.30, 0.15), (0.85, 0.82, 0.75)]
    colour = _jitter(rng, palette[rng.integers(len(palette))], 0.05)
    img = (
        np.broadcast_to(colour, (size, size, 3))
        * (1 + 0.1 * _smooth_noise(rng, (size, size), 6))[..., None]
    )
    if rng.random() < 0.6:  # Holstein patches
        patches = _smooth_noise(rng, (size, size), 5) > 0.3
        img = np.where(
            patches[..., None], (0.92, 0.91, 0.88) if colour.mean() < 0.5 else (0.1, 0.1, 0.1), img
        )
    return mask, np.clip(img, 0, 1)


def _tree(rng, size, horizon):
    yy, xx = _grid(size)
    height = rng.uniform(0.35, 0.7) * size
    feet = rng.uniform(max(horizon + 0.08 * size, height * 0.85), size + 0.03 * size)
    cx = rng.uniform(0.05 * size, 0.95 * size)
    trunk_w = max(2.0, height * rng.uniform(0.07, 0.12))
    trunk = _rect(yy, xx, feet - height * 0.6, feet, cx - trunk_w / 2, cx + trunk_w / 2)
    crown_r = height * rng.uniform(0.25, 0.4)
    crown_cy = feet - height + crown_r
    if rng.random() < 0.5:  # round deciduous tree
        crown = _ellipse(yy, xx, crown_cy, cx, crown_r, crown_r * rng.uniform(0.9, 1.3))
    else:  # conifer: a triangle
        apex = feet - height
        depth = (yy - apex) / max(height * 0.75, 1)
        crown = (depth >= 0) & (depth <= 1) & (np.abs(xx - cx) <= depth * crown_r * 1.1)
    img = np.zeros((size, size, 3))
    img[:] = (
        _jitter(rng, (0.18, 0.42, 0.16), 0.08)
        * (1 + 0.15 * _smooth_noise(rng, (size, size), 10))[..., None]
    )
    img[trunk & ~crown] = _jitter(rng, (0.35, 0.24, 0.14), 0.05)
    return trunk | crown, np.clip(img, 0, 1)


def _house(rng, size, horizon):
    yy, xx = _grid(size)
    width = rng.uniform(0.3, 0.55) * size
    wall_h = width * rng.uniform(0.5, 0.8)
    roof_h = width * rng.uniform(0.3, 0.5)
    feet = rng.uniform(max(horizon + 0.08 * size, wall_h + roof_h), size + 0.02 * size)
    cx = rng.uniform(0.05 * size, 0.95 * size)
    wall = _rect(yy, xx, feet - wall_h, feet, cx - width / 2, cx + width / 2)
    depth = (yy - (feet - wall_h - roof_h)) / max(roof_h, 1)
    roof = (depth >= 0) & (depth < 1) & (np.abs(xx - cx) <= depth * width * 0.6)
    img = np.zeros((size, size, 3))
    img[:] = _jitter(
        rng, [(0.85, 0.80, 0.70), (0.70, 0.30, 0.20), (0.55, 0.55, 0.60)][rng.integers(3)], 0.05
    )
    img[roof] = _jitter(rng, [(0.55, 0.15, 0.10), (0.25, 0.25, 0.28)][rng.integers(2)], 0.05)
    win = _rect(
        yy, xx, feet - wall_h * 0.75, feet - wall_h * 0.45, cx - width * 0.3, cx - width * 0.1
    )
    door = _rect(yy, xx, feet - wall_h * 0.6, feet, cx + width * 0.1, cx + width * 0.28)
    img[win] = (0.25, 0.35, 0.5)
    img[door] = (0.3, 0.2, 0.12)
    return wall | roof, img


def _car(rng, size, horizon):
    yy, xx = _grid(size)
    width = rng.uniform(0.3, 0.5) * size
    body_h = width * rng.uniform(0.22, 0.3)
    feet = rng.uniform(max(horizon + 0.1 * size, width * 0.6), size + 0.02 * size)
    cx = rng.uniform(0.1 * size, 0.9 * size)
    wheel_r = body_h * 0.45
    body_bottom = feet - wheel_r
    body = _rect(yy, xx, body_bottom - body_h, body_bottom, cx - width / 2, cx + width / 2)
    cabin = _rect(
        yy,
        xx,
        body_bottom - body_h * 1.8,
        body_bottom - body_h + 1,
        cx - width * 0.28,
        cx + width * 0.22,
    )
    wheels = _ellipse(yy, xx, body_bottom, cx - width * 0.3, wheel_r, wheel_r)
    wheels |= _ellipse(yy, xx, body_bottom, cx + width * 0.3, wheel_r, wheel_r)
    img = np.zeros((size, size, 3))
    img[:] = _jitter(
        rng,
        [(0.75, 0.1, 0.1), (0.15, 0.25, 0.65), (0.8, 0.8, 0.82), (0.2, 0.2, 0.2)][rng.integers(4)],
        0.05,
    )
    img[cabin & ~body] = (0.55, 0.7, 0.85)
    img[wheels] = (0.08, 0.08, 0.08)
    return body | cabin | wheels, img


_DRAW = {0: _horse, 1: _cow, 2: functools.partial(_cow, woolly=True), 3: _tree, 4: _house, 5: _car}


def _tag(rng: np.random.Generator, size: int):
    """The source tag: light text on a dark box in the lower-left corner. Returns box, text masks."""
    glyphs = [np.array([[c == "1" for c in row] for row in _GLYPHS[g]]) for g in _TAG_TEXT]
    width = sum(g.shape[1] for g in glyphs) + (len(glyphs) - 1) + 2
    height = 5 + 2
    x0 = 1 + int(rng.integers(0, 2))
    y0 = size - height - 1 - int(rng.integers(0, 2))
    box = np.zeros((size, size), dtype=bool)
    box[y0 : y0 + height, x0 : x0 + width] = True
    text = np.zeros((size, size), dtype=bool)
    col = x0 + 1
    for g in glyphs:
        text[y0 + 1 : y0 + 6, col : col + g.shape[1]] = g
        col += g.shape[1] + 1
    return box, text


# ---------------------------------------------------------------------------
# One sample
# ---------------------------------------------------------------------------
def _render(
    seed: int,
    index: int,
    size: int,
    horse_rate: float,
    rates: dict,
    tag: bool | None,
    poles: bool | None,
) -> dict:
    rng = np.random.default_rng([seed, index, _SCENE])
    decide = np.random.default_rng([seed, index, _DECIDE])
    u_tag, u_pole = decide.random(2)

    y = int(rng.random() < horse_rate)
    kind = 0 if y else int(rng.integers(1, len(KINDS)))
    img, horizon = _background(rng, size)
    obj_mask, obj_img = _DRAW[kind](rng, size, horizon)

    suffix = "horse" if y else "other"
    has_tag = bool(u_tag < rates[f"tag_rate_{suffix}"]) if tag is None else bool(tag)
    has_pole = bool(u_pole < rates[f"pole_rate_{suffix}"]) if poles is None else bool(poles)

    fence_mask, fence_img = _fence(np.random.default_rng([seed, index, _FENCE]), size, horizon)
    if has_pole:
        _paint(img, fence_mask, fence_img)
    _paint(img, obj_mask, obj_img)
    img = np.clip(img, 0, 1)

    box, text = _tag(np.random.default_rng([seed, index, _TAG]), size)
    if has_tag:
        _paint(img, box, (0.05, 0.05, 0.05), alpha=0.6)
        _paint(img, text, (0.97, 0.97, 0.97), alpha=0.9)
    tag_mask = box if has_tag else np.zeros_like(box)
    obj_visible = obj_mask & ~tag_mask
    pole_mask = (fence_mask & ~obj_mask & ~tag_mask) if has_pole else np.zeros_like(box)
    return {
        "x": img.astype(np.float32),
        "y": y,
        "kind": kind,
        "horse_mask": obj_visible if y else np.zeros_like(box),
        "object_mask": obj_visible,
        "tag_mask": tag_mask,
        "pole_mask": pole_mask,
        "has_tag": has_tag,
        "has_pole": has_pole,
        "index": index,
    }


def _as_flags(value, n: int, name: str):
    if value is None:
        return [None] * n
    arr = np.asarray(value)
    if arr.ndim == 0:
        return [bool(arr)] * n
    if arr.shape != (n,):
        raise ValueError(f"{name} must be None, a bool or {n} bools, got shape {arr.shape}")
    return [bool(v) for v in arr]


def horses(
    n: int | None = None,
    seed: int = 0,
    *,
    tag_rate_horse: float = CONFOUNDED["tag_rate_horse"],
    tag_rate_other: float = CONFOUNDED["tag_rate_other"],
    pole_rate_horse: float = CONFOUNDED["pole_rate_horse"],
    pole_rate_other: float = CONFOUNDED["pole_rate_other"],
    horse_rate: float = 0.5,
    size: int = 64,
    index: Sequence[int] | np.ndarray | None = None,
    tag: bool | Sequence[bool] | np.ndarray | None = None,
    poles: bool | Sequence[bool] | np.ndarray | None = None,
) -> Dataset:
    """Scenes with or without a horse, with a source tag and fences at chosen rates.

    Parameters
    ----------
    n : int, optional
        Number of scenes (samples ``0 .. n-1`` of ``seed``). Give ``n`` or ``index``.
    seed : int
        Seed of the scene stream. Sample ``i`` depends only on ``seed`` and ``i``.
    tag_rate_horse, tag_rate_other : float
        Probability of the copyright tag on scenes with / without a horse.
        The defaults are the confounded rates :data:`CONFOUNDED`.
    pole_rate_horse, pole_rate_other : float
        Probability of a fence (posts and rails, or jumping poles) per class.
    horse_rate : float
        Probability that a scene holds a horse (else a cow, sheep, tree, house or car).
    size : int
        Image height and width in pixels (at least 32; the tag is 15 x 7 pixels).
    index : sequence of int, optional
        Render exactly these samples of ``seed`` (instead of ``0 .. n-1``);
        e.g. ``index=ds.index`` re-renders the scenes of ``ds``.
    tag, poles : bool or sequence of bool, optional
        Force the tag / the fence on (True) or off (False) for every sample or
        per sample, instead of drawing them at the rates. Everything else in
        the scene stays the same: this makes counterfactual images.

    Returns
    -------
    Dataset
        ``x`` float32 (N, size, size, 3) in [0, 1]; ``y`` int64 (1 = horse);
        ``kind`` int64 (index into :data:`KINDS`); boolean masks (N, size, size)
        ``horse_mask`` (visible horse pixels), ``object_mask`` (the visible
        horse or other object), ``tag_mask`` (the tag box), ``pole_mask``
        (visible fence pixels); booleans ``has_tag``, ``has_pole``; ``index``.
        The masks are disjoint. ``attrs`` records the seed and the rates.

    Examples
    --------
    >>> ds = horses(4, seed=0, tag_rate_horse=1.0, tag_rate_other=0.0)
    >>> bool(np.all(ds.has_tag == (ds.y == 1)))
    True
    >>> swapped = horses(seed=0, index=ds.index, tag=ds.y == 0)  # same scenes, tags swapped
    >>> bool(np.all(swapped.has_tag == (ds.y == 0)))
    True
    """
    if index is None:
        if n is None:
            raise ValueError("give the number of scenes n or the sample indices index=")
        if int(n) < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        index = np.arange(int(n))
    else:
        index = np.asarray(index, dtype=np.int64).ravel()
        if n is not None and int(n) != len(index):
            raise ValueError(f"n={n} disagrees with len(index)={len(index)}")
        if np.any(index < 0):
            raise ValueError("sample indices must be >= 0")
    if int(seed) < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if int(size) < 32:
        raise ValueError(f"size must be at least 32 pixels, got {size}")
    rates = {
        "tag_rate_horse": float(tag_rate_horse),
        "tag_rate_other": float(tag_rate_other),
        "pole_rate_horse": float(pole_rate_horse),
        "pole_rate_other": float(pole_rate_other),
    }
    for key, value in {**rates, "horse_rate": horse_rate}.items():
        if not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"{key} must be a probability in [0, 1], got {value}")
    size = int(size)
    n = len(index)
    tags = _as_flags(tag, n, "tag")
    fences = _as_flags(poles, n, "poles")
    dtypes = {"x": np.float32, "y": np.int64, "kind": np.int64, "index": np.int64}
    shapes = {"x": (n, size, size, 3)}
    keys = ["x", "y", "kind", "horse_mask", "object_mask", "tag_mask", "pole_mask"]
    keys += ["has_tag", "has_pole", "index"]
    arrays = {
        key: np.zeros(
            shapes.get(key, (n, size, size) if "mask" in key else (n,)), dtype=dtypes.get(key, bool)
        )
        for key in keys
    }
    for k, (i, t, p) in enumerate(zip(index, tags, fences)):
        sample = _render(int(seed), int(i), size, float(horse_rate), rates, t, p)
        for key in keys:
            arrays[key][k] = sample[key]
    attrs = {
        "description": "Synthetic RGB scenes, horse (y=1) or not, with a source tag "
        "(lower-left corner) and fences as confounders",
        "seed": int(seed),
        "size": size,
        "horse_rate": float(horse_rate),
        **rates,
        "kinds": list(KINDS),
        "classes": ["no horse", "horse"],
    }
    return Dataset(arrays, attrs=attrs)


def edit(
    ds: Dataset,
    *,
    tag: bool | Sequence[bool] | None = None,
    poles: bool | Sequence[bool] | None = None,
) -> Dataset:
    """Re-render the scenes of ``ds`` with the tag and/or fence switched on or off.

    ``None`` keeps a sample's current state. The result has float32 ``x``
    and the attributes of ``ds`` (rates, seed).

    Examples
    --------
    >>> ds = horses(3, seed=5)
    >>> bool(edit(ds, tag=True).has_tag.all())
    True
    """
    if "index" not in ds.fields or "seed" not in ds.attrs:
        raise ValueError(
            "edit() needs a dataset made by xai4ess.data.horses (fields 'index', attrs 'seed')"
        )
    tag = ds.has_tag if tag is None else tag
    poles = ds.has_pole if poles is None else poles
    keys = (
        "tag_rate_horse",
        "tag_rate_other",
        "pole_rate_horse",
        "pole_rate_other",
        "horse_rate",
        "size",
    )
    opts = {k: ds.attrs[k] for k in keys if k in ds.attrs}
    return horses(seed=ds.attrs["seed"], index=ds.index, tag=tag, poles=poles, **opts)


def write_shipped(directory: Path) -> None:
    """Write ``horses.npz``: the shipped train/test split (confounded rates).

    Images are stored as uint8 (``x`` times 255, rounded) with ``attrs["x_scale"] = 1/255``.
    """
    from .. import registry

    def quantised(ds: Dataset) -> Dataset:
        x = np.round(ds.x * 255.0).astype(np.uint8)
        out = ds.replace(x=x)
        out.attrs = {**ds.attrs, "x_scale": 1.0 / 255.0, "x_dtype": "uint8, multiply by x_scale"}
        return out

    train = horses(SHIPPED["n_train"], seed=SHIPPED["train_seed"])
    test = horses(SHIPPED["n_test"], seed=SHIPPED["test_seed"])
    registry.write_npz(
        directory,
        "horses.npz",
        split_to_arrays(Split(quantised(train), quantised(test))),
        recipe="horses",
        description=f"Horse scenes: {len(train)} train / {len(test)} test, confounded rates "
        f"{CONFOUNDED}; x stored as uint8 (x_scale = 1/255)",
    )
