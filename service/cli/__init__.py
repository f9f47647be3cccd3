"""The ``wfm`` command line: one entry point calling the same engine functions as the API."""
