#include "mud/writer.h"

namespace spin::mud {

namespace {

using nlohmann::json;

const json kEmptyLeaf = json::array({nullptr});  // RFC 7951's YANG `empty`

// Each range as the RFC 8519 form that reads back as it.
json port(const PortRange& p) {
    if (p.negate) return {{"operator", "neq"}, {"port", p.lower}};
    if (p.lower == p.upper) return {{"operator", "eq"}, {"port", p.lower}};
    if (p.lower == 0) return {{"operator", "lte"}, {"port", p.upper}};
    if (p.upper == 65535) return {{"operator", "gte"}, {"port", p.lower}};
    return {{"lower-port", p.lower}, {"upper-port", p.upper}};
}

json matches(const Ace& a) {
    json m = json::object();
    if (a.eth) {
        json e = json::object();
        if (a.eth->ethertype) e["ethertype"] = *a.eth->ethertype;
        if (a.eth->src_mac) e["source-mac-address"] = a.eth->src_mac->to_string();
        if (a.eth->dst_mac) e["destination-mac-address"] = a.eth->dst_mac->to_string();
        m["eth"] = e;
    }
    if (a.ip) {
        const std::string v = a.ip->version == 6 ? "6" : "4";
        json ip = json::object();
        if (a.ip->protocol) ip["protocol"] = *a.ip->protocol;
        if (a.ip->src_network) ip["source-ipv" + v + "-network"] = a.ip->src_network->to_string();
        if (a.ip->dst_network) ip["destination-ipv" + v + "-network"] = a.ip->dst_network->to_string();
        if (a.ip->src_dnsname) ip["ietf-acldns:src-dnsname"] = a.ip->src_dnsname->to_string();
        if (a.ip->dst_dnsname) ip["ietf-acldns:dst-dnsname"] = a.ip->dst_dnsname->to_string();
        m["ipv" + v] = ip;
    }
    if (a.transport) {
        json t = json::object();
        if (a.transport->src_port) t["source-port"] = port(*a.transport->src_port);
        if (a.transport->dst_port) t["destination-port"] = port(*a.transport->dst_port);
        if (a.transport->initiated) t["ietf-mud:direction-initiated"] = std::string(to_string(*a.transport->initiated));
        m[a.transport->protocol == 6 ? "tcp" : "udp"] = t;
    }
    if (a.icmp) {
        json i = json::object();
        if (a.icmp->type) i["type"] = *a.icmp->type;
        if (a.icmp->code) i["code"] = *a.icmp->code;
        m["icmp"] = i;
    }
    if (!a.mud.empty()) {
        json x = json::object();
        if (a.mud.manufacturer) x["manufacturer"] = *a.mud.manufacturer;
        if (a.mud.same_manufacturer) x["same-manufacturer"] = kEmptyLeaf;
        if (a.mud.model) x["model"] = *a.mud.model;
        if (a.mud.local_networks) x["local-networks"] = kEmptyLeaf;
        if (a.mud.controller) x["controller"] = *a.mud.controller;
        if (a.mud.my_controller) x["my-controller"] = kEmptyLeaf;
        m["ietf-mud:mud"] = x;
    }
    return m;
}

json policy(const std::vector<std::string>& names) {
    json list = json::array();
    for (const auto& n : names) list.push_back({{"name", n}});
    return {{"access-lists", {{"access-list", list}}}};
}

}  // namespace

json to_mud_json(const Profile& p) {
    json mud = {{"mud-version", p.mud_version},
                {"mud-url", p.mud_url},
                {"last-update", p.last_update},
                {"cache-validity", p.cache_validity},
                {"is-supported", p.is_supported}};
    const auto text = [&](const char* key, const std::string& v) {
        if (!v.empty()) mud[key] = v;
    };
    text("mud-signature", p.mud_signature);
    text("systeminfo", p.systeminfo);
    text("mfg-name", p.mfg_name);
    text("model-name", p.model_name);
    text("firmware-rev", p.firmware_rev);
    text("software-rev", p.software_rev);
    text("documentation", p.documentation);
    if (!p.extensions.empty()) mud["extensions"] = p.extensions;
    if (!p.from_device.empty()) mud["from-device-policy"] = policy(p.from_device);
    if (!p.to_device.empty()) mud["to-device-policy"] = policy(p.to_device);
    json acls = json::array();
    for (const Acl& acl : p.acls) {
        json aces = json::array();
        for (const Ace& a : acl.aces) {
            if (!a.unusable.empty()) continue;
            json ace = {{"name", a.name}, {"actions", {{"forwarding", std::string(to_string(a.action))}}}};
            if (json m = matches(a); !m.empty()) ace["matches"] = std::move(m);
            aces.push_back(std::move(ace));
        }
        json entry = {{"name", acl.name}, {"aces", {{"ace", std::move(aces)}}}};
        if (acl.type != AclType::unspecified) entry["type"] = std::string(to_string(acl.type));
        acls.push_back(std::move(entry));
    }
    return {{"ietf-mud:mud", std::move(mud)}, {"ietf-access-control-list:acls", {{"acl", std::move(acls)}}}};
}

std::string write_mud(const Profile& profile) {
    return to_mud_json(profile).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace spin::mud
