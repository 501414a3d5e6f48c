"""The URL policy: which destinations walt may visit (SSRF protection).

Every URL walt is asked to visit, every redirect hop and every request a page
makes inside the browser goes through one :class:`UrlPolicy`. The policy
parses a URL the way a browser does (the WHATWG URL standard), refuses inputs on
which a browser and Python's ``urllib`` would disagree about the host, and
checks the host and every address the host resolves to against the special
purpose address ranges (loopback, private, link-local, CGNAT, documentation,
benchmarking, multicast, reserved, broadcast, unspecified) and the cloud
metadata endpoints.

What it refuses can be opened exactly: ``allow_private=True`` opens loopback,
private, CGNAT and unique-local addresses (local development, intranets);
``allow_hosts`` entries open one host name (``intranet.example``,
``*.corp.example``: its addresses may then be private ones), one host and port
(``127.0.0.1:8000``, ``[::1]:8000``) or one network (``10.1.0.0/16``). Metadata
endpoints and link-local addresses (v4 and v6) stay closed unless an entry names
the address or its network.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, Literal
from urllib.parse import quote, unquote

import attrs

from walt.core.errors import UrlBlockedError, ValidationError
from walt.core.redact import redact_url

__all__ = [
    "ParsedUrl",
    "Resolver",
    "UrlPolicy",
    "is_loopback",
    "parse_url",
    "redact_url",
    "system_resolver",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]
"""``resolver(host, port)`` returns every address ``host`` resolves to (may raise ``OSError``)."""

MAX_URL_LENGTH: Final = 8192
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_DEFAULT_PORTS: Final = {"http": 80, "https": 443, "ws": 80, "wss": 443}
# WHATWG "forbidden domain code points", plus the characters that end an authority.
_FORBIDDEN_HOST_CHARS: Final = frozenset("\x00\t\n\r #/:<>?@[\\]^|%\x7f") | frozenset(
    chr(c) for c in range(0x20)
)
_HEX_RE = re.compile(r"^0[xX][0-9a-fA-F]*$")
_DIGITS_RE = re.compile(r"^[0-9]+$")
_LABEL_RE = re.compile(r"^[a-z0-9_](?:[a-z0-9_\-]{0,61}[a-z0-9_])?$")

PRIVATE_CATEGORIES: Final = frozenset(
    {
        "loopback",
        "private",
        "shared address space (CGNAT)",
        "unique local",
        "site-local",
    }
)
"""Categories that ``allow_private=True`` and host rules open."""
NAMED_ONLY_CATEGORIES: Final = frozenset({"cloud metadata endpoint", "link-local"})
"""Categories only an allow rule naming the address (``169.254.169.254``, a network)
opens: metadata services live there, and a host rule or ``allow_private`` saying
"my intranet" does not mean "my cloud credentials"."""

_V4_RANGES: Final[tuple[tuple[ipaddress.IPv4Network, str], ...]] = tuple(
    (ipaddress.IPv4Network(net), why)
    for net, why in (
        ("255.255.255.255/32", "broadcast"),
        ("0.0.0.0/8", "unspecified ('this network')"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "shared address space (CGNAT)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "IETF protocol assignment"),
        ("192.0.2.0/24", "documentation (TEST-NET-1)"),
        ("192.88.99.0/24", "reserved (6to4 relay anycast)"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation (TEST-NET-2)"),
        ("203.0.113.0/24", "documentation (TEST-NET-3)"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
    )
)

_V6_RANGES: Final[tuple[tuple[ipaddress.IPv6Network, str], ...]] = tuple(
    (ipaddress.IPv6Network(net), why)
    for net, why in (
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("64:ff9b:1::/48", "reserved (local-use NAT64)"),
        ("100::/64", "reserved (discard-only)"),
        ("2001::/32", "reserved (Teredo tunnel)"),
        ("2001:2::/48", "benchmarking"),
        ("2001:db8::/32", "documentation"),
        ("2001::/23", "IETF protocol assignment"),
        ("3fff::/20", "documentation"),
        ("5f00::/16", "reserved (SRv6)"),
        ("fc00::/7", "unique local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
    )
)
_V6_GLOBAL_UNICAST: Final = ipaddress.IPv6Network("2000::/3")
_NAT64: Final = ipaddress.IPv6Network("64:ff9b::/96")
_V4_COMPATIBLE: Final = ipaddress.IPv6Network("::/96")
_SIX_TO_FOUR: Final = ipaddress.IPv6Network("2002::/16")

METADATA_ADDRESSES: Final = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean...
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.170.23",  # AWS EKS pod identity
        "169.254.169.123",  # AWS time sync
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure WireServer (a public address!)
        "192.0.0.192",  # Oracle Cloud
        "fd00:ec2::254",  # AWS over IPv6
        "fd00:ec2::23",  # AWS EKS pod identity over IPv6
    )
)
METADATA_HOSTS: Final = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.com",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.platformequinix.com",
        "metadata.tencentyun.com",
    }
)


# --------------------------------------------------------------------------- parsing


@attrs.frozen
class ParsedUrl:
    """A URL split the way a browser splits it, with the host in canonical form."""

    scheme: str
    host: str
    host_kind: Literal["ipv4", "ipv6", "name"]
    port: int | None
    path: str
    query: str
    fragment: str
    username: str = ""
    password: str = ""

    @property
    def effective_port(self) -> int:
        return self.port if self.port is not None else _DEFAULT_PORTS.get(self.scheme, 0)

    @property
    def address(self) -> IPAddress | None:
        """The host as an IP address when it is one."""
        if self.host_kind == "name":
            return None
        return ipaddress.ip_address(self.host)

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if self.host_kind == "ipv6" else self.host
        if self.port is not None and self.port != _DEFAULT_PORTS.get(self.scheme):
            host = f"{host}:{self.port}"
        return host

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.netloc}"

    def geturl(self, *, with_credentials: bool = False) -> str:
        auth = ""
        if with_credentials and (self.username or self.password):
            auth = self.username + (f":{self.password}" if self.password else "") + "@"
        url = f"{self.scheme}://{auth}{self.netloc}{self.path or '/'}"
        if self.query:
            url += f"?{self.query}"
        if self.fragment:
            url += f"#{self.fragment}"
        return url


def _blocked(url: str, reason: str, **details: Any) -> UrlBlockedError:
    return UrlBlockedError(
        f"URL refused: {reason}",
        details={"url": redact_url(url), "reason": reason, **details},
    )


def _parse_ipv4_number(part: str) -> int | None:
    if not part:
        return None
    if _HEX_RE.match(part):
        return int(part[2:] or "0", 16)
    if not _DIGITS_RE.match(part):
        return None
    if len(part) > 1 and part[0] == "0":
        return int(part, 8) if all(c in "01234567" for c in part) else None
    return int(part)


def _ends_in_number(host: str) -> bool:
    labels = host.split(".")
    if labels[-1] == "" and len(labels) > 1:
        labels = labels[:-1]
    last = labels[-1]
    return bool(_DIGITS_RE.match(last) or _HEX_RE.match(last))


def _parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Parse every IPv4 spelling a browser accepts: ``127.1``, ``0x7f.1``, ``2130706433``..."""
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts = parts[:-1]
    if len(parts) > 4:
        return None
    numbers = [_parse_ipv4_number(p) for p in parts]
    if any(n is None for n in numbers):
        return None
    nums = [n for n in numbers if n is not None]
    if any(n > 255 for n in nums[:-1]) or nums[-1] >= 256 ** (5 - len(nums)):
        return None
    value = nums[-1]
    for i, n in enumerate(nums[:-1]):
        value += n * 256 ** (3 - i)
    return ipaddress.IPv4Address(value)


