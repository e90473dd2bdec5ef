// A MUD file (RFC 8520) as SPIN reads it: the device's identity and the
// access lists (RFC 8519) that say what it may do, one type whatever the
// dialect the file was written in (mud/parser.h reads them all).  What the
// abstractions name (local networks, controllers, manufacturers) is resolved
// later, against the home (mud/compiler); here they are what the file says.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/dns_name.h"
#include "common/ip_prefix.h"
#include "common/mac_address.h"
#include "common/port_range.h"

namespace spin::mud {

// Which way traffic goes, as the device sees it: the two policies of a
// profile and `ietf-mud:direction-initiated` both use it.
enum class Direction : uint8_t { from_device, to_device };
std::string_view to_string(Direction d);  // "from-device", "to-device"

// `ipv4` / `ipv6` matches.  A DNS name is matched exactly: RFC 8519's
// dnsname is one host's name, not a domain and its subdomains.
struct IpMatch {
    uint8_t version = 4;
    std::optional<uint8_t> protocol;  // IPv4 protocol, IPv6 next header
    std::optional<IpPrefix> src_network, dst_network;
    std::optional<DnsName> src_dnsname, dst_dnsname;
    bool operator==(const IpMatch&) const = default;
};

// `tcp` / `udp` matches (the protocol is the container's).
struct TransportMatch {
    uint8_t protocol = 6;                         // 6 TCP, 17 UDP
    std::optional<PortRange> src_port, dst_port;  // RFC 8519: operator eq / lte / gte / neq, or a range
    std::optional<Direction> initiated;           // ietf-mud:direction-initiated (TCP)
    bool operator==(const TransportMatch&) const = default;
};

struct IcmpMatch {
    std::optional<uint8_t> type, code;
    bool operator==(const IcmpMatch&) const = default;
};

struct EthMatch {
    std::optional<uint16_t> ethertype;
    std::optional<MacAddress> src_mac, dst_mac;
    bool operator==(const EthMatch&) const = default;
};

// The `ietf-mud:mud` match: the remote end named by what it is rather than
// where it is.  At most one is set in a valid file (RFC 8520 section 8).
struct MudMatch {
    std::optional<std::string> manufacturer;  // an authority: "example.com"
    bool same_manufacturer = false;
    std::optional<std::string> model;  // a MUD URL
    bool local_networks = false;
    std::optional<std::string> controller;  // a URI (class) such as urn:ietf:params:mud:dns
    bool my_controller = false;

    bool empty() const {
        return !manufacturer && !same_manufacturer && !model && !local_networks && !controller && !my_controller;
    }
    bool operator==(const MudMatch&) const = default;
};

enum class Action : uint8_t { accept, drop, reject };
std::string_view to_string(Action a);

struct Ace {
    std::string name;
    std::optional<EthMatch> eth;
    std::optional<IpMatch> ip;
    std::optional<TransportMatch> transport;
    std::optional<IcmpMatch> icmp;
    MudMatch mud;
    Action action = Action::accept;
    // Set when the entry asks for a match SPIN does not know (an unknown
    // leaf, a value of the wrong family): such an entry never matches, so a
    // profile is only ever enforced as narrower than written, never wider.
    std::string unusable;

    bool operator==(const Ace&) const = default;
};

enum class AclType : uint8_t { unspecified, ipv4, ipv6, eth, mixed_eth_ipv4, mixed_eth_ipv6, mixed_eth_ipv4_ipv6 };
std::string_view to_string(AclType t);  // "ipv4-acl-type", ...

struct Acl {
    std::string name;
    AclType type = AclType::unspecified;
    std::vector<Ace> aces;
    bool operator==(const Acl&) const = default;
};

struct Profile {
    int mud_version = 1;
    std::string mud_url;
    std::string last_update;
    std::string mud_signature;  // URL of the detached signature, if the file names one
    int cache_validity = 48;    // hours, 1..168
    bool is_supported = true;
    std::string systeminfo, mfg_name, model_name, firmware_rev, software_rev, documentation;
    std::vector<std::string> extensions;
    // The ACL names each policy applies, in order; each names one of `acls`.
    std::vector<std::string> from_device, to_device;
    std::vector<Acl> acls;

    const Acl* acl(std::string_view name) const;
    size_t ace_count() const;
    bool operator==(const Profile&) const = default;
};

}  // namespace spin::mud
