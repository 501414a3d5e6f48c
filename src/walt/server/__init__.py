"""``walt serve``: the walt service (Starlette + uvicorn, in the ``server`` extra)."""

from __future__ import annotations

from typing import Any

from walt.core.errors import ValidationError
from walt.core.logging import get_logger
from walt.core.urls import is_loopback

__all__ = ["is_loopback", "serve"]

log = get_logger("walt.server")


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    token: str | None = None,
    no_auth: bool = False,
    client_options: dict[str, Any] | None = None,
    cors_origins: tuple[str, ...] = (),
    max_body: int | None = None,
    host_names: tuple[str, ...] = (),
) -> None:
    """Run the service until interrupted (a token is required unless ``no_auth`` on
    loopback). ``host_names`` are the names it answers besides the bound address
    (requests naming another ``Host`` are refused: DNS rebinding)."""
    try:
        import uvicorn

        from walt.server.app import DEFAULT_MAX_BODY, create_app
        from walt.server.guard import HeaderTimeoutProtocol, allowed_hosts_for
    except ImportError as exc:  # pragma: no cover - the extra is installed in tests
        raise ValidationError(
            "walt serve needs the server extra: pip install 'walt-tools[server]'"
        ) from exc
    from walt.client import AsyncClient

    if no_auth and token:
        raise ValidationError("give --token or --no-auth, not both")
    if no_auth and not is_loopback(host):
        raise ValidationError(
            f"--no-auth is only allowed on a loopback address, not {host!r}: anyone who can reach "
            "the port could make walt browse for them"
        )
    if not no_auth and not token:
        raise ValidationError("give a bearer token (--token or WALT_SERVE_TOKEN), or --no-auth")
    client = AsyncClient(**(client_options or {}))
    app = create_app(
        client,
        token=None if no_auth else token,
        cors_origins=cors_origins,
        max_body=max_body or DEFAULT_MAX_BODY,
        allowed_hosts=allowed_hosts_for(host, host_names),
    )
    log.info("walt serve on http://%s:%d/ (backend %s)", host, port, client.mode)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        server_header=False,
        timeout_keep_alive=5,
        proxy_headers=False,
        http=HeaderTimeoutProtocol,
    )
