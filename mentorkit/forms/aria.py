"""Screen-reader names for the forms' radio groups, added in the browser.

ipywidgets' ``RadioButtons`` (8.1) draws a question as ``label.widget-label`` beside a
``div.widget-radio-box`` of radio inputs, with no group role and nothing that ties the two: a screen
reader announces "Yes, radio button" without the question. Its Python side has no way to set ARIA
attributes, so this invisible widget marks each box of its own form ``role="radiogroup"``, named by
its question (``aria-labelledby``), and keeps doing so as the form's controls are drawn.
"""

from __future__ import annotations

import ipyvue
import traitlets

TEMPLATE = """<template><span class="mk-radiogroups" hidden></span></template>
<script>
module.exports = {
  mounted() {
    let count = 0;
    const name = (root) => {
      root.querySelectorAll('.widget-radio').forEach((radio) => {
        const box = radio.querySelector(':scope > .widget-radio-box');
        const question = radio.querySelector(':scope > label.widget-label');
        if (!box || !question || box.getAttribute('role') === 'radiogroup') return;
        if (!question.id) question.id = `mk-q-${Date.now().toString(36)}-${++count}`;
        box.setAttribute('role', 'radiogroup');
        box.setAttribute('aria-labelledby', question.id);
      });
    };
    const tick = () => {
      const form = this.$el.closest && this.$el.closest('.mk-form');
      if (form) name(form);
    };
    // the form may be on the page already, or its controls drawn (and the page attached) later
    this.observer = new MutationObserver(tick);
    this.observer.observe(document.body, {childList: true, subtree: true});
    tick();
    setTimeout(tick, 0);
  },
  beforeUnmount() { if (this.observer) this.observer.disconnect(); },
  beforeDestroy() { if (this.observer) this.observer.disconnect(); },
};
</script>"""


class RadioGroupNames(ipyvue.VueTemplate):
    """Invisible: names each radio group of the enclosing ``.mk-form`` by its question, for screen readers."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
