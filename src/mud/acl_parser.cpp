#include "mud/acl_parser.h"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include <fmt/format.h>

namespace spin::mud::detail {

namespace {

constexpr std::string_view kNotEnforced = "a match SPIN does not know, so this entry never matches";
constexpr std::string_view kPrefix = "ietf-access-control-list:";

// A value that may carry its YANG module prefix (RFC 7951 identities).
std::string_view unprefixed(std::string_view v) { return v.starts_with(kPrefix) ? v.substr(kPrefix.size()) : v; }

// Ethertype names of ietf-ethertypes that home devices use.
constexpr std::array<std::pair<std::string_view, uint16_t>, 13> kEthertypes{{
    {"ipv4", 0x0800},
    {"arp", 0x0806},
    {"rarp", 0x8035},
    {"vlan", 0x8100},
    {"ipv6", 0x86dd},
    {"mpls-unicast", 0x8847},
    {"mpls-multicast", 0x8848},
    {"pppoe-discovery", 0x8863},
    {"pppoe-session", 0x8864},
    {"eap", 0x888e},
    {"provider-bridging", 0x88a8},
    {"lldp", 0x88cc},
    {"macsec", 0x88e5},
}};

constexpr std::array<std::pair<std::string_view, AclType>, 6> kAclTypes{{
    {"ipv4-acl-type", AclType::ipv4},
    {"ipv6-acl-type", AclType::ipv6},
    {"eth-acl-type", AclType::eth},
    {"mixed-eth-ipv4-acl-type", AclType::mixed_eth_ipv4},
    {"mixed-eth-ipv6-acl-type", AclType::mixed_eth_ipv6},
    {"mixed-eth-ipv4-ipv6-acl-type", AclType::mixed_eth_ipv4_ipv6},
}};

bool allows_ip(AclType t, uint8_t version) {
    switch (t) {
    case AclType::unspecified:
    case AclType::mixed_eth_ipv4_ipv6: return true;
    case AclType::ipv4:
    case AclType::mixed_eth_ipv4: return version == 4;
    case AclType::ipv6:
    case AclType::mixed_eth_ipv6: return version == 6;
    case AclType::eth: return false;
    }
    return false;
}

bool allows_eth(AclType t) { return t != AclType::ipv4 && t != AclType::ipv6; }

// Reads one ACE; `dialect` decides the names of its containers.
class AceReader {
public:
    AceReader(JsonReader& r, Dialect dialect, AclType type, Ace& ace)
        : r_(r), dialect_(dialect), type_(type), ace_(ace) {}

    void read(const json& v, const std::string& path);

private:
    void never_matches(const std::string& path, std::string_view why) {
        r_.tolerate(path, std::string(why));
        if (ace_.unusable.empty()) ace_.unusable = fmt::format("{}: {}", path, why);
    }
    void unknown_matches(const json& obj, const std::string& path, std::initializer_list<std::string_view> known) {
        for (const auto& key : JsonReader::unknown(obj, known)) never_matches(child(path, key), kNotEnforced);
    }

    void read_matches(const json& m, const std::string& path);
    void read_ip(const json& v, const std::string& path, uint8_t version);
    std::optional<IpPrefix> read_network(const json& v, const std::string& path, uint8_t version);
    std::optional<DnsName> read_dnsname(const json& v, const std::string& path);
    void read_transport(const json& v, const std::string& path, uint8_t protocol);
    std::optional<PortRange> read_port(const json& v, const std::string& path);
    void read_icmp(const json& v, const std::string& path);
    void read_eth(const json& v, const std::string& path);
    void read_mud(const json& v, const std::string& path);
    void read_actions(const json& v, const std::string& path);
    void check_protocols(const std::string& path);

