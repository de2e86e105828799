"""A programme's workspace and its settings file, ``mentorkit.toml``.

Commands find their workspace as git finds a repository: the nearest folder upwards from the current
one with a ``mentorkit.toml``, else ``MENTORKIT_HOME``, else the current folder. The file holds
(contract, ``../shared/BRIEF.md``):

- ``[store] url``: the store's database URL, the ``--db`` default (a relative SQLite path is relative
  to the workspace);
- ``[settings]``: any of ``Settings``' fields, for example a stricter k (``min_group_size``);
- ``[forms] base_url``: the forms' public address, the ``--base-url`` default of ``invite``, ``status`` and ``send``;
- ``[mail] smtp``, ``from``, ``reply_to``, ``password_file``: the SMTP server of ``mentorkit send`` (its URL,
  never with a password), the sender, the reply address, and a file (mode 0600) holding the password.

Precedence: a command's flag > the environment (``MENTORKIT_DB``, ``MENTORKIT_FORMS_BASE_URL``, ``MENTORKIT_SMTP``,
``MENTORKIT_<SETTING>`` such as ``MENTORKIT_MIN_GROUP_SIZE``) > ``mentorkit.toml`` > the default.
An unknown section or key, or a value out of range, is one error naming the file, the key and what
is allowed.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mentorkit.errors import UsageError
from mentorkit.settings import DEFAULT, Settings

CONFIG_NAME = "mentorkit.toml"
HOME_ENV = "MENTORKIT_HOME"
STORE_ENV = "MENTORKIT_DB"
BASE_URL_ENV = "MENTORKIT_FORMS_BASE_URL"
SMTP_ENV = "MENTORKIT_SMTP"
SECTIONS = {
    "store": ("url",),
    "settings": tuple(f.name for f in dataclasses.fields(Settings)),
    "forms": ("base_url",),
    "mail": ("smtp", "from", "reply_to", "password_file"),
}
TYPES = typing.get_type_hints(Settings)
MAX_CONFIG_BYTES = 1_000_000  # a settings file is a few lines; anything larger is not one

# what each setting may be, beyond its type (a value outside is refused with this wording)
FRACTIONS = frozenset(
    {"completeness", "digest_response_rate_drop", "response_rate_low", "weak_item", "segment_identifier_share"}
)
POINTS = frozenset(
    {"band_ready", "band_developing", "health_needs_checkin", "goal_tolerance", "digest_health_drop", "healthy_index"}
)
AT_LEAST = {
    "min_group_size": 2,
    "min_comment_group": 2,
    "checkin_min_answered": 1,
    "link_expiry_days": 1,
    "reminder_interval_days": 1,
}


def env_name(setting: str) -> str:
    """The environment variable of a setting: ``min_group_size`` → ``MENTORKIT_MIN_GROUP_SIZE``."""
    return f"MENTORKIT_{setting.upper()}"


def find_root(start: Path | None = None) -> Path:
    """The workspace: the nearest folder upwards with a ``mentorkit.toml``, else ``MENTORKIT_HOME``, else ``start``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    home = os.environ.get(HOME_ENV)
    return Path(home).resolve() if home else here


@dataclass(frozen=True)
class Workspace:
    """A workspace's folder and what is in force there (file and environment applied over the defaults)."""

    root: Path
    config_file: Path | None  # None: no mentorkit.toml (the defaults and the environment)
    store_url: str | None  # from MENTORKIT_DB or [store] url; None: data/mentorkit.db in the workspace
    forms_base_url: str | None
    settings: Settings = DEFAULT
    origins: dict[str, str] = field(default_factory=dict)  # setting → "mentorkit.toml" or the variable's name
    mail: dict[str, str] = field(
        default_factory=dict
    )  # [mail] smtp, from, reply_to, password_file (MENTORKIT_SMTP wins)

    def describe(self) -> str:
        """One line per setting that differs from the default, with where it comes from."""
        lines = [
            f"{name} = {getattr(self.settings, name)!r} ({origin})" for name, origin in sorted(self.origins.items())
        ]
        return "\n".join(lines)


_cache: dict[tuple[object, ...], Workspace] = {}


def current(start: Path | None = None) -> Workspace:
    """The workspace of ``start`` (default: the current folder), its file read once per change."""
    root = find_root(start)
    path = root / CONFIG_NAME
    try:
        stamp: object = path.stat().st_mtime_ns
    except OSError:
        stamp = None
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("MENTORKIT_")))
    key = (root, stamp, env)
    if key not in _cache:
        _cache.clear()
        _cache[key] = load(root)
    return _cache[key]


def settings() -> Settings:
    """The settings in force in the current workspace."""
    return current().settings


def load(root: Path) -> Workspace:
    """A workspace's settings: ``mentorkit.toml`` (when there) under the environment, over the defaults."""
    path = root / CONFIG_NAME
    table = read_config(path) if path.is_file() else {}
    shown = str(path)
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for name, raw in table.get("settings", {}).items():
        values[name] = check_setting(name, raw, f"{shown}: [settings] {name}")
        origins[name] = CONFIG_NAME
    for name in SECTIONS["settings"]:
        var = env_name(name)
        if var in os.environ:
            values[name] = check_setting(name, from_text(name, os.environ[var], var), var)
            origins[name] = var
    chosen = build_settings(values, shown if path.is_file() else "the environment")
    store_url = os.environ.get(STORE_ENV) or _store_url(table.get("store", {}).get("url"), root, shown)
    base_url = os.environ.get(BASE_URL_ENV) or _text(
        table.get("forms", {}).get("base_url"), f"{shown}: [forms] base_url"
    )
    return Workspace(root, path if path.is_file() else None, store_url, base_url, chosen, origins, _mail(table, root))


