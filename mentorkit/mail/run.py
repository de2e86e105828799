"""One ``mentorkit send`` run: which letters go (opt-outs, the sent log, ``--limit``), at ``--rate``, logged.

Every message is recorded in the sent log as it goes: ``sending`` before the server sees it, then
the server's answer (``sent``, ``refused`` 5xx, ``failed`` 4xx or timeout) at once, each committed.
A refused or failed recipient does not stop the others. SIGTERM or Ctrl-C lets the message on the
wire finish and be recorded, then stops (a second Ctrl-C stops at once). ``--dry-run DIR`` writes
each message as a ``.eml`` file instead (the folder appears whole) and records nothing.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

from sqlalchemy.engine import Engine

from mentorkit import store
from mentorkit.errors import OutputError, UsageError
from mentorkit.mail.compose import Sender, compose, usable
from mentorkit.mail.letters import Letter
from mentorkit.mail.smtp import MailServerError, Postman
from mentorkit.outputs import safe_stem


@dataclass
class Summary:
    """What a run did; ``line()`` is its last line, ``exit_code()`` 0 when nothing was refused, failed or left."""

    sent: int = 0
    skipped: int = 0  # already sent (the sent log)
    refused: int = 0
    failed: int = 0
    opted_out: int = 0
    no_address: int = 0
    left: int = 0  # not tried this run: --limit, or the run was stopped
    written: int = 0  # --dry-run: .eml files
    stopped: str = ""  # why the run stopped before the end
    problems: list[str] = field(default_factory=list)  # one line per refused or failed message

    def line(self) -> str:
        """``sent S, skipped K (already sent), refused R, failed F``."""
        return f"sent {self.sent}, skipped {self.skipped} (already sent), refused {self.refused}, failed {self.failed}"

    def exit_code(self) -> int:
        """0 when nothing was refused or failed and the run was not stopped; 1 otherwise."""
        return 1 if self.refused or self.failed or self.stopped else 0


@dataclass(frozen=True)
class Options:
    """How a run sends: the workspace (templates), the sender, and the flags."""

    root: Path
    sender: Sender
    dry_run: Path | None = None
    limit: int | None = None
    rate: float | None = None  # messages a minute
    resend: bool = False
    reminder_interval_days: int = 7
    now: datetime | None = None

    def __post_init__(self) -> None:
        if self.limit is not None and self.limit < 1:
            raise UsageError(f"--limit takes a number of messages from 1, not {self.limit}")
        if self.rate is not None and not self.rate > 0:
            raise UsageError(f"--rate takes messages a minute, more than 0, not {self.rate:g}")


def select(engine: Engine, letters: list[Letter], options: Options) -> tuple[list[Letter], Summary]:
    """The letters to send now (opted-out people, unusable addresses and, unless ``resend``, sent ones left out)."""
    summary = Summary()
    pids = [x.participant_id for x in letters if x.participant_id]
    quiet: set[str] = store.sent.opted_out(engine, pids)
    for letter in letters:  # a programme lead on the roster who opted out gets no digest either
        pid = store.sent.person_of(engine, str(letter.address)) if letter.kind == "digest" else None
        if pid is not None and store.sent.opted_out(engine, [pid]):
            quiet.add(str(letter.address).lower())
    keep = []
    for letter in letters:
        if letter.participant_id in quiet or str(letter.address).lower() in quiet:
            summary.opted_out += 1
        elif not usable(letter.address):
            summary.no_address += 1
        else:
            keep.append(letter)
    if not options.resend:
        done = _already_sent(engine, keep, options)
        summary.skipped = sum(1 for x in keep if done(x))
        keep = [x for x in keep if not done(x)]
    return keep, summary


def _already_sent(engine: Engine, letters: list[Letter], options: Options) -> Callable[[Letter], bool]:
    """Whether the sent log holds this letter: an invitation ever, a reminder's every item within the interval."""
    pids = [x.participant_id for x in letters if x.participant_id]
    forms = {x.form for x in letters if x.kind == "invitation"}
    invited = {(f, p) for f in forms if f for p in store.sent.invited(engine, f, pids)}
    now = (options.now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    since = now - timedelta(days=options.reminder_interval_days)
    reminded = store.sent.reminded_since(engine, since, pids) if any(x.kind == "reminder" for x in letters) else {}
    runs = {x.items["run"] for x in letters if x.kind == "digest"}
    digests = {(r, a) for r in runs for a in store.sent.digest_sent_to(engine, r)}

    def done(letter: Letter) -> bool:
        if letter.kind == "invitation":
            return (letter.form, letter.participant_id) in invited
        if letter.kind == "reminder":
            return set(letter.items) <= reminded.get(str(letter.participant_id), set())
        return (letter.items["run"], str(letter.address).lower()) in digests

    return done


class _Stop:
    """Set by SIGTERM or SIGINT: the run stops after the message on the wire."""

    def __init__(self) -> None:
        self.reason = ""

    def __call__(self, signum: int, _frame: object) -> None:
        self.reason = f"stopped by {signal.Signals(signum).name}"
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C stops at once


@contextlib.contextmanager
def _stopping() -> Iterator[_Stop]:
    stop = _Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    before = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


def _pause(seconds: float, stop: _Stop) -> None:
    """Wait ``seconds`` (``--rate``), cut short by a stop."""
    end = time.monotonic() + seconds
    while not stop.reason and (left := end - time.monotonic()) > 0:
        time.sleep(min(left, 0.1))


class _DryRun:
    """``--dry-run DIR``: the messages as ``.eml`` files in a new folder beside DIR, renamed to DIR at the end."""

    def __init__(self, target: Path) -> None:
        if target.exists() and (not target.is_dir() or any(p.suffix != ".eml" for p in target.iterdir())):
            raise OutputError(f"--dry-run {target}: not a new folder or an earlier dry run's (only .eml files)")
        self.target = target
        target.parent.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))

    def write(self, n: int, letter: Letter, message: EmailMessage) -> None:
        name = f"{n:04d}-{letter.kind}-{safe_stem(letter.participant_id or 'lead')}.eml"
        (self.folder / name).write_bytes(message.as_bytes(policy=SMTP_POLICY))

    def publish(self) -> None:
        old = None
        if self.target.exists():
            old = self.target.with_name(f".{self.target.name}.old-{time.time_ns()}")
            self.target.rename(old)
        self.folder.rename(self.target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def send(
    engine: Engine,
    letters: list[Letter],
    options: Options,
    postman: Callable[[], Postman] | None = None,
    say: Callable[[str], None] = lambda _line: None,
) -> Summary:
    """Send (or with ``dry_run`` write) the letters the sent log does not hold yet; the run's summary."""
    if options.dry_run is None:
        store.sent.close_unfinished(engine)
    todo, summary = select(engine, letters, options)
    if options.limit is not None and len(todo) > options.limit:
        summary.left, todo = len(todo) - options.limit, todo[: options.limit]
    if not todo:
        return summary
    if options.dry_run is not None:
        return _write_all(todo, options, summary)
    if postman is None:
        raise UsageError(
            "send needs an SMTP server: --smtp URL, MENTORKIT_SMTP, or smtp under [mail] in mentorkit.toml"
        )
    mailer = postman()
    mailer.open()  # a wrong server, login or certificate stops here: nothing sent, nothing recorded
    try:
        _deliver_all(engine, todo, options, mailer, summary, say)
    finally:
        mailer.close()
    return summary


def _write_all(todo: list[Letter], options: Options, summary: Summary) -> Summary:
    assert options.dry_run is not None
    out = _DryRun(options.dry_run)
    try:
        for n, letter in enumerate(todo, 1):
            message = compose(
                letter.kind, options.sender, letter.name, str(letter.address), letter.values, options.root
            )
            out.write(n, letter, message)
            summary.written += 1
        out.publish()
    except OSError as exc:
        out.discard()
        raise OutputError(f"--dry-run {options.dry_run}: cannot write the messages ({exc.strerror or exc})") from None
    except BaseException:
        out.discard()
        raise
    return summary


def _deliver_all(
    engine: Engine, todo: list[Letter], options: Options, mailer: Postman, summary: Summary, say: Callable[[str], None]
) -> None:
    interval = 60.0 / options.rate if options.rate else 0.0
    with _stopping() as stop:
        for n, letter in enumerate(todo):
            if n and interval:
                _pause(interval, stop)
            if stop.reason:
                summary.stopped, summary.left = stop.reason, summary.left + len(todo) - n
                return
            message = compose(
                letter.kind, options.sender, letter.name, str(letter.address), letter.values, options.root
            )
            outgoing = store.sent.Outgoing(
                letter.kind,
                str(letter.address),
                str(message["Message-ID"]),
                letter.participant_id,
                letter.cohort_id,
                letter.form,
                letter.items,
            )
            sent_id = store.sent.start_sending(engine, outgoing)
            try:
                outcome = mailer.deliver(message, options.sender.address, str(letter.address))
            except MailServerError as exc:  # the connection was lost and cannot be opened again
                store.sent.finish_sending(engine, sent_id, "failed", exc.message)
                summary.failed += 1
                summary.problems.append(f"failed {letter.label}: {exc.message}")
                summary.stopped, summary.left = exc.message, summary.left + len(todo) - n - 1
                return
            store.sent.finish_sending(engine, sent_id, outcome.status, outcome.reply)
            if outcome.status == "sent":
                summary.sent += 1
                continue
            setattr(summary, outcome.status, getattr(summary, outcome.status) + 1)
            problem = f"{outcome.status} {letter.label}: {outcome.reply}"
            summary.problems.append(problem)
            say(problem)
