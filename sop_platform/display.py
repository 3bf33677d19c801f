"""Numbers as pages show them: units, shares, money; an em dash where nothing was computed."""

from decimal import Decimal

MISSING = "—"


def units(value: float | None) -> str:
    """Units to one decimal with thousands separators: 1234.5 -> "1,234.5"."""
    return MISSING if value is None else f"{value:,.1f}"


def percent(share: float | None, *, signed: bool = False) -> str:
    """A share as a percentage to one decimal, ".0" dropped: 0.95 -> "95 %"."""
    if share is None:
        return MISSING
    text = f"{share * 100:{'+' if signed else ''},.1f}".removesuffix(".0")
    return f"{text} %"


def mean_sd(mean: float | None, sd: float | None) -> str:
    """Mean ± deviation, "12.0 ± 3.5"; the mean alone without a deviation."""
    if mean is None:
        return MISSING
    return units(mean) if sd is None else f"{units(mean)} ± {units(sd)}"


def money(value: float | Decimal | None, *, signed: bool = False) -> str:
    """Money in whole currency units with thousands separators: 12345.6 -> "12,346"."""
    if value is None:
        return MISSING
    return f"{float(value):{'+' if signed else ''},.0f}"
