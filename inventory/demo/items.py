"""Item master and each item's demand drivers: lifecycle, seasonality and promotions.

Seasonality belongs to the category (garden peaks in spring, holiday decor in December,
beverages and frozen follow an annual sine), so it is visible in aggregate by category.
"""

from dataclasses import dataclass

import numpy as np

from inventory.demo.spec import STREAM_ITEMS, DemoSpec

NONE, SINE, PEAK = 0, 1, 2
WEEKS_PER_YEAR = 365.25 / 7
NEW_SHARE, END_OF_LIFE_SHARE, PROMOTED_SHARE = 0.05, 0.05, 0.30
PEAK_BASE = 0.25
"""Off-season level of a peaked season, before normalising the year's mean to 1."""


@dataclass(frozen=True)
class Category:
    """A product category and the habits of its items."""

    name: str
    business_unit: str
    unit_of_measure: str
    weight: float  # share of the assortment
    median_cost: float
    shelf_life_days: tuple[int, int] | None
    season: int = NONE
    peak_week: float = 0.0  # week of the year with the most demand
    strength: float = 0.0  # sine amplitude, or peak height over the base
    nouns: tuple[str, ...] = ("Item",)


CATEGORIES = (
    Category("Dairy", "Fresh", "EA", 8, 1.2, (10, 28), nouns=("Yoghurt", "Milk", "Cheese")),
    Category("Bakery", "Fresh", "EA", 5, 0.9, (4, 9), nouns=("Bread", "Rolls", "Muffins")),
    Category(
        "Frozen",
        "Fresh",
        "EA",
        5,
        3.0,
        (120, 365),
        SINE,
        30,
        0.45,
        ("Ice cream", "Sorbet", "Frozen peas"),
    ),
    Category(
        "Beverages",
        "Grocery",
        "CS",
        12,
        6.0,
        None,
        SINE,
        28,
        0.3,
        ("Sparkling water", "Cola", "Juice", "Iced tea"),
    ),
    Category("Snacks", "Grocery", "EA", 12, 1.5, None, nouns=("Crisps", "Nuts", "Crackers")),
    Category("Canned", "Grocery", "EA", 10, 1.1, None, nouns=("Tomatoes", "Beans", "Soup")),
    Category(
        "Cleaning",
        "Household",
        "EA",
        10,
        2.5,
        None,
        nouns=("Detergent", "Dish soap", "Surface spray"),
    ),
    Category("Paper", "Household", "PK", 8, 4.0, None, nouns=("Kitchen towel", "Tissues")),
    Category("Kitchenware", "Household", "EA", 6, 8.0, None, nouns=("Pan", "Knife", "Bowl")),
    Category(
        "Personal care",
        "Health & beauty",
        "EA",
        8,
        3.0,
        None,
        nouns=("Shampoo", "Toothpaste", "Hand cream"),
    ),
    Category(
        "Garden",
        "Seasonal",
        "EA",
        6,
        12.0,
        None,
        PEAK,
        20,
        2.5,
        ("Hose", "Seeds", "Planter", "Fertiliser"),
    ),
    Category(
        "Holiday decor",
        "Seasonal",
        "EA",
        4,
        7.0,
        None,
        PEAK,
        50,
        3.0,
        ("Lights", "Ornament", "Wreath"),
    ),
)
BRANDS = ("Acme", "Northwind", "Bluebell", "Evergreen", "Summit", "Harbor", "Golden", "Polar")
VARIANTS = ("Classic", "Family size", "Value pack", "Premium", "Mini", "Organic")


@dataclass(frozen=True)
class ItemPlan:
    """Master data and demand drivers of every item (arrays indexed by item position)."""

    sku: np.ndarray
    description: np.ndarray
    category: np.ndarray  # index into CATEGORIES
    unit_cost: np.ndarray  # NaN = unknown (a deliberate defect)
    unit_price: np.ndarray
    shelf_life_days: np.ndarray  # 0 = does not expire
    lifecycle: np.ndarray  # "new", "active" or "end_of_life"
    popularity: np.ndarray  # mean units per week at a regional DC of average size
    launch_week: np.ndarray  # first week with history (0 unless new)
    fade_start: np.ndarray  # week demand starts fading (weeks when not end of life)
    fade_end: np.ndarray  # first week with no demand left
    season_peak: np.ndarray  # week of the year
    season_strength: np.ndarray  # 0 = not seasonal
    promo_gap: np.ndarray  # weeks between promotion starts; 0 = never promoted
    promo_offset: np.ndarray
    promo_length: np.ndarray
    uplift: np.ndarray  # demand multiplier in promotion weeks

    def season_kind(self) -> np.ndarray:
        """NONE, SINE or PEAK per item."""
        return np.array([c.season for c in CATEGORIES])[self.category]


def _pick(options: tuple[str, ...], rng: np.random.Generator, size: int) -> np.ndarray:
    return np.asarray(options)[rng.integers(0, len(options), size)]


def _descriptions(rng: np.random.Generator, category: np.ndarray) -> np.ndarray:
    count = len(category)
    nouns = np.empty(count, dtype=object)
    for index, cat in enumerate(CATEGORIES):  # per category, not per item
        mine = category == index
        nouns[mine] = _pick(cat.nouns, rng, int(mine.sum()))
    parts = (_pick(BRANDS, rng, count), nouns.astype(str), _pick(VARIANTS, rng, count))
    return np.strings.add(
        np.strings.add(np.strings.add(parts[0], " "), parts[1]), np.strings.add(" ", parts[2])
    )


