"""The pages the forms' web app serves: the landing page, a plain notice, or one form, by query string."""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Callable

import ipywidgets as widgets

from mentorkit import instruments as ins
from mentorkit import workspace
from mentorkit.forms import links
from mentorkit.forms.form import InstrumentForm
from mentorkit.forms.rules import INVALID_LINK, esc
from mentorkit.forms.style import style

FORM_ORDER = tuple(ins.instruments())  # the order of instruments.yaml
USE_YOUR_LINK = (
    "To answer, open the personal link from your invitation e-mail. "
    "If you cannot find it, ask your programme lead for a new one."
)
EMAIL_LOGIN_ENV = "MENTORKIT_FORMS_EMAIL_LOGIN"  # "1": participants may identify by typing an e-mail


def landing() -> widgets.VBox:
    """The landing page: one link per form, named for people."""
    items = "".join(
        f"<li><a class='mk-form-link' href='?form={f}'>{esc(ins.get(f).title)}</a>"
        f"<br><small>{esc(ins.get(f).description)}</small></li>"
        for f in FORM_ORDER
    )
    page = widgets.VBox(
        [
            style(),
            widgets.HTML(
                f"<h1>{esc(workspace.settings().programme_name)}</h1><p>Choose a form:</p><ul class='mk-forms'>{items}</ul>"
            ),
        ]
    )
    page.add_class("mk-page")
    return page


def email_login_allowed() -> bool:
    """True when the server was started with ``--allow-email-login`` (a workshop on a trusted network)."""
    return os.environ.get(EMAIL_LOGIN_ENV, "") == "1"


def notice(text: str) -> widgets.VBox:
    """A plain page with one message and nothing else."""
    page = widgets.VBox(
        [
            style(),
            widgets.HTML(f"<h1>{esc(workspace.settings().programme_name)}</h1><p class='mk-notice'>{esc(text)}</p>"),
        ]
    )
    page.add_class("mk-plain")
    page.add_class("mk-page")
    return page


BUSY = "Many people are answering right now. Please reload this page in a minute; your link still works."


def app(query: str | None = None, db_url: str | None = None, claim: Callable[[], bool] | None = None) -> widgets.Widget:
    """What the served page shows for its query string.

    ``?form=F&t=TOKEN``: that person's form when the token is valid for F, else a plain page that
    names nobody. Without a token, the e-mail form and the landing page only when e-mail login is
    allowed; otherwise a page saying to open the personal link. A page that shows a form (or the
    e-mail login) first ``claim``s one of the server's places; with none free it says so instead.
    """
    shown = _page(query, db_url)
    if claim is not None and getattr(shown, "mk_form", False) and not claim():
        return notice(BUSY)
    return shown


def _as_form(widget: widgets.Widget) -> widgets.Widget:
    widget.mk_form = True  # type: ignore[attr-defined]  # a page that holds a form (and so a place)
    return widget


def _page(query: str | None, db_url: str | None) -> widgets.Widget:
    query = os.environ.get("QUERY_STRING", "") if query is None else query
    params = urllib.parse.parse_qs(query, keep_blank_values=True)
    wanted = params.get("form", [""])[0]
    if "t" in params:
        if wanted not in FORM_ORDER:
            return notice(INVALID_LINK)
        try:
            form = InstrumentForm(wanted, db_url, identify="link", token=params["t"][0])
        except links.InvalidLink:
            return notice(INVALID_LINK)
        return _as_form(form.widget())
    if not email_login_allowed():
        return notice(USE_YOUR_LINK)
    if wanted not in FORM_ORDER:
        return _as_form(landing())
    form = InstrumentForm(wanted, db_url, identify="email")
    back = widgets.HTML("<p><a href='?'>← All forms</a></p>")
    return _as_form(widgets.VBox([back, form.widget()]))
