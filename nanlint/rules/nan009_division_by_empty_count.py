"""NAN009 division-by-empty-count: the rule, its examples and its fix."""

from __future__ import annotations

import ast

import libcst as cst

from nanlint.linting.names import descendants
from nanlint.rule import UNSAFE, Invalid, PendingFix, Replace, Rule
from nanlint.values.api import call_triggers
from nanlint.values.calls import DIVIDE, DIVIDE_METHODS, division_operands
from nanlint.values.counts import COUNT_NONZERO, selection_count
from nanlint.values.facts import bare_code, receiver_code
from nanlint.values.gradient import in_reference_implementation, in_test_file
from nanlint.values.guards import is_guarded, is_patched, subjects, under_where_on
from nanlint.values.library import NUMPY, TORCH, library_of

# What makes a mask besides a comparison: `.bool()`, `astype(bool)`, `logical_and`, `isin`.
_MASK_WORDS = frozenset(("bool", "bool_", "logical_and", "logical_or", "logical_not", "isin", "isfinite", "isnan",
                         "eq", "ne", "gt", "lt", "ge", "le", "count_nonzero"))


class DivisionByEmptyCount(Rule):
    """A division by the number of entries a mask selects, which is 0 when it selects none.

    ## Why is this bad?
    A mean over a selection, `(loss * mask).sum() / mask.sum()`, is 0/0 = NaN on the
    batch where the selection is empty, and a sum divided by an empty count is inf: no
    positive anchor in an image without objects (SSD's `loss_l /= N` with
    `N = num_pos.sum()`), no valid token in a row of padding, no predicted attribute for
    one person in a precision metric. The NaN then reaches the loss and every weight, or
    the metric of a whole test set. Measured with torch 2.13 CPU: for
    `mask = torch.zeros(4, dtype=torch.bool)`, `(x * mask).sum() / mask.sum()` is NaN and
    so is the gradient of x; with `mask.sum().clamp(min=1)` both are 0.

    Flagged: `/`, `/=`, `torch.div` and `x.div(...)` by the count of a boolean mask:
    `m.sum()`, `torch.sum(m, dim)`, `m.float().sum(-1)`, `torch.count_nonzero(m)`,
    `np.count_nonzero(m)`, where `m` is a comparison (`labels > 0`, `target != ignore`),
    its negation, `&` or `|` of masks, `torch.logical_and`, or a cast or reshape of
    one; directly or through the local names that reach the division (`num_pos =
    pos.sum(); loss /= num_pos`).

    Not flagged: a count kept from 0 (`.clamp(min=1)`, `max(n, 1)`, `+ eps`), a guard on
    the way (`if num_pos > 0:`, `if mask.any():`, `assert n > 0`, `torch.where(n > 0,
    ...)`, a test of the size of what the mask selects: `if x[mask].numel() == 0:`), a
    count filtered to its nonzero entries (`n = n[n > 0]`), a count of something that
    is not a mask (`weights.sum()`, `len(x)`), test files and reference implementations,
    and the total over a whole batch of a mask of the entries that are not padding or
    ignored (`(labels != -100).sum()`, `attention_mask.bool().sum()`, `(y >= 0).sum()`):
    that is 0 only for a batch of nothing but padding. Counted per row (`.sum(-1)`) it
    is flagged: one row of padding, or of ignored labels, is ordinary.

    ## Fix safety
    The fix clamps the count at 1: `/ mask.sum().clamp(min=1)` for torch,
    `/ np.maximum(np.count_nonzero(m), 1)` for NumPy. A count of true entries is an
    integer, so every nonzero count is unchanged; an empty selection gives 0 (a sum over
    nothing, divided by 1) instead of NaN. Whether 0 is the right value for an empty
    selection is the author's call (a metric may want to skip it instead): an unsafe fix.
    A count whose library the code does not show, in a file that imports both torch and
    NumPy, gets no fix: `.clamp` on a NumPy integer raises.
    """

    messages = {
        "count": "`{numerator}` divided by `{denominator}`, {count}, which is 0 when nothing is selected: "
        "the quotient is then inf, or 0/0 = NaN for a sum over the same selection{gradient}; {advice}",
    }
    code = "NAN009"
    name = "division-by-empty-count"
    summary = "a division by a mask's count is 0/0 = NaN when the mask selects nothing"
    triggers = (*call_triggers("sum"), *call_triggers("count_nonzero"))
    # And a division: `/`, `/=`, `torch.div`, `x.div_(...)`.
    also_triggers = ((r"\/", "div"),)
    # Opt-in (`--extend-select NAN009`): reviewed on five corpora it was 3 TP to 13 FP, most
    # of them counts that are never 0 by construction (a row compared with its own maximum,
    # a sparsemax support that holds its top element, a fixed-size anchor sample), which it
    # cannot yet tell; and its trigger, a `sum(` beside a division, costs about 15% more CPU.
    default_enabled = False
    fixable = True
    incident = (
        "\"Loss is NaN\", the usual list: division by zero. SSD's localisation loss divided by "
        "the number of positive anchors, 0 for an image without objects (ssd.pytorch issues #22 "
        "and #73). Measured with torch 2.13 CPU: `(x * m).sum() / m.sum()` for an all-False mask "
        "is NaN and so is the gradient of x."
    )

    valid = [
        # Totals of the entries that are not padding: 0 only for a batch of nothing but
        # padding, which no data loader yields.
        "import torch\ndef masked_mean(x, labels):\n    mask = labels != -100\n"
        "    return (x * mask).sum() / mask.sum()\n",
        "import torch\ndef token_loss(nll, attention_mask):\n    valid = attention_mask.bool()\n"
        "    return nll[valid].sum() / valid.sum()\n",
        "import torch\ndef labelled_loss(loss, gt_label):\n    labelled = (gt_label >= 0).float()\n"
        "    return (loss * labelled).sum() / labelled.sum()\n",
        # Kept from 0, or guarded.
        "import torch\ndef masked_mean(x, mask):\n    return (x * mask).sum() / mask.sum().clamp(min=1)\n",
        "import torch\ndef ssd_loss(loss_l, labels):\n    num_pos = (labels > 0).sum()\n"
        "    return loss_l / max(num_pos.item(), 1)\n",
        "import torch\ndef masked_mean(x, labels):\n    pos = labels > 0\n    if pos.any():\n"
        "        return x[pos].sum() / pos.sum()\n    return x.sum() * 0\n",
        "import torch\ndef masked_mean(x, labels):\n    n = (labels != -100).sum()\n"
        "    return torch.where(n > 0, x.sum() / n, torch.zeros_like(x.sum()))\n",
        "import torch\ndef masked_mean(x, mask):\n    return (x * mask).sum() / (mask.sum() + 1e-8)\n",
        "import numpy as np\ndef rate(hits):\n    n = np.count_nonzero(hits > 0)\n    assert n > 0\n    return hits.sum() / n\n",
        # A test of the selection's size guards its count; a count filtered to its
        # nonzero entries has none left.
        "import torch\ndef focal(pred, gt):\n    pos = gt.eq(1)\n    pos_pred = pred[pos]\n"
        "    num_pos = pos.float().sum()\n    if pos_pred.nelement() == 0:\n        return pred.sum() * 0\n"
        "    return torch.log(pos_pred).sum() / num_pos\n",
        "import torch\ndef scale(x):\n    n = (x > 0).sum(1)\n    x = x[n > 0]\n    n = n[n > 0]\n"
        "    return x.sum(1) / n\n",
        # Not a mask's count: weights, a length, a norm.
        "import torch\ndef weighted_mean(x, w):\n    return (x * w).sum() / w.sum()\n",
        "import torch\ndef mean(xs):\n    return sum(xs) / len(xs)\n",
        "import torch\ndef normalize(p):\n    return p / p.sum(-1, keepdim=True)\n",
        # A test checks its own values.
        "import torch\ndef test_masked_mean():\n    m = torch.tensor([True, False])\n"
        "    assert (torch.ones(2) * m).sum() / m.sum() == 1\n",
    ]

    invalid = [
        # A test of another array's count guards nothing here.
        Invalid(
            "import numpy as np\ndef reprojection_error(err, proposal, min_views):\n"
            "    if (proposal != -1).sum() < min_views:\n        return None\n"
            "    return err.sum(axis=1) / (err > 0).sum(axis=1)\n",
        ),
        # One row's tokens all ignored (a prompt that fills the whole length).
        Invalid(
            "import torch\ndef masked_mean(x, labels):\n    mask = labels != -100\n"
            "    return (x * mask).sum(-1) / mask.sum(-1)\n",
            "import torch\ndef masked_mean(x, labels):\n    mask = labels != -100\n"
            "    return (x * mask).sum(-1) / mask.sum(-1).clamp(min=1)\n",
            UNSAFE,
        ),
        # SSD's localisation loss: an image without objects has no positive anchor.
        Invalid(
            "import torch\ndef multibox_loss(loss_l, loss_c, conf_t):\n    pos = conf_t > 0\n"
            "    N = pos.long().sum(1, keepdim=True).sum()\n    loss_l /= N\n    loss_c /= N\n    return loss_l, loss_c\n",
            "import torch\ndef multibox_loss(loss_l, loss_c, conf_t):\n    pos = conf_t > 0\n"
            "    N = pos.long().sum(1, keepdim=True).sum()\n    loss_l /= N.clamp(min=1)\n    loss_c /= N.clamp(min=1)\n"
            "    return loss_l, loss_c\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef token_loss(nll, attention_mask):\n    valid = attention_mask.bool()\n"
            "    return (nll * valid).sum(dim=1) / valid.sum(dim=1)\n",
            "import torch\ndef token_loss(nll, attention_mask):\n    valid = attention_mask.bool()\n"
            "    return (nll * valid).sum(dim=1) / valid.sum(dim=1).clamp(min=1)\n",
            UNSAFE,
        ),
        # A per-sample precision: a sample with nothing predicted.
        Invalid(
            "import numpy as np\ndef instance_precision(outputs, attrs):\n    outputs = outputs > 0.5\n"
            "    hits = np.logical_and(outputs, attrs).sum(1)\n    return (hits / outputs.sum(1)).mean()\n",
            "import numpy as np\ndef instance_precision(outputs, attrs):\n    outputs = outputs > 0.5\n"
            "    hits = np.logical_and(outputs, attrs).sum(1)\n    return (hits / np.maximum(outputs.sum(1), 1)).mean()\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef accuracy(pred, target, ignore_index):\n    keep = target != ignore_index\n"
            "    correct = (pred.argmax(-1) == target) & keep\n"
            "    return correct.sum(1) / torch.count_nonzero(keep, dim=1)\n",
            "import torch\ndef accuracy(pred, target, ignore_index):\n    keep = target != ignore_index\n"
            "    correct = (pred.argmax(-1) == target) & keep\n"
            "    return correct.sum(1) / torch.count_nonzero(keep, dim=1).clamp(min=1)\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef foreground_mean(x, seg):\n    return torch.div((x * (seg == 1)).sum(), (seg == 1).float().sum())\n",
            "import torch\ndef foreground_mean(x, seg):\n"
            "    return torch.div((x * (seg == 1)).sum(), (seg == 1).float().sum().clamp(min=1))\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef pos_loss(loss, labels):\n    num_pos = (labels == 1).sum()\n    return loss.sum().div(num_pos)\n",
            "import torch\ndef pos_loss(loss, labels):\n    num_pos = (labels == 1).sum()\n"
            "    return loss.sum().div(num_pos.clamp(min=1))\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef dice(pred, target):\n    fg = ~(target == 0)\n    return (pred * fg).sum(-1) / fg.sum(-1)\n",
            "import torch\ndef dice(pred, target):\n    fg = ~(target == 0)\n    return (pred * fg).sum(-1) / fg.sum(-1).clamp(min=1)\n",
            UNSAFE,
        ),
        Invalid(
            "import torch\ndef recall_at_k(hits, relevant):\n    rel = relevant > 0\n"
            "    return (hits & rel).float().sum(1) / rel.float().sum(1)\n",
            "import torch\ndef recall_at_k(hits, relevant):\n    rel = relevant > 0\n"
            "    return (hits & rel).float().sum(1) / rel.float().sum(1).clamp(min=1)\n",
            UNSAFE,
        ),
        # A file of both libraries, and nothing tells which the count is: no fix, since
        # `.clamp` on a NumPy integer raises.
        Invalid(
            "import numpy as np\nimport torch\ndef avg_len(tokens):\n    return tokens.size / (tokens == 1).sum()\n"
        ),
        Invalid(
            "import torch\ndef both(a, b, x):\n    m = torch.logical_and(a > 0, b > 0)\n    return x[m].sum() / m.sum()\n",
            "import torch\ndef both(a, b, x):\n    m = torch.logical_and(a > 0, b > 0)\n    return x[m].sum() / m.sum().clamp(min=1)\n",
            UNSAFE,
        ),
    ]

    @classmethod
    def wants(cls, index) -> bool:
        divides = index.calls_method(("__truediv__", "__itruediv__", *DIVIDE_METHODS)) or index.calls_any(DIVIDE)
        return divides and (index.calls_method(("sum", "count_nonzero")) or index.calls_any(COUNT_NONZERO + ("torch.sum", "numpy.sum")))

    @classmethod
    def wants_part(cls, part, module) -> bool:
        # The count, the division and a mask in the one function: a part without a
        # comparison or a boolean cast counts no mask (most code that sums and divides).
        if not cls.wants(part):
            return False
        node = part.node
        if node is None:
            return True
        for inner in descendants(node):
            kind = type(inner)
            if kind is ast.Compare:
                return True
            if kind is ast.Attribute and inner.attr in _MASK_WORDS:
                return True
            if kind is ast.Name and inner.id in _MASK_WORDS:
                return True
        return False

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Divide):
            self._check(node.left, node.right)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, cst.DivideAssign):
            self._check(node.target, node.value)

    def visit_Call(self, node: cst.Call) -> None:
        operands = division_operands(self.context, node)
        if operands is not None:
            self._check(*operands)

    def _check(self, numerator: cst.BaseExpression, denominator: cst.BaseExpression) -> None:
        count = selection_count(self.context, denominator)
        if count is None or in_test_file(self.context) or in_reference_implementation(self.context):
            return
        about = subjects(self.context, denominator)
        if is_guarded(self.context, about) or under_where_on(self.context, about) or is_patched(self.context, about):
            return
        library = library_of(self.context, denominator) or library_of(self.context, numerator)
        fix = self._fix(denominator, library)
        advice = (fix.message[0].lower() + fix.message[1:]) if fix else "keep the count at least 1, or skip the empty selection"
        gradient = " (and so is its gradient)" if library in (TORCH, None) and self.context.imports.imports_module("torch") else ""
        self.report(
            denominator,
            self.say(
                "count",
                numerator=" ".join(bare_code(self.context, numerator).split()),
                denominator=" ".join(bare_code(self.context, denominator).split()),
                count=count,
                gradient=gradient,
                advice=advice,
            ),
            fix,
        )

    def _fix(self, denominator: cst.BaseExpression, library) -> "PendingFix | None":
        if library == NUMPY:
            reference = self.context.reference("numpy.maximum")
            if reference is None or reference[1] is not None:
                return None
            code = f"{reference[0]}({bare_code(self.context, denominator)}, 1)"
        elif library == TORCH or (library is None and self._only_torch()):
            code = f"{receiver_code(self.context, denominator)}.clamp(min=1)"
        else:
            return None
        return PendingFix("Clamp the count at 1", (Replace(denominator, code),), UNSAFE)

    def _only_torch(self) -> bool:
        # A count of unknown library is a tensor's only where NumPy is not imported as well:
        # `.clamp` on a NumPy integer raises.
        imports = self.context.imports
        return imports.imports_module("torch") and not imports.imports_module("numpy")
