// A feed in SPIN 1.0's MQTT layout (SIDN Labs' spind, doc/code/mqtt_protocol.md),
// so that existing SPIN clients (its bubble graph, its tools) can attach:
//
//   SPIN/traffic             {"command": "traffic", "argument": "", "result":
//                             {"flows": [{"from": NODE, "to": NODE, "protocol",
//                             "from_port", "to_port", "size", "count"}, ...],
//                             "timestamp", "total_size", "total_count"}}
//                            once per interval; also "blocked" (one per flow
//                            with dropped frames), "dnsquery" ({"from": NODE,
//                            "queriednode": NODE, "query": NAME}) and
//                            "serverRestart" (drop the node cache)
//   SPIN/traffic/node/ID     {"command": "nodeInfo", "result": {"id", "name",
//                            "mac", "is_blocked", "lastseen", "ips", "domains"}},
//                            retained, sent before any message naming the node
//   SPIN/traffic/admin       "nodeDeleted" ({"id"}) when a node is forgotten
//
// A node is a home device (by MAC) or a remote address (with the names
// devices resolved to it).  What a hostile device can make the feed hold or
// send is bounded: remote nodes (the longest unseen go, with nodeDeleted),
// flows per message, blocked and dnsquery messages per interval; what goes
// past a bound is counted.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "controller/export/home_assistant.h"
#include "nmf/model/device_model.h"
#include "nmf/store/traffic.h"
#include "proto/events.h"
#include "proto/flow_record.h"

namespace spin::controller {

class SpinFeed {
public:
    struct Limits {
        size_t remote_nodes = 4096;
        size_t flows = 1000;   // per traffic message
        size_t blocked = 100;  // blocked messages per interval
        size_t dns = 100;      // dnsquery messages per interval
        size_t names = 16;     // domains (and a device's addresses) per node
    };
    // The model's device by MAC (nullptr if none); `blocked`: whether a device is quarantined.
    using DeviceLookup = std::function<const nmf::Device*(const std::string& mac)>;
    using Quarantined = std::function<bool(const std::string& mac)>;

    SpinFeed(Limits limits, DeviceLookup device, Quarantined quarantined);

    void on_flow(const proto::FlowRecord& r, const nmf::TrafficCounters& added, double now);
    void on_dns(const std::string& mac, const proto::DnsEvent& e, double now);
    // What is due: nodeInfo of the nodes new or changed, then traffic,
    // blocked and dnsquery of the interval, nodeDeleted of those forgotten.
    std::vector<MqttMessage> take(double now);
    // After a (re)connection: serverRestart, then every node (retained).
    std::vector<MqttMessage> restart(double now);
    // A retained node topic the broker holds from an earlier run: the
    // message that clears it, or nothing when the node is ours.
    std::optional<MqttMessage> stale(const std::string& topic) const;

    static constexpr const char* kTraffic = "SPIN/traffic";
    static constexpr const char* kNodes = "SPIN/traffic/node/";
    static constexpr const char* kAdmin = "SPIN/traffic/admin";

    nlohmann::json stats() const;

private:
    struct Node {
        std::string mac;  // devices only
        std::string name;
        std::set<std::string> ips, domains;
        double lastseen = 0;
        bool dirty = true;  // nodeInfo not sent since it changed
    };
    struct FlowKey {
        int64_t from, to;
        uint8_t proto;
        uint16_t from_port, to_port;
        bool operator<(const FlowKey& o) const {
            return std::tie(from, to, proto, from_port, to_port) <
                   std::tie(o.from, o.to, o.proto, o.from_port, o.to_port);
        }
    };
    struct Sums {
        uint64_t size = 0, count = 0;
    };

    int64_t device_node(const std::string& mac, double now);
    int64_t remote_node(const std::string& ip, double now);
    void add_name(int64_t id, const std::string& name);
    nlohmann::json node_info(int64_t id, const Node& n) const;
    MqttMessage node_message(int64_t id, const Node& n) const;
    void forget_oldest_remotes();
    static MqttMessage command(const std::string& topic, const char* name, nlohmann::json result);
    static nlohmann::json flow_json(const FlowKey& k, const Sums& s);

    Limits limits_;
    DeviceLookup device_;
    Quarantined quarantined_;
    int64_t next_id_ = 1;
    std::map<int64_t, Node> nodes_;
    std::unordered_map<std::string, int64_t> devices_, remotes_;  // MAC / address -> node id
    std::map<FlowKey, Sums> traffic_, blocked_;
    std::vector<nlohmann::json> dns_;
    std::vector<int64_t> deleted_;
    uint64_t traffic_messages_ = 0, flows_dropped_ = 0, packets_dropped_ = 0, bytes_dropped_ = 0, blocked_dropped_ = 0,
             dns_dropped_ = 0, nodes_deleted_ = 0;
};

}  // namespace spin::controller
