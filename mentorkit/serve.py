"""`mentorkit forms`: the collection forms served by Voilà on localhost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from . import store
from .errors import UsageError

LANDING = Path(__file__).resolve().parent.parent / "notebooks" / "collect" / "index.ipynb"


def voila_command(port: int, open_browser: bool = False) -> list[str]:
    """The Voilà command line: the landing notebook, loopback only, no code, no tracebacks."""
    return [
        sys.executable,
        "-m",
        "voila",
        str(LANDING),
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--theme=light",
        f"--Voila.open_browser={open_browser}",
        "--VoilaConfiguration.file_allowlist=[]",
    ]


def serve(port: int = 8866, db: str | None = None, open_browser: bool = True, allow_email_login: bool = False) -> int:
    """Run Voilà until interrupted; the forms use the store given by ``db`` (or the default)."""
    if not 1 <= port <= 65535:
        raise UsageError(f"not a port number: {port}")
    if not LANDING.is_file():
        raise UsageError(f"the forms notebook is missing: {LANDING}")
    url = db or store.default_url()
    store.connect(url, create=False)  # one clear error now if the store is unreachable
    env = {**os.environ, "MENTORKIT_DB": url}
    print(f"serving the forms on http://127.0.0.1:{port}/ (Ctrl-C to stop)", flush=True)
    try:
        return subprocess.call(voila_command(port, open_browser), env=env)
    except KeyboardInterrupt:
        return 0
