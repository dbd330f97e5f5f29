"""Does a finding's fix hold? Evaluate the original and the fix on adversarial probes.

Both forms are evaluated, forward and backward (the sum of the outputs,
differentiated with respect to every float probe), on every probe, dtype and
device. The verdict says whether the original goes non-finite somewhere (the
finding is *confirmed*), whether the fix stays finite wherever it is meant to
(it *holds*), and how far the fix moves values where the original was finite
(the *drift*: rounding level for an exact rewrite, about sqrt(eps) for an eps
inside a root).

Drift is measured as max |fix - original| / max(1, |original|): relative for
values above 1, absolute below, so that sqrt(0 + 1e-12) = 1e-6 against 0 reads as
1e-6 and not as a 100% change.

PyTorch is imported when a verification runs, never at import time.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import math
import textwrap
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from nanlint.shim import INSTALL_TORCH
from nanlint.shim import probes as probe_values
from nanlint.shim.safety import EPS, TENSOR, Program, Refused, compile_program, resolve
from nanlint.shim.probes import BOUNDARY, PROBES, SHAPES

DTYPES = ("float32", "float64", "float16", "bfloat16")
FIXED, NOT_FIXED, UNCONFIRMED, SKIPPED = "fixed", "not-fixed", "unconfirmed", "skipped"
# Statuses of one dtype on one device.
HOLDS, FAILS, EPS_UNDERFLOW, UNSUPPORTED = "holds", "fails", "eps-underflow", "unsupported"
# A fix that moves values on ordinary inputs by more than this (in float64, or the most
# precise dtype run) changes what the code computes.
MAX_DRIFT = 0.1

Source = Union[str, Callable[..., Any]]
ProbeSpec = Union[str, Mapping[str, Any]]


@dataclass
class DtypeResult:
    """What one dtype on one device showed."""

    dtype: str
    device: str
    status: str  # HOLDS, FAILS, EPS_UNDERFLOW or UNSUPPORTED
    confirmed_by: List[str] = field(default_factory=list)  # "zeros: NaN in the gradient"
    failures: List[str] = field(default_factory=list)  # where the fix is not finite
    out_of_domain: List[str] = field(default_factory=list)  # both fail: not the fix's job
    drift: Optional[float] = None
    # Drift on the ordinary probes only (not the boundary ones): what a fix must keep small.
    ordinary_drift: Optional[float] = None
    note: str = ""

    def to_json(self) -> Dict[str, Any]:
        return {
            "dtype": self.dtype,
            "device": self.device,
            "status": self.status,
            "confirmed_by": self.confirmed_by,
            "failures": self.failures,
            "out_of_domain": self.out_of_domain,
            "drift": self.drift,
            "ordinary_drift": self.ordinary_drift,
            "note": self.note,
        }


@dataclass
class Verdict:
    """The verdict on one fix.

    `status` is "fixed" (the original goes non-finite on some probe and the fix
    holds), "not-fixed" (the fix is non-finite on a probe it should survive, raises,
    or changes values by more than `max_drift`), "unconfirmed" (the original stayed
    finite on every probe; the fix holds) or "skipped" (see `reason`).
    `probe`/`dtype`/`device` name the probe that decided it: the first that confirms
    the finding, or for "not-fixed" the first the fix fails on.
    """

    status: str
    probe: Optional[str] = None
    dtype: Optional[str] = None
    device: Optional[str] = None
    drift: Optional[float] = None
    reason: str = ""
    details: List[DtypeResult] = field(default_factory=list)
    confirmed: Optional[bool] = None
    holds: Optional[bool] = None
    confirmation: str = ""  # "equal: NaN in the gradient, float32 on cpu"
    original: str = ""
    fix: str = ""

    @property
    def fixed(self) -> bool:
        """The fix holds: finite on every probe it applies to, values kept."""
        return bool(self.holds)

    @property
    def ok(self) -> bool:
        """Nothing shows the fix failing (a skipped or unconfirmed finding is not a failure)."""
        return self.status != NOT_FIXED

    def details_for(self, dtype: str, device: str = "cpu") -> Optional[DtypeResult]:
        for result in self.details:
            if result.dtype == dtype and result.device == device:
                return result
        return None

    def to_json(self) -> Dict[str, Any]:
        return {
            "status": self.status,
            "confirmed": self.confirmed,
            "holds": self.holds,
            "probe": self.probe,
            "dtype": self.dtype,
            "device": self.device,
            "confirmation": self.confirmation,
            "drift": self.drift,
            "reason": self.reason,
            "original": self.original,
            "fix": self.fix,
            "details": [result.to_json() for result in self.details],
        }

    def headline(self) -> str:
        if self.status == SKIPPED:
            return f"skipped: {self.reason}"
        parts = [self.status]
        if self.confirmed:
            parts.append(f"confirmed by {self.confirmation}")
        elif self.confirmed is False:
            parts.append("the original stayed finite on every probe")
        if self.status == NOT_FIXED:
            parts.append(self.reason)
        elif self.holds:
            parts.append("the fix holds on every probe it applies to")
        if self.drift is not None:
            parts.append(f"drift {format_drift(self.drift)}")
        return "; ".join(parts)

    def __str__(self) -> str:
        lines = [self.headline()]
        for result in self.details:
            where = f"{result.dtype} on {result.device}"
            line = f"  {where:<20} {result.status:<13}"
            if result.drift is not None:
                line += f" drift {format_drift(result.drift)}"
            if result.confirmed_by:
                line += f"; original: {', '.join(result.confirmed_by)}"
            if result.failures:
                line += f"; fix fails on: {', '.join(result.failures)}"
            if result.note:
                line += f"; {result.note}"
            lines.append(line)
        return "\n".join(lines)


def format_drift(drift: Optional[float]) -> str:
    if drift is None:
        return "-"
    return "0" if drift == 0 else f"{drift:.1e}"


# -- what is evaluated --------------------------------------------------------------------
@dataclass
class _Subject:
    """One side (original or fix): its free names and how to compute its value."""

    label: str
    names: Dict[str, str]  # free name -> kind
    compute: Callable[[Dict[str, Any]], Any]
    constants: List[float]
    backend: str = "torch"
    defaults: Dict[str, Any] = field(default_factory=dict)


def _program_subject(program: Program, defaults: Optional[Mapping[str, Any]] = None) -> _Subject:
    # No builtins the code could name (the allowlist already refused any), but C code
    # inside torch imports lazily through the calling frame's `__import__`.
    namespace: Dict[str, Any] = {"__builtins__": {"__import__": builtins.__import__}}
    for name, qualified in program.bound.items():
        if qualified:
            namespace[name] = resolve(qualified)

    def compute(values: Dict[str, Any]) -> Any:
        scope = dict(namespace)
        scope.update(values)
        last = None
        for step in program.steps:
            value = eval(step.code, scope)  # noqa: S307 - validated against the allowlist
            if step.kind == "return":
                return value
            if step.kind == "assign":
                if len(step.targets) == 1:
                    scope[step.targets[0]] = value
                else:
                    items = list(value)
                    if len(items) != len(step.targets):
                        raise ValueError(f"cannot unpack {len(items)} values into {len(step.targets)} names")
                    scope.update(zip(step.targets, items))
            else:
                last = value
        if program.result[0] == "name":
            return scope[program.result[1]]
        return last

    known = {name: value for name, value in (defaults or {}).items() if name in program.free}
    return _Subject(program.source, dict(program.free), compute, list(program.constants), program.backend, known)


def _callable_subject(function: Callable[..., Any]) -> _Subject:
    names: Dict[str, str] = {}
    defaults: Dict[str, Any] = {}
    for parameter in inspect.signature(function).parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.default is not parameter.empty:
            defaults[parameter.name] = parameter.default
            continue
        from nanlint.shim.safety import DIM, EPS_NAME

        if parameter.name in ("dim", "axis"):
            names[parameter.name] = DIM
        elif EPS_NAME.search(parameter.name):
            names[parameter.name] = EPS
        else:
            names[parameter.name] = TENSOR

    def compute(values: Dict[str, Any]) -> Any:
        return function(**values)

    label = getattr(function, "__qualname__", repr(function))
    return _Subject(label, names, compute, _literals_of(function), "torch", defaults)


def _literals_of(function: Callable[..., Any]) -> List[float]:
    """Float literals in a function's source, to tell which eps a fix adds; best effort."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return []
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, float)]


