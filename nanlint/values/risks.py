"""Evidence that gradients can explode where a training step runs: the models whose
standard recipes clip (recurrent nets, attention, a pretrained transformer), told by the
words each function, its class and the classes it builds mention."""

from __future__ import annotations

import re
from typing import Dict, FrozenSet, List, Set, Tuple

from nanlint.values.module_walk import FunctionFacts, ModuleWalk, Path


def risks_by_function(functions: List[FunctionFacts], walk: ModuleWalk) -> Dict[Path, Tuple[str, ...]]:
    """For each function, the risks its own code shows: what it mentions, what the
    functions nested in it and, for a method, its class's other methods mention (the
    model its `__init__` builds), and what the classes it instantiates mention (`model =
    Seq2Seq(...)` with an LSTM inside). A function handed a model it does not build
    takes what the module imports and its module-level code mentions (`from transformers
    import AutoModel...`), not the classes it defines; a model's own method (`fit` of an
    `nn.Module`) trains that model, and takes its class's words only. One big module of unrelated models (a textbook's)
    says nothing about each training loop of it."""
    known: Dict[str, FrozenSet[int]] = {}  # word -> the risks it tells of (by index in _RISKS)

    def told(words: Set[str]) -> FrozenSet[int]:
        found = set()
        for word in words:
            risks = known.get(word)
            if risks is None:
                risks = known[word] = frozenset(i for i, (_, pattern) in enumerate(_RISKS) if pattern.search(word))
            found |= risks
        return frozenset(found)

    children: Dict[Path, List[FunctionFacts]] = {}
    class_words: Dict[str, Set[str]] = {}
    for part in walk.class_parts:
        class_words.setdefault(part.class_name, {part.class_name}).update(part.words)
    for function in functions[1:]:
        children.setdefault(function.path[:-1], []).append(function)
        if function.class_name is not None:
            # `class GRU(nn.Module)`: its name is evidence too, for whoever builds one.
            class_words.setdefault(function.class_name, {function.class_name}).update(function.words)
    by_class = {name: told(words) for name, words in class_words.items()}
    # A model holds what its parts hold: `GPT` builds `Block`, which builds `CausalSelfAttention`.
    changed = True
    while changed:
        changed = False
        for name, words in class_words.items():
            held = by_class[name].union(*(by_class[part] for part in words & by_class.keys() if part != name))
            if held != by_class[name]:
                by_class[name], changed = held, True
    own: Dict[Path, FrozenSet[int]] = {}

    def nested(function: FunctionFacts) -> FrozenSet[int]:
        if function.path not in own:
            risks = set(told(function.words))
            for child in children.get(function.path, ()) if function.path else ():
                risks |= nested(child)
            own[function.path] = frozenset(risks)
        return own[function.path]

    module = told(walk.imported | functions[0].words)  # what the module imports and runs
    of_class: Dict[Path, FrozenSet[int]] = {}  # all methods' risks, once per class
    found: Dict[Path, Tuple[str, ...]] = {}
    for function in functions:
        risks = set(nested(function))
        if function.class_name is not None:
            owner = function.path[:-1]
            if owner not in of_class:
                of_class[owner] = frozenset().union(*(nested(m) for m in children.get(owner, ())))
            risks |= of_class[owner]
        built = [by_class[name] for name in function.calls if name in by_class]
        for of_built in built:
            risks |= of_built
        if not built and function.class_name not in walk.module_classes:
            risks |= module
        if risks:
            found[function.path] = tuple(_RISKS[i][0] for i in sorted(risks))
    return found



# The models whose standard recipes clip: recurrent nets (the textbook case of exploding
# gradients) and attention (transformers, trained with a norm clip at 1.0 by every
# framework's default). Not mixed precision: a GradScaler skips the steps whose gradients
# overflow. Not adversarial training or a CNN: GAN and vision recipes train with Adam
# or SGD unclipped, and Adam's step is about the learning rate whatever the gradient.
_RISKS = (
    ("a recurrent layer", re.compile(r"^(LSTM|GRU|RNN)(Cell)?$")),
    ("attention or a transformer", re.compile(
        r"^(\w*Attention\w*|Transformer(Encoder|Decoder)?(Layer|Block)?|scaled_dot_product_attention)$")),
    # Hugging Face's: its own Trainer clips at 1.0 by default (`max_grad_norm`), and so do
    # the fine-tuning recipes built on it, whatever the optimizer.
    ("a pretrained transformer", re.compile(r"^(AutoModel\w*|from_pretrained|transformers|PreTrainedModel)$")),
)
