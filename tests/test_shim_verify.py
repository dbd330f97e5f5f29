"""verify_fix on the incidents: the original goes non-finite, the fix holds, and by how much it moves values."""

from __future__ import annotations

import pytest
import torch

from nanlint.shim import Verdict, verify_fix
from nanlint.shim.verify import EPS_UNDERFLOW, FIXED, HOLDS, NOT_FIXED, SKIPPED, UNCONFIRMED

INCIDENT = "torch.sum((vecs[0].unsqueeze(0) - emb) ** 2, dim=1).sqrt()"
NORM_FIX = "torch.linalg.vector_norm(vecs[0].unsqueeze(0) - emb, dim=1)"
EPS_FIX = "torch.sum((vecs[0].unsqueeze(0) - emb) ** 2, dim=1).add(1e-12).sqrt()"

INCIDENT_LOSS = """
d1 = torch.sum((vecs[0].unsqueeze(0) - emb) ** 2, dim=1).sqrt()
d2 = torch.sum((vecs[-1].unsqueeze(0) - emb) ** 2, dim=1).sqrt()
loss = torch.abs(d1 + d2 - torch.dist(vecs[0], vecs[-1], p=2)) + 1e-8
"""
INCIDENT_LOSS_FIXED = """
d1 = torch.linalg.vector_norm(vecs[0].unsqueeze(0) - emb, dim=1)
d2 = torch.linalg.vector_norm(vecs[-1].unsqueeze(0) - emb, dim=1)
loss = torch.abs(d1 + d2 - torch.dist(vecs[0], vecs[-1], p=2))
"""
# The author's own fix: the eps moved inside the sums, before the roots.
INCIDENT_LOSS_EPS_INSIDE = """
d1 = (torch.sum((vecs[0].unsqueeze(0) - emb) ** 2, dim=1) + 1e-8).sqrt()
d2 = (torch.sum((vecs[-1].unsqueeze(0) - emb) ** 2, dim=1) + 1e-8).sqrt()
loss = torch.abs(d1 + d2 - torch.dist(vecs[0], vecs[-1], p=2))
"""


@pytest.fixture(scope="module")
def norm_verdict() -> Verdict:
    return verify_fix(INCIDENT, NORM_FIX)


@pytest.fixture(scope="module")
def eps_verdict() -> Verdict:
    return verify_fix(INCIDENT, EPS_FIX)


def test_incident_root_is_confirmed_by_a_nan_gradient_at_equal_vectors(norm_verdict):
    assert norm_verdict.confirmed
    # Both the all-zero probe and the "emb equals an endpoint" probe give NaN in the gradient.
    float32 = norm_verdict.details_for("float32")
    assert "zeros: NaN in the gradient" in float32.confirmed_by
    assert "equal: NaN in the gradient" in float32.confirmed_by
    assert norm_verdict.probe == "zeros" and norm_verdict.dtype == "float32" and norm_verdict.device == "cpu"


def test_vector_norm_fix_holds_in_every_dtype_with_rounding_level_drift(norm_verdict):
    assert norm_verdict.status == FIXED and norm_verdict.holds
    assert norm_verdict.confirmed and norm_verdict.fixed  # as the README shows it
    for dtype in ("float32", "float64", "float16", "bfloat16"):
        result = norm_verdict.details_for(dtype)
        assert result.status == HOLDS, result
        assert result.failures == []
    # An exact rewrite: at most a few ulps apart (measured: 0 in float32 and float64).
    assert norm_verdict.details_for("float64").drift <= 1e-15
    assert norm_verdict.details_for("float32").drift <= 1e-6
    assert norm_verdict.details_for("float16").drift <= 1e-2
    assert norm_verdict.drift <= 1e-15


def test_eps_fix_holds_where_its_eps_survives_and_drifts_by_sqrt_eps(eps_verdict):
    assert eps_verdict.status == FIXED
    for dtype in ("float32", "float64", "bfloat16"):
        assert eps_verdict.details_for(dtype).status == HOLDS
    # sqrt(0 + 1e-12) = 1e-6 where the distance is 0: eps level, far above rounding.
    assert eps_verdict.drift == pytest.approx(1e-6, rel=1e-3)
    assert eps_verdict.details_for("float32").drift == pytest.approx(1e-6, rel=1e-2)


