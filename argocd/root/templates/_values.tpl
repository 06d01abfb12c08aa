{{/*
Chart values that follow from the root parameters (host names under ingress.domain, the MetalLB
range), per component. They are the last layer of a child's values: over its values.yaml (a
value file in Git) and over the layer's `values`. Returned as YAML.
*/}}
{{- define "root.parameterValues" -}}
{{- $domain := .root.Values.ingress.domain -}}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" ($domain | toString)) -}}
{{- fail (printf "ingress.domain: %q is not a DNS name (lower-case labels, e.g. localhost or lab.example.org)" ($domain | toString)) -}}
{{- end -}}
{{- $host := printf "%s.%s" .name $domain -}}
{{- if eq .name "argocd" }}
global:
  domain: {{ $host }}
server:
  ingress:
    hostname: {{ $host }}
    extraTls:
      - secretName: ingress-tls
        hosts: [{{ $host }}]
{{- else if eq .name "prometheus" }}
server:
  ingress:
    hosts: [{{ $host }}]
    tls:
      - secretName: ingress-tls
        hosts: [{{ $host }}]
{{- else if eq .name "opencost" }}
opencost:
  ui:
    ingress:
      hosts:
        - host: {{ $host }}
          paths: [/]
      tls:
        - secretName: ingress-tls
          hosts: [{{ $host }}]
{{- else if eq .name "vault-config" }}
ingress:
  host: {{ printf "vault.%s" $domain }}
{{- else if eq .name "metallb-config" }}
addresses:
  {{- include "root.requiredList" (dict "name" "metallb.addresses" "value" .root.Values.metallb.addresses) | nindent 2 }}
{{- else }}
{}
{{- end }}
{{- end -}}
