// What each device does, by shape: for every remote it dealt with, the
// protocol, who opened the flows and the service port (the remote's when
// the device opened them, the device's own when the remote did; ICMP: the
// first message type), with first and last seen, flows, packets and bytes.
// Unlike traffic rows it keeps who opened a flow and a server's port on the
// device, which is what a learnt MUD profile (spinctl mud learn) is made of.
//
// Bounded: at most kShapesPerDevice shapes per device and kShapes in all in
// a run of the controller (a scanner's millions of remotes, or a flood of
// made-up MACs each scanning, stop there, counted in dropped()); a device
// the model forgets is forgotten here too, and makes room.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "nmf/store/store_batch.h"
#include "proto/flow_record.h"

namespace spin::nmf {

class Behaviours {
public:
    static constexpr size_t kShapesPerDevice = 1024;
    static constexpr size_t kShapes = 65536;  // about 6 MB

    // One record of a device's flow (its MAC a device's: unicast, not zero)
    // and what the accounting added for it.
    void on_record(const proto::FlowRecord& r, const TrafficCounters& added);
    // The shapes that changed since the last call, as store rows.
    void take(std::vector<BehaviourRow>& out);
    void forget(uint64_t mac);
    uint64_t dropped() const { return dropped_; }

private:
    struct Key {
        std::array<uint8_t, 16> remote{};
        uint8_t ip_version = 0, proto = 0;
        bool remote_opened = false;
        uint16_t port = 0;
        auto operator<=>(const Key&) const = default;
    };
    struct Shape {
        double first = 0, last = 0;
        TrafficCounters pending;  // since the last take
        bool changed = false;
    };
    struct Device {
        std::map<Key, Shape> shapes;
        std::vector<Key> changed;
    };

    std::unordered_map<uint64_t, Device> devices_;
    size_t shapes_ = 0;
    uint64_t dropped_ = 0;
};

}  // namespace spin::nmf
