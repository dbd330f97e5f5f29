"""NAN004 math-domain-unguarded: the rule, its examples and its fix."""

from __future__ import annotations

import re
from typing import List, Optional

import libcst as cst

from nanlint.rule import UNSAFE, Invalid, PendingFix, Replace, Rule
from nanlint.values.calls import argument, callee, receiver
from nanlint.values.cosines import arc_argument, clamped_to_unit, divided_by_its_sine
from nanlint.values.facts import bare_code, is_written_variance, squared_error
from nanlint.values.definitions import OUTSIDE
from nanlint.values.flow import assigned_value, names_read, reaching_definitions, reaching_values
from nanlint.values.gradient import function_path
from nanlint.values.guards import catches, is_guarded, subjects, tests_value
from nanlint.values.library import ARRAYS, library_of
from nanlint.values.numbers import is_eps_like, is_positive_constant, literal_number
from nanlint.values.zeros import has_numeric_default, is_private, parameters

# The functions, and the part of the real line outside their domain.
DOMAIN = {
    "math.log": "log",
    "math.log2": "log",
    "math.log10": "log",
    "math.log1p": "log1p",
    "math.sqrt": "sqrt",
    "math.acos": "arc",
    "math.asin": "arc",
}
# What a Python program catches when it expects `ValueError: math domain error`.
CAUGHT_BY = ("ValueError", "ArithmeticError", "Exception", "BaseException")
CONSTANTS = ("math.pi", "math.e", "math.tau", "math.inf", "numpy.pi", "numpy.e", "numpy.inf")

# Parameters named like a model or algorithm setting come from a configuration that
# is validated or fixed, not from data: `num_heads`, `vocab_size`, `max_distance`, `base`,
# `upper_bound`, a dimension `noise_d`, an aspect `ratio` range, a count of samples or
# steps written as one word (`nsamples`), the top of a range
# (`sigma_max` is 80 in a Karras schedule; reviewers found it never 0). Not a `min_`
# bound on its own: `min_value=0` is what a caller passes for a floor of 0, the way the
# incident's formatter was passed a count of 0 (beside its `max_`, see `_range_bound`).
_SETTING = re.compile(
    r"^(num|n|total|max)_|_(max|size|dim|dims|d|resolution|heads|buckets|base|len|length|distance|embeddings|"
    r"positions|period|channels|layers|features|rate|steps|factor|scale|bound|lr|ratio|ratios)$|lrate$|"
    r"^(base|scale|dim|theta|temperature|period|resolution|size|length|radix|bound|ratio|ratios)$|"
    r"^n(samples|particles|steps|iters?|epochs)$"
)

# A bound of a range, and the name of its other bound: `sigma_min` / `sigma_max`,
# `min_value` / `max_value`, `lo` / `hi`.
_BOUND = re.compile(r"^(?P<pre>\w*?)(?P<word>min|max|low|high|lo|hi|lower|upper)(?P<post>\w*)$")
_OTHER_BOUND = {"min": "max", "low": "high", "lo": "hi", "lower": "upper"}
_OTHER_BOUND.update({upper: lower for lower, upper in _OTHER_BOUND.items()})


def _range_bound(function: cst.FunctionDef, name: str) -> bool:
    """Whether `name` is a bound of a range whose other bound `function` takes too."""
    match = _BOUND.match(name)
    if match is None:
        return False
    other = match["pre"] + _OTHER_BOUND[match["word"]] + match["post"]
    return any(param.name.value == other for param in parameters(function))


# What builds an object or sets up its weights: `__init__`, `init_weights`,
# `initialize_biases`, `reset_parameters`.
_INITIALIZES = re.compile(r"^(__init__|_?(init|initiali[sz]e|reset)(_\w+)?)$")

# Signs a value is known to have, weakest first.
UNKNOWN, NONNEGATIVE, POSITIVE = 0, 1, 2

# Functions whose result carries the sign question of their arguments: a parameter
# passed through `float()` or `len()` is still the caller's value.
_PASS_THROUGH = ("builtins.float", "builtins.int", "builtins.round", "builtins.len", "builtins.sum",
                 "builtins.abs", "builtins.min", "builtins.max", "math.floor", "math.ceil", "math.fabs")
# Draws from [0, 1): `-log(random.random())` (an exponential sample, Box-Muller) is
# log(0) once in 2**53 draws, why `random.expovariate` takes the log of `1 - random()`.
_UNIFORM = ("random.random", "numpy.random.random", "numpy.random.rand", "numpy.random.random_sample")
_PASS_THROUGH_METHODS = ("item", "sum", "mean", "prod", "numel", "size", "float", "min", "max", "cpu", "detach",
                         "numpy")


