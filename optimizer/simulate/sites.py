"""SLA policies, customer sites and arrival streams of a scenario of the sample department."""

from __future__ import annotations

import numpy as np

from optimizer.domain.base import DataSet
from optimizer.domain.common import Clock, Location, Priority
from optimizer.domain.scenario import Scenario, ScenarioChanges
from optimizer.errors import UnknownReference
from optimizer.simulate.clock import SimClock
from optimizer.simulate.demand import hourly_rates
from optimizer.simulate.fitted import BaseData
from optimizer.simulate.model import PRIORITIES, ArrivalStream, SiteTable, SlaTable

ADDED_SITE_JITTER_DEG = 0.01
"""New clients are placed near an existing client of their city (about a kilometre away)."""


def sla_table(ds: DataSet, ch: ScenarioChanges) -> SlaTable:
    """The data set's SLA policies with the scenario's SLA change applied to every one."""
    clocks, responses = [], []
    for p in ds.sla_policies:
        clock = p.clock
        resp = {pr: float(p.minutes_for(pr)) for pr in PRIORITIES}
        if ch.sla is not None:
            if ch.sla.clock is not None:
                clock = ch.sla.clock
            for pr, m in (ch.sla.response_min or {}).items():
                resp[pr] = float(m)
        if ch.sla_response_min is not None:
            resp[Priority.normal] = float(ch.sla_response_min)
        clocks.append(1 if clock == Clock.always else 0)
        responses.append([resp[pr] for pr in PRIORITIES])
    return SlaTable(
        ids=tuple(p.id for p in ds.sla_policies),
        clock=np.array(clocks, dtype=np.int8),
        response_min=np.array(responses, dtype=float),
    )


def _city_key(city: str) -> str:
    return city.strip().casefold()


def sites_and_streams(
    scenario: Scenario,
    base: BaseData,
    clock: SimClock,
    hours: int,
    locations: list[Location],
    path: str,
) -> tuple[SiteTable, tuple[ArrivalStream, ...]]:
    """Sites (existing and added clients) and the arrival streams feeding them.

    The base stream is the history's rate; ``add_clients`` adds a stream per entry at the
    per-client rate of its city (the city's share of the history's tickets over its number of
    clients); ``demand_multiplier`` k thins every stream (k < 1) or adds a copy of the base at
    (k - 1) times its rate (k > 1), so the base tickets stay the same (common random numbers).
    """
    ds = base.dataset
    ch = scenario.changes
    cities = sorted({s.city for s in ds.sites})
    city_index = {c: i for i, c in enumerate(cities)}
    by_key = {_city_key(c): c for c in cities}
    policy_index = {p.id: i for i, p in enumerate(ds.sla_policies)}
    n = len(ds.sites)
    site_ids = [s.id for s in ds.sites]
    site_city = [city_index[s.city] for s in ds.sites]
    visitable = [s.visitable for s in ds.sites]
    policy = [policy_index[s.sla_policy] for s in ds.sites]
    loc = list(range(n))
    weight = list(base.site_weights)
    rate = hourly_rates(base.forecast, clock, hours, trend=scenario.demand_trend)
    k = ch.demand_multiplier
    thin = min(1.0, k)
    streams = [ArrivalStream("base", rate, np.arange(n), np.asarray(base.site_weights), thin=thin)]
    if k > 1:
        streams.append(
            ArrivalStream("demand", rate * (k - 1), np.arange(n), np.asarray(base.site_weights))
        )
    rng = np.random.default_rng(np.random.SeedSequence([scenario.seed, 0x51735]))
    for i, add in enumerate(ch.add_clients):
        field = f"{path}.changes.add_clients[{i}].city"
        city = by_key.get(_city_key(add.city))
        if city is None:
            raise UnknownReference(field, add.city, f"unknown city; known: {', '.join(cities)}")
        members = [j for j in range(n) if ds.sites[j].city == city]
        share = float(np.sum(base.site_weights[members]))
        per_client = share / len(members)
        new_sites = []
        for m in range(add.count):
            model_site = ds.sites[members[int(rng.integers(len(members)))]]
            new_sites.append(len(site_ids))
            site_ids.append(f"new-{i + 1}-{m + 1}")
            site_city.append(city_index[city])
            visitable.append(model_site.visitable)
            policy.append(policy_index[model_site.sla_policy])
            loc.append(len(locations))
            locations.append(_near(model_site.location, rng))
            weight.append(0.0)
        streams.append(
            ArrivalStream(
                f"clients:{i}:{_city_key(city)}",
                rate * per_client * add.count,
                np.array(new_sites),
                np.full(len(new_sites), 1.0 / len(new_sites)),
                thin=thin,
            )
        )
    if k > 1:
        # The added clients' demand is scaled directly: their stream is new anyway.
        streams = [s if not s.key.startswith("clients:") else _scaled(s, k) for s in streams]
    sites = SiteTable(
        ids=tuple(site_ids),
        city=np.array(site_city),
        cities=tuple(cities),
        visitable=np.array(visitable, dtype=bool),
        policy=np.array(policy),
        location=np.array(loc),
        weight=np.array(weight),
    )
    return sites, tuple(streams)


def _scaled(stream: ArrivalStream, k: float) -> ArrivalStream:
    return ArrivalStream(stream.key, stream.rate_per_hour * k, stream.sites, stream.site_p, 1.0)


def _near(location: Location, rng: np.random.Generator) -> Location:
    """A point about a kilometre from ``location`` (the same id for matrix locations)."""
    if location.lat is None or location.lon is None:
        return location
    return Location(
        lat=location.lat + float(rng.uniform(-1, 1)) * ADDED_SITE_JITTER_DEG,
        lon=location.lon + float(rng.uniform(-1, 1)) * ADDED_SITE_JITTER_DEG,
    )
