"""Import and export: CSV / JSON tables of the contract models and the sample data set."""

from optimizer.io.sample import (
    SAMPLE_DIR,
    SAMPLE_NOW,
    load_open_tickets,
    load_sample,
    load_sample_dataset,
    load_ticket_history,
    read_absences_csv,
    read_engineers_json,
    read_open_tickets_json,
    read_shift_templates_json,
    read_sites_csv,
    read_sla_policies_json,
    read_ticket_history_csv,
    sample_dir,
    write_sample,
)

__all__ = [
    "SAMPLE_DIR",
    "SAMPLE_NOW",
    "load_open_tickets",
    "load_sample",
    "load_sample_dataset",
    "load_ticket_history",
    "read_absences_csv",
    "read_engineers_json",
    "read_open_tickets_json",
    "read_shift_templates_json",
    "read_sites_csv",
    "read_sla_policies_json",
    "read_ticket_history_csv",
    "sample_dir",
    "write_sample",
]
