"""Background jobs: long work for large challenges, on RQ when Redis is configured."""
