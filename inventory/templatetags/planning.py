"""Template helpers of the planner pages: reason codes in plain words, numbers formatted."""

from django import template
from django.utils.html import format_html

from inventory.reasons import reason_text
from sop_platform import display

register = template.Library()


@register.simple_tag
def reason(code: str, kind: str = "") -> str:
    """A reason in plain words, its code in the tooltip: ``{% reason code "stockout" %}``."""
    css = f"reason reason-{kind}" if kind else "reason"
    return format_html('<span class="{}" title="{}">{}</span>', css, code, reason_text(code))


@register.filter
def units(value: float | None) -> str:
    """``{{ value|units }}``: 1,234.5; — when empty."""
    return display.units(value)


@register.filter
def percent(share: float | None) -> str:
    """``{{ share|percent }}``: 95 %; — when empty."""
    return display.percent(share)


@register.filter
def signed_percent(share: float | None) -> str:
    """``{{ share|signed_percent }}``: +25 %."""
    return display.percent(share, signed=True)


@register.filter
def money(value) -> str:
    """``{{ value|money }}``: 12,346 (whole currency units)."""
    return display.money(value)


@register.filter
def signed_money(value) -> str:
    """``{{ value|signed_money }}``: +12,346."""
    return display.money(value, signed=True)
