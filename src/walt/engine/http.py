"""The HTTP fast path: a URL tool runs as plain GET requests, no browser.

One shared httpx client (connection pooling), redirects followed by hand so
every hop passes the URL policy, connections made to the address the policy
checked (the ``Host`` header and TLS SNI keep the name), cookies from the job's
auth state in a per-job jar (never shared between jobs), and bounds on
size, time and redirects.
"""

from __future__ import annotations

import asyncio
import functools
import http.cookiejar
import re
import ssl
import time
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urljoin, urlsplit, urlunsplit

import attrs

from walt._version import __version__
from walt.core.costs import CostMeter
from walt.core.errors import ExecutionError, WaltError, WaltTimeoutError
from walt.core.logging import get_logger
from walt.core.urls import UrlPolicy, redact_url
from walt.engine.charset import sniff_encoding
from walt.engine.decoding import ACCEPT_ENCODING, BoundedDecoder

if TYPE_CHECKING:
    import httpx

__all__ = ["PAGE_TYPES", "Fetched", "HttpFetcher", "cookie_jar", "needs_rendering"]

log = get_logger(__name__)

USER_AGENT: Final = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    f"Chrome/130.0 Safari/537.36 walt/{__version__}"
)
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
MAX_POOLS: Final = 64
"""Connection pools kept at once (one per scheme and TLS server name)."""
PAGE_TYPES: Final = frozenset({"text/html", "application/xhtml+xml", ""})
"""Media types of a page (an empty Content-Type is taken for HTML, as browsers sniff it)."""


@attrs.frozen
class Fetched:
    """A response of the fast path, after redirects."""

    url: str
    status: int
    content_type: str
    text: str
    truncated: bool
    hops: tuple[str, ...]
    elapsed_ms: float
    headers: dict[str, str] = attrs.field(factory=dict)
    body_skipped: bool = False
    encoding: str = "utf-8"  # what the body was decoded with (as a browser would)


def cookie_jar(storage_state: dict[str, Any] | None) -> httpx.Cookies:
    """A per-job cookie jar filled from a Playwright storage state, applied as a browser
    applies cookies (RFC 6265 through the standard library's cookie policy): a cookie
    whose domain starts with a dot goes to that domain and its subdomains, any other
    only to its host; a ``secure`` one only over HTTPS; an expired one not at all."""
    import httpx

    # Host-only cookies (no leading dot) go to their host alone, not its subdomains.
    policy = http.cookiejar.DefaultCookiePolicy(
        strict_ns_domain=http.cookiejar.DefaultCookiePolicy.DomainStrictNonDomain
    )
    jar = http.cookiejar.CookieJar(policy)
    now = time.time()
    for cookie in (storage_state or {}).get("cookies", []) or []:
        if not isinstance(cookie, dict) or "name" not in cookie or "value" not in cookie:
            continue
        domain = str(cookie.get("domain", "")).strip().lower()
        if not domain:
            continue
        expires = cookie.get("expires")
        expiry = int(expires) if isinstance(expires, int | float) and expires > 0 else None
        if expiry is not None and expiry <= now:
            continue
        dotted = domain.startswith(".")
        jar.set_cookie(
            http.cookiejar.Cookie(
                version=0,
                name=str(cookie["name"]),
                value=str(cookie["value"]),
                port=None,
                port_specified=False,
                domain=domain,
                domain_specified=dotted,
                domain_initial_dot=dotted,
                path=str(cookie.get("path") or "/"),
                path_specified=True,
                secure=bool(cookie.get("secure")),
                expires=expiry,
                discard=expiry is None,
                comment=None,
                comment_url=None,
                rest={"HttpOnly": ""} if cookie.get("httpOnly") else {},
            )
        )
    return httpx.Cookies(jar)


@attrs.frozen
class _Send:
    method: str
    body: bytes | None
    headers: dict[str, str]


_OWN_HEADERS: Final = frozenset(
    {"host", "cookie", "content-length", "user-agent", "accept-encoding"}
)


_SCRIPT: Final = re.compile(r"<script\b", re.IGNORECASE)
# Script and style bodies first: their text is not visible, and the tag branch would
# otherwise consume only their opening tags.
_TAGS: Final = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<[^>]*>", re.I | re.S)
_HASH_ROUTE_LINK: Final = re.compile(r"""href=["']?#!?/""", re.I)
_TABLE_CELL: Final = re.compile(r"<td\b", re.I)
_APP_MOUNT: Final = re.compile(
    r"<(div|main|section)\b[^>]*\bid=[\"']?(root|app|__next|__nuxt|main|application)[\"']?[^>]*>\s*</\1>",
    re.IGNORECASE,
)
RENDER_TEXT_FLOOR: Final = 100
"""A page with scripts and less visible text than this (characters) is rendered."""


