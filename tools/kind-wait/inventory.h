// The node inventory: Kubernetes Node objects as the `node` JSON lines of the contract
// (common/contracts.h), which scrape-nodes reads.
#pragma once

#include <rapidjson/document.h>

#include <string>

#include "common/contracts.h"

namespace sf::kw {

// name; roles from node-role.kubernetes.io/<role> labels (and the legacy kubernetes.io/role);
// ready from the Ready condition; the first InternalIP; capacity and allocatable cpu (cores,
// milli precision), memory (bytes) and nvidia.com/gpu; all labels. ParseError on a quantity
// that does not parse, naming the node and field.
NodeRecord node_record(const rapidjson::Value& node);

}  // namespace sf::kw
