"""Signing staff in for admin tests the way allauth leaves a session after password + TOTP."""

import time

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY

from tests.factories import give_totp


def staff_login(client, user) -> None:
    """force_login, with a TOTP device and the session's record that both factors were used."""
    authenticator = give_totp(user)
    client.force_login(user)
    session = client.session
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "username": user.get_username()},
        {"method": "mfa", "at": now, "id": authenticator.pk, "type": "totp"},
    ]
    session.save()