def _uts46_to_ascii(host: str, url: str) -> str:
    """A non-ASCII host as browsers and httpx map it: UTS 46 with non-transitional
    processing (``faß.de`` -> ``xn--fa-hia.de``, not IDNA 2003's ``fass.de``), full-width
    letters and ideographic dots folded; labels that are not valid IDNA 2008 refused."""
    import idna

    trailing = host.endswith((".", "\u3002", "\uff0e", "\uff61"))
    try:
        mapped = idna.uts46_remap(host, std3_rules=False, transitional=False)
        labels = mapped.rstrip(".").split(".")
        ascii_labels = [
            label if label.isascii() else idna.alabel(label).decode("ascii") for label in labels
        ]
    except (idna.IDNAError, UnicodeError, ValueError) as exc:
        raise _blocked(url, f"invalid international domain name ({exc})") from exc
    return ".".join(ascii_labels) + ("." if trailing else "")


def _to_ascii_host(raw: str, url: str) -> str:
    """Percent-decode and IDNA-map a host like a browser (full-width forms, ideographic dots)."""
    try:
        host = unquote(raw, errors="strict") if "%" in raw else raw
    except UnicodeDecodeError:
        raise _blocked(url, "the host has invalid percent-encoding") from None
    if not host:
        raise _blocked(url, "the URL has no host")
    if not host.isascii():
        host = _uts46_to_ascii(host, url)
    host = host.lower()
    bad = sorted({c for c in host if c in _FORBIDDEN_HOST_CHARS})
    if bad:
        raise _blocked(url, f"the host contains forbidden characters {''.join(bad)!r}")
    return host


