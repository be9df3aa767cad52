"""Registration's login decision over fakes: the password checked, the disabled account refused, the
unknown login as costly as a known one, and a hash of old parameters replaced on a right login."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
import pytest

from services.registration.service.login import AccountDisabled, InvalidCredentials, Login
from services.registration.service.throttles import AccountThrottles, TooManyAttempts
from shared.auth import generate_private_key_pem

from ..fakes import FakeAccountRecords, FakeAttemptBuckets, FakePasswordHashing

PASSWORD = "correct-horse-1"
KEY = generate_private_key_pem()


def account(login: str = "admin-1", cost: int = 2, **changes: Any) -> dict[str, Any]:
    row = {"account_id": f"acc-{login}", "login": login, "password_hash": f"fake${cost}${PASSWORD}"}
    row |= {"role": "admin", "unit_id": None, "level": None, "jurisdiction": None, "disabled": False}
    return row | changes


def login_with(records: FakeAccountRecords, hashing: FakePasswordHashing, failures: int = 5) -> Login:
    throttles = AccountThrottles(
        FakeAttemptBuckets(),
        sign_ups_per_address=5,
        sign_ups_per_phone=5,
        sign_up_window_seconds=3600,
        login_failures_per_login=failures,
        login_failures_per_address=100,
        login_window_seconds=900,
    )
    return Login(records, hashing, throttles, KEY, timedelta(minutes=5))


async def test_the_right_password_gets_a_token_of_the_account_and_no_rehash() -> None:
    records, hashing = FakeAccountRecords(account()), FakePasswordHashing()
    token = await login_with(records, hashing).token("admin-1", PASSWORD, "10.0.0.1")
    assert jwt.decode(token, options={"verify_signature": False})["sub"] == "acc-admin-1"
    assert hashing.verified == [f"fake$2${PASSWORD}"] and hashing.hashed == [] and records.replaced == []


async def test_a_wrong_password_is_invalid_credentials_and_stores_nothing() -> None:
    records, hashing = FakeAccountRecords(account(cost=1)), FakePasswordHashing()
    with pytest.raises(InvalidCredentials):
        await login_with(records, hashing).token("admin-1", PASSWORD + "x", "10.0.0.1")
    assert records.replaced == []  # even though its hash is of old parameters


async def test_an_unknown_login_verifies_against_one_stand_in_hash_made_once() -> None:
    hashing = FakePasswordHashing()
    login = login_with(FakeAccountRecords(), hashing)
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            await login.token("nobody", PASSWORD, "10.0.0.1")
    assert len(hashing.hashed) == 1 and len(hashing.verified) == 2  # the stand-in is reused
    assert hashing.verified[0] == hashing.verified[1] == f"fake$2${hashing.hashed[0]}"


async def test_a_disabled_account_is_told_so_only_with_the_right_password() -> None:
    records, hashing = FakeAccountRecords(account(disabled=True, cost=1)), FakePasswordHashing()
    login = login_with(records, hashing)
    with pytest.raises(InvalidCredentials):
        await login.token("admin-1", "wrong-password", "10.0.0.1")
    with pytest.raises(AccountDisabled):
        await login.token("admin-1", PASSWORD, "10.0.0.1")
    assert records.replaced == []  # a disabled account keeps its hash until it may log in again


async def test_a_hash_of_other_parameters_is_replaced_by_one_of_todays_on_a_right_login() -> None:
    records, hashing = FakeAccountRecords(account(cost=1)), FakePasswordHashing(cost=2)
    login = login_with(records, hashing)
    await login.token("admin-1", PASSWORD, "10.0.0.1")
    assert records.replaced == [("acc-admin-1", f"fake$1${PASSWORD}", f"fake$2${PASSWORD}")]
    await login.token("admin-1", PASSWORD, "10.0.0.1")
    assert len(records.replaced) == 1  # the new hash needs no rehash


async def test_failures_are_counted_and_a_right_login_gives_them_back() -> None:
    records, hashing = FakeAccountRecords(account()), FakePasswordHashing()
    login = login_with(records, hashing, failures=2)
    with pytest.raises(InvalidCredentials):
        await login.token("admin-1", "wrong-password", "10.0.0.1")
    await login.token("admin-1", PASSWORD, "10.0.0.1")  # its attempt is given back
    with pytest.raises(InvalidCredentials):
        await login.token("admin-1", "wrong-password", "10.0.0.1")
    with pytest.raises(TooManyAttempts):
        await login.token("admin-1", PASSWORD, "10.0.0.1")
    assert len(hashing.verified) == 3  # refused before any hash is checked
