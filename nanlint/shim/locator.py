"""Find the first module whose output or gradient is not finite.

    with nanlint.shim.watch(model):
        loss = model(batch).sum()
        loss.backward()

Every submodule's forward output is checked as the module returns (children
return before their parents, so the first non-finite output belongs to the
innermost module that produced it), and every module input and output that
requires grad gets a tensor hook, so that in backward the first non-finite
gradient names the module whose backward produced it. The first finding raises
`NonFiniteError` (a FloatingPointError) with the module's qualified name, class,
where that class is defined, the dtype, the device, the phase, and the nanlint
rule that flags that kind of op; `watch(model, raise_on_nonfinite=False)`
records instead and exposes `.first`.

Tensor hooks are used instead of full backward hooks: those wrap module outputs
in views and break modules that then work in place (`ReLU(inplace=True)`).
Nothing is installed outside the `with` block; every hook is removed on exit,
also when the block raises. PyTorch is imported only when a watch starts.
"""

from __future__ import annotations

import inspect
import itertools
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Tuple

FORWARD, BACKWARD = "forward", "backward"
_TOKENS = itertools.count()
_MAX_RECORDS = 1000

# The rule that flags the op a module of this kind runs, and why it goes non-finite.
_NORMALISATION = (
    "NAN001",
    "sqrt-without-eps",
    "a normalisation divides by a std or a norm that is 0 on constant input",
)
_LOG = ("NAN003", "log-of-possibly-zero", "a log of a probability or a value that can be exactly 0")
_RULES_BY_CLASS = {
    **{
        name: _NORMALISATION
        for name in (
            "LayerNorm",
            "GroupNorm",
            "RMSNorm",
            "LocalResponseNorm",
            "BatchNorm1d",
            "BatchNorm2d",
            "BatchNorm3d",
            "InstanceNorm1d",
            "InstanceNorm2d",
            "InstanceNorm3d",
            "SyncBatchNorm",
            "CosineSimilarity",
            "PairwiseDistance",
        )
    },
    **{
        name: _LOG
        for name in (
            "LogSoftmax",
            "Softmax",
            "Softmax2d",
            "Softmin",
            "LogSigmoid",
            "NLLLoss",
            "CrossEntropyLoss",
            "KLDivLoss",
            "BCELoss",
            "PoissonNLLLoss",
            "GaussianNLLLoss",
        )
    },
}
_RULES_BY_WORD = (
    ("norm", _NORMALISATION),
    ("std", _NORMALISATION),
    ("standard", _NORMALISATION),
    ("whiten", _NORMALISATION),
    ("log", _LOG),
    ("softmax", _LOG),
    ("entropy", _LOG),
)


@dataclass
class NonFiniteRecord:
    """Where a non-finite tensor first appeared."""

    module: str  # qualified name from named_modules(); "" is the model itself
    module_class: str
    defined_at: str  # "path/to/file.py:12" where the module's class is defined
    dtype: str
    device: str
    phase: str  # "forward" or "backward"
    kind: str  # "NaN" or "inf"
    rule: Optional[str] = None  # the nanlint rule that flags this kind of op
    rule_name: Optional[str] = None
    rule_reason: Optional[str] = None
    inputs_finite: Optional[bool] = None  # forward: were the module's inputs finite?
    also_used_by: List[str] = field(default_factory=list)  # backward: other consumers
    at_output: bool = False  # backward: already non-finite where it enters the module's output
    first: bool = True  # the first record of its watch: what came before it was finite

    @property
    def display_name(self) -> str:
        return self.module or "(the model itself)"

    def describe(self) -> str:
        where = "output"
        if self.phase == BACKWARD:
            where = "gradient at the output" if self.at_output else "gradient with respect to the input"
        text = (
            f"first non-finite tensor ({self.kind}, {self.dtype} on {self.device}, in {self.phase}): "
            f"the {where} of module `{self.display_name}` ({self.module_class}, defined at {self.defined_at})"
        )
        if not self.first:
            pass
        elif self.phase == FORWARD and self.inputs_finite is False:
            text += "; its inputs were already non-finite, so the NaN comes from the data or from code between modules"
        elif self.phase == FORWARD and self.inputs_finite:
            text += "; its inputs were finite, so this module produced it"
        if self.at_output:
            text += "; it arrives there non-finite from the code after the model (the loss)"
        elif self.phase == BACKWARD and self.first:
            text += "; the gradient of its output was finite, so this module's backward produced it"
        if self.also_used_by:
            text += f"; the same tensor also feeds {', '.join(f'`{m}`' for m in self.also_used_by)}"
        if self.rule:
            text += f". nanlint {self.rule} ({self.rule_name}) flags this kind of op: {self.rule_reason}"
        return text


