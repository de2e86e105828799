"""Personal links: a signed token naming one person, one form and an expiry (HMAC-SHA256).

The secret is created on first use in the workspace (``data/link-secret``, mode 0600, ignored by
git); ``rotate`` replaces it, which voids every link made before. A token is
``<payload>.<signature>``, both base64url: the payload is ``[participant_id, form, expires]``
(expiry in Unix seconds, UTC), the signature HMAC-SHA256 of the payload under the secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

from mentorkit import keys, store
from mentorkit.errors import MentorkitError

SECRET_NAME = "link-secret"
SECRET_BYTES = keys.SECRET_BYTES
FORMS = ("mentor_readiness", "mentee_readiness", "checkin", "goals", "goal_updates")


class InvalidLink(MentorkitError):
    """A personal link that is forged, altered, expired, voided or for another form."""


def secret_path() -> Path:
    """Where the workspace's link secret lives (outside anything git tracks)."""
    return store.workspace() / "data" / SECRET_NAME


def _secret() -> bytes:
    """The workspace's secret, created on first use; refused when others can read it."""
    return keys.ensure_secret(secret_path(), "link secret", "run `mentorkit invite --rotate` for a new one")


def rotate() -> None:
    """Replace the secret: every link made before stops working."""
    keys.replace_secret(secret_path(), "link secret")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: str, key: bytes) -> str:
    return _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())


def make_token(participant_id: str, form: str, expires: datetime) -> str:
    """A signed token for this person and form, valid until ``expires`` (naive means UTC)."""
    if form not in FORMS:
        raise MentorkitError(f"unknown form {form!r}; choose one of: {', '.join(FORMS)}")
    when = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
    body = json.dumps([participant_id, form, int(when.timestamp())], separators=(",", ":"))
    payload = _b64(body.encode("utf-8"))
    return f"{payload}.{_sign(payload, _secret())}"


def read_token(token: str, form: str, now: datetime | None = None) -> str:
    """The participant id a valid token names; ``InvalidLink`` for anything else."""
    invalid = InvalidLink("this link is not valid any more")
    payload, dot, signature = (token or "").partition(".")
    if not dot or not payload.isascii() or not signature.isascii():
        raise invalid
    if not hmac.compare_digest(_sign(payload, _secret()), signature):
        raise invalid
    try:
        pid, token_form, expires = json.loads(_unb64(payload).decode("utf-8"))
    except (ValueError, TypeError, binascii.Error):  # signed by us, so only a bug gets here
        raise invalid from None
    moment = now or datetime.now(UTC)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if token_form != form or not isinstance(pid, str) or not isinstance(expires, int):
        raise invalid
    if moment.timestamp() >= expires:
        raise invalid
    return pid


def personal_link(base_url: str, form: str, token: str) -> str:
    """``<base_url>?form=<form>&t=<token>``, URL-encoded (an existing query is kept)."""
    joiner = "&" if "?" in base_url else "?"
    return base_url + joiner + urllib.parse.urlencode({"form": form, "t": token})