# -- one evaluation -------------------------------------------------------------------------
@dataclass
class _Outcome:
    error: Optional[str] = None  # the exception, for an evaluation that failed to run
    value_ok: bool = True
    grad_ok: Optional[bool] = None  # None: nothing to differentiate
    problem: str = ""  # "NaN in the gradient", "inf in the value", "ValueError: math domain error"
    values: Optional[List[Any]] = None  # float64 CPU tensors, for drift
    shapes: Tuple[Tuple[int, ...], ...] = ()

    @property
    def finite(self) -> bool:
        return self.error is None and self.value_ok and self.grad_ok is not False


def _kind(tensors) -> str:
    import torch

    return "NaN" if any(bool(torch.isnan(t).any()) for t in tensors) else "inf"


def _output_tensors(value: Any) -> List[Any]:
    import torch

    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        found = []
        for item in value:
            found.extend(_output_tensors(item))
        return found
    if isinstance(value, (bool, int, float)):
        return [torch.tensor(float(value), dtype=torch.float64)]
    raise TypeError(f"the value is a {type(value).__name__}, not a tensor or a number")


def _run_torch(subject: _Subject, values: Dict[str, Any]) -> _Outcome:
    import torch

    leaves = [v for v in values.values() if isinstance(v, torch.Tensor) and v.requires_grad]
    try:
        with warnings.catch_warnings(), torch.enable_grad():
            warnings.simplefilter("ignore")
            outputs = _output_tensors(subject.compute(dict(values)))
            numeric = [t for t in outputs if t.is_floating_point() or t.is_complex()]
            outcome = _Outcome(shapes=tuple(tuple(t.shape) for t in outputs))
            nonfinite = [t for t in numeric if not bool(torch.isfinite(t).all())]
            if nonfinite:
                outcome.value_ok = False
                outcome.problem = f"{_kind(nonfinite)} in the value"
            outcome.values = [t.detach().to("cpu", torch.float64) for t in outputs if not t.is_complex()]
            differentiable = [t for t in numeric if t.requires_grad and not t.is_complex()]
            if differentiable and leaves:
                total = sum(t.sum() for t in differentiable)
                grads = torch.autograd.grad(total, leaves, allow_unused=True)
                bad = [g for g in grads if g is not None and not bool(torch.isfinite(g).all())]
                outcome.grad_ok = not bad
                if bad and outcome.value_ok:
                    outcome.problem = f"{_kind(bad)} in the gradient"
            return outcome
    except Exception as error:  # the evaluated code's own errors: shapes, dtypes
        return _Outcome(error=_one_line(error))


