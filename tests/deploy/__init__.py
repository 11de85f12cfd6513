"""Checks of the Kubernetes delivery: chart, images, Tiltfile, KEDA contract (issue 9)."""
