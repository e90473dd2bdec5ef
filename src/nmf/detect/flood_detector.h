// Outgoing floods (docs/detection.md, "floods"): packets from one device
// towards one victim (an IPv4 /24 or an IPv6 /56, so that both one address
// and a carpet over a prefix count) per second over a window, per kind:
//   syn_flood   TCP that never got past the SYN (no ACK seen either way)
//   ack_flood   TCP without a handshake (no SYN seen, ACKs sent)
//   udp_flood, icmp_flood
// with the return ratio (packets back / packets out of those flows) as the
// evidence that the victim is not answering.  Packets are the records'
// increments (nmf/ingest/flow_accounting.h), in packet time.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "nmf/detect/detect_config.h"
#include "nmf/detect/device_windows.h"
#include "nmf/detect/finding.h"
#include "nmf/store/traffic.h"
#include "proto/flow_record.h"

namespace spin::nmf {

class FloodDetector {
public:
    FloodDetector(const FloodConfig& config, uint32_t max_devices);
    std::optional<Finding> on_record(const proto::FlowRecord& r, const TrafficCounters& added);
    uint64_t devices_dropped() const { return windows_.dropped(); }
    // The highest rate (packets a second over a window) towards one victim that got at most
    // max_return_ratio back: how near benign traffic comes.
    double peak() const { return peak_; }

    enum Kind { syn, ack, udp, icmp, kKinds };
    static const char* detector(Kind k);

private:
    static constexpr size_t kVictimsPerDevice = 256;
    struct Victim {
        std::array<uint64_t, kKinds> out{}, back{}, flows{};
        std::set<std::array<uint8_t, 17>> addresses;  // up to 16 (version byte + address), for the evidence
        std::set<uint16_t> ports;                     // up to 16
    };
    struct Window {
        double start = 0, last = 0;
        std::unordered_map<uint64_t, Victim> victims;  // by prefix hash
    };

    FloodConfig config_;
    DeviceWindows<Window> windows_;
    double peak_ = 0;
};

// Addresses of a home's own networks and of no one in particular: RFC 1918,
// CGNAT, loopback, link-local, multicast, broadcast, ULA.
bool is_private_address(uint8_t ip_version, const uint8_t* addr);

}  // namespace spin::nmf
