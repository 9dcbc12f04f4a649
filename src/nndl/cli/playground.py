"""``nndl playground``: serve the local training page (needs the ``playground`` extra)."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("playground", help="open a local web page that trains networks while you watch",
                       description="Serve nndl's playground (TensorFlow Playground's problems and 3Blue1Brown's "
                                   "digit network, trained by nndl) on this machine and open it in the browser.")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: only this machine can connect)")
    p.add_argument("--no-browser", action="store_true", help="print the address without opening a browser")
    p.add_argument("--digits-model", metavar="FILE",
                   help="start the digit tab from a network saved by nndl train (e.g. "
                        "nndl train --dataset mnist --layers 784,16,16,10 --activation sigmoid)")
    p.set_defaults(handler=run)


def run(args) -> int:
    if not 1 <= args.port <= 65535:
        raise ValueError(f"--port must be from 1 to 65535, got {args.port}")
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise ValueError('the playground needs its extra: pip install "nndl[playground]"') from None
    from ..playground import serve
    serve(args.host, args.port, open_browser=not args.no_browser, digits_model=args.digits_model)
    return 0
