{{/*
The components table after the layer: values.yaml's `components`, overridden key by key by
layers/<layer>.yaml. Returned as YAML (templates cannot return dicts).
*/}}
{{- define "root.components" -}}
{{- $layers := list "kind" "metal" -}}
{{- if not (has .Values.layer $layers) -}}
{{- fail (printf "layer: %q is not a layer; use one of %s (argocd/root/layers/)" (toString .Values.layer) (join ", " $layers)) -}}
{{- end -}}
{{- $layer := .Files.Get (printf "layers/%s.yaml" .Values.layer) | fromYaml -}}
{{- $components := deepCopy .Values.components -}}
{{- range $name, $override := ($layer.components | default dict) -}}
{{- if not (hasKey $components $name) -}}
{{- fail (printf "layers/%s.yaml: component %q is not in values.yaml's components" $.Values.layer $name) -}}
{{- end -}}
{{- $_ := set $components $name (mustMergeOverwrite (index $components $name) (deepCopy $override)) -}}
{{- end -}}
{{- toYaml $components -}}
{{- end -}}

{{/*
Set a dotted key path ("a.b.c") in a dict to a value, creating the dicts on the way.
Usage: include "root.setPath" (dict "dict" $d "path" "a.b.c" "value" $v)
*/}}
{{- define "root.setPath" -}}
{{- $d := .dict -}}
{{- $keys := splitList "." .path -}}
{{- range $k := initial $keys -}}
{{- if not (kindIs "map" (index $d $k | default "")) -}}
{{- $_ := set $d $k dict -}}
{{- end -}}
{{- $d = index $d $k -}}
{{- end -}}
{{- $_ := set $d (last $keys) .value -}}
{{- end -}}

{{/*
The registry mirror's value overrides of one component (YAML). An image declared as
{key, repository} becomes <mirror>/<repository>; {key, registry: true} (charts that split
registry and repository) gets the mirror host as its registry.
*/}}
{{- define "root.mirrorValues" -}}
{{- $out := dict -}}
{{- $mirror := .root.Values.registry.mirror | default "" | trimSuffix "/" -}}
{{- if $mirror -}}
{{- range .component.images | default list -}}
{{- if .registry -}}
{{- include "root.setPath" (dict "dict" $out "path" .key "value" $mirror) -}}
{{- else -}}
{{- include "root.setPath" (dict "dict" $out "path" .key "value" (printf "%s/%s" $mirror .repository)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/*
Pod Security Admission labels of a component's namespace (enforce, audit and warn at one level).
A level other than restricted must say why (podSecurityReason), which the namespace carries as an
annotation.
*/}}
{{- define "root.podSecurityLabels" -}}
{{- $level := .component.podSecurity | default "restricted" -}}
{{- if not (has $level (list "restricted" "baseline" "privileged")) -}}
{{- fail (printf "components.%s.podSecurity: %q is not a Pod Security level (restricted, baseline, privileged)" .name $level) -}}
{{- end -}}
{{- if and (ne $level "restricted") (not .component.podSecurityReason) -}}
{{- fail (printf "components.%s: podSecurity %s needs a podSecurityReason (why restricted is not possible)" .name $level) -}}
{{- end -}}
{{- range $mode := list "enforce" "audit" "warn" }}
pod-security.kubernetes.io/{{ $mode }}: {{ $level }}
pod-security.kubernetes.io/{{ $mode }}-version: {{ $.root.Values.podSecurityVersion }}
{{- end }}
{{- end -}}

{{/*
A CIDR list parameter that must be given: the name says which root parameter is missing.
*/}}
{{- define "root.requiredList" -}}
{{- if not .value -}}
{{- fail (printf "%s: give the address list as a parameter of the root Application (docs/platform.md, Bootstrap contract)" .name) -}}
{{- end -}}
{{- toYaml .value -}}
{{- end -}}

{{/*
Values of k8s/baseline for one component: its NetworkPolicies and ExternalSecrets.
*/}}
{{- define "root.baselineValues" -}}
{{- $n := .root.Values.network -}}
{{- $c := .component -}}
network:
  {{- toYaml ($c.network | default dict) | nindent 2 }}
  controlPlaneCIDRs:
    {{- include "root.requiredList" (dict "name" "network.controlPlaneCIDRs" "value" $n.controlPlaneCIDRs) | nindent 4 }}
  nodeCIDRs:
    {{- include "root.requiredList" (dict "name" "network.nodeCIDRs" "value" $n.nodeCIDRs) | nindent 4 }}
  kubernetesServiceCIDRs:
    {{- include "root.requiredList" (dict "name" "network.kubernetesServiceCIDRs" "value" $n.kubernetesServiceCIDRs) | nindent 4 }}
tls:
  enabled: {{ $c.tls | default false }}
{{- with $c.basicAuth }}
basicAuth:
  enabled: true
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
