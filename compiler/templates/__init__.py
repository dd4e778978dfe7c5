"""Templates shipped with wavec: the starter file ``wavec init`` writes."""
