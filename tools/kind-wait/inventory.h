// The node inventory: Kubernetes Node objects as the `node` JSON lines of the contract
// (common/contracts.h), which scrape-nodes reads.
#pragma once

#include <rapidjson/document.h>

#include <functional>
#include <string>

#include "common/contracts.h"
#include "common/json_lines.h"

namespace sf::kw {

// name; roles from node-role.kubernetes.io/<role> labels (and the legacy kubernetes.io/role);
// ready from the Ready condition; the first InternalIP; capacity and allocatable cpu (cores,
// milli precision), memory (bytes) and nvidia.com/gpu; all labels. ParseError on a quantity
// that does not parse, naming the node and field.
NodeRecord node_record(const rapidjson::Value& node);

// Writes the line `make` builds for one listed item (`item`: 'node "NAME"', for messages). A
// value the contract refuses (a name that is not UTF-8) spoils that item only: it is named on
// stderr, its line left out, and false returned (the list then exits 3); never a cut line.
bool write_item_line(JsonLineWriter& writer, const std::string& item, const std::function<std::string()>& make);

}  // namespace sf::kw
