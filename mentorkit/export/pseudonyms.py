"""Keyed pseudonyms (HMAC-SHA256 under the workspace's export secret) for the people and goals of an export."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mentorkit import keys, store
from mentorkit.errors import MentorkitError

SECRET_NAME = "export-secret"
SECRET_BYTES = keys.SECRET_BYTES


def secret_path() -> Path:
    """Where the workspace's pseudonym secret lives (outside anything git tracks)."""
    return store.workspace() / "data" / SECRET_NAME


def _secret() -> bytes:
    """The pseudonym secret, created on first use (mode 0600); refused when others can read it."""
    return keys.ensure_secret(secret_path(), "export secret", "remove it (exports then get new pseudonyms)")


@dataclass(frozen=True)
class Pseudonyms:
    """Keyed pseudonyms (HMAC-SHA256) for people and goals."""

    key: bytes

    @classmethod
    def load(cls) -> Pseudonyms:
        """The workspace's pseudonyms (its secret is created on first use)."""
        return cls(_secret())

    def _one(self, kind: str, value: str) -> str:
        digest = hmac.new(self.key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
        return f"{kind}-{digest[:16]}"

    def person(self, participant_id: str) -> str:
        """A participant id's pseudonym."""
        return self._one("P", participant_id)

    def goal(self, goal_id: str) -> str:
        """A goal id's pseudonym."""
        return self._one("G", goal_id)

    def column(self, values: pd.Series, kind: str) -> pd.Series:
        """A column of ids as pseudonyms (``kind`` P or G; missing stays missing)."""
        codes, uniques = pd.factorize(values.astype("string"))
        made = [self._one(kind, str(v)) for v in uniques]
        if len(set(made)) != len(made):  # 64 bits: never in practice, but never silently
            raise MentorkitError("two ids got the same pseudonym; remove the export secret and export again")
        table = np.array([*made, None], dtype=object)  # code -1 (missing) takes the None
        return pd.Series(table[codes], index=values.index, dtype="string")
