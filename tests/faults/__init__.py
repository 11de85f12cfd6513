"""Fault injection: real processes killed, servers stopped, receivers failing."""
