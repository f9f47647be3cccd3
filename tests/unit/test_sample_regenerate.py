"""``wfm data generate`` is deterministic: the committed seed reproduces the committed files."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.io.sample import SAMPLE_DIR, SAMPLE_FILES, sample_texts, write_sample
from optimizer.samplegen import DEFAULT_SEED, SampleData, generate


@pytest.fixture(scope="module")
def default_sample() -> SampleData:
    """The sample generated with the committed seed."""
    return generate(DEFAULT_SEED)


def test_regenerating_with_the_committed_seed_gives_the_committed_files_byte_for_byte(
    default_sample: SampleData, tmp_path: Path
) -> None:
    written = write_sample(default_sample, tmp_path)
    assert sorted(p.name for p in written) == sorted(SAMPLE_FILES)
    for name in SAMPLE_FILES:
        assert (tmp_path / name).read_bytes() == (SAMPLE_DIR / name).read_bytes(), name


def test_another_seed_gives_other_sites_and_history() -> None:
    other = sample_texts(generate(7))
    committed = {name: (SAMPLE_DIR / name).read_text(encoding="utf-8") for name in SAMPLE_FILES}
    assert other["sites.csv"] != committed["sites.csv"]
    assert other["ticket_history.csv"] != committed["ticket_history.csv"]
    # The fixed facts do not depend on the seed.
    assert other["engineers.json"] == committed["engineers.json"]
    assert other["sla_policies.json"] == committed["sla_policies.json"]


def test_the_generated_sample_is_a_valid_dataset(default_sample: SampleData) -> None:
    ds = default_sample.dataset()
    assert len(ds.tickets) == len(default_sample.open_tickets)
    assert default_sample.seed == DEFAULT_SEED
