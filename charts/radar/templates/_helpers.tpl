{{/* Names ------------------------------------------------------------------------------ */}}
{{- define "radar.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "radar.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "radar.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels: pass (dict "root" $ "component" "ingestion") ---------------------------------- */}}
{{- define "radar.selectorLabels" -}}
app.kubernetes.io/name: {{ include "radar.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end -}}

{{- define "radar.labels" -}}
helm.sh/chart: {{ include "radar.chart" .root }}
{{ include "radar.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: radar
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "radar.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "radar.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "radar.secretName" -}}
{{- default (printf "%s-secrets" (include "radar.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* Image of a service: (dict "root" $ "service" "ingestion"), and "variant" "crew" for the
     image built with that extra (`make images` tags it <tag>-<extra>). */}}
{{- define "radar.image" -}}
{{- $img := .root.Values.image -}}
{{- $repo := printf "%s%s" $img.repositoryPrefix .service -}}
{{- if $img.registry }}{{ $repo = printf "%s/%s" (trimSuffix "/" $img.registry) $repo }}{{ end -}}
{{- if $img.digest -}}
{{- printf "%s@%s" $repo $img.digest -}}
{{- else -}}
{{- $tag := default .root.Chart.AppVersion $img.tag -}}
{{- if .variant }}{{ $tag = printf "%s-%s" $tag .variant }}{{ end -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}
{{- end -}}

{{/* Capabilities: "auto" asks the cluster, true/false override ------------------------------ */}}
{{- define "radar.capability" -}}
{{- $v := index .root.Values.capabilities .name -}}
{{- if eq (toString $v) "auto" -}}
{{- if .root.Capabilities.APIVersions.Has .api -}}true{{- end -}}
{{- else if $v -}}true{{- end -}}
{{- end -}}

{{- define "radar.kedaEnabled" -}}
{{- include "radar.capability" (dict "root" . "name" "keda" "api" "keda.sh/v1alpha1/ScaledObject") -}}
{{- end -}}

{{- define "radar.serviceMonitorEnabled" -}}
{{- include "radar.capability" (dict "root" . "name" "serviceMonitor" "api" "monitoring.coreos.com/v1/ServiceMonitor") -}}
{{- end -}}

{{- define "radar.prometheusRuleEnabled" -}}
{{- include "radar.capability" (dict "root" . "name" "prometheusRule" "api" "monitoring.coreos.com/v1/PrometheusRule") -}}
{{- end -}}

{{/* The services and what sets them apart. llmExtra: with an LLM model configured, the service
     runs the image built with that extra (inference: crewai, radar-inference:<tag>-crew).
     singleton: one replica works under a lease (never autoscaled). nats: false for a service
     that never connects to NATS (no NATS credentials, files or egress).
     moreConsumers: durable consumers the worker pulls from beside its stage's own; its
     ScaledObject has a trigger on each (radar_common.bus.topology.Topology.consumers_of). */}}
{{- define "radar.services" -}}
ingestion: {module: radar_ingestion, worker: false}
normalizer: {module: radar_normalizer, worker: true, stream: EVENTS, consumer: normalizer}
inference: {module: radar_inference, worker: true, stream: NOTICES, consumer: inference, llmExtra: crew, moreConsumers: [{stream: WORK, consumer: inference-work}]}
notifier: {module: radar_notifier, worker: true, stream: ASSESSMENTS, consumer: notifier}
console: {module: radar_console, worker: false}
watcher: {module: radar_watcher, worker: false, singleton: true, nats: false}
{{- end -}}

{{/* Secret variables each service receives (least privilege); true = required. */}}
{{- define "radar.secretEnv" -}}
ingestion: {RADAR_DATABASE_URL: true, RADAR_API_KEYS: false, RADAR_WEBHOOK_SECRET: false, RADAR_MAILGUN_SIGNING_KEY: false}
normalizer: {RADAR_DATABASE_URL: true}
inference: {RADAR_DATABASE_URL: true, RADAR_LLM_API_KEY: false}
notifier: {RADAR_DATABASE_URL: true, RADAR_SLACK_WEBHOOK_URL: false, RADAR_TEAMS_WEBHOOK_URL: false, RADAR_WEBHOOK_URL: false, RADAR_WEBHOOK_SIGNING_SECRET: false, RADAR_SMTP_URL: false}
console: {RADAR_DATABASE_URL: true, RADAR_CONSOLE_SESSION_SECRET: false, RADAR_OIDC_CLIENT_SECRET: false, RADAR_CONSOLE_DEV_TOKEN: false}
watcher: {RADAR_DATABASE_URL: true, RADAR_WATCHER_API_KEY: false, RADAR_NEXAR_CLIENT_SECRET: false, RADAR_SILICONEXPERT_API_KEY: false, RADAR_DIGIKEY_CLIENT_SECRET: false, RADAR_MOUSER_API_KEY: false}
bootstrap: {RADAR_DATABASE_URL: true}
{{- end -}}

{{/* env entries for the secret variables of one service: (dict "root" $ "service" "x") */}}
{{- define "radar.secretEnvVars" -}}
{{- $root := .root -}}
{{- $vars := index (include "radar.secretEnv" . | fromYaml) .service -}}
{{- $llm := (index $root.Values .service | default dict).llm | default dict -}}
{{- if and (eq .service "normalizer") $llm.enabled }}{{ $_ := set $vars "RADAR_LLM_API_KEY" false }}{{ end -}}
{{- /* Every process that talks to NATS: its credentials, and its URL when that is a secret. */}}
{{- $meta := index (include "radar.services" $root | fromYaml) .service | default dict -}}
{{- if dig "nats" true $meta }}
{{- range $var := list "RADAR_NATS_USER" "RADAR_NATS_PASSWORD" "RADAR_NATS_TOKEN" }}{{ $_ := set $vars $var false }}{{ end -}}
{{- if $root.Values.nats.urlFromSecret }}{{ $_ := set $vars "RADAR_NATS_URL" true }}{{ end -}}
{{- end }}
{{- range $var := keys $vars | sortAlpha }}
{{- $required := index $vars $var }}
{{- $ref := index $root.Values.secrets.refs $var | default dict }}
- name: {{ $var }}
  valueFrom:
    secretKeyRef:
      name: {{ $ref.name | default (include "radar.secretName" $root) }}
      key: {{ $ref.key | default $var }}
      {{- if not $required }}
      optional: true
      {{- end }}
{{- end }}
{{- end -}}

{{/* Merged settings of one service: workerDefaults/defaults under the service's own values */}}
{{- define "radar.serviceValues" -}}
{{- $own := index .root.Values .service | deepCopy -}}
{{- $merged := mergeOverwrite (deepCopy .root.Values.defaults) $own -}}
{{- toYaml $merged -}}
{{- end -}}

{{- define "radar.stream" -}}
{{- printf "%s_%s" .root.Values.topology.streamPrefix .stream -}}
{{- end -}}

{{/* How a worker is scaled: keda | hpa | fixed */}}
{{- define "radar.workerScaling" -}}
{{- if include "radar.kedaEnabled" .root -}}keda{{- else -}}{{ .root.Values.workerDefaults.withoutKeda }}{{- end -}}
{{- end -}}

{{- define "radar.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext -}}
{{- end -}}

{{/* Settings shared by every service (the ConfigMap, and the bootstrap Job inline) */}}
{{- define "radar.sharedConfig" -}}
{{- if not .Values.nats.urlFromSecret }}
{{- if regexMatch "^[a-z]+://[^/]*@" .Values.nats.url }}
{{- fail "nats.url carries credentials: put the URL in the Secret as RADAR_NATS_URL and set nats.urlFromSecret=true" }}
{{- end }}
RADAR_NATS_URL: {{ .Values.nats.url | quote }}
{{- end }}
RADAR_STREAM_PREFIX: {{ .Values.topology.streamPrefix | quote }}
RADAR_SUBJECT_PREFIX: {{ .Values.topology.subjectPrefix | quote }}
RADAR_HTTP_HOST: "0.0.0.0"
RADAR_HTTP_PORT: {{ .Values.defaults.containerPort | quote }}
RADAR_LOG_LEVEL: {{ .Values.config.logLevel | quote }}
RADAR_LOG_JSON: {{ .Values.config.logJson | toString | quote }}
RADAR_HTTP_MAX_HEADER_BYTES: {{ .Values.config.http.maxHeaderBytes | int | quote }}
RADAR_HTTP_MAX_HEADERS: {{ .Values.config.http.maxHeaders | int | quote }}
RADAR_HTTP_HEADER_TIMEOUT_SECONDS: {{ include "radar.envString" .Values.config.http.headerTimeoutSeconds | quote }}
RADAR_PUBLIC_URL: {{ .Values.config.publicUrl | default (printf "http://%s-ingestion.%s.svc:%v" (include "radar.fullname" .) .Release.Namespace .Values.ingestion.service.port) | quote }}
{{- with .Values.config.consoleUrl }}
RADAR_CONSOLE_URL: {{ . | quote }}
{{- end }}
{{- with .Values.config.otlpEndpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ . | quote }}
{{- end }}
{{- range $k, $v := .Values.config.extraEnv }}
{{ $k }}: {{ include "radar.envString" $v | quote }}
{{- end }}
{{- end -}}

{{/* A value as an env string. YAML numbers reach templates as float64, and toString would
     write 31457280 as "3.145728e+07", which an int setting refuses: whole numbers print bare. */}}
{{- define "radar.envString" -}}
{{- if and (kindIs "float64" .) (eq . (float64 (int64 .))) -}}
{{- int64 . -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}

{{/* Where the notifier reads its routing table (RADAR_ROUTES_FILE). */}}
{{- define "radar.routesDir" -}}/etc/radar/routes{{- end -}}

{{/* The notifier's routing source: (dict "name" <ConfigMap> "key" <key>), or {} when none. */}}
{{- define "radar.routesSource" -}}
{{- $routing := .Values.notifier.routing | default dict -}}
{{- if $routing.existingConfigMap -}}
{{- toYaml (dict "name" $routing.existingConfigMap "key" ($routing.key | default "routes.yaml")) -}}
{{- else if $routing.table -}}
{{- toYaml (dict "name" (printf "%s-notifier-routes" (include "radar.fullname" .)) "key" "routes.yaml") -}}
{{- else -}}
{{- toYaml dict -}}
{{- end -}}
{{- end -}}

{{/* Settings of one service (its <release>-<service>-config ConfigMap):
     (dict "root" $ "service" "x" "values" <merged service values>).
     `settings` keys are the settings' names in camelCase (stepTimeoutSeconds ->
     RADAR_STEP_TIMEOUT_SECONDS). Null and empty values are left out, so the service keeps its
     own default: "" is not "unset" for every setting (RADAR_SMTP_FROM, numbers). */}}
{{- define "radar.serviceConfig" -}}
{{- $root := .root -}}
{{- $v := .values -}}
{{- range $k, $val := $v.settings | default dict }}
{{- if not (or (kindIs "invalid" $val) (and (kindIs "string" $val) (eq (trim $val) ""))) }}
RADAR_{{ $k | snakecase | upper }}: {{ include "radar.envString" $val | quote }}
{{- end }}
{{- end }}
{{- /* One OpenAI-compatible endpoint (config.llm) for the services that use one; a service's
       own llm.model/baseUrl win. The normalizer's pass is opt-in (normalizer.llm.enabled). */}}
{{- if and $v.llm $v.llm.enabled }}
{{- with $v.llm.model | default $root.Values.config.llm.model }}
RADAR_LLM_MODEL: {{ . | quote }}
{{- end }}
{{- with $v.llm.baseUrl | default $root.Values.config.llm.baseUrl }}
RADAR_LLM_BASE_URL: {{ . | quote }}
{{- end }}
{{- end }}
{{- if and (eq .service "watcher") (not ($v.settings | default dict).ingestUrl) }}
{{- /* Changes go to ingestion inside the cluster, whatever public URL callers use. */}}
RADAR_INGEST_URL: {{ printf "http://%s-ingestion.%s.svc:%v" (include "radar.fullname" $root) $root.Release.Namespace $root.Values.ingestion.service.port | quote }}
{{- end }}
{{- if eq .service "notifier" }}
{{- if include "radar.routesSource" $root | fromYaml }}
RADAR_ROUTES_FILE: {{ printf "%s/routes.yaml" (include "radar.routesDir" $root) | quote }}
{{- end }}
{{- end }}
{{- end -}}


{{/* NATS files from Secrets (creds / nkey seed, CA bundle, client certificate): the volumes,
     their read-only mounts and the variables that point at them. Pass the root context. */}}
{{- define "radar.natsCredentialsDir" -}}/etc/radar/nats/credentials{{- end -}}
{{- define "radar.natsTlsDir" -}}/etc/radar/nats/tls{{- end -}}

{{- define "radar.natsVolumes" -}}
{{- with .Values.nats.credentials.secretName }}
- name: nats-credentials
  secret:
    secretName: {{ . }}
    defaultMode: 0440
{{- end }}
{{- with .Values.nats.tls.secretName }}
- name: nats-tls
  secret:
    secretName: {{ . }}
    defaultMode: 0440
{{- end }}
{{- end -}}

{{- define "radar.natsMounts" -}}
{{- if .Values.nats.credentials.secretName }}
- name: nats-credentials
  mountPath: {{ include "radar.natsCredentialsDir" . }}
  readOnly: true
{{- end }}
{{- if .Values.nats.tls.secretName }}
- name: nats-tls
  mountPath: {{ include "radar.natsTlsDir" . }}
  readOnly: true
{{- end }}
{{- end -}}

{{- define "radar.natsFileEnv" -}}
{{- $creds := .Values.nats.credentials -}}
{{- $tls := .Values.nats.tls -}}
{{- if $creds.secretName }}
{{- with $creds.credsKey }}
- name: RADAR_NATS_CREDS_FILE
  value: {{ printf "%s/%s" (include "radar.natsCredentialsDir" $) . | quote }}
{{- end }}
{{- with $creds.nkeySeedKey }}
- name: RADAR_NATS_NKEY_SEED_FILE
  value: {{ printf "%s/%s" (include "radar.natsCredentialsDir" $) . | quote }}
{{- end }}
{{- end }}
{{- if $tls.secretName }}
{{- range $var, $key := dict "RADAR_NATS_TLS_CA_FILE" $tls.caKey "RADAR_NATS_TLS_CERT_FILE" $tls.certKey "RADAR_NATS_TLS_KEY_FILE" $tls.keyKey }}
{{- if $key }}
- name: {{ $var }}
  value: {{ printf "%s/%s" (include "radar.natsTlsDir" $) $key | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}
