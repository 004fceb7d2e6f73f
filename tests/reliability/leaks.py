"""Which secrets (api_secret, card names, ID numbers, addresses) appear in a body of captured text.

A secret counts as leaked in any spelling a log line, a repr or a JSON dump would give it: as is,
JSON-escaped (``\\u6768``), Python-escaped (``\\xe6``), percent-encoded, and for ID numbers with
spaces or dashes between the groups. Masked forms (``430*************97``, ``杨*一``) do not contain the
whole value and are not leaks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import quote, quote_plus


def spellings(secret: str) -> set[str]:
    """The ways ``secret`` can be written into text by logging, repr, JSON or a URL."""
    forms = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        secret.encode("unicode_escape").decode("ascii"),
        repr(secret)[1:-1],
        repr(secret.encode("utf-8"))[2:-1],
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
    }
    if len(secret) == 18 and secret[:17].isdigit():
        # An ID number printed in groups: region, birthday, sequence + check.
        for sep in (" ", "-"):
            forms.add(sep.join((secret[:6], secret[6:14], secret[14:])))
    return {form for form in forms if form}


def find_leaks(texts: Iterable[str], secrets: Iterable[str]) -> list[str]:
    """The ``secrets`` that occur in any of ``texts``, in any spelling of :func:`spellings`.

    Empty secrets are ignored; each leaked secret is listed once, in the order given.
    """
    wanted = [s for s in dict.fromkeys(secrets) if s]
    if not wanted:
        return []
    corpus = "\n".join(texts)
    return [secret for secret in wanted if any(form in corpus for form in spellings(secret))]
