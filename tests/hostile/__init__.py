"""Hostile input: schema fuzzing, parser fuzzing, authentication attacks."""
