"""The URL policy: every spelling of every refused destination, and public addresses accepted.

The number of cases tried is printed by ``test_report_case_count`` (run with -s).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from walt.core.errors import UrlBlockedError, ValidationError
from walt.core.urls import UrlPolicy, classify_address, parse_url, redact_url

PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"


def fixed(*addresses: str):  # type: ignore[no-untyped-def]
    def resolver(host: str, port: int) -> Sequence[str]:
        return addresses

    return resolver


def failing(host: str, port: int) -> Sequence[str]:
    raise OSError("Name or service not known")


POLICY = UrlPolicy(resolver=fixed(PUBLIC_V4))


def _spellings_v4(addr: str) -> list[str]:
    """Every way a browser would read ``addr``: integer, hex, octal, short forms, IPv6 embeddings."""
    ip = ipaddress.IPv4Address(addr)
    n = int(ip)
    a, b, c, d = ip.packed
    out = [
        addr,
        str(n),
        hex(n),
        "0" + oct(n)[2:],
        f"{a}.{(b << 16) | (c << 8) | d}",
        f"{a}.{b}.{(c << 8) | d}",
        f"0x{a:x}.0x{b:x}.0x{c:x}.0x{d:x}",
        f"0{a:o}.0{b:o}.0{c:o}.0{d:o}",
        f"{addr}.",
        f"[::ffff:{addr}]",
        f"[::ffff:{(a << 8) | b:x}:{(c << 8) | d:x}]",
        f"[64:ff9b::{addr}]",
        f"[2002:{(a << 8) | b:x}:{(c << 8) | d:x}::1]",
    ]
    if n > 1:
        out.append(f"[::{addr}]")
    # full-width digits and ideographic dots (browsers map them to ASCII)
    out.append(addr.translate(str.maketrans("0123456789.", "０１２３４５６７８９。")))
    return out


BLOCKED_V4 = {
    "127.0.0.1": "loopback",
    "127.255.255.254": "loopback",
    "10.0.0.1": "private",
    "172.16.5.4": "private",
    "172.31.255.255": "private",
    "192.168.1.1": "private",
    "169.254.1.1": "link-local",
    "169.254.169.254": "cloud metadata",
    "100.64.0.1": "CGNAT",
    "100.127.255.254": "CGNAT",
    "100.100.100.200": "cloud metadata",
    "168.63.129.16": "cloud metadata",
    "0.0.0.0": "unspecified",
    "0.1.2.3": "unspecified",
    "192.0.0.8": "IETF",
    "192.0.2.1": "documentation",
    "198.51.100.7": "documentation",
    "203.0.113.9": "documentation",
    "198.18.0.1": "benchmarking",
    "198.19.255.1": "benchmarking",
    "224.0.0.1": "multicast",
    "239.255.255.250": "multicast",
    "240.0.0.1": "reserved",
    "255.255.255.255": "broadcast",
    "192.88.99.1": "reserved",
}

SPELLED = [
    (f"http://{host}/", why) for addr, why in BLOCKED_V4.items() for host in _spellings_v4(addr)
]

BLOCKED_V6 = {
    "::1": "loopback",
    "::": "unspecified",
    "fe80::1": "link-local",
    "fc00::1": "unique local",
    "fd12:3456::1": "unique local",
    "fec0::1": "site-local",
    "ff02::1": "multicast",
    "2001:db8::1": "documentation",
    "3fff::1": "documentation",
    "2001:2::1": "benchmarking",
    "2001::1": "Teredo",
    "64:ff9b:1::1": "NAT64",
    "100::1": "discard",
    "fd00:ec2::254": "cloud metadata",
    "4000::1": "reserved",
}

OTHER_REFUSED = [
    ("file:///etc/passwd", "scheme"),
    ("ftp://example.com/", "scheme"),
    ("gopher://example.com/", "scheme"),
    ("javascript:alert(1)", "scheme"),
    ("data:text/html,hi", "scheme"),
    ("chrome://settings", "scheme"),
    ("example.com/path", "no scheme"),
    ("//example.com/", "no scheme"),
    ("http:example.com", "'//'"),
    ("http:/example.com", "'//'"),
    ("http:///example.com", "'//'"),
    ("http:\\\\example.com\\", "'//'"),
    ("http://example.com\\@127.0.0.1/", "backslash"),
    ("http://127.0.0.1\\@example.com/", "backslash"),
    ("http://example.com\\.evil/", "backslash"),
    ("http://user:pass@example.com/", "credentials"),
    ("http://example.com@127.0.0.1/", "credentials"),
    ("http://example.com:80@127.0.0.1/", "credentials"),
    ("http://a@b@127.0.0.1/", "credentials"),
    ("http://localhost/", "loopback"),
    ("http://LOCALHOST./", "loopback"),
    ("http://localhost:8080/", "loopback"),
    ("http://api.localhost/", "loopback"),
    ("http://a.b.localhost./", "loopback"),
    ("http://localhost.localdomain/", "loopback"),
    ("http://ip6-localhost/", "loopback"),
    ("http://ｌｏｃａｌｈｏｓｔ/", "loopback"),
    ("http://local%68ost/", "loopback"),
    ("http://metadata.google.internal/computeMetadata/v1/", "metadata"),
    ("http://metadata/", "metadata"),
    ("http://instance-data/latest/", "metadata"),
    ("http://[fe80::1%25eth0]/", "zone"),
    ("http://[::1%251]/", "zone"),
    ("http://[::1/", "unterminated"),
    ("http://[::1]x/", "after the IPv6"),
    ("http://[1:2:3]/", "malformed IPv6"),
    ("http://1.2.3.4.5/", "malformed IPv4"),
    ("http://256.1.1.1/", "malformed IPv4"),
    ("http://1.2.3.09/", "malformed IPv4"),
    ("http://0x100000000/", "malformed IPv4"),
    ("http://example.com:99999/", "port"),
    ("http://example.com:-1/", "port"),
    ("http://example.com:8a/", "port"),
    ("http://example.com:0/", "port 0"),
    ("http://exa mple.com/", "forbidden"),
    ("http://exa%20mple.com/", "forbidden"),
    ("http://example.com%2f.evil.com/", "forbidden"),
    ("http://ex<ample.com/", "forbidden"),
    ("http://a:b:c/", "several ':'"),
    ("http:///", "'//'"),
    ("http://:80/", "no host"),
    ("http://?x", "no host"),
    ("http://ex\tample.com/", "control"),
    ("http://example.com/\nHost: x", "control"),
    ("http://exam\x00ple.com/", "control"),
    ("http://" + "a" * 9000 + ".com/", "longer"),
    ("http://xn--/", "invalid"),
    ("http://-bad-.com/", "invalid host"),
    ("http://a..b/", "invalid host"),
]

ACCEPTED = [
    ("http://example.com/", "http://example.com/"),
    ("https://example.com", "https://example.com/"),
    ("HTTPS://Example.COM:443/A?b=C#d", "https://example.com/A?b=C#d"),
    ("http://example.com:8080/x", "http://example.com:8080/x"),
    ("http://example.com./x", "http://example.com/x"),
    ("http://example.com/a b", "http://example.com/a%20b"),
    ("http://example.com/?q=a b&x=ü", "http://example.com/?q=a%20b&x=%C3%BC"),
    ("http://ñandú.com/", "http://xn--and-6ma2c.com/"),
    # UTS 46 non-transitional, as browsers map it: ß stays ß (IDNA 2003 made it "ss").
    ("http://faß.de/", "http://xn--fa-hia.de/"),
    # Full-width letters and the ideographic full stop fold to ASCII.
    ("http://\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\u3002com/", "http://example.com/"),
    ("http://ex%41mple.com/", "http://example.com/"),
    (f"http://{PUBLIC_V4}/", f"http://{PUBLIC_V4}/"),
    (f"http://[{PUBLIC_V6}]:8080/", f"http://[{PUBLIC_V6}]:8080/"),
    ("http://8.8.8.8/", "http://8.8.8.8/"),
    ("http://134744072/", "http://8.8.8.8/"),
    ("http://0x8.0x8.0x8.0x8/", "http://8.8.8.8/"),
    ("http://example.com/?next=http://127.0.0.1/", "http://example.com/?next=http://127.0.0.1/"),
    ("http://example.com/#@127.0.0.1", "http://example.com/#@127.0.0.1"),
]

CASES_TRIED: list[str] = []


@pytest.mark.parametrize(("url", "why"), SPELLED)
def test_every_spelling_of_blocked_ipv4_is_refused(url: str, why: str) -> None:
    CASES_TRIED.append(url)
    with pytest.raises(UrlBlockedError) as info:
        POLICY.check(url)
    reason = info.value.reason
    assert why.lower() in reason.lower(), reason


@pytest.mark.parametrize(("addr", "why"), list(BLOCKED_V6.items()))
def test_blocked_ipv6_is_refused(addr: str, why: str) -> None:
    CASES_TRIED.append(addr)
    with pytest.raises(UrlBlockedError) as info:
        POLICY.check(f"http://[{addr}]:8080/")
    assert why.lower() in info.value.reason.lower()


@pytest.mark.parametrize(("url", "why"), OTHER_REFUSED)
def test_other_refusals_name_the_reason(url: str, why: str) -> None:
    CASES_TRIED.append(url)
    with pytest.raises(UrlBlockedError) as info:
        POLICY.check(url)
    assert why.lower() in info.value.reason.lower(), info.value.reason
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(("url", "normalized"), ACCEPTED)
def test_public_urls_are_accepted_and_normalized(url: str, normalized: str) -> None:
    CASES_TRIED.append(url)
    assert POLICY.check(url) == normalized
    parts = urlsplit(normalized)
    assert parts.hostname is not None


def test_backslash_in_path_is_refused_but_fine_in_query() -> None:
    CASES_TRIED.extend(["bs-path", "bs-query"])
    with pytest.raises(UrlBlockedError):
        POLICY.check("http://example.com/path\\x")
    assert POLICY.check("http://example.com/p?x=a\\b") == "http://example.com/p?x=a%5Cb"


# ----------------------------------------------------------------------------- resolution


@pytest.mark.parametrize(
    "bad", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "::ffff:10.0.0.1"]
)
def test_names_resolving_to_internal_addresses_are_refused(bad: str) -> None:
    CASES_TRIED.append(f"dns->{bad}")
    policy = UrlPolicy(resolver=fixed(PUBLIC_V4, bad))
    with pytest.raises(UrlBlockedError) as info:
        policy.check("http://rebind.example/")
    assert bad.split(":")[-1] in info.value.reason or "resolves to" in info.value.reason
    assert "resolves to" in info.value.reason


def test_unresolvable_names_fail_closed() -> None:
    CASES_TRIED.append("nxdomain")
    policy = UrlPolicy(resolver=failing)
    with pytest.raises(UrlBlockedError) as info:
        policy.check("http://no-such-host.example/")
    assert "does not resolve" in info.value.reason
    assert "fail closed" in info.value.reason
    empty = UrlPolicy(resolver=fixed())
    with pytest.raises(UrlBlockedError):
        empty.check("http://empty.example/")


async def test_async_check_resolves_off_the_loop() -> None:
    CASES_TRIED.append("async")
    assert await POLICY.acheck("http://example.com/") == "http://example.com/"
    with pytest.raises(UrlBlockedError):
        await UrlPolicy(resolver=fixed("10.0.0.1")).acheck("http://example.com/")


# ----------------------------------------------------------------------------- opening exactly


def test_allow_private_opens_private_but_not_metadata_or_multicast() -> None:
    policy = UrlPolicy(allow_private=True, resolver=fixed("127.0.0.1"))
    for url in (
        "http://127.0.0.1:8000/",
        "http://localhost/",
        "http://10.0.0.1/",
        "http://[::1]/",
        "http://192.168.1.1/",
        "http://[fd00::1]/",
        "http://100.64.0.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://0x7f.1/",
    ):
        CASES_TRIED.append("private:" + url)
        policy.check(url)
    for url in (
        "http://169.254.169.254/",
        "http://224.0.0.1/",
        "http://0.0.0.0/",
        "http://192.0.2.1/",
        "http://metadata.google.internal/",
        "http://[ff02::1]/",
    ):
        CASES_TRIED.append("private-still-refused:" + url)
        with pytest.raises(UrlBlockedError):
            policy.check(url)


def test_host_port_pair_opens_exactly_that_port() -> None:
    policy = UrlPolicy(allow_hosts=["127.0.0.1:8000"])
    assert policy.check("http://127.0.0.1:8000/x") == "http://127.0.0.1:8000/x"
    assert policy.check("http://2130706433:8000/") == "http://127.0.0.1:8000/"
    for url in ("http://127.0.0.1:8001/", "http://127.0.0.1/", "http://127.0.0.2:8000/"):
        CASES_TRIED.append("pair:" + url)
        with pytest.raises(UrlBlockedError):
            policy.check(url)


def test_ipv6_pair_and_cidr() -> None:
    policy = UrlPolicy(allow_hosts=["[::1]:9000", "10.1.0.0/16"])
    policy.check("http://[::1]:9000/")
    policy.check("http://10.1.200.3/")
    with pytest.raises(UrlBlockedError):
        policy.check("http://10.2.0.1/")
    with pytest.raises(UrlBlockedError):
        policy.check("http://[::1]:9001/")
    resolved = UrlPolicy(allow_hosts=["10.1.0.0/16"], resolver=fixed("10.1.0.7"))
    resolved.check("http://intranet.example/")
    with pytest.raises(UrlBlockedError):
        UrlPolicy(allow_hosts=["10.1.0.0/16"], resolver=fixed("10.1.0.7", "10.9.0.1")).check(
            "http://intranet.example/"
        )


def test_host_rules_open_private_addresses_of_their_names_only() -> None:
    def resolver(host: str, port: int) -> list[str]:
        return {
            "intranet.corp": ["10.0.0.7"],
            "a.svc.local": ["127.0.0.1"],
            "meta.svc.local": ["169.254.169.254"],
            "ll.svc.local": ["fe80::1"],
            "v6meta.svc.local": ["fd00:ec2::254"],
        }.get(host, ["10.9.9.9"])

    policy = UrlPolicy(allow_hosts=["intranet.corp", "*.svc.local:8080"], resolver=resolver)
    policy.check("http://intranet.corp/")
    policy.check("http://intranet.corp:1234/")
    policy.check("http://a.svc.local:8080/")
    for url in (
        "http://a.svc.local:8081/",
        "http://svc.local:8080/",  # the wildcard names sub-domains only
        "http://other.corp/",
        # A name under a host rule never opens a metadata or link-local address.
        "http://meta.svc.local:8080/",
        "http://ll.svc.local:8080/",
        "http://v6meta.svc.local:8080/",
    ):
        with pytest.raises(UrlBlockedError):
            policy.check(url)
    with pytest.raises(UrlBlockedError, match="does not resolve"):
        UrlPolicy(allow_hosts=["intranet.corp"], resolver=failing).check("http://intranet.corp/")


def test_metadata_only_when_named() -> None:
    UrlPolicy(allow_hosts=["169.254.169.254"]).check("http://169.254.169.254/latest/")
    UrlPolicy(allow_hosts=["169.254.0.0/16"]).check("http://169.254.169.254/latest/")
    UrlPolicy(allow_hosts=["[fd00:ec2::254]"]).check("http://[fd00:ec2::254]/latest/")
    for url in (
        "http://169.254.169.254/",
        "http://169.254.1.1/",
        "http://[fd00:ec2::254]/",
        "http://[fe80::1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[64:ff9b::a9fe:a9fe]/",
    ):
        with pytest.raises(UrlBlockedError):
            UrlPolicy(allow_private=True).check(url)
    UrlPolicy(allow_private=True).check("http://10.1.2.3/")


@pytest.mark.parametrize(
    "entry", ["", "http://x/", "a b", "1.2.3.4:99999", "[::1", "*.", "10.0.0.0/99"]
)
def test_invalid_allow_entries_are_rejected(entry: str) -> None:
    with pytest.raises(ValidationError):
        UrlPolicy(allow_hosts=[entry])


def test_unknown_scheme_cannot_be_allowed() -> None:
    with pytest.raises(ValidationError):
        UrlPolicy(schemes=("http", "file"))
    assert not UrlPolicy(schemes=("https",), resolver=fixed(PUBLIC_V4)).allows(
        "http://example.com/"
    )


def test_credentials_can_be_allowed_explicitly() -> None:
    policy = UrlPolicy(allow_credentials=True, resolver=fixed(PUBLIC_V4))
    assert policy.check("http://u:p@example.com/") == "http://u:p@example.com/"


def test_check_address_for_already_resolved_connections() -> None:
    with pytest.raises(UrlBlockedError):
        POLICY.check_address("127.0.0.1")
    POLICY.check_address(PUBLIC_V4)
    UrlPolicy(allow_hosts=["127.0.0.1:5000"]).check_address("127.0.0.1", port=5000)


def test_policies_compare_by_settings_not_resolver() -> None:
    assert UrlPolicy(resolver=failing) == UrlPolicy(resolver=fixed("1.1.1.1"))
    assert UrlPolicy().with_allowed("a.example") == UrlPolicy(allow_hosts=("a.example",))


# ----------------------------------------------------------------------------- properties


blocked_networks = [
    ipaddress.IPv4Network(n)
    for n in (
        "127.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",
        "100.64.0.0/10",
        "0.0.0.0/8",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "198.18.0.0/15",
    )
]


@st.composite
def blocked_v4(draw: st.DrawFn) -> str:
    net = draw(st.sampled_from(blocked_networks))
    offset = draw(st.integers(0, net.num_addresses - 1))
    return str(net.network_address + offset)


@settings(max_examples=300, deadline=None)
@given(blocked_v4(), st.data())
def test_property_any_spelling_of_any_blocked_address_is_refused(
    addr: str, data: st.DataObject
) -> None:
    spelling = data.draw(st.sampled_from(_spellings_v4(addr)))
    with pytest.raises(UrlBlockedError):
        POLICY.check(f"http://{spelling}:8080/x")


@st.composite
def public_v4(draw: st.DrawFn) -> str:
    value = draw(st.integers(0, 2**32 - 1))
    addr = ipaddress.IPv4Address(value)
    if classify_address(addr) is not None:
        addr = ipaddress.IPv4Address(PUBLIC_V4)
    return str(addr)


@settings(max_examples=300, deadline=None)
@given(public_v4())
def test_property_public_addresses_are_accepted(addr: str) -> None:
    assert POLICY.check(f"http://{addr}/") == f"http://{addr}/"
    assert POLICY.check(f"http://{int(ipaddress.IPv4Address(addr))}/") == f"http://{addr}/"


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80))
def test_property_arbitrary_input_never_raises_anything_but_url_blocked(text: str) -> None:
    try:
        POLICY.check("http://" + text)
    except UrlBlockedError:
        pass


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet="abc.:@/\\?#[]%0123456789xX-_ \t", max_size=40),
)
def test_property_accepted_urls_mean_the_same_host_to_python_and_walt(text: str) -> None:
    url = "http://" + text
    try:
        normalized = POLICY.check(url)
    except UrlBlockedError:
        return
    parsed = parse_url(normalized)
    python_host = urlsplit(normalized).hostname
    assert python_host is not None
    assert python_host.strip("[]") == parsed.host
    # Parsing the normalized URL again gives the same URL (a fixed point).
    assert POLICY.check(normalized) == normalized


def test_redact_url_removes_credentials_and_secrets() -> None:
    text = redact_url("https://user:hunter2@example.com/p?token=abc&q=kettle&api_key=zzz#frag")
    assert "hunter2" not in text
    assert "abc" not in text and "zzz" not in text
    assert "q=kettle" in text
    assert redact_url("not a url") == "not a url"
    assert redact_url(None) == "<not a string>"


def test_report_case_count() -> None:
    # Explicit cases above plus the hypothesis examples (300 + 300 + 500 + 500).
    explicit = len(SPELLED) + len(BLOCKED_V6) + len(OTHER_REFUSED) + len(ACCEPTED)
    print(f"\nURL policy: {explicit} explicit cases, 1600 generated examples")
    assert explicit > 400