class MathDomainUnguarded(Rule):
    """`math.log`, `math.sqrt`, `math.acos`... of a value not checked to be in their domain.

    ## Why is this bad?
    The `math` functions raise `ValueError: math domain error` outside their domain,
    where numpy returns NaN: `math.log` / `log2` / `log10` at 0 and below, `math.log1p`
    at -1 and below, `math.sqrt` below 0, `math.acos` / `math.asin` outside [-1, 1]. A
    value that comes from a caller is in the domain until the one call where it is
    not: a count of 0, a difference that rounds below 0, a cosine that rounds to
    1.0000000000000002. The error then stops a training run or a request.

    Flagged, by what reaches the call unchecked:
    - the log family, of a function parameter, a loop index that starts at 0, an
      element of a parameter, or a local computed from them, whose sign is not known
      to be positive (`len(x) + 1`, `max(x, 1e-12)`, `abs(x) + c` are, and so is a
      positive constant plus a term that is not a difference: `1 + hz / 700` is below
      0 only for a frequency far outside its meaning), and a counter less a number
      (`self.count - 1`, where the class sets `self.count = 0` and counts it up by one:
      0 or below until it has counted past it), a uniform draw (`random.random()`,
      `np.random.rand()`: [0, 1) includes 0; `1 - random.random()` does not), and the
      smallest element of a caller's collection (`min(sizes)`), values decoded from raw
      bytes (`struct.unpack`, `int.from_bytes`, `np.frombuffer`: a sensor's reading, a
      field of a file), and a bitwise and or a remainder (`seed & 0xFFFF`, `n % k`) whatever
      its operands: 0 for some of them;
    - `math.sqrt` and `math.log1p`, of such a value only when it can be negative by
      construction: a subtraction `a - b` or a negation (`1 - alpha_bar` is not: its
      author knows alpha_bar <= 1; nor, under a root, the squares of two values the
      caller orders, `sigma_hat ** 2 - sigma ** 2`: rounding is monotone), or a running sum the class also decreases
      (`self.total -= x`), which rounding leaves below 0 where it should be 0, or
      eigenvalues (`np.linalg.eigvalsh`, `torch.linalg.eigvalsh`, the first of the pair
      `np.linalg.eig` / `eigh` returns): a covariance's are >= 0
      in exact arithmetic and a hair below 0 in floats when it is singular;
    - `math.acos` / `math.asin`, of anything not clamped to [-1, 1].

    An eps added inside (`math.log(1 - 2 * t + 1e-6)`) is its author's guard and is
    not flagged. Values built only from literals, `math.pi`, attributes (`self.head_dim`,
    `config.max_distance`) and module-level UPPER_CASE constants are configuration and are not
    flagged, nor are values looked up by name (`msg["num_samples"]`), nor parameters
    that are settings: one with a numeric default (`max_period=10000`, `gamma=-0.1`,
    `ratio=(3 / 4, 4 / 3)`), a
    constructor's (`__init__`'s) or a weight initialiser's (`initialize_biases(prior_prob)`,
    `reset_parameters`), one named as a constant (`K`, `N_BINS`), or one named like one (`num_heads`, `vocab_size`, `max_distance`,
    `base`, `scale`, `upper_bound`, a learning rate `final_lr`), as a config validates
    them, nor a private helper's (`_jsd_tile(beta)`) or a nested function's: its own
    module (or function) calls it, with what that has checked; but the length of a
    nested function's argument is flagged (`len(text)` is 0 for an empty text), not the
    length of a parameter annotated as a tensor or array (its leading dimension, a shape
    like `x.shape[0]`), nor an upper bound (`sigma_max`, `max_period`: the top of a
    positive range), nor either bound of a range whose other bound the function takes
    too (`get_sigmas_exponential(n, sigma_min, sigma_max)`, `rand_log_uniform(shape,
    min_value, max_value)`: a log-spaced range is positive by contract, and `math.log`
    raising for a 0 there is the check, not a crash; the issue asked for these to be
    flagged, and every one reviewed on research code was a false alarm), nor a parameter that every call in its module passes
    configuration (`round_to_power_of_two(config["width"] * 8 / 3)`). A lower bound
    alone (`floor_exponent(min_value)`) is flagged: 0 is a value callers pass. So are
    the digits of a number to print, a `math.log10` or a log to base 10, 1000 or 1024
    rounded to a whole number (`int(math.floor(math.log(size, 1024)))`), of any parameter
    whatever its name and its function's: 0 bytes and 0 parameters are quantities like
    any other, as in the incident. A check on the way counts as a
    guard: `if x > 0:`, `if x:`, the `else` of `if x <= 0:`, an earlier
    `if not x: return` / `raise` / `continue`, `assert x > 0` or `torch._check(x > 0)`,
    `x > 0 and ...`, a ternary, a comprehension's `if`, a call that looks at the value
    (`if math.isfinite(x):`), or a `try` that catches `ValueError`, `ArithmeticError`
    or `Exception`. Any test of the value counts: the rule prefers silence to a guess
    about what the test proves.

    ## Fix safety
    A log gets no fix: no value stands in for log(0), and clamping a caller's 0 to the
    smallest float turns the error into a silent -708. The right fix is an explicit
    branch for 0 and below (as in the incident), which only the author can write.
    What a clamp does repair is rounding, and a fix is offered only where rounding is
    the cause: `math.sqrt(max(x, 0.0))` for a difference of products (a variance
    written out, `s2 - n * m * m`, `mean_sq - mean ** 2`), a running sum or an eigenvalue that
    rounds a hair below 0; `math.acos(max(-1.0, min(1.0, x)))` for a computed cosine (a
    dot product over both norms, or a value named `cosine` or `cos_theta`) that rounds a
    hair past 1, or `max(-1.0 + 1e-7, min(1.0 - 1e-7, x))` where the angle is then divided
    by its sine (a slerp, where theta = 0 would be 0/0). A difference of plain
    values (`end - start`, `step - warmup`) or an arc of a caller's value is below 0 or
    past 1 only when a caller passes it so: a clamp would hide that caller's bug, so
    such a finding has no fix. The fixes change nothing for values in the domain and
    are still marked unsafe: on a genuinely negative argument they hide the bug too.
    """

    messages = {
        "domain": "`math.{function}` of {problem}: it raises `ValueError: math domain error` {outside}; "
        "check the value first, or clamp it",
    }
    code = "NAN004"
    name = "math-domain-unguarded"
    summary = "math.log / sqrt / acos of an unchecked value raises `math domain error`"
    triggers = (
        r"math(?<!\wmath)\s*\.\s*(?:log(?:2|10|1p)?|sqrt|acos|asin)\b",
        r"from(?<!\wfrom)\s+math\s+import\b",
        r"import(?<!\wimport)\s+math\s+as\b",
    )
    fixable = True
    incident = (
        "A speech toolkit's helper formatted a number by its order of magnitude with "
        "`math.log(number)`; fine-tuning a model whose count of some parameters was 0 "
        "crashed training with `ValueError: math domain error`. The fix handled 0 and "
        "negative values before the log."
    )

    valid = [
        # Welford's update keeps the sum of squared deviations itself, never below 0.
        "import math\nclass Meter:\n    def add(self, v):\n        self.n += 1\n        d = v - self.mean\n"
        "        self.mean += d / self.n\n        self.m2 += d * (v - self.mean)\n"
        "    def std(self):\n        return math.sqrt(self.m2 / (self.n - 1))\n",
        # A PSNR that returns early for identical images.
        "import math\ndef psnr(out, ref):\n    mse = ((out - ref) ** 2).mean().item()\n    if mse == 0:\n"
        "        return float('inf')\n    return 10 * math.log10(1.0 / mse)\n",
        "import math\ndef _gauss(seed):\n    u = ((seed & 0xFFFF) + 1) / 0x10000\n"
        "    return math.sqrt(-2.0 * math.log(u))\n",
        "import math\nimport struct\ndef humidity(payload):\n    raw = struct.unpack('<2H', payload)\n"
        "    if raw[0] == 0:\n        return None\n    return math.log2(raw[0])\n",
        # A formatter that takes 0 apart first.
        "import math\ndef human_size(size):\n    if size == 0:\n        return '0 B'\n"
        "    i = int(math.floor(math.log(size, 1024)))\n    return f'{size / 1024 ** i:.1f}'\n",
        # Both bounds of a log-spaced range: positive by contract, and the error is the check.
        "import math\nimport torch\ndef exponential_sigmas(n, sigma_min, sigma_max):\n"
        "    return torch.linspace(math.log(sigma_max), math.log(sigma_min), n).exp()\n",
        "import math\nimport random\ndef log_uniform(lo, hi):\n    return math.exp(random.uniform(math.log(lo), math.log(hi)))\n",
        # A ternary that tests the value: the log runs on it only where the test passed.
        "import math\ndef log_sizes(sizes):\n    return [math.log(s if s else 1) for s in sizes]\n",
        # `1 - random()` is in (0, 1]: how `random.expovariate` samples.
        "import math\nimport random\ndef exponential(rate):\n    return -math.log(1.0 - random.random()) / rate\n",
        # A counter checked first, or one that is not taken from.
        "import math\nclass Meter:\n    def __init__(self):\n        self.n = 0\n"
        "    def add(self, v):\n        self.n += 1\n    def spread(self):\n"
        "        if self.n < 2:\n            return 0.0\n        return math.log(self.n - 1)\n",
        "import math\nclass Meter:\n    def __init__(self):\n        self.n = 0\n"
        "    def add(self, v):\n        self.n += 1\n    def bits(self):\n        return math.log2(self.n + 1)\n",
        "import math\nimport numpy as np\ndef principal_scale(cov):\n    e = np.linalg.eigvalsh(cov)\n"
        "    return math.sqrt(max(e[0], 0.0))\n",
        "import math\ndef format_number(number):\n    if number <= 0:\n        return str(number)\n"
        "    return str(int(math.log(number, 1000)))\n",
        "import math\nscale = 1 / math.sqrt(self.head_dim)\nbase = math.log(10000.0)\n",
        "import math\nslope = math.log(self.max_distance / self.max_exact)\n",
        "import math as m\ndef f(x):\n    if x > 0:\n        return m.log(x)\n    return 0.0\n",
        "from math import log\ndef f(x):\n    return log(x) if x > 0 else float('-inf')\n",
        "def log(x):\n    return x\ndef f(n):\n    return log(n)\n",
        "import math\ndef f(x):\n    try:\n        return math.log(x)\n    except ValueError:\n        return float('nan')\n",
        "import math\ndef f(x):\n    return math.log(max(x, 1e-12))\n",
        "import math\ndef f(x):\n    return math.log(abs(x) + 1)\n",
        "import math\ndef f(items):\n    return math.log(len(items) + 1)\n",
        "import math\ndef f(d):\n    return 1 / math.sqrt(d)\n",
        "import math\ndef f(c):\n    return math.acos(max(-1.0, min(1.0, c)))\n",
        "import math\ndef f(x):\n    assert x > 0\n    return math.log2(x)\n",
        # The squares of two numbers its caller orders: a sampler's decreasing noise
        # levels. Rounding is monotone, so a >= b keeps a * a - b * b >= 0.
        "import math\ndef churn(x, noise, sigma, gamma):\n    sigma_hat = sigma * (1 + gamma)\n"
        "    return x + math.sqrt(sigma_hat ** 2 - sigma ** 2) * noise\n",
        "import math\ndef ancestral(sigmas, i):\n    return math.sqrt(sigmas[i] ** 2 - sigmas[i + 1] ** 2)\n",
        # A range with its usual value as the default is a setting.
        "import math\ndef aspect_jitter(size, aspect_range=(3. / 4., 4. / 3.)):\n"
        "    return math.log(aspect_range[0]), math.log(aspect_range[1])\n",
        # A function nested in another is called by that one alone; a learning rate is
        # a setting.
        "import math\ndef alibi_slopes(num_heads):\n    def power_of_2(n):\n"
        "        return 2 ** (-2 ** -(math.log2(n) - 3))\n    return power_of_2(2 ** math.floor(math.log2(num_heads) + 1))\n",
        "import math\ndef decay(step, total, initial_lrate, final_lrate):\n"
        "    return initial_lrate * math.exp(step * math.log(final_lrate / initial_lrate) / total)\n",
        # Settings: a focal loss's prior probability handed to a bias initialiser, and a
        # number of bins named as a constant.
        "import math\nimport torch\nclass Head(torch.nn.Module):\n    def initialize_biases(self, prior_prob):\n"
        "        for conv in self.cls_preds:\n"
        "            torch.nn.init.constant_(conv.bias, -math.log((1 - prior_prob) / prior_prob))\n",
        "import math\ndef discretized_log_pdf(x, K):\n    return math.log(K) - math.log(K - 1) + x\n",
        # A private helper's callers are its own module, which checked the value first.
        "import math\ndef _mix_weights(beta):\n    return math.log(beta), math.log(1 - beta)\n",
        "import math\ndef timestep_embedding(t, dim, max_period=10000):\n"
        "    return -math.log(max_period) / dim\n",
        "import math\ndef entropy(probs):\n    return -sum(p * math.log(p) for p in probs if p > 0)\n",
        "import math\ndef f(x):\n    x = max(x, 1e-8)\n    return math.log(x)\n",
        "import math\nimport numpy as np\ndef f(x):\n    return math.acos(np.clip(x, -1, 1))\n",
        # Clamped through a name; repaired where a test finds it past 1 (the fixes of
        # a paper-model exporter and of a CAD library's vector angle).
        "import math\ndef angle(a, b, axis):\n    s = a.cross(b).dot(axis.normalized())\n"
        "    s = max(min(s, 1.0), -1.0)\n    return math.asin(s)\n",
        "import math\ndef angle_between(u, v):\n    cos_theta = u.dot(v) / (u.magnitude * v.magnitude)\n"
        "    abs_cos_theta = math.fabs(cos_theta)\n    if abs_cos_theta > 1.0:\n"
        "        if abs_cos_theta - 1.0 < 1e-5:\n            cos_theta = math.modf(cos_theta)[1]\n"
        "        else:\n            raise ValueError(cos_theta)\n    return math.acos(cos_theta)\n",
        "import math\ndef f(a, b):\n    return math.sqrt((a - b) ** 2)\n",
        "import math\nfor i in range(1, n):\n    w = math.log(i)\n",
        "import math\nimport pytest\ndef test_raises(x):\n    with pytest.raises(ValueError):\n        math.log(x)\n",
        "import math\ndef noise(alpha_bar):\n    return math.sqrt(1 - alpha_bar)\n",
        "import math\ndef alibi_slopes(num_heads):\n    return 2 ** math.floor(math.log2(num_heads))\n",
        "import math\ndef bucket(num_buckets, max_distance):\n    max_exact = num_buckets // 2\n"
        "    return math.log(max_distance / max_exact)\n",
        "import math\nimport torch\ndef geometric(p):\n    torch._check(0 < p and p < 1, lambda: 'p')\n"
        "    return math.log1p(-p)\n",
        "import math\ndef sort(n):\n    if const_expr(n > 1):\n        return int(math.log2(n))\n",
        # From real code: torch's spectral fuzzer (a bound is a setting), transformers'
        # warmup-stable-decay schedule (the early return keeps `progress` >= 0).
        "import math\ndef power_range(upper_bound, base):\n"
        "    return (base ** i for i in range(int(math.log(upper_bound, base)) + 1))\n",
        "import math\ndef wsd_lambda(current_step, num_warmup_steps, num_stable_steps, num_decay_steps):\n"
        "    if current_step < num_warmup_steps + num_stable_steps:\n        return 1.0\n"
        "    progress = float(current_step - num_warmup_steps - num_stable_steps) / float(max(1, num_decay_steps))\n"
        "    return 1.0 - math.sqrt(progress)\n",
        # Positive by construction: a positive constant plus a term that is not a
        # difference (the mel scale of a frequency), an eps added inside by the author.
        "import math\ndef hz_to_mel(freq):\n    return 2595.0 * math.log10(1.0 + freq / 700.0)\n",
        "import math\ndef beta(theta, layer):\n    return math.log(theta / layer + 1)\n",
        "import math\ndef laplace(t):\n    return math.log(1 - 2 * math.fabs(0.5 - t) + 1e-6)\n",
        # Settings: a constructor's option, a parameter with a default, a value looked up
        # by name in a config dict.
        "import math\nclass ECA:\n    def __init__(self, channels, gamma=2, beta=1):\n"
        "        self.k = int(abs(math.log(channels, 2) + beta) / gamma)\n",
        "import math\ndef hard_concrete(x, gamma=-0.2, zeta=1.0):\n    return x - math.log(-gamma / zeta)\n",
        "import math\ndef mixture(dist, msg):\n    return dist.log_prob(0) - math.log(msg['infer']['num_samples'])\n",
        # A crop's aspect-ratio range is configuration, like a scale range.
        "import math\nimport random\ndef crop_params(area, scale, ratio):\n"
        "    log_ratio = (math.log(ratio[0]), math.log(ratio[1]))\n    return math.exp(random.uniform(*log_ratio))\n",
        # The top of a range is positive by meaning; a helper every call of its module
        # hands configuration is configured.
        "import math\ndef log_sigma_top(sigma_max):\n    return math.log(sigma_max)\n",
        "import math\ndef round_to_power_of_two(x):\n    return 2 ** math.ceil(math.log2(x))\n"
        "def widths(config):\n    return round_to_power_of_two(config['model']['width'] * 8 / 3)\n",
        # Dimensions (`image_d`, `noise_d`) are settings of the model.
        "import math\ndef logsnr_shift(fn, image_d, noise_d):\n    return 2 * math.log(noise_d / image_d)\n",
        # The length of a tensor is its leading dimension, a shape like `x.shape[0]`.
        "import math\nfrom torch import Tensor\ndef entropy_bonus(mean_probs: Tensor):\n"
        "    return math.log(float(len(mean_probs)))\n",
    ]
    invalid = [
        # A meter's std from running sums in one pass: a constant stream cancels to a hair
        # below 0.
        Invalid(
            "import math\nclass Meter:\n    def add(self, v):\n        self.n += 1\n        self.total += v\n"
            "        self.sq += v * v\n    def std(self):\n        mean = self.total / self.n\n"
            "        return math.sqrt((self.sq - self.n * mean * mean) / (self.n - 1))\n",
            "import math\nclass Meter:\n    def add(self, v):\n        self.n += 1\n        self.total += v\n"
            "        self.sq += v * v\n    def std(self):\n        mean = self.total / self.n\n"
            "        return math.sqrt(max((self.sq - self.n * mean * mean) / (self.n - 1), 0.0))\n",
            UNSAFE,
        ),
        # A PSNR: the squared error is 0 where the restored image equals its reference.
        Invalid(
            "import math\ndef psnr(out, ref):\n    err = (out - ref) / 255.0\n"
            "    return 10 * math.log10(1.0 / err.pow(2).mean().item())\n"
        ),
        # Raw bytes decoded: a sensor that reads 0; a uniform made of hash bits, which
        # are all 0 for some hashes.
        Invalid(
            "import math\nimport struct\ndef humidity(payload):\n    raw = struct.unpack('<2H', payload)\n"
            "    return round(math.log2(raw[0]) * 10, 1)\n"
        ),
        Invalid(
            "import math\ndef _gauss(seed):\n    u = (seed & 0xFFFF) / 0xFFFF\n"
            "    return math.sqrt(-2.0 * math.log(u))\n"
        ),
        # The digits of a size or a count to print: an empty file, a model with 0
        # parameters. Its name says what it counts, not that it is a setting.
        Invalid(
            "import math\ndef human_size(size):\n    units = ('B', 'KB', 'MB', 'GB')\n"
            "    i = int(math.floor(math.log(size, 1024)))\n    return f'{size / 1024 ** i:.1f} {units[i]}'\n"
        ),
        Invalid("import math\ndef _digits(num_params):\n    return int(math.log10(num_params)) + 1\n"),
        Invalid(
            "import math\nclass Meter:\n    def __init__(self):\n        self.n = 0\n"
            "    def add(self, v):\n        self.n += 1\n    def spread(self):\n        return math.log(self.n - 1)\n"
        ),
        # The eigenvalues of a pair unpacked from `eig`; a test that picks which one to
        # take is no check of its sign.
        Invalid(
            "import math\nimport numpy as np\ndef ellipse_axes(cov):\n    vals, vecs = np.linalg.eig(cov[:2, :2])\n"
            "    if vals[0] >= vals[1]:\n        major = 0\n    else:\n        major = 1\n"
            "    return math.sqrt(vals[major])\n",
            "import math\nimport numpy as np\ndef ellipse_axes(cov):\n    vals, vecs = np.linalg.eig(cov[:2, :2])\n"
            "    if vals[0] >= vals[1]:\n        major = 0\n    else:\n        major = 1\n"
            "    return math.sqrt(max(vals[major], 0.0))\n",
            applicability=UNSAFE,
        ),
        Invalid(
            "import math\nimport numpy as np\ndef principal_scale(x):\n    e = np.linalg.eigvalsh(x.T @ x)\n"
            "    return math.sqrt(e[0])\n",
            "import math\nimport numpy as np\ndef principal_scale(x):\n    e = np.linalg.eigvalsh(x.T @ x)\n"
            "    return math.sqrt(max(e[0], 0.0))\n",
            applicability=UNSAFE,
        ),
        Invalid(
            "import math\ndef format_number(number):\n    return str(int(math.log(number, 1000)))\n",
        ),
        Invalid("import math as m\n\n\ndef magnitude(x):\n    return int(m.floor(m.log10(x)))\n"),
        Invalid("import sys\nfrom math import log\ndef nats(p):\n    return -log(p)\n"),
        # A local that happens to be upper case is no module constant: the log of a
        # flat window's range (max - min = 0).
        Invalid(
            "import math\ndef fractal_dimension(prices, period):\n"
            "    N = (max(prices[-period:]) - min(prices[-period:])) / period\n    return math.log(N)\n"
        ),
        Invalid(
            "import math\ndef bits(n):\n    size = len(n)\n    return math.log2(size)\n",
        ),
        Invalid(
            "import math\nweights = [math.log(i) for i in range(n)]\n",
        ),
        Invalid(
            "import math\ndef entropy(probs):\n    return -sum(p * math.log(p) for p in probs)\n",
        ),
        # E[x^2] - E[x]^2 rounds below 0 for a near-constant input.
        Invalid(
            "import math\ndef std(mean_sq, mean):\n    var = mean_sq - mean * mean\n    return math.sqrt(var)\n",
            "import math\ndef std(mean_sq, mean):\n    var = mean_sq - mean * mean\n    return math.sqrt(max(var, 0.0))\n",
            UNSAFE,
        ),
        Invalid(
            "import math\ndef angle(u, v):\n    return math.acos(dot(u, v) / (norm(u) * norm(v)))\n",
            "import math\ndef angle(u, v):\n    return math.acos(max(-1.0, min(1.0, dot(u, v) / (norm(u) * norm(v)))))\n",
            UNSAFE,
        ),
        # A slerp divides by sin(theta): clamped to exactly [-1, 1], parallel vectors give
        # theta = 0 and 0/0, so the fix keeps the cosine inside.
        Invalid(
            "import math\ndef slerp(a, b, t):\n    theta = math.acos(dot(a, b) / (norm(a) * norm(b)))\n"
            "    return [(math.sin((1 - t) * theta) * x + math.sin(t * theta) * y) / math.sin(theta) for x, y in zip(a, b)]\n",
            "import math\ndef slerp(a, b, t):\n    theta = math.acos(max(-1.0 + 1e-7, min(1.0 - 1e-7, dot(a, b) / (norm(a) * norm(b)))))\n"
            "    return [(math.sin((1 - t) * theta) * x + math.sin(t * theta) * y) / math.sin(theta) for x, y in zip(a, b)]\n",
            UNSAFE,
        ),
        # A uniform draw from [0, 1) is 0 once in 2**53 draws: Box-Muller's log(u1).
        Invalid(
            "import math\nimport random\ndef gaussian(sd):\n    u1, u2 = random.random(), random.random()\n"
            "    return sd * math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)\n"
        ),
        # The smallest of the data, read before the zeros are filtered out of it.
        Invalid(
            "import math\ndef log_range(sizes):\n    low = min(sizes)\n"
            "    sizes = [s for s in sizes if s]\n    return math.log(low), [math.log(s) for s in sizes]\n"
        ),
        # A caller's value out of range is the caller's bug: no clamp to hide it.
        Invalid("import math\ndef lat(z):\n    return math.asin(z)\n"),
        Invalid(
            "import math\ndef f(x):\n    if x is not None:\n        return math.log(x)\n",
        ),
        Invalid("import math\ndef f(x):\n    return math.log1p(-x)\n"),
        Invalid(
            "import math\ndef f(x):\n    try:\n        y = math.log(x)\n    except KeyError:\n        y = 0\n    return y\n",
        ),
        # Real-code shapes: the same schedule without its early return, and an n-gram
        # score, whose log raises `math domain error` on an unseen n-gram's count of 0.
        Invalid(
            "import math\ndef decay_lambda(current_step, num_warmup_steps, num_decay_steps):\n"
            "    progress = float(current_step - num_warmup_steps) / float(max(1, num_decay_steps))\n"
            "    return 1.0 - math.sqrt(progress)\n",
        ),
        # A bound is a caller's value like any other: a schedule down to `sigma_min=0`
        # raises (a Karras or geometric noise schedule).
        Invalid("import math\ndef log_noise_floor(sigma_min, steps):\n    return [math.log(sigma_min)] * steps\n"),
        Invalid("import math\ndef floor_exponent(min_value):\n    return math.floor(math.log10(min_value))\n"),
        # A running sum of squared deviations, updated as values come and go: rounding
        # leaves it a hair below 0 when the window is constant.
        Invalid(
            "import math\nclass RollingStd:\n    def remove(self, old, delta):\n"
            "        self._sslm -= delta * (old - self._mean)\n"
            "    def value(self):\n        return math.sqrt(self._sslm / (self._obs - 1))\n",
            "import math\nclass RollingStd:\n    def remove(self, old, delta):\n"
            "        self._sslm -= delta * (old - self._mean)\n"
            "    def value(self):\n        return math.sqrt(max(self._sslm / (self._obs - 1), 0.0))\n",
            UNSAFE,
        ),
        # A nested helper's argument is its caller's, but an empty text has 0 tokens.
        Invalid(
            "import math\ndef lexical_measures(texts):\n    def ttr(text):\n        ntokens = len(text)\n"
            "        return math.log10(len(set(text))) / math.log10(ntokens)\n"
            "    return [ttr(t) for t in texts]\n",
        ),
        Invalid(
            "import math\ndef ngram_logprob(count, context_count):\n"
            "    return math.log(count) - math.log(context_count)\n",
        ),
    ]

    @classmethod
    def wants(cls, index) -> bool:
        return index.calls_any(DOMAIN)

    @classmethod
    def wants_part(cls, part, module) -> bool:
        return cls.wants(part)  # a finding is a math call in the part itself

    _magnitude = False
    _log = False  # a squared error is a source of 0 for a log only: it is never below 0

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.context.qualified_name(node.func)
        kind = DOMAIN.get(qualified or "")
        if kind is None or not node.args or node.args[0].star or node.args[0].keyword:
            return
        value = node.args[0].value
        function = qualified.rsplit(".", 1)[-1]
        self.context.trail.clear()
        # The order of magnitude of a number to print (`int(math.floor(math.log(size, 1024)))`)
        # takes any quantity, and 0 bytes or 0 parameters is one: its parameter's name
        # (`size`, `num_params`) says what it counts, not that it is a setting.
        self._magnitude = _decimal_magnitude(qualified, node) and _rounded(self.context, node)
        self._log = kind == "log"
        problem = self._problem(kind, value)
        if problem is None:
            return
        related = tuple(self.context.trail)
        # A check is about what can leave the domain: for a running sum, the sum itself
        # (a check of the count beside it guards the division, not the sum).
        running = {bare_code(self.context, n) for n in _attributes_in(value) if self._running_sum(n)}
        if "computed in one pass" in problem:
            # ...and for a variance from running sums, those sums (a test of the count
            # guards the division by it).
            running |= {bare_code(self.context, a) for a in self._accumulated_in(value)}
        about = running or subjects(self.context, value)
        if kind == "arc":
            # Only a test of the cosine itself (`if abs(c) > 1:`) says it is in range; a
            # test that its vectors are not zero (`if not normal_a:`) does not.
            about = {bare_code(self.context, value)}
        if catches(self.context, CAUGHT_BY) or is_guarded(self.context, about):
            return
        fix = self._fix(kind, value, problem)
        self.report(
            node,
            self.say("domain", function=function, problem=problem, outside=_OUTSIDE[kind]),
            fix,
            related,
        )

    def _problem(self, kind: str, value: cst.BaseExpression) -> Optional[str]:
        """What makes `value` possibly outside the domain of `kind`, or None."""
        if kind == "arc":
            if _is_constant(self.context, value) or clamped_to_unit(self.context, value):
                return None
            return "a value not clamped to [-1, 1] (rounding can push a cosine past 1)"
        source = self._input(value, 2)
        if source is None or _holds_eps_term(self.context, value):
            return None  # an eps added inside is its author's guard against 0
        if kind == "log":
            if self._sign(value, 2) == POSITIVE:
                return None
            return f"{source}, not known to be > 0"
        if not self._can_be_negative(value, 2, squares_ordered=kind == "sqrt"):
            return None
        if source.startswith(("the running sum", "a variance computed in one pass")):
            return f"{source}: rounding can leave it below 0 where it should be 0"
        if source.startswith("eigenvalues") or source.startswith("an element of eigenvalues"):
            return source
        return f"a difference or negation of {source}, which can be < {0 if kind == 'sqrt' else -1}"

    # -- where a value comes from --------------------------------------------------
    def _input(self, node: cst.CSTNode, depth: int, counted: bool = False) -> Optional[str]:
        """The caller's value `node` is computed from ("the parameter `x`"), or None
        when it is built only from literals, attributes and constants. `counted`: the
        value is a length of it (`len(text)`), which is 0 for an empty one."""
        if isinstance(node, cst.Name):
            return self._name_input(node, depth, counted)
        if self._running_sum(node):
            return f"the running sum `self.{node.attr.value}`, which the class also decreases"
        counter = self._counter_less(node)
        if counter is not None:
            return counter
        if isinstance(node, cst.Attribute) and node.attr.value == "data":
            return self._input(node.value, depth, counted)  # a tensor's `.data` is the tensor
        if isinstance(node, cst.Subscript):
            if _by_string_key(node):
                return None  # `msg["infer"]["num_samples"]`: a setting looked up by name
            return self._input(node.value, depth, counted)
        if not self._log and self._one_pass_variance(node, depth):
            return f"a variance computed in one pass from the class's running sums (`{bare_code(self.context, node)}`)"
        if self._log and squared_error(self.context, node, depth):
            return f"a squared error `{bare_code(self.context, node)}`, which is 0 where its two sides agree"
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.BitAnd, cst.Modulo)):
            # Whatever its operands: `bits & 0x7FFFFFFF` is 0 when they share no bit, and
            # `n % k` for every multiple of k (a uniform from hash bits, a remainder).
            if not (_is_constant(self.context, node.left) and _is_constant(self.context, node.right)):
                what = "a bitwise and" if isinstance(node.operator, cst.BitAnd) else "a remainder"
                return f"{what} `{bare_code(self.context, node)}`, which is 0 for some operands"
        if isinstance(node, (cst.BinaryOperation, cst.BooleanOperation)):
            return self._input(node.left, depth, counted) or self._input(node.right, depth, counted)
        if isinstance(node, cst.UnaryOperation):
            return self._input(node.expression, depth, counted)
        if isinstance(node, cst.IfExp):
            return self._input(node.body, depth, counted) or self._input(node.orelse, depth, counted)
        if isinstance(node, cst.Call):
            qualified, method = callee(self.context, node)
            if qualified in EIGENVALUES:
                return f"eigenvalues from `{qualified.rsplit('.', 1)[-1]}`, which rounding leaves a hair below 0 for a singular matrix"
            if self._uniform(node):
                return f"a uniform draw `{self.context.code(node)}` from [0, 1), which includes 0"
            if qualified in _DECODED:
                return f"values decoded from raw bytes by `{qualified.rsplit('.', 1)[-1]}` (a reading, a field of a file), which can be 0"
            if qualified == "builtins.min" and len(node.args) == 1 and not node.args[0].star:
                inner = self._input(node.args[0].value, depth, counted)
                collection = " ".join(self.context.code(node.args[0].value).split())
                return inner and f"the smallest element of `{collection}`"
            if qualified in _PASS_THROUGH:
                counts = counted or qualified == "builtins.len"
                return next((found for arg in node.args if (found := self._input(arg.value, depth, counts))), None)
            if qualified is None and method in _PASS_THROUGH_METHODS:
                return self._input(receiver(node), depth, counted)
        return None

    def _name_input(self, name: cst.Name, depth: int, counted: bool = False) -> Optional[str]:
        if name.value in ("self", "cls"):
            return None
        loop = self._loop_over(name)
        if loop is not None:
            if _range_start(self.context, loop) is not None:
                return f"the loop index `{name.value}`" if self._starts_at_zero(loop) else None
            inner = self._input(loop, depth, counted)
            return f"an element of {inner}" if inner is not None else None
        scope = self._scope_binding(name.value)
        if scope is None or (isinstance(scope, cst.Module) and name.value.isupper()):
            return None  # a module's UPPER_CASE constant is configuration
        if isinstance(scope, (cst.FunctionDef, cst.Lambda)):
            param = _parameter(scope, name.value)
            if param is not None:
                if self.context.bindings(scope).count(name.value) != 1 and reaching_values(self.context, name) != [OUTSIDE]:
                    return None  # reassigned on the way: perhaps clamped or checked
                if counted and library_of(self.context, name) in ARRAYS:
                    return None  # the length of a tensor is its leading dimension: a shape
                if has_numeric_default(param):
                    return None  # a setting with a default, like `base=10000` or `gamma=-0.1`
                if isinstance(scope, cst.FunctionDef) and _INITIALIZES.search(scope.name.value):
                    # A constructor's options are the object's configuration, and what
                    # sets up weights (`initialize_biases(prior_prob)`) is handed settings.
                    return None
                if name.value.isupper():
                    return None  # `K`, `N_BINS`: named as a constant, a size of the model
                if self._magnitude:
                    return f"the parameter `{name.value}`, a quantity whose order of magnitude is taken"
                if isinstance(scope, cst.FunctionDef) and (is_private(scope) or self._nested(scope) and not counted):
                    # Its own module's callers pass it what they have already checked
                    # (`_jsd_tile` runs only for 0 < beta < 1), and a function nested in
                    # another is called by that one alone. But a length is 0 for an
                    # empty input whoever passes it (a text to a type-token ratio).
                    return None
                if _SETTING.search(name.value):
                    return None  # `num_heads`, `vocab_size`: validated with the config
                if isinstance(scope, cst.FunctionDef) and _range_bound(scope, name.value):
                    return None  # `sigma_min` beside `sigma_max`: the bounds of a positive range
                if (function_path(self.context), name.value) in self.context.summary.configured:
                    return None  # every call of its module passes configuration
                return f"{'the length of ' if counted else ''}the parameter `{name.value}`"
        eigen = self._unpacked_eigenvalues(name)
        if eigen is not None:
            return f"eigenvalues from `{eigen.rsplit('.', 1)[-1]}`, which rounding leaves a hair below 0 for a singular matrix"
        value = assigned_value(self.context, name)
        if value is None or depth == 0:
            return None
        found = self._input(value, depth - 1, counted)
        if found is not None:
            self.context.trail.append((value, f"`{name.value}` gets its value here"))
        return found

    def _unpacked_eigenvalues(self, name: cst.Name) -> Optional[str]:
        """The function that gave `name` its value when that is the eigenvalues, the
        first of the pair an eigendecomposition returns (`w, v = np.linalg.eigh(cov)`)."""
        found = reaching_definitions(self.context, name)
        if not found or len(found) != 1 or found[0] is OUTSIDE:
            return None
        definition = found[0]
        if definition.value is not None or not isinstance(definition.source, cst.Call):
            return None
        qualified, _ = callee(self.context, definition.source)
        if qualified not in EIGENPAIRS or not isinstance(definition.node, cst.Assign):
            return None
        target = definition.node.targets[0].target
        first = target.elements[0].value if isinstance(target, (cst.Tuple, cst.List)) and target.elements else None
        return qualified if isinstance(first, cst.Name) and first.value == name.value else None

    def _nested(self, function: cst.FunctionDef) -> bool:
        """Whether `function` is defined inside another function."""
        ancestors = self.context.ancestors
        index = next((i for i, node in enumerate(ancestors) if node is function), 0)
        return any(isinstance(node, cst.FunctionDef) for node in ancestors[:index])

    def _scope_binding(self, name: str) -> Optional[cst.CSTNode]:
        """The innermost function (or the module) that binds `name`."""
        for node in reversed(self.context.ancestors):
            if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.Module)):
                if self.context.bindings(node).is_bound(name):
                    return node
        return None

    def _loop_over(self, name: cst.Name) -> Optional[cst.BaseExpression]:
        """What an enclosing `for name in ...` (or comprehension) iterates over."""
        for node in reversed(self.context.ancestors):
            if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return None
            clauses = []
            if isinstance(node, cst.For):
                clauses = [(node.target, node.iter)]
            elif isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
                clause = node.for_in
                while clause is not None:
                    clauses.append((clause.target, clause.iter))
                    clause = clause.inner_for_in
            for target, iterable in clauses:
                if isinstance(target, cst.Name) and target.value == name.value:
                    return iterable
        return None

    def _starts_at_zero(self, loop: cst.BaseExpression) -> bool:
        start = _range_start(self.context, loop)
        value = literal_number(start) if start is not None else None
        return value is not None and value <= 0

    # -- what sign a value has -----------------------------------------------------
    def _sign(self, node: cst.CSTNode, depth: int) -> int:
        value = literal_number(node)
        if value is not None:
            return POSITIVE if value > 0 else NONNEGATIVE if value == 0 else UNKNOWN
        if is_positive_constant(self.context, node) or self.context.qualified_name(node) in CONSTANTS:
            return POSITIVE
        if isinstance(node, cst.BinaryOperation):
            left, right = self._sign(node.left, depth), self._sign(node.right, depth)
            operator = node.operator
            if isinstance(operator, cst.Add) and min(left, right) >= NONNEGATIVE:
                return max(left, right)
            if isinstance(operator, cst.Add) and POSITIVE in (left, right):
                # `1 + hz / 700`, `theta / layer + 1`: below 0 only for an input far outside
                # its meaning, unless the other term is a difference or a negation.
                other = node.right if left == POSITIVE else node.left
                if not self._can_be_negative(other, depth):
                    return POSITIVE
            if isinstance(operator, (cst.Multiply, cst.Divide)) and min(left, right) >= NONNEGATIVE:
                return min(left, right)
            if isinstance(operator, cst.Subtract) and (literal_number(node.left) or 0) >= 1 and self._uniform(node.right):
                return POSITIVE  # `1.0 - random.random()` is in (0, 1]
            if isinstance(operator, cst.FloorDivide) and min(left, right) >= NONNEGATIVE:
                return NONNEGATIVE
            if isinstance(operator, cst.Power):
                exponent = literal_number(node.right)
                if left == POSITIVE:
                    return POSITIVE
                if exponent is not None and exponent > 0 and exponent % 2 == 0:
                    return NONNEGATIVE
            return UNKNOWN
        if isinstance(node, cst.IfExp):
            # `x if x else 1`, `x if x > 0 else eps`: the test passed is the body's guard.
            body = POSITIVE if tests_value(self.context, node.test, node.body) else self._sign(node.body, depth)
            return min(body, self._sign(node.orelse, depth))
        if isinstance(node, cst.Call):
            return self._call_sign(node, depth)
        if isinstance(node, cst.Name):
            loop = self._loop_over(node)
            if loop is not None:
                start = _range_start(self.context, loop)
                if start is not None:
                    return self._sign(start, depth)
                return UNKNOWN
            value = assigned_value(self.context, node)
            if value is not None and depth > 0:
                return self._sign(value, depth - 1)
        return UNKNOWN

    def _call_sign(self, node: cst.Call, depth: int) -> int:
        qualified, method = callee(self.context, node)
        signs = [self._sign(arg.value, depth) for arg in node.args if not arg.star]
        if qualified == "builtins.max" and signs:
            return max(signs)
        if qualified == "builtins.min" and signs:
            return min(signs)
        if qualified in ("builtins.abs", "math.fabs", "builtins.len", "math.sqrt") or method in ("numel", "size"):
            return NONNEGATIVE
        if qualified in ("math.exp", "math.factorial"):
            return POSITIVE
        if qualified in ("builtins.float", "math.ceil") and signs:
            return signs[0]
        if qualified in ("builtins.int", "builtins.round", "math.floor") and signs:
            return min(signs[0], NONNEGATIVE)
        return UNKNOWN

    def _uniform(self, node: cst.CSTNode) -> bool:
        return isinstance(node, cst.Call) and not node.args and callee(self.context, node)[0] in _UNIFORM

    def _counter_less(self, node: cst.CSTNode) -> Optional[str]:
        """`self.count - 1` where the class sets `self.count = 0` and counts it up one at
        a time: 0 or below until it has counted past what is taken away."""
        if not (isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract)):
            return None
        counter, taken = node.left, literal_number(node.right)
        if (
            taken is None
            or taken < 1
            or not isinstance(counter, cst.Attribute)
            or not (isinstance(counter.value, cst.Name) and counter.value.value == "self")
            or counter.attr.value not in self.context.summary.counters
        ):
            return None
        return f"the counter `self.{counter.attr.value}` (0 at the start) less {self.context.code(node.right).strip()}"

    def _running_sum(self, node: cst.CSTNode) -> bool:
        """`self.total` where the class does `self.total -= ...`: updated one step at a
        time, it drifts from its true value by rounding, below 0 where that is 0."""
        return (
            isinstance(node, cst.Attribute)
            and isinstance(node.value, cst.Name)
            and node.value.value == "self"
            and node.attr.value in self.context.summary.decreased
        )

    def _can_be_negative(self, node: cst.CSTNode, depth: int, squares_ordered: bool = False) -> bool:
        """Negative by construction: a subtraction, a negation, a running sum the class
        decreases, or built from one. `squares_ordered`: a difference of the squares of
        two plain values (`sigma_hat ** 2 - sigma ** 2`, `s[i] ** 2 - s[i + 1] ** 2`) is
        not, for a root: its caller orders them (a noise schedule decreases), and rounding
        is monotone, so `a >= b` gives `a * a >= b * b` in floats too. Cancellation needs
        two formulas for one number (`mean_sq - mean ** 2`), not two numbers."""
        if squares_ordered and _difference_of_plain_squares(node):
            return False
        if self._running_sum(node):
            return True
        value = literal_number(node)
        if value is not None:
            return value < 0
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
            return True
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, cst.Subtract):
                # `1 - alpha_bar`, `1 - beta2 ** step`: written so because the author
                # knows the right side is at most 1; `a - b` of two values is not.
                value = literal_number(node.left)
                return value is None or value <= 0
            if isinstance(node.operator, (cst.Add, cst.Multiply, cst.Divide)):
                return self._can_be_negative(node.left, depth, squares_ordered) or self._can_be_negative(
                    node.right, depth, squares_ordered
                )
            return False
        if isinstance(node, cst.IfExp):
            return self._can_be_negative(node.body, depth, squares_ordered) or self._can_be_negative(
                node.orelse, depth, squares_ordered
            )
        if isinstance(node, cst.Subscript):
            return self._can_be_negative(node.value, depth)  # an element of eigenvalues
        if isinstance(node, cst.Call):
            qualified, _ = callee(self.context, node)
            values = [arg.value for arg in node.args]
            if qualified in EIGENVALUES:
                return True  # of a covariance: >= 0 in exact arithmetic, -1e-17 in floats
            if qualified == "builtins.min":
                return any(self._can_be_negative(v, depth) for v in values)
            if qualified == "builtins.max":
                return all(self._can_be_negative(v, depth) for v in values)
            if qualified in ("builtins.float", "builtins.int") and values:
                return self._can_be_negative(values[0], depth)
            return False
        if isinstance(node, cst.Name) and self._unpacked_eigenvalues(node) is not None:
            return True
        if depth > 0:
            assigned = assigned_value(self.context, node)
            if assigned is not None:
                return self._can_be_negative(assigned, depth - 1, squares_ordered)
        return False

    # -- the fix -------------------------------------------------------------------
    def _fix(self, kind: str, value: cst.BaseExpression, problem: str) -> Optional[PendingFix]:
        # No value stands in for log(0): clamping a caller's 0 to the smallest float
        # turns an error into a silent -708. Rounding is what a clamp repairs, and only
        # where rounding is the cause: a variance written out, a running sum or an
        # eigenvalue a hair below 0 under a root, a computed cosine a hair past 1. A
        # caller's difference below 0 (`end - start` of a reversed range) is a caller's
        # bug, which a clamp would hide.
        if kind in ("log", "log1p"):
            return None
        if kind == "sqrt" and not (
            problem.startswith(("the running sum", "eigenvalues", "an element of eigenvalues"))
            or is_written_variance(self.context, value)
            or self._cancels(value, 2)
        ):
            return None
        if kind == "arc" and arc_argument(self.context, value) is None and not _COSINE_NAME.search(bare_code(self.context, value)):
            return None
        functions = [self.context.qualified_name(cst.Name(name)) for name in ("max", "min")]
        if functions != ["builtins.max", "builtins.min"]:
            return None  # the module has its own `max`
        code = bare_code(self.context, value)
        if kind == "sqrt":
            new, message = f"max({code}, 0.0)", "Clamp the argument at 0"
        elif divided_by_its_sine(self.context):
            # A slerp divides by sin(theta): the angle must stay off 0 and pi.
            new, message = f"max(-1.0 + 1e-7, min(1.0 - 1e-7, {code}))", "Clamp the argument inside (-1, 1)"
        else:
            new, message = f"max(-1.0, min(1.0, {code}))", "Clamp the argument to [-1, 1]"
        return PendingFix(message, (Replace(value, new),), UNSAFE)


    def _one_pass_variance(self, node: cst.CSTNode, depth: int) -> bool:
        """`self.sq - n * mean * mean` with `mean = self.sum / n`: a difference that cancels,
        of running sums the class adds to (`self.sq += x * x`), which rounding leaves a
        little below 0 for a constant stream."""
        if not (isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract)):
            return False
        return self._cancels(node, 0) and bool(self._accumulated_in(node, depth))

    def _accumulated_in(self, node: cst.CSTNode, depth: int = 1) -> List[cst.Attribute]:
        """The running sums of the class (`self.sq`) that `node` reads, directly or through
        the local names it reads."""
        reads = list(_attributes_in(node))
        for name in names_read(node) if depth > 0 else ():
            value = assigned_value(self.context, name)
            if value is not None:
                reads.extend(_attributes_in(value))
        accumulated = self.context.summary.accumulated
        return [
            a for a in reads if isinstance(a.value, cst.Name) and a.value.value == "self" and a.attr.value in accumulated
        ]

    def _cancels(self, node: cst.CSTNode, depth: int) -> bool:
        """A difference of products or powers (`a * a - b * b`, `s2 - n * m * m`,
        `mean_sq - mean ** 2`): where the true value is 0, rounding leaves it on either
        side. Not a difference of plain values (`end - start`, `step - warmup`), which is
        below 0 only when a caller passes them so."""
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, cst.Subtract):
                products = (cst.Multiply, cst.Power)
                return isinstance(node.left, cst.BinaryOperation) and isinstance(node.left.operator, products) or (
                    isinstance(node.right, cst.BinaryOperation) and isinstance(node.right.operator, products)
                )
            return self._cancels(node.left, depth) or self._cancels(node.right, depth)
        if isinstance(node, cst.Call):
            return any(self._cancels(arg.value, depth) for arg in node.args)
        if depth > 0:
            value = assigned_value(self.context, node)
            return value is not None and self._cancels(value, depth - 1)
        return False


