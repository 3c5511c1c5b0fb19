{{/*
Names, labels and the shared pieces of the pod. The container and its volumes are named templates
so that the StatefulSet and the sidecar snippet (mode: sidecar) render the very same container.
*/}}

{{/* Fixed paths baked into the image and the config. */}}
{{- define "auditrelay.spoolMountPath" -}}/var/lib/auditrelay{{- end }}
{{- define "auditrelay.configDir" -}}/etc/auditrelay{{- end }}
{{- define "auditrelay.configFile" -}}/etc/auditrelay/auditrelay.yaml{{- end }}

{{- define "auditrelay.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "auditrelay.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "auditrelay.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "auditrelay.selectorLabels" -}}
app.kubernetes.io/name: {{ include "auditrelay.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "auditrelay.labels" -}}
helm.sh/chart: {{ include "auditrelay.chart" . }}
{{ include "auditrelay.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: forwarder
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "auditrelay.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "auditrelay.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "auditrelay.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
The effective auditrelay config: values.config plus the keys the chart derives (http.listen from
http.port, http.readiness "process" in mode: sidecar, geoip.databases from the geoip mount). Returned as YAML text; the ConfigMap stores it
and the pod's checksum/config annotation is its sha256.
*/}}
{{- define "auditrelay.configYaml" -}}
{{- $cfg := deepCopy (default (dict) .Values.config) }}
{{- $http := deepCopy (default (dict) (get $cfg "http")) }}
{{- if not (get $http "listen") }}
{{- $_ := set $http "listen" (printf "0.0.0.0:%v" .Values.http.port) }}
{{- end }}
{{- /* A sidecar's readiness is its host pod's: a sink backlog must not take the application out
of its Service, so the snippet's /readyz only says the process is up (the backlog is alerted on
from /metrics). The StatefulSet keeps auditrelay's default, pipeline. */}}
{{- if and (eq .Values.mode "sidecar") (not (hasKey $http "readiness")) }}
{{- $_ := set $http "readiness" "process" }}
{{- end }}
{{- $_ := set $cfg "http" $http }}
{{- if .Values.webhooks.enabled }}
{{- $webhooks := deepCopy (default (dict) (get $cfg "webhooks")) }}
{{- if not (get $webhooks "listen") }}
{{- $_ := set $webhooks "listen" (printf "0.0.0.0:%v" .Values.webhooks.port) }}
{{- end }}
{{- $_ := set $cfg "webhooks" $webhooks }}
{{- end }}
{{- if and .Values.geoip.enabled (not (hasKey $cfg "geoip")) }}
{{- $paths := list }}
{{- range .Values.geoip.databases }}
{{- $paths = append $paths (printf "%s/%s" (trimSuffix "/" $.Values.geoip.mountPath) .) }}
{{- end }}
{{- $_ := set $cfg "geoip" (dict "databases" $paths) }}
{{- end }}
{{- if .Values.cluster.enabled }}
{{- $_ := set $cfg "cluster" (include "auditrelay.clusterConfig" . | fromYaml) }}
{{- end }}
{{- toYaml $cfg }}
{{- end }}

{{/*
The config's `cluster:` block from the cluster.* values, in the keys auditrelay's config reads.
*/}}
{{- define "auditrelay.clusterConfig" -}}
{{- $c := .Values.cluster }}
{{- $kafka := dict "brokers" $c.kafka.brokers }}
{{- with $c.kafka.librdkafka }}
{{- $_ := set $kafka "librdkafka" . }}
{{- end }}
{{- $block := dict "kafka" $kafka "group" (default (include "auditrelay.fullname" .) $c.group) "stateTopic" $c.stateTopic "coordinationTopic" $c.coordinationTopic }}
{{- toYaml $block }}
{{- end }}

{{- define "auditrelay.configChecksum" -}}
{{- include "auditrelay.configYaml" . | sha256sum }}
{{- end }}

{{/*
Fail early, at render time, on values that would give a pod that cannot work. Types, enums and
unknown keys are checked by values.schema.json; these are the cross-field rules it cannot express.
*/}}
{{- define "auditrelay.validate" -}}
{{- $cfg := default (dict) .Values.config }}
{{- $spool := default (dict) (get $cfg "spool") }}
{{- $spoolDir := toString (default "" (get $spool "dir")) }}
{{- $mount := include "auditrelay.spoolMountPath" . }}
{{- if not (or (eq $spoolDir $mount) (hasPrefix (printf "%s/" $mount) $spoolDir)) }}
{{- fail (printf "config.spool.dir must be under %s (the only writable volume; the root filesystem is read-only), got %q" $mount $spoolDir) }}
{{- end }}
{{- $listen := toString (default "" (get (default (dict) (get $cfg "http")) "listen")) }}
{{- if and $listen (ne (last (splitList ":" $listen)) (toString .Values.http.port)) }}
{{- fail (printf "config.http.listen %q does not use http.port %v, which the probes and Services target" $listen .Values.http.port) }}
{{- end }}
{{- if .Values.webhooks.enabled }}
{{- $webhooksListen := toString (default "" (get (default (dict) (get $cfg "webhooks")) "listen")) }}
{{- if and $webhooksListen (ne (last (splitList ":" $webhooksListen)) (toString .Values.webhooks.port)) }}
{{- fail (printf "config.webhooks.listen %q does not use webhooks.port %v, which the webhook Service targets" $webhooksListen .Values.webhooks.port) }}
{{- end }}
{{- if eq (toString .Values.webhooks.port) (toString .Values.http.port) }}
{{- fail "webhooks.port must differ from http.port: the webhook listener is a port of its own" }}
{{- end }}
{{- end }}
{{- if .Values.geoip.enabled }}
{{- $sources := 0 }}
{{- if .Values.geoip.existingClaim }}{{ $sources = add1 $sources }}{{ end }}
{{- if .Values.geoip.hostPath.path }}{{ $sources = add1 $sources }}{{ end }}
{{- if .Values.geoip.image.reference }}{{ $sources = add1 $sources }}{{ end }}
{{- if .Values.geoip.volume }}{{ $sources = add1 $sources }}{{ end }}
{{- if ne $sources 1 }}
{{- fail (printf "geoip.enabled needs exactly one of geoip.existingClaim, geoip.hostPath.path, geoip.image.reference, geoip.volume; %d are set" $sources) }}
{{- end }}
{{- end }}
{{- if .Values.cluster.enabled }}
{{- if not .Values.cluster.kafka.brokers }}
{{- fail "cluster.enabled needs cluster.kafka.brokers: the replicas coordinate through Kafka" }}
{{- end }}
{{- if hasKey $cfg "cluster" }}
{{- fail "cluster.enabled renders the config's cluster block from the cluster.* values; remove config.cluster (set it in one place only)" }}
{{- end }}
{{- if eq .Values.cluster.stateTopic .Values.cluster.coordinationTopic }}
{{- fail (printf "cluster.stateTopic and cluster.coordinationTopic must differ (both are %q)" .Values.cluster.stateTopic) }}
{{- end }}
{{- end }}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.service.enabled) }}
{{- fail "metrics.serviceMonitor.enabled needs service.enabled: the ServiceMonitor scrapes the metrics Service" }}
{{- end }}
{{- end }}

{{/*
Name of the container port. A pod's port names must be unique, so the sidecar snippet uses its own
name (sidecar.portName) rather than the common "http" the host container may already use.
*/}}
{{- define "auditrelay.portName" -}}
{{- if eq .Values.mode "sidecar" }}{{ .Values.sidecar.portName }}{{ else }}http{{ end }}
{{- end }}

{{- define "auditrelay.httpProbe" -}}
{{- $probe := index . 0 }}
{{- $path := index . 1 }}
{{- $port := index . 2 -}}
httpGet:
  path: {{ $path }}
  port: {{ $port }}
  scheme: HTTP
{{- with $probe.initialDelaySeconds }}
initialDelaySeconds: {{ . }}
{{- end }}
periodSeconds: {{ $probe.periodSeconds }}
timeoutSeconds: {{ $probe.timeoutSeconds }}
failureThreshold: {{ $probe.failureThreshold }}
successThreshold: 1
{{- end }}

{{/*
The auditrelay container (a single list item's content, without the leading "-").
*/}}
{{- define "auditrelay.container" -}}
name: {{ .Values.sidecar.containerName }}
image: {{ include "auditrelay.image" . | quote }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
args:
  - run
  - --config
  - {{ include "auditrelay.configFile" . }}
{{- range .Values.extraArgs }}
  - {{ . | quote }}
{{- end }}
env:
  # The root filesystem is read-only; temporary files go to the /tmp emptyDir.
  - name: TMPDIR
    value: /tmp
{{- with .Values.extraEnv }}
{{ toYaml . | indent 2 }}
{{- end }}
{{- with .Values.extraEnvFrom }}
envFrom:
{{ toYaml . | indent 2 }}
{{- end }}
ports:
  - name: {{ include "auditrelay.portName" . }}
    containerPort: {{ .Values.http.port }}
    protocol: TCP
{{- if .Values.webhooks.enabled }}
  - name: webhooks
    containerPort: {{ .Values.webhooks.port }}
    protocol: TCP
{{- end }}
{{- if .Values.probes.startup.enabled }}
startupProbe:
{{ include "auditrelay.httpProbe" (list .Values.probes.startup "/healthz" (include "auditrelay.portName" .)) | indent 2 }}
{{- end }}
{{- if .Values.probes.liveness.enabled }}
livenessProbe:
{{ include "auditrelay.httpProbe" (list .Values.probes.liveness "/healthz" (include "auditrelay.portName" .)) | indent 2 }}
{{- end }}
{{- if .Values.probes.readiness.enabled }}
readinessProbe:
{{ include "auditrelay.httpProbe" (list .Values.probes.readiness "/readyz" (include "auditrelay.portName" .)) | indent 2 }}
{{- end }}
{{- with .Values.resources }}
resources:
{{ toYaml . | indent 2 }}
{{- end }}
{{- with .Values.securityContext }}
securityContext:
{{ toYaml . | indent 2 }}
{{- end }}
volumeMounts:
  - name: auditrelay-config
    mountPath: {{ include "auditrelay.configDir" . }}
    readOnly: true
  - name: auditrelay-spool
    mountPath: {{ include "auditrelay.spoolMountPath" . }}
  - name: auditrelay-tmp
    mountPath: /tmp
{{- range $i, $s := .Values.secrets }}
  - name: auditrelay-secret-{{ $i }}
    mountPath: /run/secrets/{{ $s.name }}
    readOnly: true
{{- end }}
{{- if .Values.geoip.enabled }}
  - name: auditrelay-geoip
    mountPath: {{ .Values.geoip.mountPath }}
    readOnly: true
{{- end }}
{{- end }}

{{/*
The container as a native sidecar (initContainers entry with restartPolicy: Always) or a plain
container, per sidecar.native. Render it with `include "auditrelay.sidecarContainer" .`.
*/}}
{{- define "auditrelay.sidecarContainer" -}}
{{ include "auditrelay.container" . }}
{{- if .Values.sidecar.native }}
restartPolicy: Always
{{- end }}
{{- end }}

{{/*
Pod volumes (a YAML list). `spool` is true when the spool is an emptyDir rather than a PVC.
Called with (dict "ctx" $ "spool" bool).
*/}}
{{- define "auditrelay.volumes" -}}
{{- $ := .ctx -}}
- name: auditrelay-config
  configMap:
    name: {{ include "auditrelay.fullname" $ }}
    items:
      - key: auditrelay.yaml
        path: auditrelay.yaml
- name: auditrelay-tmp
  emptyDir:
    sizeLimit: {{ $.Values.tmpSizeLimit }}
{{- if .spool }}
- name: auditrelay-spool
  emptyDir:
    {{- with $.Values.persistence.emptyDir.medium }}
    medium: {{ . }}
    {{- end }}
    {{- with $.Values.persistence.emptyDir.sizeLimit }}
    sizeLimit: {{ . }}
    {{- end }}
{{- end }}
{{- range $i, $s := $.Values.secrets }}
# Secret {{ $s.name | quote }}: files under /run/secrets/{{ $s.name }}/
- name: auditrelay-secret-{{ $i }}
  secret:
    secretName: {{ $s.name }}
    defaultMode: {{ $.Values.secretsDefaultMode }}
    {{- with $s.items }}
    items:
{{ toYaml . | indent 6 }}
    {{- end }}
    {{- if hasKey $s "optional" }}
    optional: {{ $s.optional }}
    {{- end }}
{{- end }}
{{- if $.Values.geoip.enabled }}
{{- $g := $.Values.geoip }}
- name: auditrelay-geoip
{{- if $g.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ $g.existingClaim }}
    readOnly: true
{{- else if $g.hostPath.path }}
  hostPath:
    path: {{ $g.hostPath.path }}
    type: {{ $g.hostPath.type }}
{{- else if $g.image.reference }}
  image:
    reference: {{ $g.image.reference }}
    pullPolicy: {{ $g.image.pullPolicy }}
{{- else }}
{{ toYaml $g.volume | indent 2 }}
{{- end }}
{{- end }}
{{- end }}
