"""The value model: what rules ask about a value instead of reasoning on their own.

- `summary`: facts about the whole module, read from Python's `ast` before libcst
  parses anything (so they hold whatever parts are left unparsed): which functions a
  gradient can run through, which classes hold trainable parameters.
- `gradient`: does a gradient flow through the expression being visited?
- `library`: is a value a torch tensor, a NumPy array, a JAX array, a Python number?

A rule about a gradient hazard (a root at 0) asks `carries_gradient`; a fix asks
`library_of`, so that it never writes torch code around a NumPy array.
"""