# A value its code names a cosine (`cosine`, `cos_theta`, `pair_cos`): computed by its
# caller, and rounded there.
_COSINE_NAME = re.compile(r"(?i)^(cos|cosine)(_\w+)?$|_(cos|cosine)$")

# Eigenvalues of a symmetric matrix: a covariance's are >= 0 in exact arithmetic, and
# rounding leaves the smallest a hair below 0 when the matrix is singular.
EIGENVALUES = frozenset(
    f"{module}.{function}"
    for module in ("numpy.linalg", "scipy.linalg", "torch.linalg", "jax.numpy.linalg")
    for function in ("eigvalsh", "eigvals")
)
# ...and the decompositions whose pair starts with them: `w, v = np.linalg.eigh(cov)`.
EIGENPAIRS = frozenset(
    f"{module}.{function}"
    for module in ("numpy.linalg", "scipy.linalg", "torch.linalg", "jax.numpy.linalg")
    for function in ("eigh", "eig")
)

_OUTSIDE = {
    "log": "at 0 and below",
    "log1p": "at -1 and below",
    "sqrt": "below 0",
    "arc": "outside [-1, 1]",
}


def _attributes_in(node: cst.CSTNode) -> List[cst.Attribute]:
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Attribute):
            found.append(current)
        stack.extend(current.children)
    return found


