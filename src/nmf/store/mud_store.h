// The store's record of the MUD engine (tables `mud_profiles` and
// `mud_devices`): profiles as fetched or given (text byte for byte, the
// signature as served, and what is known of them as a JSON document), and
// per device its assignment as a JSON document.  The controller's MUD
// manager is its one user (it also reads here what a device did, table
// `behaviours`, to learn a profile from it); it reloads everything at start, so the
// controller enforces with no network.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nmf/store/sqlite.h"
#include "nmf/store/store_batch.h"

namespace spin::nmf {

class MudStore {
public:
    // `db_path`: a store already migrated.
    explicit MudStore(const std::string& db_path);

    struct Profile {
        std::string key;        // the MUD URL, or "file:" + MAC for a file the user gave
        std::string text;       // as served
        std::string signature;  // DER as served; empty: none
        nlohmann::json doc;     // source, signature state, signer, fetch times, errors
    };
    std::vector<Profile> profiles();
    std::optional<Profile> profile(const std::string& key);
    void save_profile(const Profile& p);
    void remove_profile(const std::string& key);

    struct Device {
        std::string mac;
        nlohmann::json doc;
    };
    std::vector<Device> devices();
    void save_device(const Device& d);
    void remove_device(const std::string& mac);

    // What the device did in [from, to) (shapes seen then), and the names it
    // resolved for each remote before `to`.
    struct Behaviour {
        std::vector<BehaviourRow> shapes;
        std::map<std::string, std::vector<std::string>> names;  // remote address -> names
    };
    Behaviour behaviour(const std::string& mac, double from, double to);

private:
    Database db_;
};

}  // namespace spin::nmf
