// The controller's devices, keyed by MAC (SPEC 3): what the agents' events
// say each device is (addresses over time, DHCP hostname / vendor class /
// fingerprint / client id, MUD URL, mDNS / SSDP / LLDP names), its vendor
// from the OUI, when it was first and last seen, which agents see it, and the
// DNS names *this device* resolved for each remote address.
//
// Events go in as the agent publishes them (docs/protocol.md, "Events");
// what changed comes out, for the controller's own event log.  One device
// seen by two agents is one device.  No I/O: the controller feeds it.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nmf/model/oui_database.h"
#include "proto/events.h"

namespace spin::nmf {

struct Seen {
    double first = 0, last = 0;
    void at(double t) {
        if (first == 0 || t < first) first = t;
        if (t > last) last = t;
    }
};

struct AddressRecord {
    Seen seen;
    std::set<std::string> via;  // dhcp, dhcpv6, arp, nd, mdns, ssdp
};

struct NameRecord {
    Seen seen;
    double expires = 0;  // the latest answer's end of validity
};

struct Device {
    std::string mac;  // aa:bb:cc:dd:ee:ff
    // Tentative until the network gave it an address (DHCP ack, DHCPv6
    // reply), a remote answered it, it was seen for
    // DeviceLimits::confirm_after, or the user named it: a MAC a device made
    // up for a frame or two is not a device to keep.
    bool confirmed = false;
    double heard = 0;  // the model's clock when something last said it exists (not stored)
    Vendor vendor;
    Seen seen;
    std::set<std::string> agents;
    std::map<std::string, AddressRecord> ips;
    std::string hostname, vendor_class, dhcp_fingerprint, client_id, mud_url, duid, fqdn;
    std::set<std::string> mdns_hostnames, services, ssdp_types;
    std::string ssdp_server, ssdp_location, lldp_system_name;
    // remote address -> DNS name -> when this device was told so
    std::map<std::string, std::map<std::string, NameRecord>> resolved;
    // How far the reverse firewall has gone with it (docs/detection.md):
    // none, alert, restrict, quarantine.
    std::string stage = "none";
};

// How much one device may hold: a hostile device announces names, addresses
// and services by the thousand, and resolves a name for every address it
// scans.  What goes past a cap is dropped and counted (DeviceModel::dropped).
struct DeviceLimits {
    size_t ips = 64;                 // addresses (privacy addresses rotate; a day's worth fits)
    size_t names = 32;               // each of mDNS host names, DNS-SD services, SSDP types
    size_t resolved_remotes = 4096;  // remote addresses with names this device resolved
    size_t names_per_remote = 16;
    size_t text = 255;  // characters of a hostname, vendor class, URL...
    // Tentative devices (Device::confirmed): at most this many at once (the
    // one seen longest ago makes room), forgotten after tentative_idle
    // seconds without a sign of life, confirmed after confirm_after seconds
    // between first and last seen.
    size_t tentative = 1024;
    double tentative_idle = 900;
    double confirm_after = 600;
};

struct DroppedCounts {
    uint64_t ips = 0, names = 0, resolved = 0, text = 0;
    uint64_t devices_evicted = 0;  // tentative devices pushed out by the cap
    uint64_t devices_expired = 0;  // tentative devices forgotten for silence
};

// What one event changed.
struct ModelChange {
    std::string mac;
    bool new_device = false;
    std::vector<std::string> changes;  // "ip 10.0.0.5", "hostname thermostat", "mud_url https://..."
    bool empty() const { return !new_device && changes.empty(); }
};

class DeviceModel {
public:
    explicit DeviceModel(const OuiDatabase* oui = nullptr, DeviceLimits limits = {}) : oui_(oui), limits_(limits) {}

    // Applies one agent event.  Events about no LAN device (from the WAN
    // side, group MACs, the agent's own hello / rules / goodbye) change
    // nothing and return nullopt, as do events missing the fields they need.
    std::optional<ModelChange> apply(const proto::Event& event);
    // The same of an event's JSON; one that does not read as an event
    // (proto::parse_event) changes nothing.
    std::optional<ModelChange> apply(const nlohmann::json& event);

    // A device's traffic: creates the device if new, adds the LAN address it
    // used ("traffic"), the agent, and moves first / last seen.  `answered`:
    // some of it came back from the remote.
    ModelChange observe_traffic(const std::string& mac, const std::string& lan_ip, double first, double last,
                                const std::string& agent, bool answered = false);

    // Reloads what a store kept (controller restart).
    void restore(Device device);
    void restore_name(const std::string& mac, const std::string& remote_ip, const std::string& name,
                      const NameRecord& record);

    // MACs of the devices changed since the last call.
    std::set<std::string> take_dirty();
    // The reverse firewall's stage for a device it knows; false if it knows none.
    bool set_stage(const std::string& mac, const std::string& stage);
    // The clock silence is measured by (the controller's wall clock; packet
    // time where there is none): what happens from now on is heard at `now`.
    void set_clock(double now) { clock_ = now; }
    // Forgets tentative devices not heard of for tentative_idle before the
    // clock; then gives every device forgotten since the last call (expired
    // or evicted), for the store to forget too.
    std::vector<std::string> take_removed();
    // The user named the device, or said something about it: keep it.
    void confirm(const std::string& mac);
    size_t tentative() const { return tentative_.size(); }

    const Device* find(const std::string& mac) const;
    const std::map<std::string, Device>& devices() const { return devices_; }
    // The names `mac` resolved for `remote_ip` (sorted), empty if none.
    std::vector<std::string> names_of(const std::string& mac, const std::string& remote_ip) const;
    // Whether `mac` resolved `name` for `remote_ip` (and the model kept it).
    bool resolved(const std::string& mac, const std::string& remote_ip, const std::string& name) const;
    const DroppedCounts& dropped() const { return dropped_; }
    const DeviceLimits& limits() const { return limits_; }

private:
    Device& device(const std::string& mac, double time, const std::string& agent, ModelChange& change);
    void set_field(std::string& field, const std::string& value, const char* label, ModelChange& change);
    void add_ip(Device& d, const std::string& ip, const std::string& via, double time, ModelChange& change);
    // Inserts into a capped set; false (and counted) when full.
    bool add_name(std::set<std::string>& set, const std::string& value);
    void confirm(Device& d);
    bool seen_long_enough(const Device& d) const { return d.seen.last - d.seen.first >= limits_.confirm_after; }
    void remove(std::string mac);  // by value: callers pass keys of the sets it erases from

    const OuiDatabase* oui_;
    DeviceLimits limits_;
    DroppedCounts dropped_;
    std::map<std::string, Device> devices_;
    std::set<std::string> dirty_;
    std::set<std::string> tentative_;
    double clock_ = 0;
    std::vector<std::string> removed_;
};

}  // namespace spin::nmf