def _difference_of_plain_squares(node: cst.CSTNode) -> bool:
    """`a ** 2 - b ** 2`, `a * a - b * b`: the squares of two different plain values."""
    if not (isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract)):
        return False
    left, right = _squared_plain(node.left), _squared_plain(node.right)
    return left is not None and right is not None and not left.deep_equals(right)


def _squared_plain(node: cst.CSTNode) -> Optional[cst.CSTNode]:
    """The plain value (a name, attribute or element) `node` squares, if it does."""
    if not isinstance(node, cst.BinaryOperation):
        return None
    if isinstance(node.operator, cst.Power) and literal_number(node.right) == 2:
        base = node.left
    elif isinstance(node.operator, cst.Multiply) and node.left.deep_equals(node.right):
        base = node.left
    else:
        return None
    return base if isinstance(base, (cst.Name, cst.Attribute, cst.Subscript)) else None


def _by_string_key(node: cst.Subscript) -> bool:
    return any(
        isinstance(element.slice, cst.Index) and isinstance(element.slice.value, cst.SimpleString)
        for element in node.slice
    )



def _holds_eps_term(context, node: cst.CSTNode) -> bool:
    """`x + 1e-6`, `1e-8 + a - b`: an eps among the terms of a sum."""
    while isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Add, cst.Subtract)):
        if isinstance(node.operator, cst.Add) and is_eps_like(context, node.right):
            return True
        node = node.left
    return is_eps_like(context, node)


