// What the store kept of the model, as a restarting controller reloads it:
// device documents, the names each device resolved, its destinations, and
// the accounting state of open flows.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nmf/store/sqlite.h"
#include "nmf/store/store_batch.h"

namespace spin::nmf {

// The rows as the writer wrote them (store_batch.h).
struct StoredModel {
    std::vector<nlohmann::json> devices;  // as device_to_json wrote them; unparseable rows read as discarded
    std::vector<NameRow> names;
    std::vector<DestinationRow> destinations;
    std::vector<OpenFlowRow> open_flows;  // rows whose key does not read (open_flows.h) are left out
    // Bytes out per device and hour over the last kHistoryHours before the newest bucket: the
    // volume detector's history (nmf/detect/volume_detector.h), by device then hour.
    struct HourBytes {
        std::string mac;
        int64_t hour = 0;  // hours since the epoch
        uint64_t bytes_out = 0;
    };
    std::vector<HourBytes> hours;
    static constexpr int64_t kHistoryHours = 14 * 24;
};

StoredModel load_model(Database& db);

}  // namespace spin::nmf
