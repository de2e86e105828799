"""Reaching participants by e-mail: invitations, reminders and the changes digest, sent over SMTP and logged.

``letters`` decides who gets which message (``invite``'s and ``status``'s rules, a run's digest),
``compose`` writes each one from its templates (a workspace may override them), ``smtp`` speaks to
the server (TLS verified, the password never on the command line), and ``run`` sends them: the
sent log in the store keeps a rerun from sending anything twice, opt-outs are honoured, and a
stopped run leaves every accepted message recorded.
"""
