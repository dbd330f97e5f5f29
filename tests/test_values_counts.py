"""`selection_count`: the number of entries a boolean mask selects, on its own."""

from __future__ import annotations

import pytest

from helpers import answer_at_return
from nanlint.values.counts import selection_count


@pytest.mark.parametrize(
    "body, expected",
    [
        ("m = labels > 0\n    return m.sum()", "the number of true entries of `m`"),
        ("return (labels == 1).float().sum(-1)", "the number of true entries of `(labels == 1).float()`"),
        ("return torch.count_nonzero(labels > 0, dim=1)", "the number of true entries of `labels > 0`"),
        ("pos = labels > 0\n    return pos.long().sum(1).sum()", "the number of true entries of `pos.long()`"),
        # Not padding, counted per row: one row of padding is ordinary.
        ("m = labels != -100\n    return m.sum(-1)", "the number of true entries of `m`"),
        ("return attention_mask.bool().sum(dim=1)", "the number of true entries of `attention_mask.bool()`"),
        # ...but counted over the whole batch, 0 only for a batch of nothing but padding.
        ("m = labels != -100\n    return m.sum()", None),
        ("return attention_mask.bool().sum()", None),
        ("return (labels >= 0).float().sum()", None),
        ("return torch.sum(labels.ne(0))", None),
        # A mask made numbers, a count squared.
        ("lc = np.sum((labels == 1) * 1)\n    return lc ** 2", "the number of true entries of `(labels == 1) * 1`"),
        # Not a mask at all.
        ("return weights.sum()", None),
        ("return weights.sum().clamp(min=1)", None),
    ],
)
def test_selection_count(body, expected):
    source = f"import numpy as np\nimport torch\ndef f(labels, attention_mask, weights):\n    {body}\n"
    answer = answer_at_return(source, selection_count)
    assert (answer is None and expected is None) or (expected is not None and answer == expected), answer
