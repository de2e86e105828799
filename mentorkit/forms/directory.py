"""The roster, pairs and goals as the forms need them, read fresh from the store on each use."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine

from mentorkit import instruments as ins
from mentorkit import store
from mentorkit.analysis import asof


class Directory:
    """The roster, pairs and goals as forms need them (read fresh on each use)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def people(self) -> pd.DataFrame:
        """The roster."""
        with self.engine.connect() as conn:
            return store.read_participants(conn)

    def pairs(self) -> pd.DataFrame:
        """Every mentoring pair."""
        with self.engine.connect() as conn:
            return store.read_pairs(conn)

    def goals(self, pair_ids: list[int]) -> pd.DataFrame:
        """The latest definition of every goal of these pairs."""
        with self.engine.connect() as conn:
            defs = store.read_responses(conn, ins.get("goals"))
        defs = defs[defs["pair_id"].isin(pair_ids)]
        return asof.latest(defs, ["goal_id"]) if not defs.empty else defs
