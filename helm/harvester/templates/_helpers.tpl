{{/* ------------------------------------------------------------------ names */}}

{{- define "harvester.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: release-chart, or the release name alone when it already holds the chart name.
Truncated to 40 characters so that "<fullname>-worker-finalize-metrics"-style names stay
within the 63 characters of a DNS label.
*/}}
{{- define "harvester.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "harvester.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* ------------------------------------------------------------------ labels */}}

{{- define "harvester.selectorLabels" -}}
app.kubernetes.io/name: {{ include "harvester.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Standard labels of every resource. */}}
{{- define "harvester.labels" -}}
helm.sh/chart: {{ include "harvester.chart" . }}
{{ include "harvester.selectorLabels" . }}
app.kubernetes.io/version: {{ (default .Chart.AppVersion .Values.image.tag) | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: harvester
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Labels of one component (scheduler, worker-gather, worker-item, worker-finalize).
Call with (dict "root" $ "component" "worker-item").
*/}}
{{- define "harvester.componentLabels" -}}
{{ include "harvester.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "harvester.componentSelectorLabels" -}}
{{ include "harvester.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
Label of the metrics Services whose value the ServiceMonitor copies into the Prometheus `job`
label (jobLabel): harvest-scheduler or harvest-worker.
*/}}
{{- define "harvester.jobLabelKey" -}}
harvester.udata/job
{{- end }}

{{/* Label that the ServiceMonitor selects the metrics Services by. */}}
{{- define "harvester.metricsLabelKey" -}}
harvester.udata/metrics
{{- end }}

{{/* Pod label naming the kind of process, shared by the pods of every worker role. */}}
{{- define "harvester.processLabelKey" -}}
harvester.udata/process
{{- end }}

{{/* ------------------------------------------------------------------ references */}}

{{- define "harvester.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "harvester.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "harvester.secretName" -}}
{{- if .Values.secret.existingSecret }}
{{- .Values.secret.existingSecret }}
{{- else }}
{{- include "harvester.fullname" . }}
{{- end }}
{{- end }}

{{- define "harvester.configMapName" -}}
{{- include "harvester.fullname" . }}-config
{{- end }}

{{- define "harvester.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* Prefix of the queue names: config.amqp.prefix, "harvest." by default. */}}
{{- define "harvester.queuePrefix" -}}
{{- $amqp := (default dict .Values.config.amqp) }}
{{- hasKey $amqp "prefix" | ternary $amqp.prefix "harvest." }}
{{- end }}

{{/* Secret key of the host KEDA's RabbitMQ scaler connects to. */}}
{{- define "harvester.kedaHostKey" -}}
{{- if .Values.keda.hostSecretKey }}
{{- .Values.keda.hostSecretKey }}
{{- else if eq .Values.keda.protocol "http" }}
{{- .Values.secret.keys.managementUrl }}
{{- else }}
{{- .Values.secret.keys.amqpUrl }}
{{- end }}
{{- end }}

{{- define "harvester.terminationGracePeriodSeconds" -}}
{{- add (int .Values.shutdownGraceSeconds) 10 }}
{{- end }}

{{/* The worker roles, in a fixed order. */}}
{{- define "harvester.workerRoles" -}}
gather item finalize
{{- end }}

{{/* ------------------------------------------------------------------ harvest.toml */}}

{{/*
One TOML value: strings quoted (JSON escapes are valid TOML basic-string escapes), booleans
as is, integral numbers without a fraction (Helm reads every YAML number as a float), lists
recursively.
*/}}
{{- define "harvester.tomlValue" -}}
{{- $v := . }}
{{- if kindIs "string" $v }}
{{- toJson $v }}
{{- else if kindIs "bool" $v }}
{{- ternary "true" "false" $v }}
{{- else if or (kindIs "int" $v) (kindIs "int64" $v) }}
{{- $v }}
{{- else if kindIs "float64" $v }}
{{- if eq (floor $v) $v }}{{ int64 $v }}{{ else }}{{ $v }}{{ end }}
{{- else if kindIs "slice" $v }}
{{- $items := list }}
{{- range $v }}{{ $items = append $items (include "harvester.tomlValue" .) }}{{ end }}
{{- printf "[%s]" (join ", " $items) }}
{{- else if kindIs "invalid" $v }}
{{- fail "harvest.toml: null values are not allowed in config" }}
{{- else }}
{{- fail (printf "harvest.toml: unsupported value %v (%s)" $v (kindOf $v)) }}
{{- end }}
{{- end }}

{{/*
harvest.toml from .Values.config, with the keys the chart owns set here: metrics.bind and
api.bind listen on every interface of the pod.
*/}}
{{- define "harvester.toml" -}}
{{- $cfg := deepCopy (default dict .Values.config) }}
{{- $metrics := default dict (get $cfg "metrics") }}
{{- $_ := set $metrics "bind" (printf "0.0.0.0:%d" (int .Values.metrics.port)) }}
{{- $_ := set $cfg "metrics" $metrics }}
{{- $api := default dict (get $cfg "api") }}
{{- $_ := set $api "bind" (printf "0.0.0.0:%d" (int .Values.scheduler.apiPort)) }}
{{- $_ := set $cfg "api" $api }}
{{- $worker := default dict (get $cfg "worker") }}
{{- $_ := set $worker "shutdown_grace_secs" (int .Values.shutdownGraceSeconds) }}
{{- $_ := set $cfg "worker" $worker }}
# Rendered by the harvester Helm chart from .Values.config; HARVEST__* variables override it.
{{- range $section := keys $cfg | sortAlpha }}
{{- $table := get $cfg $section }}
{{- if not (kindIs "map" $table) }}
{{- fail (printf "config.%s must be a table of settings" $section) }}
{{- end }}

[{{ $section }}]
{{- range $key := keys $table | sortAlpha }}
{{ $key }} = {{ include "harvester.tomlValue" (get $table $key) }}
{{- end }}
{{- end }}
{{- end }}

{{/* ------------------------------------------------------------------ pods */}}

{{/* Environment shared by every container. */}}
{{- define "harvester.commonEnv" -}}
- name: HARVEST__AMQP__URL
  valueFrom:
    secretKeyRef:
      name: {{ include "harvester.secretName" . }}
      key: {{ .Values.secret.keys.amqpUrl }}
- name: HARVEST__MONGODB__URI
  valueFrom:
    secretKeyRef:
      name: {{ include "harvester.secretName" . }}
      key: {{ .Values.secret.keys.mongodbUri }}
- name: HARVEST__METRICS__BIND
  value: {{ printf "0.0.0.0:%d" (int .Values.metrics.port) | quote }}
- name: HARVEST__WORKER__SHUTDOWN_GRACE_SECS
  value: {{ .Values.shutdownGraceSeconds | int | quote }}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
{{- end }}

{{/*
A Deployment of one component. Call with a dict:
  root        the chart context ($)
  component   scheduler | worker-<role>
  process     harvest-scheduler | harvest-worker (also the Prometheus job)
  values      the component's values (.Values.scheduler or .Values.workers.<role>)
  args        container arguments (list)
  env         extra env entries of this component (list of EnvVar)
  ports       extra container ports (list of ContainerPort)
  autoscaled  true when KEDA or an HPA owns the replica count
*/}}
{{- define "harvester.deployment" -}}
{{- $root := .root }}
{{- $v := .values }}
{{- $ctx := dict "root" $root "component" .component }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "harvester.fullname" $root }}-{{ .component }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "harvester.componentLabels" $ctx | nindent 4 }}
    {{ include "harvester.processLabelKey" $root }}: {{ .process }}
spec:
  {{- if not .autoscaled }}
  replicas: {{ $v.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "harvester.componentSelectorLabels" $ctx | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "harvester.componentLabels" $ctx | nindent 8 }}
        {{ include "harvester.processLabelKey" $root }}: {{ .process }}
        {{- with (merge (dict) (default dict $v.podLabels) (default dict $root.Values.podLabels)) }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ include "harvester.toml" $root | sha256sum }}
        {{- if not $root.Values.secret.existingSecret }}
        checksum/secret: {{ include (print $root.Template.BasePath "/secret.yaml") $root | sha256sum }}
        {{- end }}
        {{- with (merge (dict) (default dict $v.podAnnotations) (default dict $root.Values.podAnnotations)) }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "harvester.serviceAccountName" $root }}
      automountServiceAccountToken: {{ $root.Values.serviceAccount.automountServiceAccountToken }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      terminationGracePeriodSeconds: {{ include "harvester.terminationGracePeriodSeconds" $root }}
      enableServiceLinks: false
      {{- with (default $root.Values.priorityClassName $v.priorityClassName) }}
      priorityClassName: {{ . }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      containers:
        - name: {{ .process }}
          image: {{ include "harvester.image" $root | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          command: [{{ .process | quote }}]
          args:
            - --config
            - /etc/harvest/harvest.toml
            {{- range .args }}
            - {{ . | quote }}
            {{- end }}
          env:
            {{- include "harvester.commonEnv" $root | nindent 12 }}
            {{- with .env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            {{- with $root.Values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            {{- with $v.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          ports:
            - name: metrics
              containerPort: {{ $root.Values.metrics.port }}
              protocol: TCP
            {{- with .ports }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- with $root.Values.probes }}
          {{- if .startup.enabled }}
          startupProbe:
            httpGet:
              path: {{ .startup.path }}
              port: metrics
            periodSeconds: {{ .startup.periodSeconds }}
            timeoutSeconds: {{ .startup.timeoutSeconds }}
            failureThreshold: {{ .startup.failureThreshold }}
          {{- end }}
          livenessProbe:
            httpGet:
              path: {{ .liveness.path }}
              port: metrics
            initialDelaySeconds: {{ .liveness.initialDelaySeconds }}
            periodSeconds: {{ .liveness.periodSeconds }}
            timeoutSeconds: {{ .liveness.timeoutSeconds }}
            failureThreshold: {{ .liveness.failureThreshold }}
          readinessProbe:
            httpGet:
              path: {{ .readiness.path }}
              port: metrics
            initialDelaySeconds: {{ .readiness.initialDelaySeconds }}
            periodSeconds: {{ .readiness.periodSeconds }}
            timeoutSeconds: {{ .readiness.timeoutSeconds }}
            failureThreshold: {{ .readiness.failureThreshold }}
          {{- end }}
          resources:
            {{- toYaml (default dict $v.resources) | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            - name: config
              mountPath: /etc/harvest
              readOnly: true
            - name: tmp
              mountPath: /tmp
            {{- with $root.Values.extraVolumeMounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        - name: config
          configMap:
            name: {{ include "harvester.configMapName" $root }}
        - name: tmp
          emptyDir:
            sizeLimit: {{ $root.Values.tmpSizeLimit }}
        {{- with $root.Values.extraVolumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with (default $root.Values.nodeSelector $v.nodeSelector) }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with (default $root.Values.tolerations $v.tolerations) }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with (default $root.Values.affinity $v.affinity) }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with (default $root.Values.topologySpreadConstraints $v.topologySpreadConstraints) }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}
