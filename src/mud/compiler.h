// Compiles a MUD profile for one device against the home it is in: each
// usable entry of the device's two policies becomes a proto::PolicyEntry
// whose abstractions are addresses (local-networks, controller,
// my-controller, manufacturer, same-manufacturer, model), the remote end
// and ports named from the device's side whichever policy it came from.
// DNS names stay names: the agent binds them to the addresses that device
// resolves (RFC 9726: never by resolving them itself).
//
// Compile again when the home changes (a device of the same manufacturer
// appears, DHCP gives other resolvers); the result is a value, so "did it
// change" is ==.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/ip_prefix.h"
#include "common/mac_address.h"
#include "mud/profile.h"
#include "proto/policy.h"

namespace spin::mud {

// What the abstractions name in this home.
struct Home {
    // The LAN's prefixes; local-networks also holds what never leaves the
    // link (link-local, link- and site-scope multicast, broadcast).
    std::vector<IpPrefix> local_networks;
    // Controller classes (a URN or URL) -> their addresses, from the
    // configuration.  urn:ietf:params:mud:dns and :ntp, when absent here,
    // are the servers DHCP gave the device (Device below).
    std::map<std::string, std::vector<IpPrefix>> controllers;
    // MUD URL -> the addresses of "my-controller" for devices of that URL.
    std::map<std::string, std::vector<IpPrefix>> my_controllers;
    struct Peer {
        MacAddress mac;
        std::string mud_url;
        std::vector<IpPrefix> addresses;
    };
    std::vector<Peer> devices;  // the other devices the model knows a MUD URL of
};

// The device the profile is compiled for.
struct Device {
    MacAddress mac;
    std::string mud_url;                             // the URL it is known by (names its manufacturer and model)
    std::vector<IpPrefix> dns_servers, ntp_servers;  // as DHCP gave them
};

struct Compiled {
    proto::DevicePolicy policy;
    // Entries left out, each with why ("acl/ace: never matches: ..."), and
    // abstractions that name nobody yet.
    std::vector<std::string> notes;
};

// Whether the address is the home's own (its LAN prefixes) or never leaves
// the link (link-local, link- and site-scope multicast, broadcast): what
// `local-networks` names.
bool is_local(const Home& home, const IpPrefix& address);

// The authority (host) of an https URL: "https://a.example:8443/x" -> "a.example".
std::string authority_of(const std::string& url);

Compiled compile(const Profile& profile, const Device& device, const Home& home, proto::PolicyMode mode);

}  // namespace spin::mud
