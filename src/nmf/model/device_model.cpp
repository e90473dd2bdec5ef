#include "nmf/model/device_model.h"

#include <algorithm>

#include "common/mac_address.h"
#include "nmf/model/json_fields.h"

namespace spin::nmf {

using nlohmann::json;

Device& DeviceModel::device(const std::string& mac, double time, const std::string& agent, ModelChange& change) {
    if (!devices_.count(mac) && tentative_.size() >= limits_.tentative) {
        // Full of devices nobody confirmed: the one seen longest ago goes.
        auto oldest = tentative_.begin();
        for (auto t = tentative_.begin(); t != tentative_.end(); ++t)
            if (devices_.at(*t).heard < devices_.at(*oldest).heard ||
                (devices_.at(*t).heard == devices_.at(*oldest).heard &&
                 devices_.at(*t).seen.last < devices_.at(*oldest).seen.last))
                oldest = t;
        remove(std::string(*oldest));  // a copy: remove() frees the set's own
        ++dropped_.devices_evicted;
    }
    auto [it, fresh] = devices_.try_emplace(mac);
    Device& d = it->second;
    if (fresh) {
        d.mac = mac;
        if (oui_ != nullptr)
            if (const auto parsed = MacAddress::parse(mac)) d.vendor = oui_->lookup(parsed->bytes());
        change.new_device = true;
        tentative_.insert(mac);
    }
    d.seen.at(time);
    d.heard = clock_;
    if (!d.confirmed && seen_long_enough(d)) confirm(d);
    if (!agent.empty()) d.agents.insert(agent);
    dirty_.insert(mac);
    return d;
}

void DeviceModel::confirm(Device& d) {
    d.confirmed = true;
    tentative_.erase(d.mac);
    dirty_.insert(d.mac);
}

bool DeviceModel::set_stage(const std::string& mac, const std::string& stage) {
    const auto it = devices_.find(mac);
    if (it == devices_.end()) return false;
    if (it->second.stage != stage) {
        it->second.stage = stage;
        dirty_.insert(mac);
    }
    // A tentative device stays tentative: a device that makes up MACs must not
    // get them kept by making each one alert.
    return true;
}

void DeviceModel::confirm(const std::string& mac) {
    if (const auto it = devices_.find(mac); it != devices_.end() && !it->second.confirmed) confirm(it->second);
}

void DeviceModel::remove(std::string mac) {
    devices_.erase(mac);
    tentative_.erase(mac);
    dirty_.erase(mac);
    removed_.push_back(mac);
}

std::vector<std::string> DeviceModel::take_removed() {
    std::vector<std::string> silent;
    for (const std::string& mac : tentative_) {
        Device& d = devices_.at(mac);
        if (d.heard == 0) d.heard = clock_;  // reloaded from the store: heard of now
        if (d.heard < clock_ - limits_.tentative_idle) silent.push_back(mac);
    }
    for (const std::string& mac : silent) remove(mac);
    dropped_.devices_expired += silent.size();
    std::vector<std::string> out;
    out.swap(removed_);
    return out;
}

ModelChange DeviceModel::observe_traffic(const std::string& mac_text, const std::string& lan_ip, double first,
                                         double last, const std::string& agent, bool answered) {
    ModelChange change;
    const auto parsed = MacAddress::parse(mac_text);
    if (!parsed) return change;
    const std::string mac = parsed->to_string();
    change.mac = mac;
    Device& d = device(mac, first, agent, change);
    d.seen.at(last);
    if (!d.confirmed && (answered || seen_long_enough(d))) confirm(d);
    add_ip(d, lan_ip, "traffic", first, change);
    if (const auto it = d.ips.find(lan_ip); it != d.ips.end()) it->second.seen.at(last);
    return change;
}

void DeviceModel::restore(Device device) {
    std::string mac = device.mac;
    if (oui_ != nullptr && device.vendor.kind == Vendor::Kind::unregistered) {
        if (const auto parsed = MacAddress::parse(mac)) device.vendor = oui_->lookup(parsed->bytes());
    }
    device.confirmed = device.confirmed || seen_long_enough(device);
    if (!device.confirmed) tentative_.insert(mac);
    device.heard = clock_;
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

void DeviceModel::set_field(std::string& field, const std::string& given, const char* label, ModelChange& change) {
    std::string value = given;
    if (value.size() > limits_.text) {
        value.resize(limits_.text);
        ++dropped_.text;
    }
    if (value.empty() || value == field) return;
    field = value;
    change.changes.push_back(std::string(label) + " " + value);
}

bool DeviceModel::add_name(std::set<std::string>& set, const std::string& value) {
    if (set.count(value)) return false;
    if (set.size() >= limits_.names || value.size() > limits_.text) {
        ++dropped_.names;
        return false;
    }
    set.insert(value);
    return true;
}

void DeviceModel::add_ip(Device& d, const std::string& ip, const std::string& via, double time, ModelChange& change) {
    if (ip.empty() || ip == "0.0.0.0" || ip == "::") return;
    if (!d.ips.count(ip) && d.ips.size() >= limits_.ips) {
        // Full: the address seen longest ago makes room (privacy addresses rotate).
        auto oldest = d.ips.begin();
        for (auto a = d.ips.begin(); a != d.ips.end(); ++a)
            if (a->second.seen.last < oldest->second.seen.last) oldest = a;
        d.ips.erase(oldest);
        ++dropped_.ips;
    }
    auto [it, fresh] = d.ips.try_emplace(ip);
    it->second.seen.at(time);
    it->second.via.insert(via);
    if (fresh) change.changes.push_back("ip " + ip);
}

std::optional<ModelChange> DeviceModel::apply(const json& event) {
    const auto e = proto::parse_event(event, nullptr);
    return e ? apply(*e) : std::nullopt;
}

std::optional<ModelChange> DeviceModel::apply(const proto::Event& e) {
    const auto parsed = MacAddress::parse(e.mac);
    if (!parsed || parsed->is_group() || parsed->is_zero()) return std::nullopt;
    const std::string mac = parsed->to_string();  // one device, however the event spelt it
    const double time = e.time;
    // DHCP and DNS events name the LAN device whichever way the frame went;
    // the others name the frame's sender, which on the WAN side is no device
    // of the home (the router, the internet).
    const bool about_sender = !e.as<proto::DhcpEvent>() && !e.as<proto::DnsEvent>() && !e.as<proto::Dhcpv6Event>();
    if (about_sender && e.side == "wan") return std::nullopt;
    ModelChange change;
    change.mac = mac;
    if (const auto* x = e.as<proto::DhcpEvent>()) {
        Device& d = device(mac, time, e.agent, change);
        set_field(d.hostname, x->hostname, "hostname", change);
        set_field(d.vendor_class, x->vendor_class, "vendor_class", change);
        set_field(d.dhcp_fingerprint, x->param_list, "dhcp_fingerprint", change);
        set_field(d.client_id, x->client_id, "client_id", change);
        set_field(d.mud_url, x->mud_url, "mud_url", change);
        // An address counts once the server acknowledged it; so does the device.
        if (x->message == "ack" && !x->ip.empty()) {
            add_ip(d, x->ip, "dhcp", time, change);
            if (!d.confirmed) confirm(d);
        }
    } else if (const auto* x = e.as<proto::Dhcpv6Event>()) {
        Device& d = device(mac, time, e.agent, change);
        set_field(d.duid, x->duid, "duid", change);
        set_field(d.fqdn, x->fqdn, "fqdn", change);
        set_field(d.mud_url, x->mud_url, "mud_url", change);
        if (x->message == "reply") {
            for (const auto& ip : x->ips) add_ip(d, ip, "dhcpv6", time, change);
            if (!x->ips.empty() && !d.confirmed) confirm(d);
        }
    } else if (const auto* x = e.as<proto::NeighbourEvent>()) {
        Device& d = device(mac, time, e.agent, change);
        add_ip(d, x->ip, x->via == "nd" ? "nd" : "arp", time, change);
    } else if (const auto* x = e.as<proto::DnsEvent>()) {
        Device& d = device(mac, time, e.agent, change);
        for (const auto& b : x->bindings) {
            if (b.name.empty() || b.address.empty()) continue;
            const auto remote = d.resolved.find(b.address);
            if ((remote == d.resolved.end() && d.resolved.size() >= limits_.resolved_remotes) ||
                (remote != d.resolved.end() && !remote->second.count(b.name) &&
                 remote->second.size() >= limits_.names_per_remote) ||
                b.name.size() > limits_.text) {
                ++dropped_.resolved;
                continue;
            }
            auto [it, fresh] = d.resolved[b.address].try_emplace(b.name);
            it->second.seen.at(time);
            it->second.expires = std::max(it->second.expires, b.expires);
            if (fresh && d.resolved[b.address].size() == 1) change.changes.push_back("destination " + b.name);
        }
    } else if (const auto* x = e.as<proto::MdnsEvent>()) {
        Device& d = device(mac, time, e.agent, change);
        add_ip(d, x->ip, "mdns", time, change);
        for (const auto& h : x->hostnames)
            if (add_name(d.mdns_hostnames, h)) change.changes.push_back("mdns_name " + h);
        for (const auto& service : x->services)
            if (add_name(d.services, service.instance)) change.changes.push_back("service " + service.instance);
    } else if (const auto* x = e.as<proto::SsdpEvent>()) {
        Device& d = device(mac, time, e.agent, change);
        add_ip(d, x->ip, "ssdp", time, change);
        if (x->method != "m-search") {  // a search says what a device looks for, not what it is
            set_field(d.ssdp_server, x->server, "ssdp_server", change);
            set_field(d.ssdp_location, x->location, "ssdp_location", change);
            if (!x->device_type.empty() && add_name(d.ssdp_types, x->device_type))
                change.changes.push_back("ssdp_type " + x->device_type);
        }
    } else if (const auto* x = e.as<proto::LldpEvent>()) {
        Device& d = device(mac, time, e.agent, change);
        set_field(d.lldp_system_name, x->system_name, "lldp_system_name", change);
        set_field(d.mud_url, x->mud_url, "mud_url", change);
    } else {
        return std::nullopt;
    }
    return change;
}

const Device* DeviceModel::find(const std::string& mac) const {
    const auto it = devices_.find(mac);
    return it == devices_.end() ? nullptr : &it->second;
}

bool DeviceModel::resolved(const std::string& mac, const std::string& remote_ip, const std::string& name) const {
    const Device* d = find(mac);
    if (d == nullptr) return false;
    const auto it = d->resolved.find(remote_ip);
    return it != d->resolved.end() && it->second.count(name) != 0;
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
