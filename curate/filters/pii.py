"""Typed PII redaction with regular expressions (no models, offline).

``redact(text, kinds)`` replaces each hit with a typed placeholder and counts them:

=================  ===============  =======================================================================
kind               placeholder      what matches (source of the pattern idea)
=================  ===============  =======================================================================
``email``          ``<EMAIL>``      RFC-5322-ish local@domain.tld, except RFC 2606 ``example.com/org/net`` (Data-Juicer
                                    ``clean_email_mapper``, datatrove ``PIIFormatter``)
``api_key``        ``<API_KEY>``    known key shapes: OpenAI ``sk-…``, GitHub ``ghp_…``, AWS ``AKIA…``, Slack ``xox?-…``,
                                    Google ``AIza…``, HF ``hf_…``, Stripe ``sk_live_…``, JWT (dolma code-secrets idea)
``credit_card``    ``<CREDIT_CARD>`` 13–19 digits starting 2–6 (card IIN ranges), plain or in 4-4-4-x / Amex 4-6-5
                                    groups, **Luhn-valid**, ≥ 2 distinct digits (Presidio ``CreditCardRecognizer``)
``ip``             ``<IP>``         IPv4 dotted quads that are **public** (private, loopback, link-local, documentation
                                    and ``0.x``/``255.x`` ranges are kept, like datatrove ``PIIFormatter``), and full IPv6
``phone``          ``<PHONE>``      international ``+CC …`` numbers and North-American ``(123) 456-7890`` / ``123-456-7890``
                                    shapes; Chinese mobile ``1[3-9]x`` 11-digit numbers; at least 9 digits in all
=================  ===============  =======================================================================

Kinds run in the order above (keys before cards before IPs before phones), so a number is counted
once. Text inside fenced code blocks is redacted too: secrets in code are still secrets.
Version strings (``v1.2.3.4``, ``version 2.10.1.5``) are not IPs; dates and numbers with
fewer than 9 digits are not phones.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

PLACEHOLDERS = {
    "email": "<EMAIL>",
    "api_key": "<API_KEY>",
    "credit_card": "<CREDIT_CARD>",
    "ip": "<IP>",
    "phone": "<PHONE>",
}
KINDS = tuple(PLACEHOLDERS)

EMAIL_RE = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}\b")
API_KEY_RE = re.compile(
    r"\b(?:sk-(?:proj-)?[A-Za-z0-9_-]{20,}|sk_(?:live|test)_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{30,}"
    r"|github_pat_[A-Za-z0-9_]{30,}|AKIA[0-9A-Z]{16}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}"
    r"|hf_[A-Za-z0-9]{30,}|eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})"
)
CARD_RE = re.compile(
    r"(?<![\d.+-])(?:[2-6]\d{12,18}|[2-6]\d{3}([ -])\d{4}\1\d{4}\1\d{1,7}|3[47]\d{2}([ -])\d{6}\2\d{5})(?![\d-])"
)
IPV4_RE = re.compile(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w.]|\.\d)")
IPV6_RE = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?![\w:])")
PHONE_RE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){2,4}"
    r"|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}|\d{3}[.-]\d{3}[.-]\d{4}"
    r"|1[3-9]\d[ -]?\d{4}[ -]?\d{4})(?![\w])"
)


def luhn_ok(digits: str) -> bool:
    """Luhn checksum of a digit string."""
    total, alt = 0, False
    for ch in reversed(digits):
        d = ord(ch) - 48
        if alt:
            d *= 2
            if d > 9:
                d -= 9
        total += d
        alt = not alt
    return total % 10 == 0


def _card_ok(m: re.Match) -> bool:
    digits = re.sub(r"\D", "", m.group(0))
    return 13 <= len(digits) <= 19 and len(set(digits)) > 1 and luhn_ok(digits)


#: RFC 2606 / RFC 6761 example domains are not anybody's address
_EXAMPLE_DOMAIN_RE = re.compile(r"@(?:[\w-]+\.)*example\.(?:com|org|net)$|@(?:[\w-]+\.)*(?:test|invalid|localhost)$", re.I)


def _email_ok(m: re.Match) -> bool:
    return _EXAMPLE_DOMAIN_RE.search(m.group(0)) is None


_VERSION_RE = re.compile(r"(?:version|release|build|ver\.?|版本)\s*[:：]?\s*$", re.I)


def _ipv4_ok(m: re.Match) -> bool:
    s = m.group(0)
    if s.startswith("0.") or s.startswith("255."):
        return False
    if _VERSION_RE.search(m.string[max(0, m.start() - 20):m.start()]):
        return False
    ip = ipaddress.ip_address(s)
    return ip.is_global


def _phone_ok(m: re.Match) -> bool:
    return sum(ch.isdigit() for ch in m.group(0)) >= 9


_CHECKS: dict[str, list[tuple[re.Pattern, Callable[[re.Match], bool] | None]]] = {
    "email": [(EMAIL_RE, _email_ok)],
    "api_key": [(API_KEY_RE, None)],
    "credit_card": [(CARD_RE, _card_ok)],
    "ip": [(IPV4_RE, _ipv4_ok), (IPV6_RE, None)],
    "phone": [(PHONE_RE, _phone_ok)],
}

#: cheap pre-check: a text without "@", a digit run, a key prefix or ':' cannot hold PII
_MAYBE_RE = re.compile(r"@|\d{3}|\d\.\d|sk-|sk_|gh[pousr]_|github_pat_|AKIA|xox|AIza|hf_|eyJ|:[0-9A-Fa-f]{1,4}:")


def redact(text: str, kinds: tuple[str, ...] = KINDS) -> tuple[str, dict[str, int]]:
    """``text`` with PII of ``kinds`` replaced by placeholders, and the count per kind."""
    counts = dict.fromkeys(kinds, 0)
    if not text or not _MAYBE_RE.search(text):
        return text, counts
    for kind in KINDS:
        if kind not in kinds:
            continue
        ph = PLACEHOLDERS[kind]
        for rx, ok in _CHECKS[kind]:
            n = 0

            def sub(m: re.Match, ok=ok, ph=ph) -> str:
                nonlocal n
                if ok is None or ok(m):
                    n += 1
                    return ph
                return m.group(0)

            text = rx.sub(sub, text)
            counts[kind] += n
    return text, counts