def read_config(path: Path) -> dict[str, dict[str, Any]]:
    """``mentorkit.toml`` parsed and its sections and keys checked (one error naming the file)."""
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise UsageError(f"{path}: larger than {MAX_CONFIG_BYTES:,} bytes; not a settings file")
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    for section, body in table.items():
        if section not in SECTIONS:
            raise UsageError(f"{path}: unknown section [{section}]; allowed: {', '.join(f'[{s}]' for s in SECTIONS)}")
        if not isinstance(body, dict):
            raise UsageError(f"{path}: {section} must be a section ([{section}]), not a value")
        for key in body:
            if key not in SECTIONS[section]:
                allowed = ", ".join(SECTIONS[section])
                raise UsageError(f"{path}: [{section}] has no key {key!r}; allowed: {allowed}")
    return table


def check_setting(name: str, value: object, where: str) -> object:
    """A setting's value checked against its type and range; ``where`` names it in the error."""
    kind = TYPES[name]
    if kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        allowed = "a whole number"
    elif kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        allowed = "a number"
        value = float(value) if ok else value  # type: ignore[arg-type]
    elif kind is str:
        ok = isinstance(value, str) and value.strip() != ""
        allowed = "non-empty text"
    else:  # tuple[str, ...]
        ok = isinstance(value, list | tuple) and all(isinstance(v, str) and v.strip() for v in value)
        allowed = 'a list of names, e.g. ["site", "level"]'
        value = tuple(value) if ok else value  # type: ignore[arg-type]
    if kind in (int, float):
        low, high = _range(name)
        ok = ok and low <= value <= high  # type: ignore[operator]
        allowed = f"{allowed} from {low:g}" + (f" to {high:g}" if high != float("inf") else " up")
    if not ok:
        raise UsageError(f"{where}: {value!r} is not allowed; {name} must be {allowed}")
    return value


def _range(name: str) -> tuple[float, float]:
    if name in FRACTIONS:
        return 0.0, 1.0
    if name in POINTS:
        return 0.0, 100.0
    if name in ("earliest_year", "latest_year"):
        return 1, 9999
    return AT_LEAST.get(name, 0), float("inf")


def from_text(name: str, text: str, var: str) -> object:
    """A setting's value from an environment variable's text (numbers as numbers, a list comma-separated)."""
    kind = TYPES[name]
    if kind is str:
        return text
    if kind not in (int, float):
        return [part.strip() for part in text.split(",") if part.strip()]
    try:
        return int(text) if kind is int else float(text)
    except ValueError:
        raise UsageError(f"{var}: {text!r} is not a {'whole ' if kind is int else ''}number") from None


def build_settings(values: dict[str, Any], where: str) -> Settings:
    """The defaults with these values; the comment threshold never drops below k; ranges that must be ordered."""
    if "min_group_size" in values and "min_comment_group" not in values:
        values["min_comment_group"] = max(DEFAULT.min_comment_group, values["min_group_size"])
    chosen = dataclasses.replace(DEFAULT, **values)
    if chosen.min_comment_group < chosen.min_group_size:
        raise UsageError(
            f"{where}: min_comment_group ({chosen.min_comment_group}) must be at least min_group_size "
            f"({chosen.min_group_size}): free text needs a larger group than figures"
        )
    if chosen.band_developing > chosen.band_ready:
        raise UsageError(f"{where}: band_developing ({chosen.band_developing:g}) must not exceed band_ready")
    if chosen.earliest_year > chosen.latest_year:
        raise UsageError(f"{where}: earliest_year ({chosen.earliest_year}) must not be after latest_year")
    return chosen


def overrides(chosen: Settings) -> dict[str, object]:
    """The settings that differ from the defaults, as plain values (what a report's parameters record)."""
    out: dict[str, object] = {}
    for f in dataclasses.fields(Settings):
        value = getattr(chosen, f.name)
        if value != getattr(DEFAULT, f.name):
            out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def from_overrides(values: dict[str, object] | None) -> Settings:
    """Settings from :func:`overrides`' values (a report kernel's ``settings`` parameter), checked again."""
    if not values:
        return DEFAULT
    unknown = sorted(set(values) - set(SECTIONS["settings"]))
    if unknown:
        raise UsageError(f"settings parameter: no setting {unknown[0]!r}; allowed: {', '.join(SECTIONS['settings'])}")
    checked = {name: check_setting(name, value, f"settings parameter {name}") for name, value in values.items()}
    return build_settings(checked, "settings parameter")


def _mail(table: dict[str, dict[str, Any]], root: Path) -> dict[str, str]:
    """``[mail]``'s values (a relative password file is the workspace's), ``MENTORKIT_SMTP`` over ``smtp``."""
    mail: dict[str, str] = {}
    for key, raw in table.get("mail", {}).items():
        value = _text(raw, f"{root / CONFIG_NAME}: [mail] {key}")
        if value is not None:
            mail[key] = value
    if "password_file" in mail and not Path(mail["password_file"]).is_absolute():
        mail["password_file"] = str(root / mail["password_file"])
    if os.environ.get(SMTP_ENV, "").strip():
        mail["smtp"] = os.environ[SMTP_ENV].strip()
    return mail


def _store_url(raw: object, root: Path, shown: str) -> str | None:
    url = _text(raw, f"{shown}: [store] url")
    if url is None:
        return None
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str(root / url[len(prefix) :])  # a relative SQLite path is the workspace's
    return url


def _text(raw: object, where: str) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise UsageError(f"{where}: must be non-empty text, not {raw!r}")
    return raw.strip()
