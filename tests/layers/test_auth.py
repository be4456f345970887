"""Editors: salted argon2 hashes, one message for any wrong credential, a growing wait.

The sign-in race a tester found (30 simultaneous attempts for one name all reached
the hash, so a right password among 29 wrong ones signed in) is replayed here with
threads released by one barrier, counting the attempts that reach the hash.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

import pytest
from argon2 import PasswordHasher

from layers import auth
from layers.auth import (
    FREE_FAILURES,
    MAX_DELAY_S,
    UNKNOWN_CLIENT,
    SignInLimiter,
    check_password,
    hash_password,
    parse_editors,
    verify_editor,
)
from layers.errors import AuthError

PASSWORD = "correct horse"
# Cheap parameters: verification reads them from the hash, so tests stay fast.
_CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class CountingCheck:
    """Wraps :func:`layers.auth.check_password`, counting (thread-safely) every call.

    ``pause`` holds each check a little, widening the window in which a racy
    counter would let simultaneous attempts through.
    """

    def __init__(self, pause: float = 0.0) -> None:
        self.passwords: list[str] = []
        self.pause = pause
        self._lock = threading.Lock()

    def __call__(self, encoded: str, password: str) -> bool:
        with self._lock:
            self.passwords.append(password)
        time.sleep(self.pause)
        return check_password(encoded, password)

    @property
    def calls(self) -> int:
        return len(self.passwords)


@pytest.fixture(scope="module")
def editors() -> dict[str, str]:
    return {"alice": _CHEAP.hash(PASSWORD), "bob": _CHEAP.hash(PASSWORD)}


@pytest.fixture
def checks(monkeypatch) -> CountingCheck:
    counting = CountingCheck()
    monkeypatch.setattr(auth, "check_password", counting)
    return counting


def _outcome(attempt: Callable[[], str]) -> str:
    try:
        return f"signed in as {attempt()}"
    except AuthError as exc:
        return str(exc)


def test_a_hash_is_salted_and_never_the_password() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first != second and first.startswith("$argon2id$") and PASSWORD not in first
    assert check_password(first, PASSWORD) and not check_password(first, "wrong")
    assert not check_password("$argon2id$garbage", PASSWORD)  # a bad entry refuses, no crash


def test_the_right_password_signs_in(editors) -> None:
    assert verify_editor(editors, " alice ", PASSWORD, limiter=SignInLimiter()) == "alice"


@pytest.mark.parametrize(("name", "password"), [("alice", "wrong"), ("mallory", PASSWORD)])
def test_a_wrong_name_or_password_gets_one_message_in_both_languages(
    editors, name, password
) -> None:
    with pytest.raises(AuthError) as refused:
        verify_editor(editors, name, password, limiter=SignInLimiter(), now=FakeClock())
    assert str(refused.value) == "编辑用户名或密码错误。 / Wrong editor name or password."


@pytest.mark.parametrize("attempts", [30, 60])
@pytest.mark.parametrize("clock", ["fake", "real"])
def test_simultaneous_attempts_cannot_outrun_the_count(editors, attempts, clock) -> None:
    """N at once for one name (N-1 wrong, the right one anywhere): at most the free ones hash."""
    counting = CountingCheck(pause=0.05)
    limiter = SignInLimiter()
    now: Callable[[], float] = FakeClock() if clock == "fake" else time.monotonic
    if clock == "real":  # a wait far longer than the burst, so a slow machine cannot flake
        limiter = SignInLimiter(base_delay_s=600.0, max_delay_s=600.0)
    passwords = [f"guess {i}" for i in range(attempts - 1)]
    passwords.insert(random.Random(attempts).randrange(attempts), PASSWORD)
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []

    def attempt(password: str) -> None:
        barrier.wait()
        outcomes.append(
            _outcome(lambda: verify_editor(editors, "alice", password, limiter=limiter, now=now))
        )

    threads = [threading.Thread(target=attempt, args=(p,)) for p in passwords]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth, "check_password", counting)
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert counting.calls <= FREE_FAILURES
    refused = [o for o in outcomes if "Too many failed sign-ins" in o]
    assert len(refused) == attempts - counting.calls  # every other attempt never hashed
    assert all("请等待" in o and "秒后再试" in o for o in refused)
    wrong_guesses = [p for p in counting.passwords if p != PASSWORD]
    assert len(wrong_guesses) <= FREE_FAILURES
    signed_in = [o for o in outcomes if o.startswith("signed in")]
    assert signed_in == (["signed in as alice"] if PASSWORD in counting.passwords else [])


def test_the_right_password_after_a_burst_waits_then_signs_in(editors, checks) -> None:
    """29 wrong at once, then the right one: refused without a hash, admitted after the wait."""
    clock, limiter = FakeClock(), SignInLimiter()
    barrier = threading.Barrier(29)

    def guess(i: int) -> None:
        barrier.wait()
        _outcome(lambda: verify_editor(editors, "alice", f"guess {i}", limiter=limiter, now=clock))

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(29)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert checks.calls == FREE_FAILURES
    with pytest.raises(
        AuthError, match=r"请等待 1 秒后再试。 / Too many failed sign-ins: wait 1 s"
    ):
        verify_editor(editors, "alice", PASSWORD, limiter=limiter, now=clock)
    assert checks.calls == FREE_FAILURES  # the refused attempt never reached the hash
    clock.advance(1.0)
    assert verify_editor(editors, "alice", PASSWORD, limiter=limiter, now=clock) == "alice"


def test_the_wait_doubles_up_to_a_minute_and_then_the_editor_signs_in(editors, checks) -> None:
    clock, limiter = FakeClock(), SignInLimiter()
    sign_in: Callable[[str], str] = lambda password: verify_editor(  # noqa: E731
        editors, "alice", password, limiter=limiter, client="1.2.3.4", now=clock
    )
    for _ in range(FREE_FAILURES):  # a person mistyping: no wait at all
        assert "Wrong" in _outcome(lambda: sign_in("typo"))
    waits = []
    for _ in range(9):
        refused = _outcome(lambda: sign_in(PASSWORD))
        assert "Too many failed sign-ins" in refused
        seconds = int(refused.split("wait ")[1].split(" s")[0])
        assert f"请等待 {seconds} 秒后再试" in refused
        waits.append(seconds)
        last_failure = clock.t
        for _ in range(5):  # hammering during the wait neither hashes nor lengthens it
            clock.advance(seconds / 10)
            assert "Too many" in _outcome(lambda: sign_in(PASSWORD))
        clock.t = last_failure + seconds
        assert "Wrong" in _outcome(lambda: sign_in("another guess"))
    assert waits == [1, 2, 4, 8, 16, 32, MAX_DELAY_S, MAX_DELAY_S, MAX_DELAY_S]
    assert checks.calls == FREE_FAILURES + 9
    clock.advance(MAX_DELAY_S)
    assert sign_in(PASSWORD) == "alice"
    # The name starts afresh; the client's own failures still stand (only its slot is refunded).
    assert "Wrong" in _outcome(
        lambda: verify_editor(
            editors, "alice", "typo", limiter=limiter, client="9.9.9.9", now=clock
        )
    )
    assert "Too many" in _outcome(lambda: sign_in(PASSWORD))


def test_the_client_limit_holds_without_an_address(editors, checks) -> None:
    """Localhost gives no address: every such client shares one bucket that still limits."""
    clock, limiter = FakeClock(), SignInLimiter()
    for i in range(FREE_FAILURES):  # a new name each time dodges the per-name count...
        _outcome(lambda i=i: verify_editor(editors, f"name{i}", "x", limiter=limiter, now=clock))
    for client in (None, ""):  # ...but not the shared bucket of clients without an address
        with pytest.raises(AuthError, match="Too many failed sign-ins: wait 1 s"):
            verify_editor(editors, "bob", PASSWORD, limiter=limiter, client=client, now=clock)
    assert checks.calls == FREE_FAILURES
    # A client with an address is its own bucket; the no-address bucket is one key.
    assert verify_editor(editors, "bob", PASSWORD, limiter=limiter, client="5.6.7.8",
                         now=clock) == "bob"  # fmt: skip
    assert SignInLimiter.keys("bob", None) == ("name:bob", UNKNOWN_CLIENT)
    assert SignInLimiter.keys("bob", "") == SignInLimiter.keys("bob", None)


def test_a_success_refunds_only_its_own_client_slot(editors, checks) -> None:
    clock, limiter = FakeClock(), SignInLimiter()
    for i in range(FREE_FAILURES - 1):
        _outcome(lambda i=i: verify_editor(editors, f"x{i}", "x", limiter=limiter, now=clock))
    assert verify_editor(editors, "alice", PASSWORD, limiter=limiter, now=clock) == "alice"
    assert "Wrong" in _outcome(lambda: verify_editor(editors, "y", "x", limiter=limiter, now=clock))
    assert "Too many" in _outcome(
        lambda: verify_editor(editors, "bob", PASSWORD, limiter=limiter, now=clock)
    )


def test_a_quiet_quarter_hour_forgets_old_failures(editors, checks) -> None:
    clock, limiter = FakeClock(), SignInLimiter()
    for i in range(FREE_FAILURES + 2):
        clock.advance(100.0)
        _outcome(lambda i=i: verify_editor(editors, f"n{i}", "x", limiter=limiter, now=clock))
    assert limiter.reserve("alice", None, now=clock()) > 0
    clock.advance(auth.FORGET_S)
    assert verify_editor(editors, "alice", PASSWORD, limiter=limiter, now=clock) == "alice"
    assert set(limiter._records) <= {UNKNOWN_CLIENT}  # stale made-up names were dropped


def test_a_failing_check_still_counts_the_attempt(editors, monkeypatch) -> None:
    def broken(encoded: str, password: str) -> bool:
        raise MemoryError("argon2 could not allocate")

    monkeypatch.setattr(auth, "check_password", broken)
    limiter, clock = SignInLimiter(free_failures=1), FakeClock()
    with pytest.raises(MemoryError):
        verify_editor(editors, "alice", PASSWORD, limiter=limiter, now=clock)
    with pytest.raises(AuthError, match="Too many"):
        verify_editor(editors, "alice", PASSWORD, limiter=limiter, now=clock)


def test_no_configured_editor_means_no_editing(checks) -> None:
    with pytest.raises(AuthError, match=r"没有配置任何编辑.* / No editor is configured"):
        verify_editor({}, "alice", PASSWORD, limiter=SignInLimiter())
    assert checks.calls == 0


def test_editors_come_from_name_hash_entries(editors) -> None:
    encoded = editors["alice"]
    assert parse_editors(f"alice:{encoded}; bob:{encoded}\n") == {"alice": encoded, "bob": encoded}
    with pytest.raises(AuthError, match="not name:argon2-hash"):
        parse_editors("alice:plaintext-password")
    with pytest.raises(ValueError, match="8 characters"):
        hash_password("short")


def test_a_malformed_editor_entry_is_named_in_both_languages_without_its_secret() -> None:
    from layers.auth import parse_editors

    with pytest.raises(AuthError) as caught:
        parse_editors("alice:plaintext-password")
    text = str(caught.value)
    assert "不是“用户名:argon2 哈希”" in text and "is not name:argon2-hash" in text
    assert "'alice'" in text and "plaintext-password" not in text
