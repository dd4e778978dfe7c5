"""Reports of a rollout plan: the text table, the JSON document, the HTML page; graph exports."""