class NonFiniteError(FloatingPointError):
    """The first non-finite output or gradient seen by `watch`; fields as NonFiniteRecord."""

    def __init__(self, record: NonFiniteRecord) -> None:
        super().__init__(record.describe())
        self.record = record
        self.module = record.module
        self.module_class = record.module_class
        self.defined_at = record.defined_at
        self.dtype = record.dtype
        self.device = record.device
        self.phase = record.phase
        self.kind = record.kind
        self.rule = record.rule
        self.inputs_finite = record.inputs_finite


def rule_for(module_class: type) -> Optional[Tuple[str, str, str]]:
    """(code, name, reason) of the rule that flags what a module of this class does:
    what nanlint finds in the class's own source, else what its kind of module does."""
    found = _lint_class(module_class)
    if found is not None:
        return found
    for klass in module_class.__mro__:
        found = _RULES_BY_CLASS.get(klass.__name__)
        if found:
            return found
    lowered = module_class.__name__.lower()
    for word, found in _RULES_BY_WORD:
        if word in lowered:
            return found
    return None


_LINTED: Dict[type, Optional[Tuple[str, str, str]]] = {}


def _lint_class(module_class: type) -> Optional[Tuple[str, str, str]]:
    """The first nanlint finding in a user-defined module class's source, if any.

    Runs only once a non-finite tensor is found, so the linter's import cost is
    never paid by a run that stays finite. torch's own modules are not linted.
    """
    if module_class in _LINTED:
        return _LINTED[module_class]
    found = None
    if not module_class.__module__.startswith("torch."):
        try:
            import textwrap

            from nanlint.linting.engine import Linter
            from nanlint.rule import all_rules

            lines, first_line = inspect.getsourcelines(module_class)
            source = "import torch\nimport torch.nn.functional as F\n" + textwrap.dedent("".join(lines))
            from nanlint.linting.suppression import UNUSED_NOQA

            # A stale noqa in the module's source says nothing about where a NaN comes from.
            linter = Linter([rule for rule in all_rules() if rule.code != UNUSED_NOQA])
            diagnostics = linter.lint_source(source, "<module>")
            if diagnostics:
                first = diagnostics[0]
                line = first_line + first.location.row - 3
                found = (first.code, first.name, f"line {line}: {first.message}")
        except Exception:  # the locator must never fail because the linter could not run
            found = None
    _LINTED[module_class] = found
    return found


_DEFINED_AT: Dict[type, str] = {}


def defined_at(module_class: type) -> str:
    found = _DEFINED_AT.get(module_class)
    if found is None:
        try:
            path = inspect.getsourcefile(module_class) or inspect.getfile(module_class)
            line = inspect.getsourcelines(module_class)[1]
            found = f"{path}:{line}"
        except (OSError, TypeError):
            found = f"{module_class.__module__} (source not available)"
        _DEFINED_AT[module_class] = found
    return found


def _tensors(value: Any, depth: int = 0) -> Iterator[Any]:
    import torch

    if isinstance(value, torch.Tensor):
        yield value
    elif depth < 4 and isinstance(value, (tuple, list)):
        for item in value:
            yield from _tensors(item, depth + 1)
    elif depth < 4 and isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item, depth + 1)


def _nonfinite(tensors) -> Optional[Any]:
    """The first float tensor with a NaN or inf, or None."""
    import torch

    for tensor in tensors:
        if (tensor.is_floating_point() or tensor.is_complex()) and not bool(torch.isfinite(tensor).all()):
            return tensor
    return None


def _kind(tensor) -> str:
    import torch

    return "NaN" if bool(torch.isnan(tensor).any()) else "inf"


