"""Editors: who may change the store, checked against salted password hashes.

Viewers never sign in. Editors are configured by an administrator as
``name = argon2 hash`` pairs, in Streamlit secrets (``[editors]`` table) or in the
``PORTAL_EDITORS`` environment variable (``name:hash`` entries separated by
newlines or ``;``); ``python scripts/hash_password.py`` makes a hash. Passwords
themselves are never stored. Failed attempts are counted per editor name and per
client, and a burst of failures locks sign-in for a while, so guessing is slow.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from layers.errors import AuthError

EDITORS_ENV = "PORTAL_EDITORS"
MAX_FAILURES = 5
WINDOW_S = 300.0
LOCKOUT_S = 300.0
_HASHER = PasswordHasher()
# Verified against when the name is unknown, so a wrong name costs the same time
# as a wrong password and does not reveal which editors exist.
_DUMMY_HASH = _HASHER.hash("not a password")


def hash_password(password: str) -> str:
    """An argon2id hash with a random salt, in the encoded form editors' settings hold."""
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
    return _HASHER.hash(password)


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
            raise AuthError(f"{EDITORS_ENV}: entry {name.strip() or '?'!r} is not name:argon2-hash")
        editors[name.strip()] = encoded.strip()
    return editors


@dataclass
class SignInLimiter:
    """Counts recent failures per key (an editor name, a client) and locks out bursts.

    One limiter serves the whole portal process (every browser session), so
    opening a new tab does not reset the count.
    """

    max_failures: int = MAX_FAILURES
    window_s: float = WINDOW_S
    lockout_s: float = LOCKOUT_S
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _locked_until: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_s(self, keys: tuple[str, ...], *, now: float) -> float:
        """Seconds until any of ``keys`` may try again (0 when none is locked)."""
        with self._lock:
            return max((self._locked_until.get(k, 0.0) - now for k in keys), default=0.0)

    def failed(self, keys: tuple[str, ...], *, now: float) -> None:
        with self._lock:
            for key in keys:
                recent = self._failures.setdefault(key, deque())
                recent.append(now)
                while recent and recent[0] < now - self.window_s:
                    recent.popleft()
                if len(recent) >= self.max_failures:
                    self._locked_until[key] = now + self.lockout_s
                    recent.clear()

    def succeeded(self, keys: tuple[str, ...]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


def verify_editor(
    editors: Mapping[str, str],
    name: str,
    password: str,
    *,
    limiter: SignInLimiter,
    client: str = "",
    now: float | None = None,
) -> str:
    """The editor's name when the password matches its hash.

    Raises
    ------
    AuthError
        If no editor is configured, sign-in is locked after repeated failures, or
        the name or password is wrong (one message for both).
    """
    now = time.monotonic() if now is None else now
    name = name.strip()
    keys = (f"name:{name}", f"client:{client}") if client else (f"name:{name}",)
    if not editors:
        raise AuthError("No editor is configured on this portal (see README: editors).")
    wait = limiter.wait_s(keys, now=now)
    if wait > 0:
        raise AuthError(f"Too many failed sign-ins; try again in {int(wait) + 1} s.")
    try:
        _HASHER.verify(editors.get(name, _DUMMY_HASH), password)
        if name not in editors:
            raise VerificationError("unknown editor")
    except (VerificationError, InvalidHashError):
        limiter.failed(keys, now=now)
        raise AuthError("Wrong editor name or password.") from None
    limiter.succeeded(keys)
    return name
