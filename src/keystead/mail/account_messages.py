"""The mail an account's owner gets about the account itself: a password reset link,
an address to verify, notice of a changed password."""

from __future__ import annotations

from datetime import datetime

from keystead.mail.messages import Rendered, render


def password_reset(*, reset_url: str, minutes: int, client: str) -> Rendered:
    return render(
        "password_reset",
        "Reset your keystead password",
        reset_url=reset_url,
        minutes=minutes,
        client=client,
    )


def email_verification(*, verify_url: str, hours: int) -> Rendered:
    return render(
        "email_verification",
        "Confirm your email address for keystead",
        verify_url=verify_url,
        hours=hours,
    )


def password_changed(*, changed_at: datetime, how: str, client: str, reset_url: str) -> Rendered:
    """The notice after any change of password, so an owner who did not make it knows."""
    return render(
        "password_changed",
        "Your keystead password was changed",
        changed_at=changed_at.strftime("%Y-%m-%d %H:%M UTC"),
        how=how,
        client=client,
        reset_url=reset_url,
    )