def test_eps_that_is_zero_in_float16_is_reported_for_float16_only(eps_verdict):
    float16 = eps_verdict.details_for("float16")
    assert float16.status == EPS_UNDERFLOW
    assert "1e-12 is 0 in float16" in float16.note
    assert float16.failures  # the fix really fails there ...
    assert eps_verdict.holds  # ... and that is not held against it
    assert "float16" in eps_verdict.reason


def test_eps_that_is_subnormal_in_float16_is_reported_as_too_small():
    verdict = verify_fix(
        "torch.rsqrt(x.pow(2).mean(-1, keepdim=True))", "torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6)"
    )
    float16 = verdict.details_for("float16")
    assert float16.status == EPS_UNDERFLOW and "subnormal in float16" in float16.note
    assert verdict.status == FIXED


def test_incident_loss_reproduces_nan_gradient_and_the_fixed_loss_removes_it():
    verdict = verify_fix(INCIDENT_LOSS, INCIDENT_LOSS_FIXED)
    assert verdict.status == FIXED, str(verdict)
    assert verdict.confirmed and "NaN in the gradient" in verdict.confirmation
    for dtype in ("float32", "float64"):
        result = verdict.details_for(dtype)
        assert result.status == HOLDS and "equal: NaN in the gradient" in result.confirmed_by
    # The fix also drops the useless `+ 1e-8` on the loss: the drift is that 1e-8.
    assert verdict.drift == pytest.approx(1e-8, rel=1e-3)


def test_incident_loss_with_eps_moved_inside_the_roots():
    verdict = verify_fix(INCIDENT_LOSS, INCIDENT_LOSS_EPS_INSIDE)
    assert verdict.status == FIXED
    assert verdict.details_for("float32").status == HOLDS
    # sqrt(1e-8) = 1e-4 per distance, twice.
    assert verdict.drift == pytest.approx(2e-4, rel=1e-2)
    assert verdict.details_for("float16").status == EPS_UNDERFLOW


def test_a_fix_that_changes_nothing_does_not_hold():
    verdict = verify_fix("torch.sqrt((x ** 2).sum(-1))", "torch.sqrt((x ** 2).sum(-1)) + 1e-8")
    assert verdict.status == NOT_FIXED and not verdict.holds
    assert verdict.probe == "zeros" and "NaN in the gradient" in verdict.reason
    assert not verdict.ok


def test_a_fix_that_changes_values_does_not_hold():
    verdict = verify_fix("torch.sqrt((x ** 2).sum(-1))", "torch.sqrt((x ** 2).sum(-1) + 1.0)")
    assert verdict.status == NOT_FIXED and "changes values" in verdict.reason


def test_a_fix_with_another_shape_does_not_hold():
    verdict = verify_fix("torch.sum(x ** 2, dim=-1, keepdim=True).sqrt()", "torch.linalg.vector_norm(x, dim=-1)")
    assert verdict.status == NOT_FIXED and "shape" in verdict.reason


def test_exact_rewrite_of_safe_code_is_unconfirmed_but_holds():
    verdict = verify_fix("torch.exp(x) / torch.exp(x).sum(-1, keepdim=True)", "torch.softmax(x, dim=-1)")
    # exp overflows on the "large" probe: confirmed there, and softmax survives it.
    assert verdict.status == FIXED and verdict.probe == "large"
    verdict = verify_fix("x * 2", "x + x")
    assert verdict.status == UNCONFIRMED and verdict.holds and verdict.drift == 0


def test_shapes_are_tried_until_the_original_evaluates():
    # dot needs 1-D tensors: the 2-D probes fail, the 1-D ones are used.
    verdict = verify_fix("torch.sqrt(torch.dot(v, v))", "torch.sqrt(torch.dot(v, v) + 1e-12)")
    assert verdict.status == FIXED and verdict.drift == pytest.approx(1e-6, rel=1e-3)


