"""Photo uploads: validate, strip metadata, resize (pipeline) and store on disk (storage)."""
