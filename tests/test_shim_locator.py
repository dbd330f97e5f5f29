"""`watch`: name the first module whose output or gradient is not finite (incidents 3 and 5)."""

from __future__ import annotations

import inspect

import pytest
import torch
from torch import nn

from nanlint.shim import NonFiniteError, watch
from nanlint.shim.locator import NonFiniteRecord


class Standardize(nn.Module):
    """The planted bug: a normalisation with no eps, NaN on constant input (0 / 0)."""

    def forward(self, x):
        mean = x.mean(dim=-1, keepdim=True)
        return (x - mean) / x.std(dim=-1, keepdim=True)


class RootMeanSquare(nn.Module):
    def forward(self, x):
        return x / torch.sqrt((x**2).mean(-1, keepdim=True))


class Distance(nn.Module):
    """Finite forward, NaN backward: d/dx sqrt at 0 is inf, times 0 is NaN."""

    def forward(self, x):
        return ((x - x.detach()) ** 2).sum(-1, keepdim=True).sqrt()


def _constant_first_layer(model: nn.Sequential) -> nn.Sequential:
    with torch.no_grad():
        model[0].weight.zero_()
        model[0].bias.fill_(0.5)  # every row of the Linear's output is constant
    return model


def _model() -> nn.Sequential:
    torch.manual_seed(0)
    return _constant_first_layer(
        nn.Sequential(nn.Linear(4, 6), Standardize(), nn.ReLU(inplace=True), nn.Linear(6, 3), nn.Tanh())
    )


def _hooks(model: nn.Module) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) + len(m._backward_hooks) for m in model.modules())


def test_names_the_planted_normalisation_as_the_first_nonfinite_module():
    model = _model()
    with pytest.raises(NonFiniteError) as raised:
        with watch(model):
            model(torch.randn(5, 4))
    error = raised.value
    assert isinstance(error, FloatingPointError)
    assert error.module == "1" and error.module_class == "Standardize"
    assert error.phase == "forward" and error.dtype == "float32" and error.device == "cpu"
    assert error.kind == "NaN" and error.inputs_finite is True
    line = inspect.getsourcelines(Standardize)[1]
    assert error.defined_at == f"{inspect.getsourcefile(Standardize)}:{line}"
    # The division by the std with no eps is the first finding on that line: NAN008's.
    assert error.rule == "NAN008"
    message = str(error)
    assert "module `1` (Standardize, defined at" in message
    assert "its inputs were finite, so this module produced it" in message
    assert _hooks(model) == 0


def test_recording_keeps_going_and_the_first_record_is_the_planted_module():
    model = _model()
    with watch(model, raise_on_nonfinite=False) as watcher:
        output = model(torch.randn(5, 4))
    assert not torch.isfinite(output).all()
    assert isinstance(watcher.first, NonFiniteRecord)
    assert watcher.first.module == "1"
    # The layers after it (and the model itself) are non-finite too, but later.
    assert [r.module for r in watcher.records] == ["1", "2", "3", "4", ""]
    assert [r.first for r in watcher.records] == [True, False, False, False, False]
    assert watcher.hook_count == 0 and _hooks(model) == 0


def test_hooks_are_removed_on_exit_and_on_an_unrelated_exception():
    model = _model()
    with watch(model) as watcher:
        assert _hooks(model) == len(list(model.modules()))
        assert watcher.hook_count >= _hooks(model)
    assert _hooks(model) == 0 and watcher.hook_count == 0
    with pytest.raises(KeyError):
        with watch(model):
            raise KeyError("elsewhere")
    assert _hooks(model) == 0
    # Outside the block the model runs untouched: no error although its output is NaN.
    assert not torch.isfinite(model(torch.randn(2, 4))).all()


def test_finite_runs_record_nothing_and_leave_no_marks():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), nn.LayerNorm(4), nn.ReLU(inplace=True), nn.Linear(4, 1))
    inputs = torch.randn(3, 4, requires_grad=True)
    with watch(model, raise_on_nonfinite=False) as watcher:
        model(inputs).sum().backward()
    assert watcher.records == [] and watcher.first is None
    assert inputs.grad is not None and torch.isfinite(inputs.grad).all()


def test_rule_comes_from_linting_the_module_source():
    torch.manual_seed(0)
    model = _constant_first_layer(nn.Sequential(nn.Linear(4, 4), RootMeanSquare()))
    with torch.no_grad():
        model[0].bias.zero_()  # all-zero rows: sqrt(mean(0)) = 0 and 0 / 0
    with pytest.raises(NonFiniteError) as raised:
        with watch(model):
            model(torch.randn(2, 4))
    error = raised.value
    assert error.module == "1" and error.rule == "NAN001"
    source, first = inspect.getsourcelines(RootMeanSquare)
    assert f"line {first + 2}:" in error.record.rule_reason  # the `return x / torch.sqrt(...)` line


def test_backward_names_the_module_whose_gradient_goes_nonfinite():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), Distance(), nn.Linear(1, 1))
    inputs = torch.randn(3, 4)
    with pytest.raises(NonFiniteError) as raised:
        with watch(model):
            output = model(inputs)  # finite
            assert torch.isfinite(output).all()
            output.sum().backward()
    error = raised.value
    assert error.phase == "backward" and error.module == "1" and error.module_class == "Distance"
    assert error.kind == "NaN"
    assert "this module's backward produced it" in str(error)
    assert _hooks(model) == 0


def test_backward_nan_from_the_loss_is_seen_at_the_model_output():
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
    with torch.no_grad():
        model[0].weight.zero_()
        model[0].bias.zero_()
    with watch(model, raise_on_nonfinite=False) as watcher:
        torch.sqrt(model(torch.randn(2, 4))).sum().backward()  # sqrt at 0 in the loss
    first = watcher.first
    assert first.phase == "backward" and first.at_output and first.module == "1"
    assert "from the code after the model" in first.describe()


def test_nonfinite_input_data_is_told_apart_from_a_module_bug():
    model = nn.Sequential(nn.Linear(4, 4), nn.LayerNorm(4))
    batch = torch.randn(2, 4)
    batch[0, 0] = float("nan")
    with pytest.raises(NonFiniteError) as raised:
        with watch(model):
            model(batch)
    assert raised.value.module == "0" and raised.value.inputs_finite is False
    assert "inputs were already non-finite" in str(raised.value)


def test_layer_norm_maps_to_nan001_and_log_softmax_to_nan003():
    from nanlint.shim.locator import rule_for

    assert rule_for(nn.LayerNorm)[0] == "NAN001"
    assert rule_for(nn.BatchNorm1d)[0] == "NAN001"
    assert rule_for(nn.LogSoftmax)[0] == "NAN003"
    assert rule_for(nn.CrossEntropyLoss)[0] == "NAN003"
    assert rule_for(nn.Linear) is None


CUDA_DEVICES = [f"cuda:{i}" for i in range(torch.cuda.device_count())]


@pytest.mark.parametrize("device", ["cpu"] + CUDA_DEVICES)
def test_device_and_dtype_are_reported(device):
    model = _model().to(device=device, dtype=torch.float64)
    with pytest.raises(NonFiniteError) as raised:
        with watch(model):
            model(torch.randn(5, 4, device=device, dtype=torch.float64))
    assert raised.value.device == str(torch.device(device)) and raised.value.dtype == "float64"
    assert raised.value.module == "1"
