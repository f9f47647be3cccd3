"""wfm optimizer: the pure domain and engines (no web, no database, no I/O in engines)."""

__version__ = "0.1.0"
