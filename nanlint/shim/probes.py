"""Adversarial inputs: the values on which numerically unsafe code goes non-finite.

Each probe binds every free tensor name of an expression. The boundary probes
are the inputs a fix is meant to survive: exact zeros (a sum of squares or a
variance of 0, a log of 0), equal vectors (a distance of 0: `a - b` with a == b),
one-hot rows and probability rows with exact zeros (log of a probability),
values so small that their squares underflow, and subnormal values. The
out-of-domain probes (negative values for a log or a root, values large enough
that `exp` overflows in the dtype) confirm a finding when the original fails on
them, but a fix is not expected to survive them unless the original does.

Magnitudes are dtype-aware: "tiny" squares to a subnormal and "large" overflows
`exp` in whatever dtype the probe is made in. Values are deterministic.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Mapping, Sequence, Tuple

from nanlint.shim.safety import BASE, BOUND, CORRECTION, DIM, EPS, EXPONENT, FLAG, INDEX, INDICES, ORDER, TENSOR

BOUNDARY = ("zeros", "equal", "one-hot", "probability", "tiny", "subnormal")
OUT_OF_DOMAIN = ("negative", "large", "very-negative")
PROBES: Tuple[str, ...] = BOUNDARY + OUT_OF_DOMAIN + ("random",)
DESCRIPTIONS = {
    "zeros": "every tensor exactly 0",
    "equal": "every tensor equal to the others (a - b == 0)",
    "one-hot": "one-hot rows (exact zeros)",
    "probability": "probability rows with exact zeros",
    "tiny": "values whose squares underflow to subnormals",
    "subnormal": "subnormal values",
    "negative": "negative values",
    "large": "values large enough that exp overflows and softmax saturates",
    "very-negative": "values negative enough that exp and sigmoid underflow to 0",
    "random": "ordinary positive values",
}
# Shapes tried in turn until the original and the fix both evaluate: 2-D first so
# that `dim=1`, `-1` and `unsqueeze(0)` work, then 1-D for `dot`, then others.
SHAPES: Tuple[Tuple[int, ...], ...] = ((3, 4), (4,), (4, 4), (2, 3, 4), ())

# Values for names that are not tensors, by how they are used.
EPS_VALUE = 1e-8
_SCALARS = {
    DIM: -1, INDEX: 0, BOUND: 2, FLAG: True, ORDER: 2, EPS: EPS_VALUE, EXPONENT: 2.0, CORRECTION: 1, INDICES: 0, BASE: 2.0,
}


def scalar_for(kind: str) -> Any:
    return _SCALARS[kind]


def _unit(shape: Sequence[int], seed: int):
    """Deterministic values in [0, 1), float64 on the CPU."""
    import torch

    generator = torch.Generator().manual_seed(1234 + seed)
    return torch.rand(tuple(shape), generator=generator, dtype=torch.float64)


def _rows(shape: Sequence[int], index: int, width: int):
    """Rows along the last dim with ones at `width` positions that shift per name."""
    import torch

    values = torch.zeros(tuple(shape), dtype=torch.float64)
    if not shape:
        return torch.tensor(1.0 if index % 2 == 0 else 0.0, dtype=torch.float64)
    size = shape[-1]
    flat = values.reshape(-1, size)
    for row in range(flat.shape[0]):
        for k in range(min(width, size)):
            flat[row, (row + index + k) % size] = 1.0 / min(width, size)
    return flat.reshape(tuple(shape))


def tensor_probe(kind: str, shape: Sequence[int], dtype, index: int):
    """The float64 CPU values of probe `kind` for the `index`-th name, sized for `dtype`."""
    import torch

    info = torch.finfo(dtype)
    if kind == "zeros":
        return torch.zeros(tuple(shape), dtype=torch.float64)
    if kind == "equal":
        return 0.5 + _unit(shape, 0)  # the same values for every name
    if kind == "one-hot":
        return _rows(shape, index, 1)
    if kind == "probability":
        return _rows(shape, index, 2)
    if kind == "tiny":
        return math.sqrt(info.tiny) / 16 * (1 + _unit(shape, index))
    if kind == "subnormal":
        return info.tiny / 8 * (1 + _unit(shape, index))
    if kind == "negative":
        return -(0.5 + _unit(shape, index))
    if kind == "large":
        # Above log(max): exp overflows; spread wide enough that softmax saturates to 0.
        return math.log(info.max) * (1.1 + 2.0 * _unit(shape, index))
    if kind == "very-negative":
        return -math.log(info.max) * (1.1 + 2.0 * _unit(shape, index))
    if kind == "random":
        return 0.5 + _unit(shape, index)
    raise ValueError(f"unknown probe {kind!r}; known: {', '.join(PROBES)}")


def torch_values(kind: str, names: Mapping[str, str], shape: Sequence[int], dtype, device) -> Dict[str, Any]:
    """Bindings for one probe: tensors that require grad, and literal scalars."""
    values: Dict[str, Any] = {}
    index = 0
    for name, use in names.items():
        if use == INDICES:
            values[name] = class_indices(shape, device)
            continue
        if use != TENSOR:
            values[name] = scalar_for(use)
            continue
        base = tensor_probe(kind, shape, dtype, index)
        index += 1
        tensor = base.to(device=device, dtype=dtype)
        if tensor.is_floating_point():
            tensor.requires_grad_(True)
        values[name] = tensor
    return values


def class_indices(shape: Sequence[int], device):
    """Integer labels for `gather`/`cross_entropy`: one per row, each a valid column."""
    import torch

    if not shape:
        return torch.tensor(0, device=device)
    return (torch.arange(shape[0]) % shape[-1]).to(device)


def custom_values(probe: Mapping[str, Any], names: Mapping[str, str], dtype, device) -> Dict[str, Any]:
    """A user's probe (name -> number, list or tensor), cast to `dtype` on `device`."""
    import torch

    values: Dict[str, Any] = {}
    for name, use in names.items():
        if name not in probe:
            if use == TENSOR:
                raise KeyError(name)
            values[name] = scalar_for(use)
            continue
        given = probe[name]
        if callable(given):
            given = given(dtype, device)
        if isinstance(given, (bool, int)) and use != TENSOR:
            values[name] = given
            continue
        tensor = torch.as_tensor(given).detach().clone().to(device=device, dtype=dtype)
        if tensor.is_floating_point():
            tensor.requires_grad_(True)
        values[name] = tensor
    return values


