"""``gpnlab app``: serve the Solara pages with uvicorn on ``host:port`` (127.0.0.1 unless told
otherwise), every file under ``--root``.

The server is Solara's own Starlette app (``solara.server.starlette``), started in this
process the way ``solara run`` starts it; the app module is :mod:`gpnlab.app.pages` and the
root reaches the pages through the ``GPNLAB_APP_ROOT`` environment variable. No reload, no
debugger, no telemetry: ``SOLARA_TELEMETRY_MIXPANEL_ENABLE=False`` (Solara's usage statistics
would otherwise try to reach the network).
"""

from __future__ import annotations

import os
from pathlib import Path

from gpnlab.app.paths import app_root

APP = "gpnlab.app.pages"


def configure(root: str | Path, host: str, port: int) -> Path:
    """Set the environment the pages and Solara read; return the resolved root."""
    r = app_root(root)
    os.environ["GPNLAB_APP_ROOT"] = str(r)
    os.environ["SOLARA_APP"] = APP
    os.environ["SERVER_NAME"] = host
    os.environ["SERVER_PORT"] = str(port)
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault("SOLARA_CHECK_VERSION", "False")
    return r


def serve(root: str | Path = ".", host: str = "127.0.0.1", port: int = 8765) -> None:
    """Run the app until interrupted."""
    configure(root, host, port)
    import uvicorn

    uvicorn.run(
        "solara.server.starlette:app",
        host=host,
        port=port,
        log_level="warning",
        ws_max_size=16 * 2**20,
    )
