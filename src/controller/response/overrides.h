// The user's overrides of the reverse firewall (docs/api.md, "Overrides"),
// kept in the store (table `overrides`) across restarts:
//   allow  the device is exempt from a detector (or all of them, "*"): its
//          alerts are still told, nothing is done about them;
//   pin    the device's stage is fixed (none, alert, restrict, quarantine),
//          whatever alerts come.
// Each with an optional duration, after which it lapses.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "nmf/api/controls.h"
#include "nmf/detect/stage.h"
#include "nmf/store/document_store.h"

namespace spin::controller {

struct Override {
    int64_t id = 0;
    std::string device;                   // MAC, canonical
    std::string detector = "*";           // allow: the detector exempted, or "*"
    std::string action;                   // allow, pin
    nmf::Stage stage = nmf::Stage::none;  // pin: the stage held
    double created = 0, expires = 0;      // expires 0: until deleted
    std::string reason;

    nlohmann::json to_json() const;
    // From a validated request (nmf/api/override_request.h) made at `now`.
    static Override from(const nmf::OverrideRequest& r, double now);
    // From the store's document; nullopt if it is not one.
    static std::optional<Override> from_json(const nlohmann::json& doc);
};

class Overrides {
public:
    explicit Overrides(const std::string& db_path);

    // Stores a new override; its id is set.  A device has at most one pin:
    // a new pin replaces the old (returned in *replaced, 0 if none).
    const Override& add(Override o, int64_t* replaced);
    // Removes one; the override it was, nullopt if none in force.
    std::optional<Override> remove(int64_t id, double now, const std::string& why);
    // Overrides whose time is up, removed.
    std::vector<Override> expire(double now);

    // The allow that exempts the device from the detector, if any.
    const Override* allow(const std::string& mac, const std::string& detector) const;
    const Override* pin(const std::string& mac) const;
    const Override* find(int64_t id) const;
    nlohmann::json list(const std::string& device = "") const;

private:
    nmf::DocumentStore store_;
    std::map<int64_t, Override> in_force_;
};

}  // namespace spin::controller