def float_values(kind: str, names: Mapping[str, str]) -> Dict[str, Any]:
    """Bindings for `math` code: Python floats (double precision, no gradient)."""
    values: Dict[str, Any] = {}
    index = 0
    for name, use in names.items():
        if use != TENSOR:
            values[name] = scalar_for(use)
            continue
        spread = (0.37 * (index + 1)) % 1.0
        values[name] = {
            "zeros": 0.0,
            "equal": 0.75,
            "one-hot": 1.0 if index == 0 else 0.0,
            "probability": 0.5 if index == 0 else 0.0,
            "tiny": math.sqrt(2.2250738585072014e-308) / 16 * (1 + spread),
            "subnormal": 5e-324 * (1 + int(10 * spread)),
            "negative": -(0.5 + spread),
            "large": 709.8 * (1.1 + 2.0 * spread),
            "very-negative": -709.8 * (1.1 + 2.0 * spread),
            "random": 0.5 + spread,
        }[kind]
        index += 1
    return values


def numpy_values(kind: str, names: Mapping[str, str], shape: Sequence[int], dtype_name: str) -> Dict[str, Any]:
    """Bindings for numpy code: arrays of `dtype_name` (no gradient)."""
    import numpy
    import torch

    torch_dtype = getattr(torch, dtype_name)
    values: Dict[str, Any] = {}
    index = 0
    for name, use in names.items():
        if use == INDICES:
            values[name] = numpy.array(class_indices(shape, "cpu").tolist())
            continue
        if use != TENSOR:
            values[name] = scalar_for(use)
            continue
        base = tensor_probe(kind, shape, torch_dtype, index)
        index += 1
        values[name] = numpy.array(base.tolist(), dtype=dtype_name)
    return values


def describe(kind: str) -> str:
    return DESCRIPTIONS.get(kind, kind)


def ordered(probes: Sequence[str]) -> List[str]:
    unknown = [p for p in probes if p not in PROBES]
    if unknown:
        raise ValueError(f"unknown probe(s) {', '.join(map(repr, unknown))}; known: {', '.join(PROBES)}")
    return list(probes)