def _run_scalar(subject: _Subject, values: Dict[str, Any]) -> _Outcome:
    """`math` and numpy code: values only; a domain error counts as a non-finite value."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if subject.backend == "numpy":
                import numpy

                with numpy.errstate(all="ignore"):
                    value = subject.compute(dict(values))
            else:
                value = subject.compute(dict(values))
    except (ValueError, OverflowError, ZeroDivisionError, FloatingPointError) as error:
        return _Outcome(value_ok=False, problem=_one_line(error))
    except Exception as error:
        return _Outcome(error=_one_line(error))
    import torch

    try:
        import numpy

        arrays = numpy.atleast_1d(numpy.asarray(value, dtype=numpy.float64)).reshape(-1).tolist()
        shape = tuple(numpy.shape(value))
    except ImportError:
        arrays = [float(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
        shape = () if not isinstance(value, (list, tuple)) else (len(value),)
    except (TypeError, ValueError) as error:
        return _Outcome(error=_one_line(error))
    finite = all(math.isfinite(v) for v in arrays)
    outcome = _Outcome(value_ok=finite, shapes=(shape,))
    if not finite:
        outcome.problem = ("NaN" if any(v != v for v in arrays) else "inf") + " in the value"
    outcome.values = [torch.tensor(arrays, dtype=torch.float64)]
    return outcome


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


def _drift(original: _Outcome, fixed: _Outcome) -> Optional[float]:
    import torch

    worst = 0.0
    assert original.values is not None and fixed.values is not None
    for a, b in zip(original.values, fixed.values):
        if a.numel() == 0:
            continue
        mask = torch.isfinite(a) & torch.isfinite(b)
        if not bool(mask.any()):
            continue
        a, b = a[mask], b[mask]
        worst = max(worst, float(((a - b).abs() / a.abs().clamp_min(1.0)).max()))
    return worst


# -- the verdict ----------------------------------------------------------------------------
def verify_fix(
    original: Source,
    fixed: Source,
    probes: Optional[Sequence[ProbeSpec]] = None,
    dtypes: Optional[Sequence[Any]] = None,
    devices: Optional[Sequence[Any]] = None,
    aliases: Optional[Mapping[str, str]] = None,
    max_drift: float = MAX_DRIFT,
) -> Verdict:
    """Check that `fixed` is a finite replacement for `original` on adversarial probes.

    `original` and `fixed` are each the source of an expression (or of a
    straight-line block, compared on its last statement's value), or a callable
    whose parameters are bound to the probes. Sources are validated against the
    allowlist and never run otherwise; callables are your own code and are called.
    `probes`: names from `nanlint.shim.probes.PROBES` and/or mappings from name to
    value (your own probe). `dtypes`: torch dtypes or their names (default float32,
    float64, float16, bfloat16). `devices`: default the CPU and every CUDA device.
    `aliases`: local name -> module, e.g. {"T": "torch"} (default: torch, F, nn,
    math, np).
    """
    label_original = original if isinstance(original, str) else getattr(original, "__qualname__", "<callable>")
    label_fixed = fixed if isinstance(fixed, str) else getattr(fixed, "__qualname__", "<callable>")
    try:
        sides = _subjects(original, fixed, aliases)
    except Refused as refused:
        return Verdict(SKIPPED, reason=str(refused), original=str(label_original), fix=str(label_fixed))
    return verify_subjects(*sides, probes=probes, dtypes=dtypes, devices=devices, max_drift=max_drift)


def verify_programs(
    original: Program, fixed: Program, defaults: Optional[Mapping[str, Any]] = None, **options: Any
) -> Verdict:
    """The verdict for two validated programs (see `verify_fix` for the options).
    `defaults` binds names to known values (an enclosing function's `eps=1e-6`)."""
    return verify_subjects(_program_subject(original, defaults), _program_subject(fixed, defaults), **options)


def _subjects(original: Source, fixed: Source, aliases: Optional[Mapping[str, str]]) -> Tuple[_Subject, _Subject]:
    if callable(original) and callable(fixed):
        return _callable_subject(original), _callable_subject(fixed)
    if not isinstance(original, str) or not isinstance(fixed, str):
        raise Refused("give two sources or two callables")
    first = compile_program(original, aliases)
    result_name = first.result[1] if first.result[0] == "name" else None
    second = compile_program(fixed, aliases, result_name=result_name)
    return _program_subject(first), _program_subject(second)


def _single_threaded(function):
    """Run on one CPU thread: probes are a dozen elements, and waking a thread pool
    for each op costs milliseconds (15 ms per softmax on a busy 2-core machine,
    against microseconds on one thread). The caller's setting is restored."""
    import functools

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            import torch
        except ImportError:
            return function(*args, **kwargs)
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return function(*args, **kwargs)
        finally:
            torch.set_num_threads(threads)

    return run


@_single_threaded
def verify_subjects(
    original: _Subject,
    fixed: _Subject,
    probes: Optional[Sequence[ProbeSpec]] = None,
    dtypes: Optional[Sequence[Any]] = None,
    devices: Optional[Sequence[Any]] = None,
    max_drift: float = MAX_DRIFT,
) -> Verdict:
    verdict = Verdict(SKIPPED, original=original.label, fix=fixed.label)
    backend = "torch" if "torch" in (original.backend, fixed.backend) else original.backend
    try:
        import torch
    except ImportError:
        verdict.reason = f"PyTorch is not installed: {INSTALL_TORCH}"
        return verdict
    if backend == "numpy":
        try:
            import numpy  # noqa: F401
        except ImportError:
            verdict.reason = "numpy is not installed"
            return verdict
    defaults = {**original.defaults, **fixed.defaults}
    names = {name: kind for name, kind in original.names.items() if name not in defaults}
    for name, kind in fixed.names.items():
        if name not in defaults:
            names.setdefault(name, kind)
    chosen = list(probes) if probes is not None else list(PROBES)
    for spec in chosen:
        if isinstance(spec, str) and spec not in PROBES:
            raise ValueError(f"unknown probe {spec!r}; known: {', '.join(PROBES)}")
    dtype_names = [_dtype_name(d) for d in (dtypes or DTYPES)]
    for name in dtype_names:
        if not (isinstance(getattr(torch, name, None), torch.dtype) and getattr(torch, name).is_floating_point):
            raise ValueError(f"{name!r} is not a torch floating-point dtype")
    device_names = [str(d) for d in devices] if devices is not None else _devices()
    added = eps_constants(fixed)

    if backend == "math":
        runs = [("float64", "cpu")]
        shape: Tuple[int, ...] = ()
    else:
        runs = [(d, dev) for dev in device_names for d in dtype_names]
        if backend == "numpy":
            runs = [(d, "cpu") for d in dtype_names if d != "bfloat16"]
        picked = _pick_shape(original, fixed, names, defaults, backend)
        if isinstance(picked, Verdict):
            picked.original, picked.fix = original.label, fixed.label
            return picked
        shape = picked

    for dtype_name, device in runs:
        verdict.details.append(
            _one_dtype(original, fixed, names, defaults, backend, chosen, shape, dtype_name, device, added)
        )
    return _conclude(verdict, max_drift)


def eps_constants(fixed: _Subject) -> List[float]:
    """The eps values the fix relies on: its small positive literals (added or moved
    there, as `0 < value <= 1e-2`, the linter's reading of "eps-like") and the value
    given to eps-named probes."""
    found = [value for value in fixed.constants if 0 < value <= 1e-2]
    found += [v for n, v in fixed.defaults.items() if isinstance(v, float) and 0 < v <= 1e-2]
    if any(kind == EPS and name not in fixed.defaults for name, kind in fixed.names.items()):
        found.append(probe_values.EPS_VALUE)
    return sorted(set(found))


def _dtype_name(dtype: Any) -> str:
    name = str(dtype)
    return name[len("torch.") :] if name.startswith("torch.") else name


def _devices() -> List[str]:
    import torch

    found = ["cpu"]
    if torch.cuda.is_available():
        found.extend(f"cuda:{index}" for index in range(torch.cuda.device_count()))
    return found


def _values(kind: ProbeSpec, names, defaults, backend, shape, dtype_name, device) -> Dict[str, Any]:
    import torch

    if isinstance(kind, Mapping):
        if backend != "torch":
            raise ValueError("custom probes are supported for torch code only")
        values = probe_values.custom_values(kind, names, getattr(torch, dtype_name), device)
    elif backend == "math":
        values = probe_values.float_values(kind, names)
    elif backend == "numpy":
        values = probe_values.numpy_values(kind, names, shape, dtype_name)
    else:
        values = probe_values.torch_values(kind, names, shape, getattr(torch, dtype_name), device)
    values.update(defaults)
    return values


def _runner(backend: str):
    return _run_torch if backend == "torch" else _run_scalar


def _pick_shape(original, fixed, names, defaults, backend) -> Union[Tuple[int, ...], Verdict]:
    """The first probe shape on which both forms evaluate (ordinary values, float64)."""
    if backend == "math" or not any(kind == TENSOR for kind in names.values()):
        return SHAPES[0]
    run = _runner(backend)
    original_error = fixed_error = ""
    original_ran = False
    for shape in SHAPES:
        values = _values("random", names, defaults, backend, shape, "float64", "cpu")
        first = run(original, values)
        if first.error:
            original_error = original_error or first.error
            continue
        original_ran = True
        second = run(fixed, _values("random", names, defaults, backend, shape, "float64", "cpu"))
        if second.error:
            fixed_error = fixed_error or second.error
            continue
        return shape
    shapes = ", ".join(str(s) for s in SHAPES)
    if original_ran:
        return Verdict(NOT_FIXED, reason=f"the fix raises where the original evaluates: {fixed_error}", holds=False)
    return Verdict(SKIPPED, reason=f"the original raises on every probe shape ({shapes}): {original_error}")


def _one_dtype(original, fixed, names, defaults, backend, chosen, shape, dtype_name, device, added) -> DtypeResult:
    import torch

    result = DtypeResult(dtype_name, device, HOLDS)
    run = _runner(backend)
    # An eps that is 0 in the dtype (1e-12 in float16) or subnormal there (1e-6 in
    # float16: its root's reciprocal overflows) cannot protect code in that dtype.
    underflowing: List[Tuple[float, str]] = []
    if backend != "math":
        torch_dtype = getattr(torch, dtype_name)
        for value in added:
            if float(torch.tensor(value, dtype=torch_dtype)) == 0.0:
                underflowing.append((value, f"is 0 in {dtype_name}"))
            elif value < torch.finfo(torch_dtype).tiny:
                tiny = torch.finfo(torch_dtype).tiny
                underflowing.append((value, f"is subnormal in {dtype_name} (smallest normal {tiny:.2g})"))
    drifts: List[float] = []
    ordinary: List[float] = []
    for spec in chosen:
        label = spec if isinstance(spec, str) else f"custom probe {chosen.index(spec) + 1}"
        try:
            first = run(original, _values(spec, names, defaults, backend, shape, dtype_name, device))
        except KeyError as missing:
            raise ValueError(f"{label} gives no value for the name {missing}") from None
        if first.error:
            if _unsupported(first.error):
                return DtypeResult(dtype_name, device, UNSUPPORTED, note=f"the original cannot run: {first.error}")
            result.out_of_domain.append(f"{label} (the original raises {first.error})")
            continue
        second = run(fixed, _values(spec, names, defaults, backend, shape, dtype_name, device))
        if not first.finite:
            result.confirmed_by.append(f"{label}: {first.problem}")
        applies = not isinstance(spec, str) or spec in BOUNDARY or first.value_ok
        if second.error:
            if _unsupported(second.error):
                return DtypeResult(dtype_name, device, UNSUPPORTED, note=f"the fix cannot run: {second.error}")
            (result.failures if applies else result.out_of_domain).append(f"{label} (raises {second.error})")
            continue
        if not second.finite:
            (result.failures if applies else result.out_of_domain).append(f"{label}: {second.problem}")
        if first.value_ok and second.value_ok:
            if first.shapes != second.shapes:
                result.failures.append(f"{label}: the fix's value has shape {second.shapes}, not {first.shapes}")
            else:
                drifts.append(_drift(first, second) or 0.0)
                if not (isinstance(spec, str) and spec in BOUNDARY):
                    ordinary.append(drifts[-1])
    result.drift = max(drifts) if drifts else None
    result.ordinary_drift = max(ordinary) if ordinary else None
    if result.failures:
        result.status = FAILS
        if underflowing:
            result.status = EPS_UNDERFLOW
            said = ", ".join(f"{value:g} {why}" for value, why in underflowing)
            result.note = f"the fix's eps {said}: raise eps for {dtype_name} code"
    return result


def _misfit(outcome: str) -> bool:
    return "the original raises TypeError" in outcome or "the original raises AttributeError" in outcome


def _unsupported(error: str) -> bool:
    return "not implemented for" in error or "Unsupported dtype" in error or "not supported" in error


def _conclude(verdict: Verdict, max_drift: float) -> Verdict:
    results = [r for r in verdict.details if r.status != UNSUPPORTED]
    if not results:
        verdict.status = SKIPPED
        verdict.reason = "no dtype could run: " + "; ".join(r.note for r in verdict.details)
        return verdict
    if all(r.drift is None and r.out_of_domain and all(map(_misfit, r.out_of_domain)) for r in results):
        # Every probe was the wrong kind of value (a float where the code indexes an
        # array): nothing was measured, so nothing is claimed.
        verdict.status = SKIPPED
        verdict.reason = f"the probes do not fit the code: {results[0].out_of_domain[0]}"
        return verdict
    confirming = next((r for r in results if r.confirmed_by), None)
    verdict.confirmed = confirming is not None
    if confirming is not None:
        first = confirming.confirmed_by[0]
        verdict.probe = first.split(":")[0]
        verdict.dtype, verdict.device = confirming.dtype, confirming.device
        verdict.confirmation = f"{first}, {confirming.dtype} on {confirming.device}"
    precise = _most_precise(results)
    drifts = [r.drift for r in precise if r.drift is not None]
    verdict.drift = max(drifts) if drifts else None
    failing = next((r for r in results if r.status == FAILS), None)
    if failing is not None:
        verdict.status, verdict.holds = NOT_FIXED, False
        verdict.probe = failing.failures[0].split(":")[0].split(" (")[0]
        verdict.dtype, verdict.device = failing.dtype, failing.device
        verdict.reason = f"the fix fails on {failing.failures[0]} ({failing.dtype} on {failing.device})"
        return verdict
    verdict.holds = True
    # Judged in the most precise dtype run: in float16 rounding alone moves values by 1e-3.
    changed = next((r for r in precise if (r.ordinary_drift or 0.0) > max_drift), None)
    if changed is not None:
        verdict.status, verdict.holds = NOT_FIXED, False
        verdict.dtype, verdict.device, verdict.probe = changed.dtype, changed.device, None
        verdict.reason = (
            f"the fix changes values on ordinary inputs: drift {format_drift(changed.ordinary_drift)} "
            f"> {max_drift:g} ({changed.dtype} on {changed.device})"
        )
        return verdict
    verdict.status = FIXED if verdict.confirmed else UNCONFIRMED
    underflow = [r for r in results if r.status == EPS_UNDERFLOW]
    if underflow:
        verdict.reason = "; ".join(r.note + f" (on {r.device})" for r in underflow)
    return verdict


_PRECISION = {"float64": 0, "float32": 1, "bfloat16": 2, "float16": 2}


def _most_precise(results: List[DtypeResult]) -> List[DtypeResult]:
    """The results of the most precise dtype run (float64 if it ran), on every device."""
    best = min(_PRECISION.get(r.dtype, 3) for r in results)
    return [r for r in results if _PRECISION.get(r.dtype, 3) == best]
