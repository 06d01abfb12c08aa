{{/*
NetworkPolicy peers of a rule's PEER (see values.yaml), as a YAML list.
*/}}
{{- define "baseline.peers" -}}
{{- $peer := .peer -}}
{{- $n := .network -}}
{{- if hasKey $peer "namespace" }}
- namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: {{ $peer.namespace }}
  {{- with $peer.pods }}
  podSelector:
    matchLabels:
      {{- toYaml . | nindent 6 }}
  {{- end }}
{{- else if hasKey $peer "cidrs" }}
{{- $cidrs := list -}}
{{- if eq (toString $peer.cidrs) "world" -}}
{{- $cidrs = list "0.0.0.0/0" "::/0" -}}
{{- else if eq (toString $peer.cidrs) "controlPlane" -}}
{{- $cidrs = required "network.controlPlaneCIDRs is empty" $n.controlPlaneCIDRs -}}
{{- else if eq (toString $peer.cidrs) "nodes" -}}
{{- $cidrs = required "network.nodeCIDRs is empty" $n.nodeCIDRs -}}
{{- else if kindIs "slice" $peer.cidrs -}}
{{- $cidrs = $peer.cidrs -}}
{{- else -}}
{{- fail (printf "network: cidrs %q is not world, controlPlane, nodes or a list" (toString $peer.cidrs)) -}}
{{- end -}}
{{- range $cidrs }}
- ipBlock:
    cidr: {{ . }}
{{- end }}
{{- else }}
{{- fail (printf "network: a peer needs namespace or cidrs, got %v" $peer) -}}
{{- end }}
{{- end -}}

{{- define "baseline.ports" -}}
{{- range . }}
- protocol: TCP
  port: {{ . }}
{{- end }}
{{- end -}}

{{- define "baseline.labels" -}}
app.kubernetes.io/name: baseline
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: sovereign-finops
{{- end -}}
