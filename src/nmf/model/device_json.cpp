#include "nmf/model/device_json.h"
#include "nmf/model/json_fields.h"

#include <algorithm>

namespace spin::nmf {

using nlohmann::json;

namespace {

template <class Set>
void strings(const json& j, const char* key, Set& out) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_array()) return;
    for (const auto& v : *it)
        if (v.is_string()) out.insert(out.end(), v.get<std::string>());
}

Vendor::Kind kind_from(const std::string& s) {
    for (auto k : {Vendor::Kind::registered, Vendor::Kind::locally_administered, Vendor::Kind::group})
        if (s == to_string(k)) return k;
    return Vendor::Kind::unregistered;
}

}  // namespace

json device_to_json(const Device& d) {
    // Most recently used address first: what a person wants to see.
    std::vector<std::pair<std::string, const AddressRecord*>> ips;
    for (const auto& [ip, rec] : d.ips) ips.emplace_back(ip, &rec);
    std::stable_sort(ips.begin(), ips.end(),
                     [](const auto& a, const auto& b) { return a.second->seen.last > b.second->seen.last; });
    json ip_list = json::array(), addresses = json::array();
    for (const auto& [ip, rec] : ips) {
        ip_list.push_back(ip);
        addresses.push_back(
            {{"ip", ip}, {"first_seen", rec->seen.first}, {"last_seen", rec->seen.last}, {"via", rec->via}});
    }
    return json{{"mac", d.mac},
                {"confirmed", d.confirmed},
                {"vendor", d.vendor.name},
                {"vendor_kind", to_string(d.vendor.kind)},
                {"hostname", d.hostname},
                {"vendor_class", d.vendor_class},
                {"dhcp_fingerprint", d.dhcp_fingerprint},
                {"client_id", d.client_id},
                {"mud_url", d.mud_url},
                {"duid", d.duid},
                {"fqdn", d.fqdn},
                {"mdns_names", d.mdns_hostnames},
                {"services", d.services},
                {"ssdp", {{"server", d.ssdp_server}, {"location", d.ssdp_location}, {"types", d.ssdp_types}}},
                {"lldp_system_name", d.lldp_system_name},
                {"first_seen", d.seen.first},
                {"last_seen", d.seen.last},
                {"agents", d.agents},
                {"ips", ip_list},
                {"addresses", addresses},
                {"stage", d.stage}};
}

Device device_from_json(const json& j) {
    Device d;
    if (!j.is_object()) return d;
    d.mac = json_text(j, "mac");
    if (const std::string stage = json_text(j, "stage"); !stage.empty()) d.stage = stage;
    // Devices stored before tentative ones existed were all kept.
    d.confirmed = !j.contains("confirmed") || json_true(j, "confirmed");
    d.vendor.name = json_text(j, "vendor");
    d.vendor.kind = kind_from(json_text(j, "vendor_kind"));
    d.hostname = json_text(j, "hostname");
    d.vendor_class = json_text(j, "vendor_class");
    d.dhcp_fingerprint = json_text(j, "dhcp_fingerprint");
    d.client_id = json_text(j, "client_id");
    d.mud_url = json_text(j, "mud_url");
    d.duid = json_text(j, "duid");
    d.fqdn = json_text(j, "fqdn");
    strings(j, "mdns_names", d.mdns_hostnames);
    strings(j, "services", d.services);
    if (const auto it = j.find("ssdp"); it != j.end() && it->is_object()) {
        d.ssdp_server = json_text(*it, "server");
        d.ssdp_location = json_text(*it, "location");
        strings(*it, "types", d.ssdp_types);
    }
    d.lldp_system_name = json_text(j, "lldp_system_name");
    d.seen.first = json_number(j, "first_seen");
    d.seen.last = json_number(j, "last_seen");
    strings(j, "agents", d.agents);
    if (const auto it = j.find("addresses"); it != j.end() && it->is_array())
        for (const auto& a : *it) {
            if (!a.is_object() || json_text(a, "ip").empty()) continue;
            AddressRecord& rec = d.ips[json_text(a, "ip")];
            rec.seen.first = json_number(a, "first_seen");
            rec.seen.last = json_number(a, "last_seen");
            strings(a, "via", rec.via);
        }
    return d;
}

}  // namespace spin::nmf
