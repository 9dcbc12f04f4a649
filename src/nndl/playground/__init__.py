"""``nndl playground``: a local web page where real nndl networks train while you watch.

TensorFlow Playground's 2-D problems, features and controls (plus more classes, CSV upload,
dropout, batch norm, optimizers, per-layer activations, exports) and 3Blue1Brown's digit
network, served by Starlette on 127.0.0.1 and trained in this process by nndl.
Needs the ``playground`` extra: ``pip install "nndl[playground]"``.
"""

from __future__ import annotations

import secrets


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = True, print_fn=print,
          digits_source: str = "auto", digits_model=None) -> None:
    """Run the playground until interrupted; prints (and opens) the URL with this launch's token.

    digits_model: a digit network saved by ``nndl train`` to start the digit tab from."""
    import uvicorn

    from .app import create_app
    from .digits import DigitNet

    if host == "0.0.0.0":
        raise ValueError("--host 0.0.0.0 is refused: name the one address to listen on (the server checks it)")
    token = secrets.token_urlsafe(24)
    names = {host, "127.0.0.1", "localhost"} if host in ("127.0.0.1", "localhost") else {host}
    hosts = {f"{name}:{port}" for name in names}
    if port == 80:
        hosts |= names
    url_host = "127.0.0.1" if host in ("127.0.0.1", "localhost", "0.0.0.0") else host
    url = f"http://{url_host}:{port}/?token={token}"
    app = create_app(token, hosts, digits=DigitNet(digits_source, model_path=digits_model))
    print_fn(f"nndl playground: {url}\n(the token in this address is new at every launch; Ctrl+C stops the server)")
    if open_browser:
        import threading
        import webbrowser
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    if host not in ("127.0.0.1", "localhost"):
        print_fn(f"note: listening on {host}: anyone who can reach it and has the address above can use it")
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2)
