"""Secret rules as data, and `mask_text`: what the notebook context masks before anything is sent.

A value is a secret when its variable's name looks like a credential (`SECRET_WORDS`), when its text
looks like one (`VALUE_PATTERNS`), when it is an environment variable's value (`env_literals`), or when
its name matches the user's `context_exclude` patterns. Names may be sent; such values never are.

Name rule: a name is split into words (`api_token` -> api, token; `apiKey` -> api, key), and it is
credential-like when a word is in `SECRET_WORDS`. Counts such as `max_tokens` or `n_tokens` use the
plural, which is not a secret word. A credential-like name keeps a number, bool or None visible
(`key = 3`) and masks every other value (strings, bytes, objects).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

MASK = "<masked>"
SECRET_WORDS = frozenset(
    {
        "key", "apikey", "token", "secret", "secrets", "password", "passwd", "pwd", "passphrase",
        "credential", "credentials", "creds", "auth", "authorization", "private", "privkey", "cookie",
        "bearer", "dsn", "pat",
    }
)  # fmt: skip
MIN_ENV_VALUE = 8  # shorter environment values ("1", "true", "xterm") are too common to mask everywhere
MIN_LITERAL = 4  # a credential-named variable's string shorter than this is not searched for in text
# Environment variables whose values are paths, locales or terminal names: shown, because tracebacks and
# printed paths would lose their meaning, and none of them holds a credential.
PLAIN_ENV_NAMES = frozenset(
    {
        "HOME", "PWD", "OLDPWD", "PATH", "SHELL", "USER", "LOGNAME", "LANG", "LANGUAGE", "TERM",
        "COLORTERM", "TMPDIR", "TEMP", "TMP", "PYTHONPATH", "VIRTUAL_ENV", "CONDA_PREFIX",
        "CONDA_DEFAULT_ENV", "HOSTNAME", "EDITOR", "PAGER", "MPLBACKEND", "SHLVL", "PS1",
    }
)  # fmt: skip
PLAIN_ENV_PREFIXES = ("LC_", "XDG_")

# (label, pattern, group masked): the shapes of credentials that are recognisable without a name.
VALUE_PATTERNS: tuple[tuple[str, str, int], ...] = (
    (
        "private key",
        r"-----BEGIN[A-Z ]{0,40}PRIVATE KEY-----(?:[\s\S]*?-----END[A-Z ]{0,40}PRIVATE KEY-----|[\s\S]*)",
        0,
    ),
    ("Anthropic or OpenAI key", r"\bsk-[A-Za-z0-9_\-]{16,}", 0),
    ("AWS access key id", r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA)[A-Z0-9]{16}\b", 0),
    ("AWS secret key", r"(?i:aws)[^\n]{0,60}?(?<![A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])", 1),
    ("GitHub token", r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})", 0),
    ("Slack token", r"\bxox[abposr]-[A-Za-z0-9\-]{10,}", 0),
    ("Google API key", r"\bAIza[0-9A-Za-z_\-]{35}", 0),
    ("Hugging Face token", r"\bhf_[A-Za-z0-9]{30,}", 0),
    ("Stripe key", r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}", 0),
    ("JSON web token", r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*", 0),
    ("bearer token", r"(?i:\bbearer)\s+([A-Za-z0-9._~+/\-]{8,}=*)", 1),
    ("password in a URL", r"\b[A-Za-z][A-Za-z0-9+.\-]{1,20}://[^\s:/@'\"]{1,200}:([^\s@/'\"]{1,200})@", 1),
)
_NAME = r"(?<![A-Za-z0-9_\-])(?P<name>[A-Za-z_][A-Za-z0-9_\-]{0,80})['\"]?\]?"
_ANNOTATION = r"(?:\s*:\s*[A-Za-z_][\w\[\]., |]{0,40})?"
_OPERATOR = r"\s*(?:[:=]=?|!=)\s*"
# `name = "value"`, `"name": 'value'`, `env["NAME"] = "value"`, `f(name=b"value")`: a credential-named value.
_QUOTED = re.compile(_NAME + _ANNOTATION + _OPERATOR + r"[rbfuRBFU]{0,2}(?P<q>['\"])(?P<value>[^'\"\n]{1,4000})(?P=q)")
# `NAME=value` as printed by `env` or a config dump: unquoted, long, with a digit (not `key=len`).
_UNQUOTED = re.compile(_NAME + r"\s*[:=]\s*(?P<value>(?=[^\s'\"`,;()\[\]{}<>]*\d)[^\s'\"`,;()\[\]{}<>]{8,4000})")
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_COMPILED = tuple((label, re.compile(pattern), group) for label, pattern, group in VALUE_PATTERNS)


@dataclass(frozen=True)
class Secrets:
    """What to mask besides the shapes in VALUE_PATTERNS: known values (label, value) and excluded name patterns."""

    literals: tuple[tuple[str, str], ...] = ()
    exclude: tuple[str, ...] = ()


def is_secret_name(name: str) -> bool:
    """True when one of the name's words (split at `_`, `-` and case changes) is a credential word.

    Exception classes (`KeyError: 'b'` reads like an assignment) are not credentials.
    """
    if name.endswith(("Error", "Exception", "Warning")):
        return False
    return any(word.lower() in SECRET_WORDS for word in _WORDS.findall(name))


def is_excluded(name: str, patterns: Iterable[str]) -> bool:
    """True when `name` matches one of the user's fnmatch-style patterns (case-sensitive)."""
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def shows_value(name: str, value: object) -> bool:
    """Whether a credential-named variable's value may be shown: numbers, bools and None only."""
    return not is_secret_name(name) or value is None or isinstance(value, (bool, int, float, complex))