def _prices(rng: np.random.Generator, category: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    median = np.array([c.median_cost for c in CATEGORIES])[category]
    cost = np.maximum(0.05, np.round(median * rng.lognormal(0, 0.45, len(category)), 2))
    price = np.maximum(cost + 0.01, np.round(cost * rng.uniform(1.25, 2.2, len(category)), 2))
    return cost, price


def _shelf_life(rng: np.random.Generator, category: np.ndarray) -> np.ndarray:
    low = np.array([(c.shelf_life_days or (0, 0))[0] for c in CATEGORIES])[category]
    high = np.array([(c.shelf_life_days or (0, 0))[1] for c in CATEGORIES])[category]
    return rng.integers(low, high + 1)


def _lifecycle(rng: np.random.Generator, spec: DemoSpec) -> dict[str, np.ndarray]:
    """Lifecycle status, launch week of new items, fade window of end-of-life items."""
    weeks, count = spec.weeks, spec.skus
    draw = rng.random(count)
    new = draw < NEW_SHARE
    ending = (draw >= NEW_SHARE) & (draw < NEW_SHARE + END_OF_LIFE_SHARE)
    lifecycle = np.where(new, "new", np.where(ending, "end_of_life", "active"))
    history = rng.integers(3, max(3, min(12, weeks // 2)) + 1, count)
    fade = rng.integers(
        min(10, weeks // 2), max(min(10, weeks // 2), min(26, weeks // 2)) + 1, count
    )
    zero_weeks = rng.integers(2, 4, count)
    return {
        "lifecycle": lifecycle,
        "launch_week": np.where(new, weeks - history, 0),
        "fade_start": np.where(ending, weeks - fade, weeks),
        "fade_end": np.where(ending, weeks - zero_weeks, weeks),
    }


def _season(rng: np.random.Generator, category: np.ndarray) -> dict[str, np.ndarray]:
    peak = np.array([c.peak_week for c in CATEGORIES])[category]
    strength = np.array([c.strength for c in CATEGORIES])[category]
    count = len(category)
    return {
        "season_peak": (peak + rng.uniform(-2, 2, count)) % WEEKS_PER_YEAR,
        "season_strength": strength * rng.uniform(0.8, 1.2, count),
    }


def _promotions(rng: np.random.Generator, count: int) -> dict[str, np.ndarray]:
    promoted = rng.random(count) < PROMOTED_SHARE
    gap = rng.integers(8, 17, count)
    return {
        "promo_gap": np.where(promoted, gap, 0),
        "promo_offset": rng.integers(0, 16, count) % gap,
        "promo_length": rng.integers(1, 3, count),
        "uplift": rng.uniform(1.6, 2.6, count),
    }


def items_plan(spec: DemoSpec, missing_cost: np.ndarray) -> ItemPlan:
    """Every item's master data and demand drivers; ``missing_cost`` items get no cost."""
    rng = spec.rng(STREAM_ITEMS)
    weights = np.array([c.weight for c in CATEGORIES])
    category = rng.choice(len(CATEGORIES), spec.skus, p=weights / weights.sum())
    cost, price = _prices(rng, category)
    cost[missing_cost] = np.nan
    width = max(6, len(str(spec.skus)))
    return ItemPlan(
        sku=np.strings.add(
            "SKU-", np.strings.zfill(np.arange(1, spec.skus + 1).astype(str), width)
        ),
        description=_descriptions(rng, category),
        category=category,
        unit_cost=cost,
        unit_price=price,
        shelf_life_days=_shelf_life(rng, category),
        popularity=rng.lognormal(np.log(8), 0.9, spec.skus),
        **_lifecycle(rng, spec),
        **_season(rng, category),
        **_promotions(rng, spec.skus),
    )


def season_index(plan: ItemPlan, items: slice, dates: np.ndarray) -> np.ndarray:
    """Seasonal demand multiplier (items x weeks), 1 on average over a year.

    Sine: ``1 + a cos(2 pi (w - peak) / 52.18)``. Peak: a Gaussian bump of height ``h`` and
    width 4 weeks over a base of 0.25, divided by its yearly mean.
    """
    week = (dates - dates.astype("datetime64[Y]")).astype(int) / 7.0
    distance = week[None, :] - plan.season_peak[items, None]
    distance = (distance + WEEKS_PER_YEAR / 2) % WEEKS_PER_YEAR - WEEKS_PER_YEAR / 2
    strength = plan.season_strength[items, None]
    sine = 1 + strength * np.cos(2 * np.pi * distance / WEEKS_PER_YEAR)
    width = 4.0
    bump = PEAK_BASE + strength * np.exp(-0.5 * (distance / width) ** 2)
    peak = bump / (PEAK_BASE + strength * width * np.sqrt(2 * np.pi) / WEEKS_PER_YEAR)
    kind = plan.season_kind()[items, None]
    return np.where(kind == SINE, sine, np.where(kind == PEAK, peak, 1.0))


def promotion_weeks(plan: ItemPlan, items: slice, weeks: np.ndarray) -> np.ndarray:
    """True in the weeks (items x weeks) an item runs a promotion."""
    gap = plan.promo_gap[items, None]
    phase = (weeks[None, :] - plan.promo_offset[items, None]) % np.maximum(gap, 1)
    return (gap > 0) & (phase < plan.promo_length[items, None])


def lifecycle_factor(plan: ItemPlan, items: slice, weeks: np.ndarray) -> np.ndarray:
    """Demand multiplier (items x weeks): 1, fading linearly to 0 for end-of-life items."""
    start = plan.fade_start[items, None]
    end = plan.fade_end[items, None]
    fraction = (weeks[None, :] - start + 1) / np.maximum(end - start + 1, 1)
    return np.where(weeks[None, :] < start, 1.0, np.clip(1 - fraction, 0, 1)) * (
        weeks[None, :] < end
    )
