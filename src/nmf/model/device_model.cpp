#include "nmf/model/device_model.h"

#include <algorithm>

#include "common/mac_address.h"
#include "nmf/model/json_fields.h"

namespace spin::nmf {

using nlohmann::json;

Device& DeviceModel::device(const std::string& mac, double time, const std::string& agent, ModelChange& change) {
    auto [it, fresh] = devices_.try_emplace(mac);
    Device& d = it->second;
    if (fresh) {
        d.mac = mac;
        if (oui_ != nullptr)
            if (const auto parsed = MacAddress::parse(mac)) d.vendor = oui_->lookup(parsed->bytes());
        change.new_device = true;
    }
    d.seen.at(time);
    if (!agent.empty()) d.agents.insert(agent);
    dirty_.insert(mac);
    return d;
}

ModelChange DeviceModel::observe_traffic(const std::string& mac_text, const std::string& lan_ip, double first,
                                         double last, const std::string& agent) {
    ModelChange change;
    const auto parsed = MacAddress::parse(mac_text);
    if (!parsed) return change;
    const std::string mac = parsed->to_string();
    change.mac = mac;
    Device& d = device(mac, first, agent, change);
    d.seen.at(last);
    add_ip(d, lan_ip, "traffic", first, change);
    if (const auto it = d.ips.find(lan_ip); it != d.ips.end()) it->second.seen.at(last);
    return change;
}

void DeviceModel::restore(Device device) {
    std::string mac = device.mac;
    if (oui_ != nullptr && device.vendor.kind == Vendor::Kind::unregistered) {
        if (const auto parsed = MacAddress::parse(mac)) device.vendor = oui_->lookup(parsed->bytes());
    }
    devices_[mac] = std::move(device);
}

void DeviceModel::restore_name(const std::string& mac, const std::string& remote_ip, const std::string& name,
                               const NameRecord& record) {
    const auto it = devices_.find(mac);
    if (it != devices_.end()) it->second.resolved[remote_ip][name] = record;
}

std::set<std::string> DeviceModel::take_dirty() {
    std::set<std::string> out;
    out.swap(dirty_);
    return out;
}

void DeviceModel::set_field(std::string& field, const std::string& value, const char* label, ModelChange& change) {
    if (value.empty() || value == field) return;
    field = value;
    change.changes.push_back(std::string(label) + " " + value);
}

void DeviceModel::add_ip(Device& d, const std::string& ip, const std::string& via, double time, ModelChange& change) {
    if (ip.empty() || ip == "0.0.0.0" || ip == "::") return;
    auto [it, fresh] = d.ips.try_emplace(ip);
    it->second.seen.at(time);
    it->second.via.insert(via);
    if (fresh) change.changes.push_back("ip " + ip);
}

std::optional<ModelChange> DeviceModel::apply(const json& e) {
    if (!e.is_object()) return std::nullopt;
    const std::string type = json_text(e, "type"), agent = json_text(e, "agent");
    const auto parsed = MacAddress::parse(json_text(e, "mac"));
    if (!parsed || parsed->is_group() || parsed->is_zero()) return std::nullopt;
    const std::string mac = parsed->to_string();  // one device, however the event spelt it
    const double time = e.value("time", 0.0);
    // DHCP and DNS events name the LAN device whichever way the frame went;
    // the others name the frame's sender, which on the WAN side is no device
    // of the home (the router, the internet).
    const bool about_sender = type != "dhcp" && type != "dns" && type != "dhcpv6";
    if (about_sender && json_text(e, "side") == "wan") return std::nullopt;
    ModelChange change;
    change.mac = mac;
    if (type == "dhcp") {
        Device& d = device(mac, time, agent, change);
        set_field(d.hostname, json_text(e, "hostname"), "hostname", change);
        set_field(d.vendor_class, json_text(e, "vendor_class"), "vendor_class", change);
        set_field(d.dhcp_fingerprint, json_text(e, "param_list"), "dhcp_fingerprint", change);
        set_field(d.client_id, json_text(e, "client_id"), "client_id", change);
        set_field(d.mud_url, json_text(e, "mud_url"), "mud_url", change);
        // An address counts once the server acknowledged it.
        if (json_text(e, "message") == "ack") add_ip(d, json_text(e, "ip"), "dhcp", time, change);
    } else if (type == "dhcpv6") {
        Device& d = device(mac, time, agent, change);
        set_field(d.duid, json_text(e, "duid"), "duid", change);
        set_field(d.fqdn, json_text(e, "fqdn"), "fqdn", change);
        set_field(d.mud_url, json_text(e, "mud_url"), "mud_url", change);
        if (json_text(e, "message") == "reply" && e.contains("ips") && e["ips"].is_array())
            for (const auto& ip : e["ips"])
                if (ip.is_string()) add_ip(d, ip.get<std::string>(), "dhcpv6", time, change);
    } else if (type == "neighbour") {
        Device& d = device(mac, time, agent, change);
        add_ip(d, json_text(e, "ip"), json_text(e, "via") == "nd" ? "nd" : "arp", time, change);
    } else if (type == "dns") {
        Device& d = device(mac, time, agent, change);
        if (e.contains("bindings") && e["bindings"].is_array())
            for (const auto& b : e["bindings"]) {
                if (!b.is_object()) continue;
                const std::string name = json_text(b, "name"), address = json_text(b, "address");
                if (name.empty() || address.empty()) continue;
                auto [it, fresh] = d.resolved[address].try_emplace(name);
                it->second.seen.at(time);
                it->second.expires = std::max(it->second.expires, b.value("expires", 0.0));
                if (fresh && d.resolved[address].size() == 1) change.changes.push_back("destination " + name);
            }
    } else if (type == "mdns") {
        Device& d = device(mac, time, agent, change);
        add_ip(d, json_text(e, "ip"), "mdns", time, change);
        if (e.contains("hostnames") && e["hostnames"].is_array())
            for (const auto& h : e["hostnames"])
                if (h.is_string() && d.mdns_hostnames.insert(h.get<std::string>()).second)
                    change.changes.push_back("mdns_name " + h.get<std::string>());
        if (e.contains("services") && e["services"].is_array())
            for (const auto& s : e["services"])
                if (s.is_object() && d.services.insert(json_text(s, "instance")).second)
                    change.changes.push_back("service " + json_text(s, "instance"));
    } else if (type == "ssdp") {
        Device& d = device(mac, time, agent, change);
        add_ip(d, json_text(e, "ip"), "ssdp", time, change);
        if (json_text(e, "method") != "m-search") {  // a search says what a device looks for, not what it is
            set_field(d.ssdp_server, json_text(e, "server"), "ssdp_server", change);
            set_field(d.ssdp_location, json_text(e, "location"), "ssdp_location", change);
            const std::string t = json_text(e, "device_type");
            if (!t.empty() && d.ssdp_types.insert(t).second) change.changes.push_back("ssdp_type " + t);
        }
    } else if (type == "lldp") {
        Device& d = device(mac, time, agent, change);
        set_field(d.lldp_system_name, json_text(e, "system_name"), "lldp_system_name", change);
        set_field(d.mud_url, json_text(e, "mud_url"), "mud_url", change);
    } else {
        return std::nullopt;
    }
    return change;
}

const Device* DeviceModel::find(const std::string& mac) const {
    const auto it = devices_.find(mac);
    return it == devices_.end() ? nullptr : &it->second;
}

std::vector<std::string> DeviceModel::names_of(const std::string& mac, const std::string& remote_ip) const {
    std::vector<std::string> out;
    const Device* d = find(mac);
    if (d == nullptr) return out;
    const auto it = d->resolved.find(remote_ip);
    if (it == d->resolved.end()) return out;
    for (const auto& [name, record] : it->second) out.push_back(name);
    return out;
}

}  // namespace spin::nmf