    JsonReader& r_;
    Dialect dialect_;
    AclType type_;
    Ace& ace_;
};

void AceReader::read(const json& v, const std::string& path) {
    if (!r_.object(v, path)) return;
    const std::string_view name_key = dialect_ == Dialect::draft ? "rule-name" : "name";
    if (const json* n = r_.member(v, path, name_key, true))
        ace_.name = r_.string(*n, child(path, name_key)).value_or("");
    if (const json* m = r_.member(v, path, "matches")) read_matches(*m, child(path, "matches"));
    if (const json* a = r_.member(v, path, "actions", true)) read_actions(*a, child(path, "actions"));
    r_.unknown_keys(v, path, {name_key, "matches", "actions", "statistics"},
                    "an entry leaf SPIN does not know, ignored");
}

void AceReader::read_matches(const json& m, const std::string& path) {
    if (!r_.object(m, path)) return;
    const bool draft = dialect_ == Dialect::draft;
    const std::string_view v4 = draft ? "ipv4-acl" : "ipv4";
    const std::string_view v6 = draft ? "ipv6-acl" : "ipv6";
    unknown_matches(m, path, {"eth", v4, v6, "tcp", "udp", "icmp", "ietf-mud:mud"});
    if (m.contains(v4) && m.contains(v6)) r_.error(path, "an entry matches ipv4 or ipv6, not both");
    if (m.contains("tcp") && m.contains("udp")) r_.error(path, "an entry matches tcp or udp, not both");
    if (m.contains("icmp") && (m.contains("tcp") || m.contains("udp")))
        r_.error(path, "an entry matches icmp or a transport, not both");
    // The transport first: the draft dialect puts its ports in the IP match.
    if (const json* t = r_.member(m, path, "tcp")) read_transport(*t, child(path, "tcp"), 6);
    if (const json* u = r_.member(m, path, "udp")) read_transport(*u, child(path, "udp"), 17);
    if (const json* i = r_.member(m, path, "icmp")) read_icmp(*i, child(path, "icmp"));
    if (const json* ip = r_.member(m, path, v4)) read_ip(*ip, child(path, v4), 4);
    if (const json* ip = r_.member(m, path, v6)) read_ip(*ip, child(path, v6), 6);
    if (const json* e = r_.member(m, path, "eth")) read_eth(*e, child(path, "eth"));
    if (const json* mud = r_.member(m, path, "ietf-mud:mud")) read_mud(*mud, child(path, "ietf-mud:mud"));
    check_protocols(path);
}

void AceReader::check_protocols(const std::string& path) {
    if (!ace_.ip || !ace_.ip->protocol) return;
    const uint8_t proto = *ace_.ip->protocol;
    if (ace_.transport && ace_.transport->protocol != proto)
        r_.error(path, fmt::format("protocol {} with a {} match can never match", proto,
                                   ace_.transport->protocol == 6 ? "tcp" : "udp"));
    const uint8_t icmp = ace_.ip->version == 4 ? 1 : 58;
    if (ace_.icmp && proto != icmp)
        r_.error(path, fmt::format("protocol {} with an icmp match can never match (ICMP is {})", proto, icmp));
}

void AceReader::read_ip(const json& v, const std::string& path, uint8_t version) {
    if (!r_.object(v, path)) return;
    IpMatch ip;
    ip.version = version;
    // A match outside the ACL's type is odd but well defined (all of an
    // entry's matches must hold), so it only warns.
    if (!allows_ip(type_, version))
        r_.tolerate(path, fmt::format("an ipv{} match in an ACL of type {}", version, to_string(type_)));
    const bool draft = dialect_ == Dialect::draft;
    const std::string src_net = fmt::format("source-ipv{}-network", version);
    const std::string dst_net = fmt::format("destination-ipv{}-network", version);
    if (draft)
        unknown_matches(v, path,
                        {"protocol", src_net, dst_net, "ietf-acldns:src-dnsname", "ietf-acldns:dst-dnsname",
                         "source-port-range-or-operator", "destination-port-range-or-operator"});
    else
        unknown_matches(v, path, {"protocol", src_net, dst_net, "ietf-acldns:src-dnsname", "ietf-acldns:dst-dnsname"});
    if (const json* p = r_.member(v, path, "protocol"))
        if (auto n = r_.integer(*p, child(path, "protocol"), 0, 255)) ip.protocol = static_cast<uint8_t>(*n);
    if (const json* n = r_.member(v, path, src_net)) ip.src_network = read_network(*n, child(path, src_net), version);
    if (const json* n = r_.member(v, path, dst_net)) ip.dst_network = read_network(*n, child(path, dst_net), version);
    if (const json* n = r_.member(v, path, "ietf-acldns:src-dnsname"))
        ip.src_dnsname = read_dnsname(*n, child(path, "ietf-acldns:src-dnsname"));
    if (const json* n = r_.member(v, path, "ietf-acldns:dst-dnsname"))
        ip.dst_dnsname = read_dnsname(*n, child(path, "ietf-acldns:dst-dnsname"));
    if (v.contains(src_net) && v.contains("ietf-acldns:src-dnsname"))
        r_.error(path, "the source is a network or a DNS name, not both");
    if (v.contains(dst_net) && v.contains("ietf-acldns:dst-dnsname"))
        r_.error(path, "the destination is a network or a DNS name, not both");
    if (draft) {
        for (const auto& [key, src] : {std::pair<std::string_view, bool>{"source-port-range-or-operator", true},
                                       {"destination-port-range-or-operator", false}}) {
            const json* port = r_.member(v, path, key);
            if (port == nullptr) continue;
            const std::string at = child(path, key);
            if (!ip.protocol || (*ip.protocol != 6 && *ip.protocol != 17)) {
                r_.error(at, "ports need protocol 6 (TCP) or 17 (UDP)");
                continue;
            }
            if (!ace_.transport) ace_.transport = TransportMatch{.protocol = *ip.protocol};
            (src ? ace_.transport->src_port : ace_.transport->dst_port) = read_port(*port, at);
        }
    }
    ace_.ip = ip;
}

std::optional<IpPrefix> AceReader::read_network(const json& v, const std::string& path, uint8_t version) {
    const auto text = r_.string(v, path);
    if (!text) return std::nullopt;
    std::string why;
    const auto prefix = IpPrefix::parse(*text, &why);
    if (!prefix) {
        r_.error(path, fmt::format("\"{}\" is not an address prefix: {}", *text, why));
        return std::nullopt;
    }
    if (prefix->version() != version) {
        never_matches(path,
                      fmt::format("\"{}\" is an IPv{} address in an IPv{} match", *text, prefix->version(), version));
        return std::nullopt;
    }
    const size_t slash = text->find('/');
    if (slash == std::string::npos) {
        r_.tolerate(path,
                    fmt::format("\"{}\" has no prefix length; read as the one address {}", *text, prefix->to_string()));
    } else if (auto addr = IpPrefix::parse(std::string_view(*text).substr(0, slash));
               addr && !std::equal(addr->bytes(), addr->bytes() + 16, prefix->bytes())) {
        r_.tolerate(path, fmt::format("\"{}\" has host bits set; read as {}", *text, prefix->to_string()));
    }
    return prefix;
}

std::optional<DnsName> AceReader::read_dnsname(const json& v, const std::string& path) {
    const auto text = r_.string(v, path);
    if (!text) return std::nullopt;
    std::string why;
    auto name = DnsName::parse(*text, &why);
    if (!name) r_.error(path, fmt::format("\"{}\" is not a DNS name: {}", text->substr(0, 80), why));
    return name;
}

void AceReader::read_transport(const json& v, const std::string& path, uint8_t protocol) {
    if (!r_.object(v, path)) return;
    if (type_ == AclType::eth) r_.tolerate(path, "a transport match in an ACL of type eth-acl-type");
    TransportMatch t{.protocol = protocol};
    if (protocol == 6)
        unknown_matches(v, path, {"source-port", "destination-port", "ietf-mud:direction-initiated"});
    else
        unknown_matches(v, path, {"source-port", "destination-port"});
    if (const json* p = r_.member(v, path, "source-port")) t.src_port = read_port(*p, child(path, "source-port"));
    if (const json* p = r_.member(v, path, "destination-port"))
        t.dst_port = read_port(*p, child(path, "destination-port"));
    if (protocol == 6)
        if (const json* d = r_.member(v, path, "ietf-mud:direction-initiated")) {
            const std::string at = child(path, "ietf-mud:direction-initiated");
            if (auto s = r_.string(*d, at)) {
                if (*s == "from-device")
                    t.initiated = Direction::from_device;
                else if (*s == "to-device")
                    t.initiated = Direction::to_device;
                else
                    r_.error(at, fmt::format("\"{}\" is neither from-device nor to-device", s->substr(0, 40)));
            }
        }
    ace_.transport = t;
}

std::optional<PortRange> AceReader::read_port(const json& v, const std::string& path) {
    if (!r_.object(v, path)) return std::nullopt;
    const auto port_at = [&](std::string_view key) -> std::optional<uint16_t> {
        const json* p = r_.member(v, path, key, true);
        if (p == nullptr) return std::nullopt;
        if (auto n = r_.integer(*p, child(path, key), 0, 65535)) return static_cast<uint16_t>(*n);
        return std::nullopt;
    };
    std::string op = "eq";
    if (const json* o = r_.member(v, path, "operator")) {
        auto s = r_.string(*o, child(path, "operator"));
        if (!s) return std::nullopt;
        op = *s;
    }
    if (v.contains("lower-port") || v.contains("upper-port") || op == "range") {
        r_.unknown_keys(v, path, {"lower-port", "upper-port", "operator"}, "a port leaf SPIN does not know, ignored");
        if (v.contains("operator"))
            r_.tolerate(child(path, "operator"), "a range has no operator in RFC 8519; read as lower-port..upper-port");
        const auto lo = port_at("lower-port");
        const auto hi = port_at("upper-port");
        if (!lo || !hi) return std::nullopt;
        if (*lo > *hi) {
            r_.error(path, fmt::format("lower-port {} is above upper-port {}", *lo, *hi));
            return std::nullopt;
        }
        return PortRange{.lower = *lo, .upper = *hi};
    }
    r_.unknown_keys(v, path, {"operator", "port"}, "a port leaf SPIN does not know, ignored");
    const auto port = port_at("port");
    if (!port) return std::nullopt;
    if (op == "eq") return PortRange{.lower = *port, .upper = *port};
    if (op == "neq") return PortRange{.lower = *port, .upper = *port, .negate = true};
    if (op == "lte") return PortRange{.lower = 0, .upper = *port};
    if (op == "gte") return PortRange{.lower = *port, .upper = 65535};
    r_.error(child(path, "operator"), fmt::format("\"{}\" is not eq, neq, lte, gte or a range", op.substr(0, 40)));
    return std::nullopt;
}

void AceReader::read_icmp(const json& v, const std::string& path) {
    if (!r_.object(v, path)) return;
    IcmpMatch icmp;
    unknown_matches(v, path, {"type", "code"});
    if (const json* t = r_.member(v, path, "type"))
        if (auto n = r_.integer(*t, child(path, "type"), 0, 255)) icmp.type = static_cast<uint8_t>(*n);
    if (const json* c = r_.member(v, path, "code"))
        if (auto n = r_.integer(*c, child(path, "code"), 0, 255)) icmp.code = static_cast<uint8_t>(*n);
    ace_.icmp = icmp;
}

void AceReader::read_eth(const json& v, const std::string& path) {
    if (!r_.object(v, path)) return;
    if (!allows_eth(type_)) r_.tolerate(path, fmt::format("an eth match in an ACL of type {}", to_string(type_)));
    EthMatch eth;
    unknown_matches(v, path, {"ethertype", "source-mac-address", "destination-mac-address"});
    for (const auto& [key, out] :
         {std::pair<std::string_view, std::optional<MacAddress>*>{"source-mac-address", &eth.src_mac},
          {"destination-mac-address", &eth.dst_mac}}) {
        const json* m = r_.member(v, path, key);
        if (m == nullptr) continue;
        const std::string at = child(path, key);
        auto text = r_.string(*m, at);
        if (!text) continue;
        std::string why;
        *out = MacAddress::parse(*text, &why);
        if (!*out) r_.error(at, fmt::format("\"{}\" is not a MAC address: {}", text->substr(0, 40), why));
    }
    if (const json* t = r_.member(v, path, "ethertype")) {
        const std::string at = child(path, "ethertype");
        if (t->is_string()) {
            const std::string s = t->get<std::string>();
            const auto named =
                std::find_if(kEthertypes.begin(), kEthertypes.end(), [&](auto& e) { return e.first == s; });
            if (named != kEthertypes.end()) {
                eth.ethertype = named->second;
            } else if (s.size() > 2 && s.size() <= 6 && s.starts_with("0x") &&
                       s.find_first_not_of("0123456789abcdefABCDEF", 2) == std::string::npos) {
                eth.ethertype = static_cast<uint16_t>(std::stoul(s.substr(2), nullptr, 16));
                r_.tolerate(at, fmt::format("ethertype \"{}\" is a string of hex digits (MUDgee), not a number or a "
                                            "name; read as {:#06x}",
                                            s, *eth.ethertype));
            } else {
                never_matches(at, fmt::format("\"{}\" is no ethertype SPIN knows", s.substr(0, 40)));
            }
        } else if (auto n = r_.integer(*t, at, 0, 65535)) {
            eth.ethertype = static_cast<uint16_t>(*n);
        }
    }
    ace_.eth = eth;
}

void AceReader::read_mud(const json& v, const std::string& path) {
    if (!r_.object(v, path)) return;
    unknown_matches(v, path,
                    {"manufacturer", "same-manufacturer", "model", "local-networks", "controller", "my-controller"});
    MudMatch& m = ace_.mud;
    if (const json* s = r_.member(v, path, "manufacturer")) m.manufacturer = r_.string(*s, child(path, "manufacturer"));
    if (const json* s = r_.member(v, path, "model")) m.model = r_.string(*s, child(path, "model"));
    if (const json* s = r_.member(v, path, "controller")) {
        const std::string at = child(path, "controller");
        m.controller = r_.string(*s, at);
        if (m.controller && m.controller->starts_with("urn:") && *m.controller != "urn:ietf:params:mud:dns" &&
            *m.controller != "urn:ietf:params:mud:ntp")
            r_.tolerate(at, fmt::format("\"{}\" is no class RFC 8520 defines; it names an address only where the "
                                        "configuration's mud.controllers lists one",
                                        m.controller->substr(0, 80)));
    }
    m.same_manufacturer = r_.empty_leaf(r_.member(v, path, "same-manufacturer"), child(path, "same-manufacturer"));
    m.local_networks = r_.empty_leaf(r_.member(v, path, "local-networks"), child(path, "local-networks"));
    m.my_controller = r_.empty_leaf(r_.member(v, path, "my-controller"), child(path, "my-controller"));
}

void AceReader::read_actions(const json& v, const std::string& path) {
    if (!r_.object(v, path)) return;
    r_.unknown_keys(v, path, {"forwarding", "logging"}, "an action SPIN does not know, ignored");
    const json* f = r_.member(v, path, "forwarding", true);
    if (f == nullptr) return;
    const std::string at = child(path, "forwarding");
    const auto s = r_.string(*f, at);
    if (!s) return;
    const std::string_view a = unprefixed(*s);
    if (a == "accept")
        ace_.action = Action::accept;
    else if (a == "drop")
        ace_.action = Action::drop;
    else if (a == "reject")
        ace_.action = Action::reject;
    else
        r_.error(at, fmt::format("\"{}\" is not accept, drop or reject", s->substr(0, 40)));
}

AclType read_type(JsonReader& r, const json& v, const std::string& path) {
    const auto s = r.string(v, path);
    if (!s) return AclType::unspecified;
    const std::string_view t = unprefixed(*s);
    for (const auto& [name, type] : kAclTypes)
        if (name == t) return type;
    if (t == "ethernet-acl-type") {
        r.tolerate(path, "\"ethernet-acl-type\" (MUDgee) is RFC 8519's eth-acl-type; read as that");
        return AclType::eth;
    }
    r.tolerate(path, fmt::format("\"{}\" is no ACL type SPIN knows; read as unspecified", s->substr(0, 40)));
    return AclType::unspecified;
}

}  // namespace

bool is_draft_acl(const json& acl) {
    return acl.is_object() && (acl.contains("acl-type") || acl.contains("access-list-entries"));
}

std::vector<Acl> read_acls(JsonReader& r, const json& container, const std::string& path, Dialect dialect) {
    std::vector<Acl> out;
    if (!r.object(container, path)) return out;
    r.unknown_keys(container, path, {"acl"}, "a leaf SPIN does not know, ignored");
    const json* list = r.list(container, path, "acl", true);
    if (list == nullptr) return out;
    const std::string list_path = child(path, "acl");
    const bool draft = dialect == Dialect::draft;
    const std::string_view type_key = draft ? "acl-type" : "type";
    const std::string_view aces_key = draft ? "access-list-entries" : "aces";
    std::set<std::string> names;
    for (size_t i = 0; i < list->size(); ++i) {
        const json& v = (*list)[i];
        const std::string at = child(list_path, i);
        Acl& acl = out.emplace_back();
        if (!r.object(v, at)) continue;
        r.unknown_keys(v, at, {"name", type_key, aces_key}, "an ACL leaf SPIN does not know, ignored");
        if (const json* n = r.member(v, at, "name", true)) acl.name = r.string(*n, child(at, "name")).value_or("");
        if (!acl.name.empty() && !names.insert(acl.name).second)
            r.error(child(at, "name"), fmt::format("a second ACL named \"{}\"", acl.name));
        if (const json* t = r.member(v, at, type_key)) acl.type = read_type(r, *t, child(at, type_key));
        const json* aces = r.member(v, at, aces_key);
        if (aces == nullptr || !r.object(*aces, child(at, aces_key))) continue;
        const std::string aces_path = child(at, aces_key);
        r.unknown_keys(*aces, aces_path, {"ace"}, "a leaf SPIN does not know, ignored");
        const json* ace_list = r.list(*aces, aces_path, "ace", true);
        if (ace_list == nullptr) continue;
        std::set<std::string> ace_names;
        for (size_t k = 0; k < ace_list->size(); ++k) {
            Ace& ace = acl.aces.emplace_back();
            const std::string ace_path = child(child(aces_path, "ace"), k);
            AceReader(r, dialect, acl.type, ace).read((*ace_list)[k], ace_path);
            if (!ace.name.empty() && !ace_names.insert(ace.name).second)
                r.error(ace_path, fmt::format("a second entry named \"{}\" in ACL \"{}\"", ace.name, acl.name));
        }
    }
    return out;
}

}  // namespace spin::mud::detail