def _is_constant(context, node: cst.CSTNode) -> bool:
    """Literals, `math.pi`, UPPER_CASE names and arithmetic on them."""
    if literal_number(node) is not None or context.qualified_name(node) in CONSTANTS:
        return True
    if isinstance(node, cst.Name):
        return node.value.isupper()
    if isinstance(node, cst.BinaryOperation):
        return _is_constant(context, node.left) and _is_constant(context, node.right)
    if isinstance(node, cst.UnaryOperation):
        return _is_constant(context, node.expression)
    return False


def _parameter(function: cst.CSTNode, name: str) -> Optional[cst.Param]:
    params = function.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        if param.name.value == name:
            return param
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param) and star.name.value == name:
            return star
    return None


def _decimal_magnitude(qualified: str, call: cst.Call) -> bool:
    """`math.log10(x)` or a log to a base of units (`math.log(size, 1024)`, `math.log(n, 1000)`):
    the digits of a number. A rounded `log2` is a power of two (ALiBi's slopes), of a size
    of the model."""
    if qualified == "math.log10":
        return True
    if qualified == "math.log" and len(call.args) == 2:
        return literal_number(call.args[1].value) in (10, 1000, 1024)
    return False


# Values read out of raw bytes: a sensor's reading, a field of a binary file.
_DECODED = ("struct.unpack", "struct.unpack_from", "builtins.int.from_bytes", "numpy.frombuffer")
_ROUNDING = ("builtins.int", "builtins.round", "math.floor", "math.ceil", "math.trunc")


def _rounded(context, call: cst.Call) -> bool:
    """Whether the log being visited is rounded to a whole number (`int(math.log10(n))`,
    `math.floor(math.log(size, 1024))`, `int(math.log(n, 1000) // 1)`): the order of
    magnitude of a number, as formatters of sizes and counts take it."""
    path = context.ancestors
    if not path or path[-1] is not call:
        return False
    index = len(path) - 1
    while index > 1:
        holder, above = path[index - 1], path[index - 2]
        if isinstance(holder, cst.BinaryOperation):
            index -= 1
            continue
        if isinstance(holder, cst.Arg) and isinstance(above, cst.Call):
            return context.qualified_name(above.func) in _ROUNDING
        return False
    return False


def _range_start(context, iterable: cst.CSTNode) -> Optional[cst.BaseExpression]:
    """`a` in `range(a, b)`, `0` in `range(n)`; None when not a range."""
    if not isinstance(iterable, cst.Call) or context.qualified_name(iterable.func) != "builtins.range":
        return None
    if len(iterable.args) == 1:
        return cst.Integer("0")
    return argument(iterable, 0)
