"""wfm service: the edge (FastAPI, persistence, CLI); depends on ``optimizer``, not back."""
