"""Receptive fields of convolutional networks: exact, brute-force checked, and effective.

The *theoretical receptive field* (TRF) of a unit is the set of input pixels
connected to it through the network; its *size* is the side of the smallest
box containing that set (Araujo, Norris & Sim 2019). This module computes it
exactly for every layer of a Keras model (or of a compact layer list such as
``["conv3", "pool2", "conv3"]``), checks it independently from the support of
input gradients (:func:`brute_force`), and measures the *effective* receptive
field (Luo et al. 2016), the part of the TRF that actually matters.

How the exact computation works
-------------------------------
For each layer and each spatial dimension the module keeps, for every unit
index ``j`` of that layer (any integer, the input being thought of as
infinite, so that boxes are not clipped at the border), the interval
``[lo(j), hi(j)]`` of input pixels that can reach unit ``j``. These functions
are *periodic-linear*: ``lo(j + P) = lo(j) + Q`` for a period ``P`` and a shift
``Q``; the effective stride is ``Q / P``. They are stored over one period with
exact integer arithmetic and composed layer by layer (a unit's interval is the
hull of the intervals of the units it reads). The textbook recurrences

.. math:: r_l = r_{l-1} + (k_l - 1)\\, j_{l-1}, \\qquad j_l = j_{l-1} s_l

are the special case ``P = 1``; after an upsampling layer the period exceeds one,
the box size depends on the position of the unit, and the recurrences are no
longer exact. :attr:`RF.size` is the maximum over units, :attr:`RF.min_size`
the minimum.

The package is split along its concerns:

==================  ==========================================================
``_intervals``      exact integer arithmetic on periodic-linear interval maps
``_spec``           the compact layer mini-language (:func:`parse_layer`)
``_keras``          walking Keras models (nested models, merges)
``_exact``          :func:`receptive_field`, :func:`box`, :func:`box_sizes`, :func:`table`
``_brute``          :func:`brute_force` and :func:`verify` (input-gradient support)
``_erf``            :func:`effective_receptive_field` and :func:`erf_size`
==================  ==========================================================

:func:`build_stack` and :func:`count_params` live in :mod:`xai4ess.models` and are
re-exported here, because they take the same layer lists.

Only the pure-Python functions run without TensorFlow: passing a layer list
(see :func:`parse_layer`) to :func:`receptive_field` never imports it.

Examples
--------
>>> from xai4ess import rf
>>> rf.receptive_field(["conv3", "pool2", "conv3"], layer=-1).size
(8,)
>>> rf.receptive_field(["pool2", "pool2", "up2", "up2", "conv3"], layer=-1)[:2]
((8,), (4,))
"""

from __future__ import annotations

from ._brute import brute_force, verify
from ._erf import effective_receptive_field, erf_size
from ._exact import box, box_sizes, receptive_field, table
from ._intervals import RF
from ._spec import SPEC_HELP, parse_layer

__all__ = [
    "RF",
    "receptive_field",
    "table",
    "box",
    "box_sizes",
    "brute_force",
    "verify",
    "effective_receptive_field",
    "erf_size",
    "build_stack",
    "count_params",
    "parse_layer",
    "SPEC_HELP",
]

# Model builders belong to ``models``; they are looked up late so that
# ``models`` (which imports ``parse_layer`` from here) and ``rf`` never import
# each other while either is half-initialised.
_FROM_MODELS = {"build_stack", "count_params"}


def __getattr__(name: str):
    if name in _FROM_MODELS:
        from .. import models

        globals()[name] = getattr(models, name)
        return globals()[name]
    raise AttributeError(f"module 'xai4ess.rf' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _FROM_MODELS)
