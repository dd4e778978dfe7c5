"""The local runner: executes a wavec-plan/1 document on this machine (``wavec run``)."""