def needs_rendering(html: str) -> bool:
    """Content built by scripts: an empty app mount point, links to routes in the fragment
    (``href="#/..."``, which only a script can serve), or scripts and almost no text (what an
    HTTP client gets of a single-page app is its shell)."""
    if not _SCRIPT.search(html):
        return False
    if _APP_MOUNT.search(html) or _HASH_ROUTE_LINK.search(html):
        return True
    if len(_TABLE_CELL.findall(html[:200_000])) >= 4:
        return False  # the server sent a table of records: short, but not a shell
    visible = " ".join(_TAGS.sub(" ", html[:2_000_000]).split())
    return len(visible) < RENDER_TEXT_FLOOR


class HttpFetcher:
    """GETs pages for URL tools under the URL policy (see the module docstring)."""

    def __init__(
        self,
        policy: UrlPolicy,
        *,
        timeout: float = 15.0,
        max_bytes: int = 5_000_000,
        max_redirects: int = 10,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.policy = policy
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        # One pool per (scheme, TLS server name): requests go to the pinned address, so
        # a pool keyed by address alone would reuse a connection whose certificate was
        # checked for another name.
        self._clients: dict[tuple[str, str], httpx.AsyncClient] = {}
        self._retired: list[httpx.AsyncClient] = []

    def _http(self, scheme: str = "http", server_name: str = "") -> httpx.AsyncClient:
        key = (scheme, server_name if scheme == "https" else "")
        client = self._clients.get(key)
        if client is None:
            import httpx

            if len(self._clients) >= MAX_POOLS:
                oldest = next(iter(self._clients))
                self._retired.append(self._clients.pop(oldest))
            # The shared client must never keep cookies: jobs bring their own jar.
            no_cookies = http.cookiejar.CookieJar(
                policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
            )
            client = self._clients[key] = _client_class()(
                follow_redirects=False,
                cookies=httpx.Cookies(no_cookies),
                timeout=httpx.Timeout(self.timeout),
                limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
                trust_env=False,
            )
        return client

    async def fetch(
        self,
        url: str,
        *,
        jar: httpx.Cookies | None = None,
        meter: CostMeter | None = None,
        timeout: float | None = None,
        page_only: bool = False,
        method: str = "GET",
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Fetched:
        """Request ``url`` (GET, or ``method`` with ``body`` and ``headers``: a site's own
        JSON endpoint) following redirects, each hop checked; raises walt errors only.

        With ``page_only`` the body is read only when the response is an HTML page
        (by its Content-Type); otherwise ``body_skipped`` is set and ``text`` is empty.
        A 303 turns the request into a GET; 307 and 308 keep it (RFC 9110).
        """
        started = time.perf_counter()
        budget = timeout or self.timeout
        send = _Send(method.upper(), body, dict(headers or {}))
        try:
            async with asyncio.timeout(budget):
                return await self._fetch(url, jar, meter, started, page_only, send)
        except TimeoutError:
            raise WaltTimeoutError(
                f"{send.method} {redact_url(url)} took longer than {budget:g} s",
                details={"url": redact_url(url), "timeout": budget},
            ) from None

    async def _fetch(
        self,
        url: str,
        jar: httpx.Cookies | None,
        meter: CostMeter | None,
        started: float,
        page_only: bool = False,
        send: _Send | None = None,
    ) -> Fetched:
        import httpx

        hops: list[str] = []
        current = url
        send = send or _Send("GET", None, {})
        while True:
            parsed, addresses = await self.policy.aresolve(current)
            normalized = parsed.geturl()
            hops.append(redact_url(normalized))
            if meter is not None:
                meter.charge_http()
            # Connect to the checked address; Host and SNI keep the name.
            target = addresses[0]
            host = f"[{target}]" if ":" in target else target
            netloc = host if parsed.port is None else f"{host}:{parsed.port}"
            pinned = urlunsplit((parsed.scheme, netloc, parsed.path, parsed.query, ""))
            named = httpx.Request(send.method, normalized)
            headers = {
                "Host": parsed.netloc,
                "User-Agent": self.user_agent,
                "Accept": "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8",
                "Accept-Language": "en",
                "Accept-Encoding": ACCEPT_ENCODING,
                **{k: v for k, v in send.headers.items() if k.lower() not in _OWN_HEADERS},
            }
            if jar is not None:
                jar.set_cookie_header(named)
                if "cookie" in named.headers:
                    headers["Cookie"] = named.headers["cookie"]
            extensions = {"sni_hostname": parsed.host} if parsed.scheme == "https" else {}
            client = self._http(parsed.scheme, parsed.host or "")
            request = client.build_request(
                send.method, pinned, headers=headers, extensions=extensions, content=send.body
            )
            try:
                response = await client.send(request, stream=True)
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                raise _fetch_error(exc, send.method, normalized) from exc
            try:
                if jar is not None:
                    jar.extract_cookies(
                        httpx.Response(
                            response.status_code, headers=response.headers, request=named
                        )
                    )
                if response.status_code in _REDIRECTS and "location" in response.headers:
                    if len(hops) > self.max_redirects:
                        raise ExecutionError(
                            f"more than {self.max_redirects} redirects from {redact_url(url)} "
                            "(a redirect loop?)",
                            details={"hops": hops},
                        )
                    # The URL parser drops ASCII tabs and newlines (WHATWG URL), as browsers do.
                    location = _TAB_OR_NEWLINE.sub("", response.headers["location"])
                    current = urljoin(normalized, location)
                    if response.status_code == 303 or (
                        response.status_code in (301, 302) and send.method == "POST"
                    ):
                        send = _Send("GET", None, {})
                    log.debug("redirect %s -> %s", redact_url(normalized), redact_url(current))
                    continue
                content_type = response.headers.get("content-type", "")
                media_type = content_type.split(";", 1)[0].strip().lower()
                skipped = page_only and media_type not in PAGE_TYPES
                if skipped:
                    body, truncated = b"", False
                else:
                    body, truncated = await self._read(response)
            finally:
                await response.aclose()
            encoding = sniff_encoding(content_type, body)
            return Fetched(
                url=normalized,
                status=response.status_code,
                content_type=media_type,
                text=body.decode(encoding, errors="replace"),
                encoding=encoding,
                truncated=truncated,
                hops=tuple(hops),
                elapsed_ms=(time.perf_counter() - started) * 1000,
                headers={
                    k.lower(): v
                    for k, v in response.headers.items()
                    if k.lower()
                    in ("content-type", "content-disposition", "content-length", "location")
                },
                body_skipped=skipped,
            )

    async def _read(self, response: httpx.Response) -> tuple[bytes, bool]:
        """The body, decoded piece by piece and cut at ``max_bytes`` whatever its codings
        (:mod:`walt.engine.decoding`); whether it was cut."""
        decoder = BoundedDecoder(response.headers.get("content-encoding", ""), self.max_bytes)
        chunks: list[bytes] = []
        async for raw in response.aiter_raw():
            chunks.append(decoder.feed(raw))
            if decoder.over:
                break
        else:
            chunks.append(decoder.finish())
        body = b"".join(chunks)
        return body[: self.max_bytes], decoder.over

    async def aclose(self) -> None:
        clients = [*self._clients.values(), *self._retired]
        self._clients.clear()
        self._retired.clear()
        for client in clients:
            await client.aclose()


_TAB_OR_NEWLINE: Final = re.compile(r"[\t\n\r]")


@functools.cache
def _client_class() -> type[httpx.AsyncClient]:
    """httpx's client, minus its own reading of redirects: walt follows them by hand
    (each hop through the URL policy, the Location cleaned as a browser cleans it), so
    a Location httpx would reject (a tab in it) must not fail the response."""
    import httpx

    class HandFollowedRedirects(httpx.AsyncClient):
        def _build_redirect_request(
            self, request: httpx.Request, response: httpx.Response
        ) -> httpx.Request:
            return request  # never sent: see above

    return HandFollowedRedirects


def _fetch_error(exc: Exception, method: str, url: str) -> WaltError:
    """What a failed request to a site means for the caller: a site that cannot be
    reached or that fails its TLS check is the run's failure (an
    :class:`ExecutionError`, retryable only when trying again could help), never a
    :class:`BackendUnavailableError`, which says walt itself is unavailable."""
    where = f"{method} {redact_url(url)}"
    if isinstance(exc, WaltTimeoutError) or type(exc).__name__.endswith("Timeout"):
        return WaltTimeoutError(f"{where} timed out", details={"url": redact_url(url)})
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError | ssl.CertificateError):
            return ExecutionError(
                f"{where}: the TLS handshake failed ({cause.__class__.__name__}: "
                f"{str(cause)[:160]})",
                code="tls_error",
                retryable=False,
                details={"url": redact_url(url)},
            )
        cause = cause.__cause__ or cause.__context__
    connect = type(exc).__name__ in ("ConnectError", "ConnectTimeout", "RemoteProtocolError")
    return ExecutionError(
        f"{where} failed: {str(exc)[:200] or type(exc).__name__}",
        retryable=connect,
        details={"url": redact_url(url)},
    )


def same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.netloc) == (pb.scheme, pb.netloc)
