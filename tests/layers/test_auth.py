"""Editors: salted argon2 hashes, one message for any wrong credential, a lockout for bursts."""

from __future__ import annotations

import pytest

from layers.auth import SignInLimiter, hash_password, parse_editors, verify_editor
from layers.errors import AuthError

PASSWORD = "correct horse"


@pytest.fixture(scope="module")
def editors() -> dict[str, str]:
    return {"alice": hash_password(PASSWORD)}


def test_a_hash_is_salted_and_never_the_password() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first != second and first.startswith("$argon2id$") and PASSWORD not in first


def test_the_right_password_signs_in(editors) -> None:
    assert verify_editor(editors, " alice ", PASSWORD, limiter=SignInLimiter(), now=0) == "alice"


@pytest.mark.parametrize(("name", "password"), [("alice", "wrong"), ("mallory", PASSWORD)])
def test_a_wrong_name_or_password_gets_one_message(editors, name, password) -> None:
    with pytest.raises(AuthError, match="Wrong editor name or password"):
        verify_editor(editors, name, password, limiter=SignInLimiter(), now=0)


def test_repeated_failures_lock_sign_in_even_for_the_right_password(editors) -> None:
    limiter = SignInLimiter(max_failures=3, window_s=60, lockout_s=120)
    for second in range(3):
        with pytest.raises(AuthError, match="Wrong"):
            verify_editor(editors, "alice", "guess", limiter=limiter, client="1.2.3.4", now=second)
    with pytest.raises(AuthError, match="Too many failed sign-ins"):
        verify_editor(editors, "alice", PASSWORD, limiter=limiter, client="1.2.3.4", now=10)
    with pytest.raises(AuthError, match="Too many"):  # the same client, another name
        verify_editor(editors, "bob", PASSWORD, limiter=limiter, client="1.2.3.4", now=11)
    assert verify_editor(editors, "alice", PASSWORD, limiter=limiter, client="5.6.7.8",
                         now=200) == "alice"  # fmt: skip


def test_no_configured_editor_means_no_editing(editors) -> None:
    with pytest.raises(AuthError, match="No editor is configured"):
        verify_editor({}, "alice", PASSWORD, limiter=SignInLimiter(), now=0)


def test_editors_come_from_name_hash_entries(editors) -> None:
    encoded = editors["alice"]
    assert parse_editors(f"alice:{encoded}; bob:{encoded}\n") == {"alice": encoded, "bob": encoded}
    with pytest.raises(AuthError, match="not name:argon2-hash"):
        parse_editors("alice:plaintext-password")
    with pytest.raises(ValueError, match="8 characters"):
        hash_password("short")
