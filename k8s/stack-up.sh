#!/usr/bin/env bash
# One-shot environment without Tilt: NATS (JetStream, 3 nodes), KEDA, kube-prometheus-stack,
# a dev PostgreSQL, then Radar from the images in $RADAR_REGISTRY (default: the kind registry).
# Usage: k8s/stack-up.sh [extra helm flags for the radar chart]
set -euo pipefail
cd "$(dirname "$0")/.."
HELM="${HELM:-helm}"
NS="${RADAR_NAMESPACE:-radar}"
REGISTRY="${RADAR_REGISTRY:-localhost:5005}"
TAG="${RADAR_TAG:-dev}"

"$HELM" repo add nats https://nats-io.github.io/k8s/helm/charts/ --force-update >/dev/null
"$HELM" repo add kedacore https://kedacore.github.io/charts --force-update >/dev/null
"$HELM" repo add prometheus-community https://prometheus-community.github.io/helm-charts --force-update >/dev/null
"$HELM" repo update >/dev/null

kubectl apply -f k8s/stack/namespaces.yaml
"$HELM" upgrade --install nats nats/nats -n "$NS" --wait \
  -f k8s/stack/nats-values.yaml -f k8s/stack/nats-values-dev.yaml
"$HELM" upgrade --install keda kedacore/keda -n keda --create-namespace --wait \
  -f k8s/stack/keda-values.yaml
"$HELM" upgrade --install monitoring prometheus-community/kube-prometheus-stack \
  -n monitoring --create-namespace --wait -f k8s/stack/monitoring-values.yaml
kubectl apply -f k8s/stack/postgres.yaml
kubectl -n "$NS" rollout status statefulset/radar-postgres --timeout=180s

# Capabilities are detected from the cluster here (KEDA and the Prometheus Operator are in).
"$HELM" upgrade --install radar charts/radar -n "$NS" --wait --timeout 10m \
  -f k8s/values-dev.yaml \
  --set capabilities.keda=auto --set capabilities.serviceMonitor=auto \
  --set capabilities.prometheusRule=auto --set bootstrap.enabled=true --set tests.enabled=true \
  --set image.registry="$REGISTRY" --set image.tag="$TAG" "$@"
"$HELM" test radar -n "$NS" --logs
