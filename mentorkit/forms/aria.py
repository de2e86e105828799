"""What the forms tell screen readers and the keyboard, added in the browser: group names, errors, focus.

ipywidgets (8.1) has no way from Python to set ARIA attributes, and its ``focus()`` reaches only
some controls (not a date picker or a radio group). So one invisible widget per form does three
things in the page, and keeps doing them as the form's controls are drawn:

- each ``RadioButtons`` box (``div.widget-radio-box`` beside its ``label.widget-label`` question)
  becomes ``role="radiogroup"`` named by its question, so a screen reader says the question, not
  only "Yes, radio button";
- each ``.mk-field`` whose ``.mk-problem`` line holds a message marks its control
  ``aria-invalid="true"`` and ``aria-describedby`` that message, and clears both when it is blank;
- ``focus(key)`` moves the keyboard focus to the control of the field with class ``key`` (a
  select, text box, date or the first radio button) and scrolls it to the middle of the screen.
"""

from __future__ import annotations

import ipyvue
import traitlets

TEMPLATE = """<template><span class="mk-aria" hidden></span></template>
<script>
module.exports = {
  mounted() {
    let count = 0;
    const idOf = (el, prefix) => { if (!el.id) el.id = `${prefix}-${Date.now().toString(36)}-${++count}`; return el.id; };
    const name = (root) => {
      root.querySelectorAll('.widget-radio').forEach((radio) => {
        const box = radio.querySelector(':scope > .widget-radio-box');
        const question = radio.querySelector(':scope > label.widget-label');
        if (!box || !question || box.getAttribute('role') === 'radiogroup') return;
        box.setAttribute('role', 'radiogroup');
        box.setAttribute('aria-labelledby', idOf(question, 'mk-q'));
      });
    };
    const invalid = (root) => {
      root.querySelectorAll('.mk-field').forEach((field) => {
        const line = field.querySelector(':scope > .mk-problem .widget-html-content');
        if (!line) return;
        const said = line.textContent.trim() !== '';
        const controls = field.querySelectorAll(
          'select, textarea, input:not([type=radio]):not([type=checkbox]), [role=radiogroup]');
        controls.forEach((c) => {
          if (said) {
            c.setAttribute('aria-invalid', 'true');
            c.setAttribute('aria-describedby', idOf(line, 'mk-msg'));
          } else if (c.hasAttribute('aria-invalid')) {
            c.removeAttribute('aria-invalid');
            c.removeAttribute('aria-describedby');
          }
        });
      });
    };
    this.form = () => this.$el.closest && this.$el.closest('.mk-form');
    const tick = () => {
      const form = this.form();
      if (form) { name(form); invalid(form); }
    };
    // the form may be on the page already, or its controls drawn (and the page attached) later
    this.observer = new MutationObserver(tick);
    this.observer.observe(document.body, {childList: true, subtree: true, characterData: true});
    tick();
    setTimeout(tick, 0);
  },
  watch: {
    focus_count() {
      const form = this.form();
      const field = form && this.focus_key && form.querySelector('.' + CSS.escape(this.focus_key));
      if (!field) return;
      const control = field.querySelector('select, textarea, input:not([type=hidden])');
      if (!control) return;
      control.focus({preventScroll: true});
      field.scrollIntoView({block: 'center'});
    },
  },
  beforeUnmount() { if (this.observer) this.observer.disconnect(); },
  beforeDestroy() { if (this.observer) this.observer.disconnect(); },
};
</script>"""


class FormAria(ipyvue.VueTemplate):
    """Invisible: names the radio groups, marks the fields with a message invalid, and moves the focus."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    focus_key = traitlets.Unicode("").tag(sync=True)  # the class of the field to focus
    focus_count = traitlets.Int(0).tag(sync=True)  # each request, even for the same field again

    def focus(self, key: str) -> None:
        """Move the keyboard focus to the control of the field with class ``key``."""
        self.focus_key = key
        self.focus_count += 1
