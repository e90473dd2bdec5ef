#include "nmf/store/model_rows.h"

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
    return m;
}

}  // namespace spin::nmf