def parse_url(url: str) -> ParsedUrl:
    """Split ``url`` as a browser would, refusing what a browser and Python read differently.

    Raises :class:`UrlBlockedError` for malformed or ambiguous input: control
    characters, backslashes before the query, a scheme not followed by exactly
    ``//``, zone ids, malformed IPv4 numbers, several colons in a host.
    """
    if not isinstance(url, str):
        raise UrlBlockedError(
            f"URL refused: expected a string, got {type(url).__name__}",
            details={"reason": "not a string"},
        )
    if len(url) > MAX_URL_LENGTH:
        raise _blocked(url[:200], f"the URL is longer than {MAX_URL_LENGTH} characters")
    text = url.strip(
        " \x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f"
        "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"
    )
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise _blocked(url, "the URL contains control characters (tab, newline...)")
    match = _SCHEME_RE.match(text)
    if not match:
        raise _blocked(url, "the URL has no scheme (expected http:// or https://)")
    scheme = match.group(1).lower()
    if scheme not in _DEFAULT_PORTS:
        raise _blocked(url, f"scheme {scheme!r} is not allowed (only http and https)")
    rest = text[match.end() :]
    if not rest.startswith("//") or rest[2:3] in ("/", "\\"):
        raise _blocked(url, f"expected exactly '//' after '{scheme}:'")
    rest = rest[2:]
    fragment = ""
    if "#" in rest:
        rest, fragment = rest.split("#", 1)
    query = ""
    if "?" in rest:
        rest, query = rest.split("?", 1)
    if "\\" in rest:
        raise _blocked(url, "backslashes before the query are read differently by browsers")
    slash = rest.find("/")
    authority, path = (rest, "") if slash < 0 else (rest[:slash], rest[slash:])
    username = password = ""
    if "@" in authority:
        userinfo, authority = authority.rsplit("@", 1)
        username, _, password = userinfo.partition(":")
        username, password = unquote(username), unquote(password)
    port: int | None = None
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            raise _blocked(url, "unterminated IPv6 address")
        literal, after = authority[1:end], authority[end + 1 :]
        if "%" in literal:
            raise _blocked(url, "IPv6 zone ids are not allowed")
        try:
            v6 = ipaddress.IPv6Address(literal)
        except ValueError as exc:
            raise _blocked(url, f"malformed IPv6 address ({exc})") from exc
        if after and not after.startswith(":"):
            raise _blocked(url, "unexpected characters after the IPv6 address")
        port = _parse_port(after[1:], url) if after else None
        host, kind = v6.compressed, "ipv6"
    else:
        if authority.count(":") > 1:
            raise _blocked(url, "the host contains several ':'")
        raw_host, sep, raw_port = authority.partition(":")
        port = _parse_port(raw_port, url) if sep else None
        host = _to_ascii_host(raw_host, url)
        if _ends_in_number(host):
            v4 = _parse_ipv4(host)
            if v4 is None:
                raise _blocked(url, f"malformed IPv4 address {host!r}")
            host, kind = str(v4), "ipv4"
        else:
            host = host[:-1] if host.endswith(".") else host
            if not host or any(not _LABEL_RE.match(label) for label in host.split(".")):
                raise _blocked(url, f"invalid host name {host!r}")
            kind = "name"
    if port is not None and port == _DEFAULT_PORTS.get(scheme):
        port = None
    return ParsedUrl(
        scheme=scheme,
        host=host,
        host_kind=kind,  # type: ignore[arg-type]
        port=port,
        path=quote(path, safe="/%:@!$&'()*+,;=-._~") if path else "/",
        query=quote(query, safe="=&%:@!$'()*+,;/?-._~[]{}|^`\""),
        fragment=quote(fragment, safe="=&%:@!$'()*+,;/?-._~#[]{}|^`\""),
        username=username,
        password=password,
    )


