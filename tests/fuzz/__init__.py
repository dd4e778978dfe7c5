"""Property-based fuzzing of the front end (and of fmt and the targets when they exist)."""
