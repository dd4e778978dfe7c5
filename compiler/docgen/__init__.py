"""docgen."""
