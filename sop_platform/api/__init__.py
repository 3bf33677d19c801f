"""The REST API under /api/v1/: bulk loads of every input resource, schema and docs."""
