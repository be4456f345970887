"""Editors: who may change the store, checked against salted password hashes.

Viewers never sign in. Editors are configured by an administrator as
``name = argon2 hash`` pairs, in Streamlit secrets (``[editors]`` table) or in the
``PORTAL_EDITORS`` environment variable (``name:hash`` entries separated by
newlines or ``;``); ``python scripts/hash_password.py`` makes a hash. Passwords
themselves are never stored.

Guessing is slowed, not answered with a lock-out: every attempt is counted per
editor name and per client *before* its hash is checked (so a burst of
simultaneous attempts cannot all slip past the count), and after a few failures
each further attempt must wait 1 s, 2 s, 4 s … up to a minute after the last
failure. An attempt made during the wait is refused without hashing. A real
editor whose name is being guessed is therefore delayed by at most a minute,
never shut out for minutes at a time, while a guesser gets about one try a
minute per name.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from layers.errors import AuthError

EDITORS_ENV = "PORTAL_EDITORS"
FREE_FAILURES = 3
"""Failures in a row (per name, per client) that cost no wait: a person mistyping."""
BASE_DELAY_S = 1.0
MAX_DELAY_S = 60.0
FORGET_S = 900.0
"""A key with no attempt for this long starts afresh, so last week's typos cost nothing."""
UNKNOWN_CLIENT = "client-unknown"
"""The one bucket shared by every client without an address (see :class:`SignInLimiter`)."""

_HASHER = PasswordHasher()
# Verified against when the name is unknown, so a wrong name costs the same time
# as a wrong password and does not reveal which editors exist.
_DUMMY_HASH = _HASHER.hash("not a password")

MESSAGES: dict[str, tuple[str, str]] = {
    "no_editors": (
        "本门户没有配置任何编辑，无法登录（见 docs/editors.md）。",
        "No editor is configured on this portal (see docs/editors.md).",
    ),
    "wrong": ("编辑用户名或密码错误。", "Wrong editor name or password."),
    "wait": (
        "登录失败次数过多：请等待 {seconds} 秒后再试。",
        "Too many failed sign-ins: wait {seconds} s, then try again.",
    ),
    "secrets_invalid": (
        "密钥文件 secrets.toml 第 {line} 行不是有效的 TOML，编辑暂时无法登录。"
        "请管理员修复该文件；浏览地图不受影响。",
        "The secrets file (secrets.toml) is not valid TOML at line {line}, so editors "
        "cannot sign in. An administrator must fix the file; the map still works.",
    ),
    "editors_malformed": (
        "{env} 中的编辑条目 {name} 不是“用户名:argon2 哈希”的形式，编辑暂时无法登录"
        "（用 scripts/hash_password.py 生成哈希）。",
        "The editor entry {name} in {env} is not name:argon2-hash, so editors cannot "
        "sign in (make the hash with scripts/hash_password.py).",
    ),
    "secrets_unreadable": (
        "密钥文件 secrets.toml 已损坏或无法读取，编辑暂时无法登录。"
        "请管理员修复该文件；浏览地图不受影响。",
        "The secrets file (secrets.toml) is broken or cannot be read, so editors "
        "cannot sign in. An administrator must fix the file; the map still works.",
    ),
}
"""Why a sign-in is refused, in Chinese and English (``layers`` cannot reach
``portal.i18n``; a refusal is shown in both languages like an upload's)."""


def message_in(lang: str, code: str, **params: object) -> str:
    """The refusal ``code`` in one language (``zh`` or ``en``), filled with ``params``."""
    zh, en = MESSAGES[code]
    return (en if lang == "en" else zh).format(**params)


def message(code: str, **params: object) -> str:
    """The refusal ``code`` in both languages, ``中文 / English``, filled with ``params``.

    The one-line form an :class:`AuthError` carries (logs, tracebacks, callers
    without a page language); a page shows :meth:`SignInError.lines` instead.
    """
    return f"{message_in('zh', code, **params)} / {message_in('en', code, **params)}"


