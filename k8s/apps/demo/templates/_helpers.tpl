{{- define "demo.labels" -}}
app.kubernetes.io/part-of: sovereign-finops
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Restricted Pod Security for every container. */}}
{{- define "demo.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}
{{- define "demo.podSecurity" -}}
runAsNonRoot: true
runAsUser: 999
runAsGroup: 999
fsGroup: 999
seccompProfile:
  type: RuntimeDefault
{{- end -}}
