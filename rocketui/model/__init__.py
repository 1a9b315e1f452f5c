"""The cluster model and its YAML loading: typed, validated, pure (no I/O beyond reading the file)."""
