"""`nanlint server`: a language server for editors (see `protocol` for what it offers).

pygls is imported only here, when the server starts, and only with the `server`
extra installed: the core install and `nanlint check` never need it.
"""

from __future__ import annotations

import sys

INSTALL_HINT = "pip install '.[server]' in your clone of nanlint"


def main() -> int:
    """Serve over stdio until the editor says exit; 2 when pygls is missing."""
    try:
        from nanlint.server.protocol import serve
    except ImportError as error:
        # pygls 1.x has another API (no `pygls.lsp.server`): the same advice fits.
        print(
            f"nanlint: error: `nanlint server` needs pygls 2 ({error}); install it with {INSTALL_HINT}",
            file=sys.stderr,
        )
        return 2
    serve()
    return 0
