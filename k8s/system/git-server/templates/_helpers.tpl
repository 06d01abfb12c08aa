{{- define "git-server.labels" -}}
app.kubernetes.io/name: git-server
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: sovereign-finops
{{- end -}}
{{- define "git-server.selector" -}}
app.kubernetes.io/name: git-server
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
