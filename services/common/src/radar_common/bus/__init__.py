"""NATS JetStream runtime: topology, connection, publishing, the pull loop, dead letters."""