class SignInError(AuthError):
    """A sign-in refusal that a page can show in its own language first.

    ``str(error)`` is the bilingual one-liner of :func:`message`, so every caller
    that prints an :class:`AuthError` keeps working; :meth:`lines` gives the
    page's language first and the other after it, as upload refusals are shown.
    """

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(message(code, **params))

    def text(self, lang: str) -> str:
        """The refusal in ``lang`` alone."""
        return message_in(lang, self.code, **self.params)

    def lines(self, lang: str) -> tuple[str, str]:
        """(the refusal in ``lang``, the refusal in the other language)."""
        other = "zh" if lang == "en" else "en"
        return self.text(lang), self.text(other)


def hash_password(password: str) -> str:
    """An argon2id hash with a random salt, in the encoded form editors' settings hold."""
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
    return _HASHER.hash(password)


def check_password(encoded: str, password: str) -> bool:
    """Whether ``password`` matches the argon2 hash ``encoded`` (the slow step).

    A malformed hash is a mismatch rather than an error, so a bad entry in the
    settings refuses that editor and nothing more. Kept as a module-level
    function so tests can count how many attempts reached the hash.
    """
    try:
        return _HASHER.verify(encoded, password)
    except (VerificationError, InvalidHashError):
        return False


def parse_editors(text: str) -> dict[str, str]:
    """``name:hash`` entries (newline- or ``;``-separated) -> {name: hash}.

    Raises
    ------
    AuthError
        If an entry has no name or its hash is not an argon2 hash.
    """
    editors = {}
    for raw in text.replace(";", "\n").splitlines():
        entry = raw.strip()
        if not entry:
            continue
        name, _, encoded = entry.partition(":")
        if not name.strip() or not encoded.strip().startswith("$argon2"):
            shown = repr(name.strip()[:40] or "?")  # the name only, never the hash or a password
            raise SignInError("editors_malformed", env=EDITORS_ENV, name=shown)
        editors[name.strip()] = encoded.strip()
    return editors


@dataclass
class _Record:
    """One key's recent history: counted attempts and when the latest one happened."""

    count: int = 0
    """Attempts reserved and not refunded: failures plus those still being checked."""
    last: float = -math.inf
    """When the latest attempt was reserved or failed; waits are measured from it."""


