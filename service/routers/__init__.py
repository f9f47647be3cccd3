"""One router per resource, each with its prefix and tag, all under :data:`API_PREFIX`."""

API_PREFIX = "/api/v1"
