"""The forms' look: one small style sheet, shared by every page."""

from __future__ import annotations

import ipywidgets as widgets

STYLE = """<style>
.mk-page{max-width:42rem;margin:0 auto;padding:8px clamp(10px,4vw,16px) 48px;box-sizing:border-box;width:100%;
  font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:17px;line-height:1.5;color:#1f2933}
.mk-page h1{font-size:clamp(1.35rem,6vw,1.6rem);margin:.2em 0}.mk-page .mk-programme{color:#3e4c59;margin:0;font-size:.95rem}
.mk-page a{color:#0b4f8a}.mk-page a:focus,.mk-page button:focus,.mk-page input:focus,.mk-page select:focus,
.mk-page textarea:focus{outline:3px solid #f0b429!important;outline-offset:2px}
.mk-error{color:#b71c1c;font-weight:600}.mk-ok{color:#1b5e20}.mk-receipt{font-family:monospace;font-size:1.2rem}
.mk-item{border-top:1px solid #d9e2ec;padding:14px 0 6px;width:100%}
.mk-page .widget-inline-hbox,.mk-page .widget-radio,.mk-page .widget-textarea{flex-direction:column;align-items:stretch;
  width:100%;height:auto}
.mk-page .widget-label{width:auto!important;max-width:none;white-space:normal;text-align:left;height:auto;
  line-height:1.45;font-size:17px;color:#1f2933;overflow:visible}
.mk-item .widget-label,.mk-field .widget-label{font-weight:600;margin-bottom:6px}.mk-qno{font-size:.85rem;color:#3e4c59}
.mk-page .widget-radio-box{flex-direction:row;flex-wrap:wrap;gap:8px;height:auto}
.mk-page .widget-radio-box label{display:flex;align-items:center;gap:8px;min-height:44px;min-width:88px;
  padding:4px 14px;border:1px solid #9aa5b1;border-radius:8px;box-sizing:border-box;font-size:17px;line-height:1.3;
  margin:0;cursor:pointer;background:#fff;color:#1f2933}
.mk-page .widget-radio-box input{width:20px;height:20px;margin:0;order:-1;flex:none}
.mk-page .widget-radio-box label:has(input:checked){border-color:#0b4f8a;background:#e6f0fa}
.mk-likert .widget-radio-box{flex-direction:column}
.mk-page input[type=text],.mk-page input[type=email],.mk-page select,.mk-page textarea,.mk-page input[type=date]{
  min-height:44px;font-size:17px;width:100%;max-width:100%;box-sizing:border-box}
.mk-page .widget-text,.mk-page .widget-dropdown,.mk-page .widget-datepicker,.mk-page .widget-textarea{width:100%}
.mk-page .widget-box,.mk-page .widget-inline-hbox{overflow:visible}
.mk-page .widget-inline-hbox,.mk-page .widget-radio{margin-left:0;margin-right:0;max-width:100%;box-sizing:border-box}
.mk-page .widget-inline-hbox>select,.mk-page .widget-inline-hbox>input,.mk-page .widget-inline-hbox>textarea{flex:0 0 auto}
.mk-page textarea{min-height:6.5em;resize:vertical}.mk-field .mk-problem{margin:4px 0 0}
.mk-page .widget-radio-box{margin-bottom:0!important}.mk-page .widget-html-content{font-size:17px;line-height:1.5}
.mk-page select,.mk-page textarea,.mk-page input[type=text],.mk-page input[type=email],.mk-page input[type=date],
.mk-page input[type=number]{border:1px solid #7b8794;border-radius:6px;color:#1f2933;background-color:#fff}
.mk-page [aria-invalid=true]{border-color:#b71c1c}
.mk-page .widget-checkbox label{display:flex;align-items:center;gap:10px;min-height:44px;font-size:17px;line-height:1.3;
  white-space:normal;cursor:pointer}.mk-page .widget-checkbox input{width:20px;height:20px;margin:0;flex:none}
.mk-buttons button.jupyter-button{margin-left:0}
.mk-page button.jupyter-button{min-height:48px;min-width:120px;font-size:17px;padding:0 20px;border-radius:8px}
.mk-page button.mod-primary{background:#0b4f8a;color:#fff}.mk-page button.jupyter-button{width:auto}
.mk-buttons.mk-sent{order:1;margin-top:12px}
.mk-progress{position:sticky;top:0;z-index:2;background:#fff;padding:6px 0;font-weight:600;color:#3e4c59}
.mk-progress-bar{height:6px;background:#d9e2ec;border-radius:3px;overflow:hidden;margin-top:4px}
.mk-progress-bar span{display:block;height:100%;background:#0b4f8a}
.mk-done{border:2px solid #1b5e20;border-radius:10px;padding:16px 20px;background:#f1f8f1}
.mk-problem .mk-error{font-size:16px}.mk-forms{padding-left:1.2em}.mk-forms li{margin:14px 0;font-size:110%}
.mk-forms a{display:inline-block;min-height:44px;line-height:44px}
</style>"""


def style() -> widgets.HTML:
    """The forms' few styles (errors in red, the receipt in monospace)."""
    return widgets.HTML(STYLE)
