"""Exceptions raised by xai4ess. Importing this module never imports TensorFlow."""

from __future__ import annotations


class Xai4essError(Exception):
    """Base class of every error raised on purpose by xai4ess."""


class UnsupportedModelError(Xai4essError, ValueError):
    """A model contains a layer that the requested method cannot handle.

    The message names the layer, its type and the method, and suggests methods
    that do work.
    """


class InputShapeError(Xai4essError, ValueError):
    """An input array does not have the shape the model expects."""


class UnknownMethodError(Xai4essError, ValueError):
    """An explanation method name is not known; the message lists close names."""


class TargetError(Xai4essError, ValueError):
    """A target (output unit, pixel or region) is outside the model's output."""


class DataFileError(Xai4essError, OSError):
    """A shipped data file is missing, corrupted or unregistered.

    The message names the file and the command that regenerates it.
    """


class ReceptiveFieldError(Xai4essError, ValueError):
    """A receptive field cannot be computed (unsupported layer, misaligned merge)."""


class OptionError(Xai4essError, TypeError, ValueError):
    """A method option is unknown or has an invalid value; the message lists the valid ones."""


class KerasVersionError(Xai4essError, ImportError):
    """``tf.keras`` is Keras 3 in this process, so iNNvestigate cannot work.

    The message says what to do: restart and import xai4ess first, or set
    ``TF_USE_LEGACY_KERAS=1`` before TensorFlow is imported.
    """
