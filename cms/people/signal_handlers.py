"""Receivers for allauth's MFA signals (connected in ``PeopleConfig.ready``)."""

from .mfa import record_mfa_on_activation


def on_authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    record_mfa_on_activation(request, user, authenticator)
