"""``haven serve``: bind to 127.0.0.1 only, print the one-time address, open the browser, run the app."""

from __future__ import annotations

import os
import socket
import sys
import webbrowser

import uvicorn

from haven.web.app import create_app
from haven.web.settings import Settings
from haven.web.state import IdleLocker

LOOPBACK = "127.0.0.1"


def should_open_browser(no_browser: bool) -> bool:
    """Not when asked not to, not in CI, and not without a display (on Linux)."""
    if no_browser or os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        return False
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, port))
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def serve(port: int = 0, *, no_browser: bool = False, lock_after: float | None = None) -> None:
    settings = Settings.from_env(lock_after)
    sock = bind(port)
    real_port = sock.getsockname()[1]
    base = f"http://{LOOPBACK}:{real_port}"

    def announce(token: str, reason: str) -> None:
        if reason == "exit":
            print("Haven was locked by quick exit. To open it again, use this address:", flush=True)
        else:
            print(
                "Haven is open in your browser. If you close the browser, open Haven again with:", flush=True
            )
        print(f"  {base}/?token={token}", flush=True)

    app = create_app(settings, port=real_port, on_new_link=announce)
    url = f"{base}/?token={app.state.session.launch_token}"
    print("Haven is running on this computer only. Open this address in your browser:", flush=True)
    print(f"  {url}", flush=True)
    print("Keep this window open while you use Haven. Press Ctrl+C here to stop it.", flush=True)
    locker = IdleLocker(app.state.session)
    locker.start()
    if should_open_browser(no_browser):
        webbrowser.open(url)
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="off", server_header=False, date_header=False
    )
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    finally:
        locker.stop()
        app.state.session.lock()
