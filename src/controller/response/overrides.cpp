#include "controller/response/overrides.h"

#include <algorithm>

namespace spin::controller {

using nlohmann::json;

json Override::to_json() const {
    json j = {{"id", id},         {"device", device},   {"detector", detector},
              {"action", action}, {"created", created}, {"expires", expires == 0 ? json(nullptr) : json(expires)},
              {"reason", reason}};
    if (action == "pin") j["stage"] = nmf::to_string(stage);
    return j;
}

Overrides::Overrides(const std::string& db_path) : store_(db_path, "overrides") {
    for (const auto& s : store_.in_force()) {
        auto o = Override::from_json(s.doc);
        if (!o) continue;  // a document this version cannot read is left alone, not applied
        o->id = s.id;
        o->created = s.created;
        o->expires = s.expires;
        in_force_[o->id] = *o;
    }
}

Override Override::from(const nmf::OverrideRequest& r, double now) {
    Override o;
    o.device = r.device;
    o.detector = r.detector;
    o.action = r.action;
    o.stage = nmf::stage_from(r.stage).value_or(nmf::Stage::none);
    o.created = now;
    o.expires = r.duration > 0 ? now + r.duration : 0;
    o.reason = r.reason;
    return o;
}

std::optional<Override> Override::from_json(const json& doc) {
    if (!doc.is_object() || !doc.value("device", json()).is_string() || !doc.value("action", json()).is_string())
        return std::nullopt;
    Override o;
    o.device = doc["device"].get<std::string>();
    o.action = doc["action"].get<std::string>();
    o.detector = doc.value("detector", std::string("*"));
    o.stage = nmf::stage_from(doc.value("stage", std::string("none"))).value_or(nmf::Stage::none);
    o.reason = doc.value("reason", std::string());
    if (o.action != "allow" && o.action != "pin") return std::nullopt;
    return o;
}

const Override& Overrides::add(Override o, int64_t* replaced) {
    *replaced = 0;
    if (o.action == "pin")
        if (const Override* old = pin(o.device)) {
            *replaced = old->id;
            remove(old->id, o.created, "replaced by a new pin");
        }
    o.id = store_.insert(o.created, o.expires);
    store_.save(o.id, o.to_json(), 0);
    return in_force_[o.id] = std::move(o);
}

std::optional<Override> Overrides::remove(int64_t id, double now, const std::string& why) {
    const auto it = in_force_.find(id);
    if (it == in_force_.end()) return std::nullopt;
    Override o = it->second;
    in_force_.erase(it);
    json doc = o.to_json();
    doc["removed"] = now;
    doc["removed_reason"] = why;
    store_.save(id, doc, now);
    return o;
}

std::vector<Override> Overrides::expire(double now) {
    std::vector<int64_t> due;
    for (const auto& [id, o] : in_force_)
        if (o.expires != 0 && now >= o.expires) due.push_back(id);
    std::vector<Override> out;
    for (const int64_t id : due)
        if (auto o = remove(id, now, "expired")) out.push_back(std::move(*o));
    return out;
}

const Override* Overrides::allow(const std::string& mac, const std::string& detector) const {
    for (const auto& [id, o] : in_force_)
        if (o.action == "allow" && o.device == mac && (o.detector == "*" || o.detector == detector)) return &o;
    return nullptr;
}

const Override* Overrides::pin(const std::string& mac) const {
    for (const auto& [id, o] : in_force_)
        if (o.action == "pin" && o.device == mac) return &o;
    return nullptr;
}

const Override* Overrides::find(int64_t id) const {
    const auto it = in_force_.find(id);
    return it == in_force_.end() ? nullptr : &it->second;
}

json Overrides::list(const std::string& device) const {
    json out = json::array();
    for (const auto& [id, o] : in_force_)
        if (device.empty() || o.device == device) out.push_back(o.to_json());
    return out;
}

}  // namespace spin::controller
