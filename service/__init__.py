"""wfm service: the edge (FastAPI, persistence, CLI). Depends on ``optimizer``, never the reverse."""
