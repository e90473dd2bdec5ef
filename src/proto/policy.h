// A device's MUD policy as the controller hands it to the agents: the
// profile compiled against the home (mud/compiler.h), so that every
// abstraction is addresses and what is left to the agent is only what it
// sees itself: the addresses the device resolves for a name.  Entries are
// tried in order; the first whose every constraint holds decides.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/dns_name.h"
#include "common/ip_prefix.h"
#include "common/mac_address.h"
#include "common/port_range.h"

namespace spin::proto {

enum class PolicyMode : uint8_t { monitor, enforce };
const char* to_string(PolicyMode m);  // "monitor", "enforce"

// Which way a packet goes, seen from the device.
enum class Toward : uint8_t { remote, device };  // from the device / to the device
// Who opened the flow (ietf-mud:direction-initiated).
enum class Opener : uint8_t { device, remote };

struct PolicyEntry {
    std::string acl, ace;  // where it came from (counters and violations name it)
    bool accept = true;    // an entry that drops ends the search too
    Toward toward = Toward::remote;
    uint8_t ip_version = 0;  // 4 or 6; 0: not an IP entry (ethertype only) or either
    std::optional<uint16_t> ethertype;
    std::optional<uint8_t> proto;
    // The remote end.  With `remotes` set, its address lies in one of them
    // (an empty list matches nothing: an abstraction that names nobody yet);
    // with `domain` set, the device resolved that name to it.  Neither: any.
    std::optional<std::vector<IpPrefix>> remotes;
    DnsName domain;
    std::vector<IpPrefix> device_networks;  // the device's own address, if the entry says (rare)
    std::optional<MacAddress> remote_mac;
    PortRange remote_port, device_port;
    std::optional<Opener> opened_by;
    std::optional<uint8_t> icmp_type, icmp_code;

    bool operator==(const PolicyEntry&) const = default;
};

struct DevicePolicy {
    MacAddress mac;
    PolicyMode mode = PolicyMode::monitor;
    std::string profile;  // the MUD URL it came from
    std::vector<PolicyEntry> entries;

    bool operator==(const DevicePolicy&) const = default;
};

void to_json(nlohmann::json& j, const PolicyEntry& e);
void to_json(nlohmann::json& j, const DevicePolicy& p);
// Reads a policy object.  nullopt, and a sentence naming the key in *error,
// if it is not one; never throws.
std::optional<DevicePolicy> parse_policy(const nlohmann::json& j, std::string* error);

}  // namespace spin::proto
