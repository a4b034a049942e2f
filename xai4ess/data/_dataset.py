"""A small container of named numpy arrays: the one format every dataset uses."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np


class Dataset:
    """Named arrays that share a leading sample axis, plus static fields and metadata.

    Parameters
    ----------
    arrays : mapping of str to ndarray
        Per-sample arrays; each has the sample axis first (``x``, ``y``, masks).
    static : mapping of str to ndarray, optional
        Arrays that do not vary per sample (grids, ground-truth maps).
    attrs : mapping, optional
        JSON-serialisable metadata: units, channel names, a description.

    Examples
    --------
    >>> import numpy as np
    >>> ds = Dataset({"x": np.zeros((4, 8, 8, 1)), "y": np.arange(4)}, attrs={"units": "1"})
    >>> len(ds), ds.x.shape, ds[1:3].y.tolist()
    (4, (4, 8, 8, 1), [1, 2])
    """

    def __init__(
        self,
        arrays: Mapping[str, np.ndarray],
        static: Mapping[str, np.ndarray] | None = None,
        attrs: Mapping[str, Any] | None = None,
    ) -> None:
        arrays = {k: np.asarray(v) for k, v in arrays.items()}
        lengths = {k: len(v) for k, v in arrays.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"per-sample arrays differ in length: {lengths}")
        self._arrays = arrays
        self._static = {k: np.asarray(v) for k, v in (static or {}).items()}
        self.attrs = dict(attrs or {})

    # -- access -------------------------------------------------------------
    def __getattr__(self, name: str) -> np.ndarray:
        d = self.__dict__
        if name in d.get("_arrays", {}):
            return d["_arrays"][name]
        if name in d.get("_static", {}):
            return d["_static"][name]
        raise AttributeError(f"dataset has no field {name!r}; fields: {sorted(self.fields)}")

    @property
    def fields(self) -> list[str]:
        """Names of all arrays, per-sample first."""
        return list(self._arrays) + list(self._static)

    @property
    def sample_fields(self) -> list[str]:
        return list(self._arrays)

    def __len__(self) -> int:
        return len(next(iter(self._arrays.values()))) if self._arrays else 0

    def __getitem__(self, index) -> Dataset:
        """Select samples (an int keeps the sample axis)."""
        if isinstance(index, (int, np.integer)):
            index = [int(index)]
        return Dataset({k: v[index] for k, v in self._arrays.items()}, self._static, self.attrs)

    def __iter__(self) -> Iterator[str]:
        return iter(self.fields)

    def __repr__(self) -> str:
        rows = [f"<xai4ess.Dataset: {len(self)} samples>"]
        if "description" in self.attrs:
            rows.append(f"  {self.attrs['description']}")
        for k, v in {**self._arrays, **self._static}.items():
            kind = "" if k in self._arrays else " (static)"
            rows.append(f"  {k:14s} {str(v.dtype):8s} {v.shape}{kind}")
        return "\n".join(rows)

    def replace(self, **arrays: np.ndarray) -> Dataset:
        """A copy with some per-sample arrays replaced or added."""
        new = dict(self._arrays)
        new.update(arrays)
        return Dataset(new, self._static, self.attrs)

    # -- flat form for .npz files -------------------------------------------
    def to_arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        """Flatten to ``{prefix + name: array}`` with metadata as a JSON byte array."""
        out = {f"{prefix}{k}": v for k, v in self._arrays.items()}
        out.update({f"{prefix}static.{k}": v for k, v in self._static.items()})
        meta = json.dumps(self.attrs, sort_keys=True).encode()
        out[f"{prefix}attrs"] = np.frombuffer(meta, dtype=np.uint8)
        return out

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], prefix: str = "") -> Dataset:
        """Inverse of :meth:`to_arrays`."""
        per, static, attrs = {}, {}, {}
        for key, value in arrays.items():
            if not key.startswith(prefix):
                continue
            name = key[len(prefix) :]
            if name == "attrs":
                attrs = json.loads(bytes(value.astype(np.uint8)).decode())
            elif name.startswith("static."):
                static[name[len("static.") :]] = value
            else:
                per[name] = value
        return cls(per, static, attrs)


class Split(NamedTuple):
    """A shipped train/test split: ``train, test = xai4ess.data.load(name)``."""

    train: Dataset
    test: Dataset


def split_to_arrays(split: Split) -> dict[str, np.ndarray]:
    return {**split.train.to_arrays("train/"), **split.test.to_arrays("test/")}


def split_from_arrays(arrays: Mapping[str, np.ndarray]) -> Split:
    return Split(Dataset.from_arrays(arrays, "train/"), Dataset.from_arrays(arrays, "test/"))