def looks_like_secret(text: str) -> bool:
    """True when `text` holds a credential shape of VALUE_PATTERNS."""
    return any(pattern.search(text) for _, pattern, _ in _COMPILED)


def env_literals(environ: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """(`$NAME`, value) for every environment value long enough to mask, except PLAIN_ENV_NAMES."""
    return tuple(
        (f"${name}", value)
        for name, value in sorted(environ.items())
        if len(value) >= MIN_ENV_VALUE and name not in PLAIN_ENV_NAMES and not name.startswith(PLAIN_ENV_PREFIXES)
    )


def mask_text(text: str, secrets: Secrets) -> tuple[str, tuple[str, ...]]:
    """(`text` with every secret replaced by MASK, the sorted labels of what was masked)."""
    found: set[str] = set()
    text = _mask_literals(text, secrets.literals, found)
    for label, pattern, group in _COMPILED:
        text = _mask_pattern(text, label, pattern, group, found)
    for assignment in (_QUOTED, _UNQUOTED):
        text = assignment.sub(lambda match: _mask_assignment(match, secrets.exclude, found), text)
    return text, tuple(sorted(found))


def _mask_literals(text: str, literals: tuple[tuple[str, str], ...], found: set[str]) -> str:
    if not literals:
        return text
    labels, pattern = _literal_pattern(literals)

    def replace(match: re.Match[str]) -> str:
        found.add(labels[match.group(0)])
        return MASK

    return pattern.sub(replace, text)


@lru_cache(maxsize=8)
def _literal_pattern(literals: tuple[tuple[str, str], ...]) -> tuple[dict[str, str], re.Pattern[str]]:
    """One alternation of the values, longest first, so a value inside another is not half-masked."""
    labels = {value: label for label, value in reversed(literals) if len(value) >= MIN_LITERAL}
    ordered = sorted(labels, key=len, reverse=True)
    return labels, re.compile("|".join(re.escape(value) for value in ordered) or r"(?!)")


def _mask_pattern(text: str, label: str, pattern: re.Pattern[str], group: int, found: set[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        found.add(label)
        start, end = match.start(group) - match.start(0), match.end(group) - match.start(0)
        whole = match.group(0)
        return whole[:start] + MASK + whole[end:]

    return pattern.sub(replace, text)


def _mask_assignment(match: re.Match[str], exclude: tuple[str, ...], found: set[str]) -> str:
    name, value = match.group("name"), match.group("value")
    if value == MASK or not (is_secret_name(name) or is_excluded(name, exclude)):
        return match.group(0)
    found.add(name)
    start, end = match.start("value") - match.start(0), match.end("value") - match.start(0)
    whole = match.group(0)
    return whole[:start] + MASK + whole[end:]
