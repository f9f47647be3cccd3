"""Customer sites: cities by fixed shares, coordinates around district centres on the correct
bank of the Volga, synthetic Russian customer names and addresses, an SLA policy each."""

from __future__ import annotations

import numpy as np

from optimizer.domain import Location, Site
from optimizer.samplegen.catalog import (
    CITY_RU,
    CITY_SHARES,
    CLINIC_NAMES,
    DISTRICT_SPREAD_DEG,
    ENGELS_BOX,
    ENGELS_DISTRICTS,
    ENGELS_STREETS,
    LEGAL_FORMS,
    NAME_STEMS,
    NAME_SUFFIXES,
    OTHER_CITIES,
    OTHER_CITY_SPREAD_DEG,
    OTHER_STREETS,
    POLICY_SHARES,
    SARATOV_BOX,
    SARATOV_DISTRICTS,
    SARATOV_STREETS,
    SITE_COUNT,
    SURNAMES_IP,
    District,
)

COORD_DECIMALS = 5
"""Coordinates are rounded to 1e-5 degree (about 1 m), as written in sites.csv."""

LON_STRETCH = 1.6
"""At latitude 51.5° a degree of longitude is 0.62 of a degree of latitude: spread ×1.6."""

MAX_REDRAWS = 100


def exact_counts(total: int, shares: dict[str, float]) -> dict[str, int]:
    """Split ``total`` by ``shares`` into integers (largest remainders), summing to ``total``."""
    raw = {k: total * v for k, v in shares.items()}
    counts = {k: int(np.floor(x)) for k, x in raw.items()}
    left = total - sum(counts.values())
    for k in sorted(raw, key=lambda k: (counts[k] - raw[k], k))[:left]:
        counts[k] += 1
    return counts


def generate_sites(rng: np.random.Generator) -> list[Site]:
    """``SITE_COUNT`` sites: 65% Saratov, 20% Engels, 15% other cities; shuffled ids."""
    counts = exact_counts(SITE_COUNT, CITY_SHARES)
    cities: list[str] = ["Saratov"] * counts["Saratov"] + ["Engels"] * counts["Engels"]
    other_names = [c[0] for c in OTHER_CITIES]
    other_w = np.array([c[3] for c in OTHER_CITIES], dtype=float)
    cities += [
        other_names[i]
        for i in rng.choice(len(OTHER_CITIES), counts["other"], p=other_w / other_w.sum())
    ]
    order = rng.permutation(len(cities))
    cities = [cities[i] for i in order]
    policies = assign_policies(rng, len(cities))
    customers = customer_names(rng, len(cities))
    sites = []
    for i, (city, policy, customer) in enumerate(zip(cities, policies, customers, strict=True)):
        lat, lon = site_coordinates(rng, city)
        sites.append(
            Site(
                id=f"s{i + 1:03d}",
                customer=customer,
                address=site_address(rng, city),
                city=city,
                location=Location(lat=lat, lon=lon),
                sla_policy=policy,
            )
        )
    return sites


def assign_policies(rng: np.random.Generator, n: int) -> list[str]:
    """SLA policies by fixed shares (standard 70%, premium 15%, 24x7 15%), shuffled."""
    counts = exact_counts(n, POLICY_SHARES)
    policies = [p for p, c in counts.items() for _ in range(c)]
    return [policies[i] for i in rng.permutation(n)]


def site_coordinates(rng: np.random.Generator, city: str) -> tuple[float, float]:
    """A point near a district centre of the city; in Saratov and Engels redrawn until it lies
    inside the city's box on its bank of the Volga."""
    if city in ("Saratov", "Engels"):
        districts = SARATOV_DISTRICTS if city == "Saratov" else ENGELS_DISTRICTS
        (lat_lo, lat_hi), (lon_lo, lon_hi) = SARATOV_BOX if city == "Saratov" else ENGELS_BOX
        for _ in range(MAX_REDRAWS):
            d = pick_district(rng, districts)
            lat = d.lat + float(rng.normal(0, DISTRICT_SPREAD_DEG))
            lon = d.lon + float(rng.normal(0, DISTRICT_SPREAD_DEG * LON_STRETCH))
            if lat_lo <= lat <= lat_hi and lon_lo <= lon <= lon_hi:
                break
        lat, lon = min(max(lat, lat_lo), lat_hi), min(max(lon, lon_lo), lon_hi)
    else:
        _, clat, clon, _ = next(c for c in OTHER_CITIES if c[0] == city)
        lat = clat + float(rng.normal(0, OTHER_CITY_SPREAD_DEG))
        lon = clon + float(rng.normal(0, OTHER_CITY_SPREAD_DEG * LON_STRETCH))
    return round(lat, COORD_DECIMALS), round(lon, COORD_DECIMALS)


def pick_district(rng: np.random.Generator, districts: tuple[District, ...]) -> District:
    """A district drawn by its weight (more sites in the big central districts)."""
    w = np.array([d.weight for d in districts], dtype=float)
    return districts[int(rng.choice(len(districts), p=w / w.sum()))]


def site_address(rng: np.random.Generator, city: str) -> str:
    """A street address in Russian: ``г. Саратов, ул. Московская, 12``."""
    streets = (
        SARATOV_STREETS
        if city == "Saratov"
        else ENGELS_STREETS
        if city == "Engels"
        else OTHER_STREETS
    )
    street = streets[int(rng.integers(len(streets)))]
    house = int(rng.integers(1, 180))
    return f"г. {CITY_RU[city]}, {street}, {house}"


def customer_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` customer names; a few chains own several sites (the same customer name)."""
    names: list[str] = []
    forms = [f for f, _ in LEGAL_FORMS]
    form_p = np.array([p for _, p in LEGAL_FORMS])
    while len(names) < n:
        if names and rng.random() < 0.08:
            names.append(names[int(rng.integers(len(names)))])
            continue
        form = forms[int(rng.choice(len(forms), p=form_p))]
        names.append(customer_name(rng, form))
    return names


def customer_name(rng: np.random.Generator, form: str) -> str:
    """One synthetic name of a legal form: ООО «ВолгаТрейд», ИП Карпов А. В., ГАУЗ «...»."""
    if form == "ИП":
        return f"ИП {SURNAMES_IP[int(rng.integers(len(SURNAMES_IP)))]}"
    if form == "ГАУЗ":
        clinic = CLINIC_NAMES[int(rng.integers(len(CLINIC_NAMES)))]
        return f"ГАУЗ «{clinic} № {int(rng.integers(1, 30))}»"
    stem = NAME_STEMS[int(rng.integers(len(NAME_STEMS)))]
    suffix = NAME_SUFFIXES[int(rng.integers(len(NAME_SUFFIXES)))]
    return f"{form} «{stem}{suffix.lower() if rng.random() < 0.3 else suffix}»"
