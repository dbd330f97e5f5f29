"""The shim evaluates only allowlisted code, and refuses the rest before anything runs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from nanlint.shim import verify_fix
from nanlint.shim.safety import DIM, EPS, INDEX, INDICES, TENSOR, Refused, compile_program

REFUSED = [
    ("__import__('os')", "dunder name `__import__`"),
    ("__import__('os').system('true')", "dunder"),
    ("x.__class__", "dunder attribute"),
    ("x._base", "private attribute"),
    ("foo.bar.baz(x)", "`foo.bar.baz`: `foo` is not known to be a tensor"),
    ("self.eps + x", "`self.eps`: `self` is not known to be a tensor"),
    ("helper(x)", "calls `helper`, which is not on the allowlist"),
    ("open('/etc/passwd')", "calls `open`"),
    ("eval('1')", "calls `eval`"),
    ("getattr(x, 'sqrt')()", "calls something that is not a name or a method"),
    ("getattr(x, 'sqrt')", "calls `getattr`"),
    ("(lambda: 1)()", "a lambda"),
    ("[v for v in x]", "a comprehension"),
    ("sum(v for v in x)", "a generator expression"),
    ("(y := x)", "assignment expression"),
    ("f'{x}'", "f-string"),
    ("torch.load('model.pt')", "`torch.load` touches files"),
    ("torch.save(x, 'x.pt')", "`torch.save` touches files"),
    ("torch.set_default_dtype(torch.float64)", "`torch.set_default_dtype` touches files, global state"),
    ("torch.manual_seed(0)", "`torch.manual_seed`"),
    ("torch.cuda.is_available()", "`torch.cuda.is_available` is not on the allowlist"),
    ("torch.hub.load('a', 'b')", "`torch.hub.load` is not on the allowlist"),
    ("torch.nn.Linear(3, 4)", "`torch.nn.Linear` is not on the allowlist"),
    ("torch.Tensor.sqrt(x)", "`torch.Tensor.sqrt` is not on the allowlist"),
    ("x.backward()", "`.backward` is not a tensor method"),
    ("x.sqrt().backward()", "`.backward` is not a tensor method on the allowlist"),
    ("x.register_hook(x)", "`.register_hook`"),
    ("x.add_(1)", "`.add_`"),
    ("x.sqrt().numpy()", "`.numpy`"),
    ("torch.zeros(10 ** 100)", "a large power of a literal"),
    ("(65536 ** 64) ** 64", "a large power of a literal"),
    ("1 << 100000", "a large power of a literal"),
    ("x + 100000", "too large to evaluate safely"),
    ("'ab' * 65536 * 65536", "arithmetic on a sequence or a string literal"),
    ("[0] * 65536", "arithmetic on a sequence"),
    ("torch.zeros(65536, 65536)", "ask for 4294967296 elements"),
    ("x.repeat(4096, 4096)", "`.repeat` with sizes"),
    ("torch.zeros(1000000000)", "too large"),
    ("torch.sqrt(*x)", "`*` unpacking"),
    ("torch.sqrt(**x)", "`**` unpacking"),
    ("os.system('true')", "`os.system` is not on the allowlist"),
    ("x = 1\nimport os\ny = x", "imports `os`"),
    ("from . import secrets\ny = secrets", "relative import"),
    ("for v in x:\n    y = v", "a `for` loop"),
    ("if x:\n    y = x", "an `if` statement"),
    ("x.a = 1\ny = x", "assignment to an attribute"),
    ("del x", "`del`"),
    ("f = torch.sqrt\ny = f(x)", "calls `f`, a value computed in the block"),
    ("jnp.sqrt(x)", "`jax.numpy.sqrt` is not on the allowlist"),
]


@pytest.mark.parametrize("source, reason", REFUSED, ids=[s for s, _ in REFUSED])
def test_refused_with_a_reason(source, reason):
    aliases = {"torch": "torch", "os": "os", "jnp": "jax.numpy"}
    with pytest.raises(Refused) as refused:
        compile_program(source, aliases)
    assert reason in str(refused.value)


def test_refused_code_is_skipped_by_verify_fix_and_never_runs(tmp_path, monkeypatch):
    marker = tmp_path / "ran"
    # A user function that would leave a mark if it were ever called.
    monkeypatch.setitem(sys.modules, "user_code", type(sys)("user_code"))
    sys.modules["user_code"].touch = lambda: marker.write_text("ran")  # type: ignore[attr-defined]
    for original in ("user_code.touch()", "touch()", "__import__('user_code').touch()"):
        verdict = verify_fix(original, "x", aliases={"user_code": "user_code", "touch": "user_code.touch"})
        assert verdict.status == "skipped", original
        assert verdict.reason
    assert not marker.exists()


def test_allowed_code_binds_modules_functions_and_probes():
    program = compile_program(
        "T.linalg.vector_norm(a[i] - F.relu(b), dim=d, keepdim=True) + sqrt(var + eps) + p.gather(1, y[:, None])",
        {"T": "torch", "F": "torch.nn.functional", "sqrt": "torch.sqrt"},
    )
    assert program.bound == {"T": "torch", "F": "torch.nn.functional", "sqrt": "torch.sqrt"}
    assert program.free == {
        "a": TENSOR,
        "i": INDEX,
        "b": TENSOR,
        "d": DIM,
        "var": TENSOR,
        "eps": EPS,
        "p": TENSOR,
        "y": INDICES,
    }
    assert program.backend == "torch"


def test_imports_in_a_block_only_name_allowed_modules():
    program = compile_program("import torch as T\nimport math\nfrom torch import sqrt\nd = sqrt(x) + math.pi\n", {})
    assert program.bound == {"sqrt": "torch.sqrt", "math": "math"}
    assert program.result == ("name", "d") and program.is_block


def test_guard_constants_are_allowed():
    program = compile_program("math.log(max(x, sys.float_info.min))", {"math": "math", "sys": "sys"})
    assert program.backend == "math" and program.free == {"x": TENSOR}
    with pytest.raises(Refused):
        compile_program("sys.modules", {"sys": "sys"})
    with pytest.raises(Refused):
        compile_program("sys.exit(1)", {"sys": "sys"})


def test_evaluation_namespace_has_no_builtins():
    # `len` is allowed; `open` is not, even as a value: a free name `open` is a probe tensor.
    verdict = verify_fix("len(x) + x.sum()", "len(x) + x.sum()", dtypes=["float32"], probes=["random"])
    assert verdict.status == "unconfirmed"


def test_importing_the_shim_does_not_import_torch():
    code = (
        "import sys\n"
        "import nanlint.shim, nanlint.shim.safety, nanlint.shim.probes, nanlint.shim.verify, "
        "nanlint.shim.locator, nanlint.shim.command, nanlint.shim.findings\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
        "assert 'numpy' not in sys.modules, 'numpy imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
