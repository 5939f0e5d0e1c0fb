{{/* The chart's name, cut to 63 characters. */}}
{{- define "chataccess.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: the release name, with the chart's name unless it already holds it. */}}
{{- define "chataccess.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "chataccess.selectorLabels" -}}
app.kubernetes.io/name: {{ include "chataccess.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "chataccess.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "chataccess.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "chataccess.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "chataccess.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "chataccess.secretName" -}}
{{- default (include "chataccess.fullname" .) .Values.secret.name }}
{{- end }}

{{- define "chataccess.configMapName" -}}
{{- default (include "chataccess.fullname" .) .Values.existingConfigMap }}
{{- end }}

{{- define "chataccess.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
The port of a listen address such as ":8080" or "0.0.0.0:9090".
*/}}
{{- define "chataccess.portOf" -}}
{{- $port := regexReplaceAll "^.*:" (toString .) "" }}
{{- if not (regexMatch "^[0-9]+$" $port) }}
{{- fail (printf "listen address %q has no port" (toString .)) }}
{{- end }}
{{- $port }}
{{- end }}

{{/*
The listener ports as "http ops" (ops 0: none), read from the policy's
server.listen and server.ops_listen so that the container ports, the
probes and the process agree; from .Values.ports with an existing
ConfigMap.
*/}}
{{- define "chataccess.ports" -}}
{{- if .Values.existingConfigMap }}
{{- printf "%d %d" (int .Values.ports.http) (int .Values.ports.ops) }}
{{- else }}
{{- $policy := fromYaml .Values.policy }}
{{- if hasKey $policy "Error" }}
{{- fail (printf "policy is not YAML: %s" (get $policy "Error")) }}
{{- end }}
{{- $server := default dict (get $policy "server") }}
{{- $http := include "chataccess.portOf" (default ":8080" (get $server "listen")) }}
{{- $ops := "0" }}
{{- with get $server "ops_listen" }}
{{- $ops = include "chataccess.portOf" . }}
{{- end }}
{{- printf "%s %s" $http $ops }}
{{- end }}
{{- end }}

{{- define "chataccess.httpPort" -}}
{{- index (splitList " " (include "chataccess.ports" .)) 0 }}
{{- end }}

{{- define "chataccess.opsPort" -}}
{{- index (splitList " " (include "chataccess.ports" .)) 1 }}
{{- end }}

{{/* The port name serving /healthz, /readyz and /metrics. */}}
{{- define "chataccess.healthPortName" -}}
{{- if ne (include "chataccess.opsPort" .) "0" }}ops{{ else }}http{{ end }}
{{- end }}