def _parse_port(raw: str, url: str) -> int | None:
    if raw == "":
        return None
    if not raw.isdigit() or not raw.isascii() or int(raw) > 65535:
        raise _blocked(url, f"invalid port {raw!r}")
    return int(raw)


# --------------------------------------------------------------------------- address checks


def _embedded_v4(addr: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, str] | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any."""
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped, "IPv4-mapped"
    if addr in _NAT64:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF), "NAT64"
    if addr.sixtofour is not None:
        return addr.sixtofour, "6to4"
    if addr in _V4_COMPATIBLE and int(addr) > 1:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF), "IPv4-compatible"
    return None


def classify_address(addr: IPAddress) -> str | None:
    """The special-purpose category of ``addr`` ("loopback", "private"...), or None if public."""
    if addr in METADATA_ADDRESSES:
        return "cloud metadata endpoint"
    if isinstance(addr, ipaddress.IPv4Address):
        for net, why in _V4_RANGES:
            if addr in net:
                return why
        return None
    embedded = _embedded_v4(addr)
    if embedded is not None:
        inner, form = embedded
        inner_category = classify_address(inner)
        if inner_category is None:
            return None
        return f"{form} IPv6 address embedding {inner} ({inner_category})"
    for net6, why in _V6_RANGES:
        if addr in net6:
            return why
    if addr not in _V6_GLOBAL_UNICAST:
        return "reserved (outside global unicast 2000::/3)"
    return None


def _base_category(category: str) -> str:
    """The category that decides ``allow_private`` (embedded forms decide by their IPv4)."""
    if category.endswith(")") and " IPv6 address embedding " in category:
        return category[category.rindex("(") + 1 : -1]
    return category


# --------------------------------------------------------------------------- resolution


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (scope ids stripped)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for info in infos:
        seen[str(info[4][0]).split("%", 1)[0]] = None
    return list(seen)


class _ResolverCache:
    """A short TTL cache in front of a resolver: pages request many resources per host."""

    def __init__(self, resolver: Resolver, ttl: float = 30.0, maxsize: int = 2048) -> None:
        self._resolver = resolver
        self._ttl = ttl
        self._maxsize = maxsize
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, int], tuple[float, tuple[str, ...]]] = {}

    def __call__(self, host: str, port: int) -> tuple[str, ...]:
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get((host, port))
            if hit is not None and hit[0] > now:
                return hit[1]
        addresses = tuple(self._resolver(host, port))
        with self._lock:
            if len(self._entries) >= self._maxsize:
                self._entries.clear()
            self._entries[(host, port)] = (now + self._ttl, addresses)
        return addresses


_DEFAULT_RESOLVER = _ResolverCache(system_resolver)


# --------------------------------------------------------------------------- allow rules


@attrs.frozen
class _HostRule:
    host: str
    port: int | None
    wildcard: bool

    def matches(self, host: str, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.wildcard:
            return host.endswith("." + self.host)
        return host == self.host


@attrs.frozen
class _NetRule:
    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    port: int | None

    def matches(self, addr: IPAddress, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        return addr.version == self.network.version and addr in self.network


def _parse_allow_entry(entry: str) -> _HostRule | _NetRule:
    text = entry.strip().lower()
    if not text:
        raise ValidationError("allow_hosts entries must not be empty")
    try:
        if "/" in text:
            return _NetRule(ipaddress.ip_network(text, strict=False), None)
        if text.startswith("["):
            end = text.index("]")
            addr6 = ipaddress.IPv6Address(text[1:end])
            rest = text[end + 1 :]
            port = int(rest[1:]) if rest.startswith(":") else None
            if rest and port is None:
                raise ValueError(rest)
            return _NetRule(ipaddress.ip_network(addr6), port)
        if text.count(":") > 1:
            return _NetRule(ipaddress.ip_network(ipaddress.IPv6Address(text)), None)
        host, sep, raw_port = text.partition(":")
        port = int(raw_port) if sep else None
        if port is not None and not 0 < port <= 65535:
            raise ValueError(raw_port)
        try:
            return _NetRule(ipaddress.ip_network(ipaddress.IPv4Address(host)), port)
        except ValueError:
            pass
        wildcard = host.startswith("*.")
        name = host[2:] if wildcard else host
        name = name.rstrip(".")
        if not name or any(not _LABEL_RE.match(label) for label in name.split(".")):
            raise ValueError(host)
        return _HostRule(name, port, wildcard)
    except ValueError as exc:
        raise ValidationError(
            f"invalid allow_hosts entry {entry!r}: expected a host, host:port, "
            "*.domain, an IP address or a CIDR network",
            details={"entry": entry},
        ) from exc


def _tuple_of_str(value: Iterable[str] | str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(value)


# --------------------------------------------------------------------------- the policy

_LOCALHOST_NAMES: Final = frozenset(
    {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
)


def _is_localhost_name(host: str) -> bool:
    return host in _LOCALHOST_NAMES or host.endswith(".localhost")


@attrs.frozen
class UrlPolicy:
    """Decides which URLs walt may visit; see the module docstring for what is refused.

    ``check(url)`` returns the normalized URL or raises :class:`UrlBlockedError`
    naming the exact reason. ``resolve=False`` skips DNS (only for offline unit
    tests of literal addresses); ``resolver`` replaces the system resolver.
    """

    allow_private: bool = False
    allow_hosts: tuple[str, ...] = attrs.field(default=(), converter=_tuple_of_str)
    schemes: tuple[str, ...] = attrs.field(default=("http", "https"), converter=_tuple_of_str)
    allow_credentials: bool = False
    resolve: bool = True
    resolver: Resolver | None = attrs.field(default=None, eq=False, repr=False)
    _rules: tuple[_HostRule | _NetRule, ...] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_rules", tuple(_parse_allow_entry(e) for e in self.allow_hosts))
        for scheme in self.schemes:
            if scheme not in ("http", "https", "ws", "wss"):
                raise ValidationError(f"scheme {scheme!r} cannot be allowed by a URL policy")

    # ------------------------------------------------------------------ public checks

    def check(self, url: str) -> str:
        """The normalized ``url`` if it may be visited; else :class:`UrlBlockedError`."""
        parsed = self._check_static(url)
        if self._needs_resolution(parsed):
            self._check_resolved(url, parsed, self._resolve(url, parsed))
        return parsed.geturl(with_credentials=self.allow_credentials)

    async def acheck(self, url: str) -> str:
        """:meth:`check` without blocking the event loop on DNS."""
        parsed = self._check_static(url)
        if self._needs_resolution(parsed):
            addresses = await asyncio.to_thread(self._resolve, url, parsed)
            self._check_resolved(url, parsed, addresses)
        return parsed.geturl(with_credentials=self.allow_credentials)

    async def aresolve(self, url: str) -> tuple[ParsedUrl, list[str]]:
        """Check ``url`` and return it parsed with the addresses a connection may use.

        Connecting to exactly these addresses (not resolving the name again)
        closes the window in which DNS could answer differently between the
        check and the connection (DNS rebinding).
        """
        parsed = self._check_static(url)
        if parsed.host_kind != "name":
            return parsed, [parsed.host]
        addresses = list(await asyncio.to_thread(self._resolve_any, url, parsed))
        self._check_resolved(url, parsed, addresses)
        return parsed, addresses

    def _resolve_any(self, url: str, parsed: ParsedUrl) -> Sequence[str]:
        resolver = self.resolver or _DEFAULT_RESOLVER
        try:
            addresses = resolver(parsed.host, parsed.effective_port)
        except (OSError, UnicodeError) as exc:
            raise _blocked(
                url, f"host {parsed.host!r} does not resolve (refused: fail closed)"
            ) from exc
        if not addresses:
            raise _blocked(url, f"host {parsed.host!r} does not resolve (refused: fail closed)")
        return addresses

    def allows(self, url: str) -> bool:
        """True if :meth:`check` would accept ``url``."""
        try:
            self.check(url)
        except UrlBlockedError:
            return False
        return True

    def check_address(self, address: str, *, url: str = "", port: int | None = None) -> None:
        """Refuse a connection to ``address`` (already resolved) unless the policy allows it."""
        addr = ipaddress.ip_address(address.split("%", 1)[0])
        self._check_ip(url or address, addr, port if port is not None else 0)

    def with_allowed(self, *entries: str) -> UrlPolicy:
        """A copy of this policy that also allows ``entries``."""
        return attrs.evolve(self, allow_hosts=(*self.allow_hosts, *entries))

    # ------------------------------------------------------------------ internals

    def _needs_resolution(self, parsed: ParsedUrl) -> bool:
        # Names a host rule allows are resolved too: their addresses may be private
        # (that is what the rule is for), never a metadata or link-local one.
        return parsed.host_kind == "name"

    def _check_static(self, url: str) -> ParsedUrl:
        parsed = parse_url(url)
        if parsed.scheme not in self.schemes:
            raise _blocked(
                url,
                f"scheme {parsed.scheme!r} is not allowed (allowed: {', '.join(self.schemes)})",
            )
        if (parsed.username or parsed.password) and not self.allow_credentials:
            raise _blocked(url, "credentials in the URL (user:password@) are not allowed")
        if parsed.effective_port == 0:
            raise _blocked(url, "port 0 is not a destination")
        if self._host_allowed(parsed):
            return parsed
        port = parsed.effective_port
        if parsed.host_kind != "name":
            addr = parsed.address
            assert addr is not None
            self._check_ip(url, addr, port)
            return parsed
        host = parsed.host
        if host in METADATA_HOSTS:
            raise _blocked(url, f"{host!r} is a cloud metadata endpoint")
        if _is_localhost_name(host) and not self.allow_private:
            raise _blocked(url, f"{host!r} always names this machine (loopback)")
        return parsed

    def _host_allowed(self, parsed: ParsedUrl) -> bool:
        """A host name named by an allow rule is trusted without looking at its addresses."""
        if parsed.host_kind != "name":
            return False
        port = parsed.effective_port
        return any(
            isinstance(rule, _HostRule) and rule.matches(parsed.host, port) for rule in self._rules
        )

    def _check_ip(
        self, url: str, addr: IPAddress, port: int, *, host_allowed: bool = False
    ) -> None:
        category = classify_address(addr)
        if category is None:
            return
        for rule in self._rules:
            if isinstance(rule, _NetRule) and rule.matches(addr, port):
                return
        base = _base_category(category)
        if base not in NAMED_ONLY_CATEGORIES and (
            host_allowed or (self.allow_private and base in PRIVATE_CATEGORIES)
        ):
            return
        raise _blocked(
            url,
            f"address {addr} is not public ({category})",
            address=str(addr),
            category=category,
        )

    def _resolve(self, url: str, parsed: ParsedUrl) -> Sequence[str]:
        if not self.resolve:
            return ()
        return self._resolve_any(url, parsed)

    def _check_resolved(self, url: str, parsed: ParsedUrl, addresses: Sequence[str]) -> None:
        for address in addresses:
            try:
                addr = ipaddress.ip_address(address.split("%", 1)[0])
            except ValueError as exc:
                raise _blocked(
                    url, f"host {parsed.host!r} resolved to a non-address {address!r}"
                ) from exc
            try:
                self._check_ip(
                    url, addr, parsed.effective_port, host_allowed=self._host_allowed(parsed)
                )
            except UrlBlockedError as exc:
                raise _blocked(
                    url,
                    f"host {parsed.host!r} resolves to {addr}, which is not public "
                    f"({exc.details.get('category')})",
                    address=str(addr),
                    category=exc.details.get("category"),
                ) from None


def is_loopback(host: str) -> bool:
    """``host`` (a name or an address, brackets allowed) is this machine's loopback:
    ``localhost`` or an address in 127.0.0.0/8 or ``::1``."""
    if host in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
