#include "nmf/store/model_rows.h"

#include <algorithm>

#include "nmf/store/schema.h"

namespace spin::nmf {

StoredModel load_model(Database& db) {
    StoredModel m;
    Statement devices(db, "SELECT doc FROM devices");
    while (devices.step()) m.devices.push_back(nlohmann::json::parse(devices.column_text(0), nullptr, false));
    Statement names(db, "SELECT mac, remote_ip, name, first_seen, last_seen, expires FROM names");
    while (names.step())
        m.names.push_back({names.column_text(0), names.column_text(1), names.column_text(2), names.column_double(3),
                           names.column_double(4), names.column_double(5)});
    Statement destinations(db, "SELECT mac, remote_ip, first_seen, last_seen FROM destinations");
    while (destinations.step())
        m.destinations.push_back({destinations.column_text(0), destinations.column_text(1),
                                  destinations.column_double(2), destinations.column_double(3)});
    Statement flows(db,
                    "SELECT key, agent, worker, flow_id, ended, first_us, last_us, pkts_out, bytes_out, pkts_in, "
                    "bytes_in, blocked_pkts FROM open_flows");
    const auto u64 = [&](int column) { return static_cast<uint64_t>(std::max<int64_t>(0, flows.column_int(column))); };
    while (flows.step()) {
        const auto tuple = flow_tuple(flows.column_blob(0));
        if (!tuple) continue;
        OpenFlowRow f;
        f.tuple = *tuple;
        f.agent = flows.column_text(1);
        f.worker = static_cast<uint8_t>(flows.column_int(2));
        f.flow_id = static_cast<uint32_t>(flows.column_int(3));
        f.ended = flows.column_int(4) != 0;
        f.first_us = u64(5), f.last_us = u64(6);
        f.totals = TrafficCounters{u64(7), u64(8), u64(9), u64(10), 0, u64(11)};
        m.open_flows.push_back(std::move(f));
    }
    const double newest = newest_traffic_bucket(db);
    Statement hours(db,
                    "SELECT mac, bucket / 3600, SUM(bytes_out) FROM traffic_hour WHERE bucket >= ?1 "
                    "GROUP BY mac, bucket ORDER BY mac, bucket");
    hours.bind(1, static_cast<int64_t>(newest) - StoredModel::kHistoryHours * 3600);
    while (hours.step())
        m.hours.push_back({hours.column_text(0), hours.column_int(1),
                           static_cast<uint64_t>(std::max<int64_t>(0, hours.column_int(2)))});
    return m;
}

}  // namespace spin::nmf
