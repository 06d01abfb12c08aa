// Every image and chart a tree of manifests pins, with where each was found: image fields of
// pod specs in every workload kind (containers, initContainers, ephemeralContainers, CronJob
// and Job templates, whatever the kind) and any other `image:` string; Helm values image maps
// ({registry, repository, tag, digest} under a key named like "image"), in values files and in
// Argo CD Applications' helm.valuesObject and helm.values; charts of Argo CD sources
// (spec.source, spec.sources[], ApplicationSet templates: repoURL + chart + targetRevision) and
// Chart.yaml dependencies. An Argo CD source's inline values are overrides of the chart's values
// and value files: an image map there without tag and digest (a mirror's repository) is not an
// image of its own. In a values file such a map is an image whose tag is left to the chart.
#pragma once

#include <string>
#include <vector>

#include "render-manifests/chart_ref.h"
#include "render-manifests/image_ref.h"
#include "render-manifests/yaml_docs.h"

namespace sf::rm {

struct Location {
  std::string file;
  size_t line = 0;
  std::string text() const;  // "file:line"
};

struct ImageUse {
  std::string raw;  // as written (a values map joined: registry/repository:tag@digest)
  ImageRef ref;     // valid when error is empty
  std::string error;
  Location where;
  std::string field;  // "spec.template.spec.containers[0].image", "controller.image"
  std::string helm_source;  // the template `helm template` rendered it from, when it says
};

struct ChartUse {
  ChartRef ref;
  std::string error;  // a repoURL that is neither http(s) nor OCI
  Location where;
};

struct Inventory {
  std::vector<ImageUse> images;  // in file order
  std::vector<ChartUse> charts;
};

// Adds what one file holds. `chart_yaml` is true for a Helm Chart.yaml (its dependencies are
// charts). Embedded Helm values strings are parsed with their lines mapped into the file.
void collect(const YamlFile& file, bool chart_yaml, Inventory& out);

// The same walk, one document at a time (lint uses it to attribute findings).
void collect_document(const YamlFile& file, const YamlDocument& doc, bool chart_yaml, Inventory& out);

}  // namespace sf::rm
