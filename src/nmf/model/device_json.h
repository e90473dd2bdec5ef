// A device as JSON: the API's device object (docs/api.md) and the document
// the store keeps per device.  The user-given name and notes are not here:
// the store keeps them apart so that the model never overwrites them.
#pragma once

#include <nlohmann/json.hpp>

#include "nmf/model/device_model.h"

namespace spin::nmf {

nlohmann::json device_to_json(const Device& d);

// Reads back what device_to_json wrote; fields missing or of the wrong type
// are left empty (documents from older versions), never an exception.
Device device_from_json(const nlohmann::json& j);

}  // namespace spin::nmf