@dataclass
class SignInLimiter:
    """Slows guessing with a growing wait per editor name and per client.

    One limiter serves the whole portal process (every browser session), so
    opening a new tab does not reset the count. An attempt first *reserves* a
    slot for its name and its client under one lock, which counts it as if it
    had already failed; only then is the (slow) hash checked, outside the lock.
    Simultaneous attempts therefore see each other: however many arrive at once,
    at most ``free_failures`` per name reach the hash, the rest are refused.

    After ``free_failures`` counted attempts, the next one must wait
    ``base_delay_s * 2**(count - free_failures)`` seconds, at most
    ``max_delay_s``, after the latest failure. A refused attempt is not counted
    and does not move the clock, so hammering the form never lengthens the wait
    for the real editor. A success clears the name's record (the editor proved
    who they are) and refunds its own reservation on the client (the client's
    earlier failures, perhaps at other names, still stand). A key quiet for
    ``forget_s`` starts afresh.

    Clients are keyed by address. Streamlit gives no address for a connection
    from localhost (which is also how a reverse proxy on the same host looks),
    so every address-less client shares one bucket, :data:`UNKNOWN_CLIENT`.
    Keying them by session instead would limit nothing, since a guesser opens a
    new session for free; the shared bucket at least bounds the rate, at the
    cost of one guesser's failures also delaying the others behind that address
    (by at most ``max_delay_s``).
    """

    free_failures: int = FREE_FAILURES
    base_delay_s: float = BASE_DELAY_S
    max_delay_s: float = MAX_DELAY_S
    forget_s: float = FORGET_S
    _records: dict[str, _Record] = field(default_factory=dict)
    _swept: float = -math.inf
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def keys(name: str, client: str | None) -> tuple[str, str]:
        """The (name, client) keys an attempt is counted under; no address -> the shared bucket."""
        return f"name:{name}", (f"client:{client}" if client else UNKNOWN_CLIENT)

    def delay_s(self, count: int) -> float:
        """The wait owed after ``count`` counted attempts (0 while under ``free_failures``)."""
        if count < self.free_failures:
            return 0.0
        exponent = min(count - self.free_failures, 62)  # 2**62 s is beyond any cap
        return min(self.max_delay_s, self.base_delay_s * 2.0**exponent)

    def reserve(self, name: str, client: str | None, *, now: float) -> float:
        """Count an attempt before its hash is checked; 0.0 when granted, else seconds to wait.

        The read of both counters and their increment happen under one lock, so
        two simultaneous attempts can never both see the count before either.
        A refused attempt changes nothing.
        """
        keys = self.keys(name, client)
        with self._lock:
            self._sweep(now)
            wait = max(self._wait(key, now) for key in keys)
            if wait > 0:
                return wait
            for key in keys:
                record = self._records.setdefault(key, _Record())
                record.count += 1
                record.last = now
            return 0.0

    def failed(self, name: str, client: str | None, *, now: float) -> None:
        """The reserved attempt was wrong: it stays counted; the wait runs from ``now``."""
        with self._lock:
            for key in self.keys(name, client):
                record = self._records.setdefault(key, _Record(count=1))
                record.last = max(record.last, now)

    def succeeded(self, name: str, client: str | None) -> None:
        """The reserved attempt signed in: forget the name, refund the client's slot."""
        name_key, client_key = self.keys(name, client)
        with self._lock:
            self._records.pop(name_key, None)
            record = self._records.get(client_key)
            if record is not None:
                record.count = max(0, record.count - 1)

    def _wait(self, key: str, now: float) -> float:
        record = self._records.get(key)
        if record is None:
            return 0.0
        if now - record.last >= self.forget_s:
            del self._records[key]
            return 0.0
        return max(0.0, self.delay_s(record.count) - (now - record.last))

    def _sweep(self, now: float) -> None:
        # Names are typed by strangers: drop stale records now and then so a spray
        # of made-up names cannot grow the table without bound.
        if now - self._swept < self.forget_s:
            return
        self._swept = now
        stale = [k for k, r in self._records.items() if now - r.last >= self.forget_s]
        for key in stale:
            del self._records[key]


def verify_editor(
    editors: Mapping[str, str],
    name: str,
    password: str,
    *,
    limiter: SignInLimiter,
    client: str | None = None,
    now: Callable[[], float] = time.monotonic,
) -> str:
    """The editor's name when the password matches its hash.

    The attempt is counted (:meth:`SignInLimiter.reserve`) before the hash is
    checked and settled after, so simultaneous attempts cannot outrun the count.
    ``now`` is read at both moments; tests pass a fake clock.

    Raises
    ------
    AuthError
        If no editor is configured, the attempt must wait after repeated
        failures (refused without checking the hash; the message says how many
        seconds), or the name or password is wrong (one message for both).
    """
    name = name.strip()
    if not editors:
        raise SignInError("no_editors")
    wait = limiter.reserve(name, client, now=now())
    if wait > 0:
        raise SignInError("wait", seconds=max(1, math.ceil(wait)))
    signed_in = False
    try:
        # An unknown name is checked against a dummy hash: the same cost, no hint.
        signed_in = check_password(editors.get(name, _DUMMY_HASH), password) and name in editors
    finally:  # settled even if the check itself blew up: then it stays counted
        if signed_in:
            limiter.succeeded(name, client)
        else:
            limiter.failed(name, client, now=now())
    if not signed_in:
        raise SignInError("wrong")
    return name