class watch:
    """Context manager: stop at (or record) the first non-finite output or gradient.

    `model` is an nn.Module; every module of `model.named_modules()` is watched.
    With `raise_on_nonfinite=False`, findings are kept in `.records` (the first
    in `.first`) and the run goes on.
    """

    def __init__(self, model: Any, raise_on_nonfinite: bool = True, backward: bool = True) -> None:
        self.model = model
        self.raise_on_nonfinite = raise_on_nonfinite
        self.backward = backward
        self.records: List[NonFiniteRecord] = []
        self._handles: List[Any] = []
        self._tensor_handles: List[Any] = []
        self._names: Dict[int, str] = {}
        self._active = False
        self._raised = False
        self._token = -1

    @property
    def first(self) -> Optional[NonFiniteRecord]:
        return self.records[0] if self.records else None

    # -- the context ---------------------------------------------------------------
    def __enter__(self) -> "watch":
        import torch  # noqa: F401  (fails here, not mid-forward, when torch is missing)

        self._active = True
        self._raised = False
        self._token = next(_TOKENS)  # tells this entry's marks on tensors from others
        try:
            for name, module in self.model.named_modules():
                self._names[id(module)] = name
                self._handles.append(module.register_forward_hook(self._forward_hook))
        except BaseException:
            self._remove()
            raise
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._remove()

    def _remove(self) -> None:
        self._active = False
        for handle in self._handles + self._tensor_handles:
            handle.remove()
        self._handles.clear()
        self._tensor_handles.clear()

    @property
    def hook_count(self) -> int:
        """Hooks this watch has installed and not yet removed."""
        return len(self._handles) + len(self._tensor_handles)

    # -- hooks ---------------------------------------------------------------------
    def _forward_hook(self, module: Any, inputs: Any, output: Any) -> None:
        if not self._active:
            return
        name = self._names.get(id(module), "?")
        outputs = list(_tensors(output))
        if self.backward:
            for tensor in _tensors(inputs):
                self._roles(tensor).consumers.append(name)
        bad = _nonfinite(outputs)
        if bad is not None:
            inputs_finite = _nonfinite(list(_tensors(inputs))) is None
            self._found(module, name, bad, FORWARD, inputs_finite=inputs_finite)
        if self.backward:
            for tensor in outputs:
                self._roles(tensor).producers.append(name)

    def _roles(self, tensor: Any) -> "_Roles":
        """The modules that read and wrote `tensor`; its gradient is hooked once."""
        if not tensor.requires_grad:
            return _Roles()  # no gradient will flow: nothing to hook
        store = tensor.__dict__.setdefault("_nanlint_roles", {})
        roles = store.get(self._token)
        if roles is None:
            roles = store[self._token] = _Roles()
            # The hook holds the roles, never the tensor: no reference cycle keeps
            # activations alive after the step.
            self._tensor_handles.append(tensor.register_hook(self._gradient_hook(roles)))
        return roles

    def _gradient_hook(self, roles: "_Roles"):
        def on_gradient(gradient: Any) -> None:
            if not self._active or gradient is None or _nonfinite([gradient]) is None:
                return
            if roles.consumers:
                # The gradient of a module's input comes out of that module's backward;
                # when several modules read it, the innermost, latest one ran first.
                innermost = _innermost(roles.consumers)
                culprit = innermost[-1]
                others = _other_consumers(roles.consumers, culprit)
                self._found(self._module_named(culprit), culprit, gradient, BACKWARD, also_used_by=others)
            else:
                # Written by a module, read by none: the gradient came from the code
                # after the model (the loss) and is seen at this module's output.
                culprit = _innermost(roles.producers)[-1] if roles.producers else ""
                self._found(self._module_named(culprit), culprit, gradient, BACKWARD, at_output=True)

        return on_gradient

    def _module_named(self, name: str) -> Any:
        for candidate, module in self.model.named_modules():
            if candidate == name:
                return module
        return self.model

    def _found(self, module: Any, name: str, tensor: Any, phase: str, **extra: Any) -> None:
        if self._raised or len(self.records) >= _MAX_RECORDS:
            return
        rule = rule_for(type(module))
        record = NonFiniteRecord(
            module=name,
            module_class=type(module).__name__,
            defined_at=defined_at(type(module)),
            dtype=str(tensor.dtype).replace("torch.", ""),
            device=str(tensor.device),
            phase=phase,
            kind=_kind(tensor),
            rule=rule[0] if rule else None,
            rule_name=rule[1] if rule else None,
            rule_reason=rule[2] if rule else None,
            first=not self.records,
            **extra,
        )
        self.records.append(record)
        if self.raise_on_nonfinite:
            self._raised = True  # later hooks of the unwinding pass stay quiet
            raise NonFiniteError(record)


@dataclass
class _Roles:
    consumers: List[str] = field(default_factory=list)  # modules that took it as input
    producers: List[str] = field(default_factory=list)  # modules that returned it


def _innermost(names: List[str]) -> List[str]:
    """The names that are not an ancestor of another (`a` is an ancestor of `a.b`), in order."""

    def is_ancestor(parent: str, child: str) -> bool:
        return parent != child and (parent == "" or child.startswith(parent + "."))

    return [n for n in names if not any(is_ancestor(n, other) for other in names)]


def _other_consumers(names: List[str], culprit: str) -> List[str]:
    """Other modules that read the tensor, not the culprit's ancestors, each once."""
    seen: List[str] = []
    for name in names:
        if name in seen or name == culprit or name == "" or culprit.startswith(name + "."):
            continue
        seen.append(name)
    return seen
