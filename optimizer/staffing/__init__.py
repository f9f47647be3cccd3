"""Staffing engine: Erlang C / Erlang A, the arrival forecast and the coverage requirement
per interval and group (consumed by the roster engine)."""

from optimizer.domain.staffing import CoverageRequirement, ErlangResult
from optimizer.staffing.erlang import (
    agents_required,
    erlang,
    erlang_a_result,
    erlang_b,
    erlang_c,
    erlang_c_result,
    with_shrinkage,
)
from optimizer.staffing.forecast import ArrivalForecast, forecast_arrivals, is_post_holiday
from optimizer.staffing.requirements import (
    StaffingAssumptions,
    coverage_requirements,
    requirements,
)

__all__ = [
    "ArrivalForecast",
    "CoverageRequirement",
    "ErlangResult",
    "StaffingAssumptions",
    "agents_required",
    "coverage_requirements",
    "erlang",
    "erlang_a_result",
    "erlang_b",
    "erlang_c",
    "erlang_c_result",
    "forecast_arrivals",
    "is_post_holiday",
    "requirements",
    "with_shrinkage",
]
