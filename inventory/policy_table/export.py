"""The policy table's filtered rows as CSV (streamed) or XLSX: what each SKU-location holds
now, what the newest run recommends, what awaits approval, and the change."""

from collections.abc import Iterator

from django.db.models import QuerySet

from inventory.policy_table.selectors import STATUS_WORDS, status_of, with_proposed_values

_VALUES = ("safety_stock", "reorder_point", "min_level", "max_level", "order_quantity")
COLUMNS = {  # header: lookup on policy_table_rows
    "sku": "item__sku",
    "description": "item__description",
    "location": "location__code",
    "category": "item__category",
    "segment": "segment",
    "demand_pattern": "demand_pattern",
    "service_class": "service_class",
    "service_target": "service_target",
    "service_type": "service_type",
    "expected_service": "expected_service",
    **{f"active_{name}": f"policy__{name}" for name in _VALUES},
    **{f"recommended_{name}": name for name in _VALUES},
    **{f"proposed_{name}": f"proposed_{name}" for name in _VALUES},
    "safety_stock_change_units": "change_units",
    "average_stock_value_change": "change_value",
    "unit_cost": "item__unit_cost",
    "stockout_reasons": "stockout_reasons",
    "excess_reasons": "excess_reasons",
    "data_quality_reasons": "data_quality_reasons",
    "run": "run_id",
}
_FLAGS = ("blocked", "proposed", "in_force", "rejected", "policy_id")
HEADER = [*COLUMNS, "status"]


def export_rows(rows: QuerySet) -> Iterator[list]:
    """The export's rows (without header) in SKU, location order, streamed in chunks."""
    rows = with_proposed_values(rows).order_by("item__sku", "location__code")
    for values in rows.values_list(*COLUMNS.values(), *_FLAGS).iterator(chunk_size=2000):
        *cells, blocked, proposed, in_force, rejected, policy_id = values
        status = status_of(
            blocked=blocked,
            proposed=proposed,
            in_force=in_force,
            rejected=rejected,
            has_policy=policy_id is not None,
        )
        yield [*cells, STATUS_WORDS[status]]