def test_original_that_raises_on_every_shape_is_skipped():
    verdict = verify_fix("torch.mm(a, b, c)", "torch.mm(a, b)")
    assert verdict.status == SKIPPED and "raises on every probe shape" in verdict.reason


def test_math_code_the_probes_do_not_fit_is_skipped_not_unconfirmed():
    # math code is probed with Python floats; one that indexes a matrix measures nothing.
    verdict = verify_fix("math.sqrt(e[0])", "math.sqrt(max(e[0], 0.0))")
    assert verdict.status == SKIPPED and "the probes do not fit the code" in verdict.reason


def test_math_log_domain_error_is_confirmed_and_a_guard_holds():
    verdict = verify_fix("math.log(x)", "math.log(max(x, 1e-300))")
    assert verdict.status == FIXED
    assert verdict.confirmation.startswith("zeros: ValueError: math domain error")
    assert [r.dtype for r in verdict.details] == ["float64"]


def test_callables_and_user_probes():
    def original(a, b):
        return ((a - b) ** 2).sum(-1).sqrt()

    def fixed(a, b):
        return torch.linalg.vector_norm(a - b, dim=-1)

    verdict = verify_fix(original, fixed, dtypes=[torch.float32], probes=["equal", "random"])
    assert verdict.status == FIXED and [r.dtype for r in verdict.details] == ["float32"]
    point = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    verdict = verify_fix(original, fixed, probes=[{"a": point, "b": point}], dtypes=["float64"])
    assert verdict.status == FIXED and verdict.probe == "custom probe 1"


def test_callable_defaults_are_used_as_given():
    def original(x, eps=1e-6):
        return torch.sqrt((x**2).sum(-1)) + eps

    def fixed(x, eps=1e-6):
        return torch.sqrt((x**2).sum(-1) + eps)

    verdict = verify_fix(original, fixed, dtypes=["float32", "float64"])
    assert verdict.status == FIXED and verdict.drift == pytest.approx(1e-3, rel=1e-2)


def test_devices_default_to_cpu_and_every_cuda_device():
    verdict = verify_fix(INCIDENT, NORM_FIX, dtypes=["float32"], probes=["zeros"])
    devices = {r.device for r in verdict.details}
    expected = {"cpu"} | {f"cuda:{i}" for i in range(torch.cuda.device_count())}
    assert devices == expected


CUDA_DEVICES = [f"cuda:{i}" for i in range(torch.cuda.device_count())]


@pytest.mark.parametrize("device", ["cpu"] + CUDA_DEVICES)
def test_incident_on_every_device(device):
    verdict = verify_fix(INCIDENT, NORM_FIX, devices=[device], dtypes=["float32", "float16"])
    assert verdict.status == FIXED and {r.device for r in verdict.details} == {device}
    assert all(r.status == HOLDS for r in verdict.details)


def test_verdict_reads_well_and_serialises():
    verdict = verify_fix(INCIDENT, EPS_FIX, dtypes=["float32", "float16"])
    text = str(verdict)
    assert text.splitlines()[0].startswith("fixed; confirmed by zeros: NaN in the gradient, float32 on cpu")
    assert "float16 on cpu" in text and "eps-underflow" in text
    data = verdict.to_json()
    assert data["status"] == "fixed" and data["details"][0]["dtype"] == "float32"


def test_unknown_probe_is_an_error():
    with pytest.raises(ValueError, match="unknown probe"):
        verify_fix("x.sqrt()", "x.sqrt()", probes=["nope"])


def test_a_fresh_process_can_run_a_fix_whose_torch_call_imports_lazily():
    """torch imports some modules on first use, from C, through the calling frame's
    `__import__`: the shim's namespace must have one even though the code cannot name it."""
    import subprocess
    import sys

    script = (
        "from nanlint.shim import verify_fix\n"
        "v = verify_fix('y = torch.log(torch.relu(x))', 'y = torch.log(torch.relu(x).clamp_min(1e-12))')\n"
        "print(v.status)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == FIXED, done.stdout + done.stderr
