"""The runtime side of nanlint: check fixes on real tensors, find the first NaN.

- `verify_fix(original, fixed)`: evaluate an expression and its fix on adversarial
  probes (zeros, equal vectors, one-hot rows, tiny, subnormal, negative and large
  values) in float32/float64/float16/bfloat16, on the CPU and every CUDA device,
  forward and backward, and say whether the finding is confirmed and the fix holds.
- `watch(model)`: hook every submodule and stop at the first non-finite output or
  gradient, naming the module (`NonFiniteError`).

PyTorch is an optional dependency (the `torch` extra: `pip install '.[torch]'` in a
nanlint checkout): nothing here imports it until a verification or a watch runs.
"""

from __future__ import annotations

from typing import Any

__all__ = ["NonFiniteError", "Verdict", "verify_fix", "verify_paths", "watch"]

# nanlint is installed from a checkout, not from an index, so the hint names torch itself.
# numpy too: torch warns on import without it. The CPU index avoids gigabytes of CUDA wheels.
INSTALL_TORCH = (
    "pip install torch numpy (CPU-only build: pip install numpy && "
    "pip install torch --index-url https://download.pytorch.org/whl/cpu)"
)


def __getattr__(name: str) -> Any:
    # Lazy, so that `import nanlint.shim` stays cheap and never imports torch or libcst.
    if name in ("verify_fix", "Verdict"):
        from nanlint.shim import verify

        return getattr(verify, name)
    if name in ("watch", "NonFiniteError"):
        from nanlint.shim import locator

        return getattr(locator, name)
    if name == "verify_paths":
        from nanlint.shim.command import verify_paths

        return verify_paths
    raise AttributeError(f"module 'nanlint.shim' has no attribute {name!r}")
