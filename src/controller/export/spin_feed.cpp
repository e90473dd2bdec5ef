#include "controller/export/spin_feed.h"

#include <algorithm>
#include <cmath>

#include "common/mac_address.h"
#include "proto/flow_record_json.h"

namespace spin::controller {

using nlohmann::json;

SpinFeed::SpinFeed(Limits limits, DeviceLookup device, Quarantined quarantined)
    : limits_(limits), device_(std::move(device)), quarantined_(std::move(quarantined)) {}

int64_t SpinFeed::device_node(const std::string& mac, double now) {
    auto [it, fresh] = devices_.try_emplace(mac, 0);
    if (fresh) {
        it->second = next_id_++;
        nodes_[it->second].mac = mac;
    }
    Node& n = nodes_[it->second];
    n.lastseen = std::max(n.lastseen, now);
    return it->second;
}

int64_t SpinFeed::remote_node(const std::string& ip, double now) {
    auto [it, fresh] = remotes_.try_emplace(ip, 0);
    if (fresh) {
        it->second = next_id_++;
        nodes_[it->second].ips.insert(ip);
    }
    Node& n = nodes_[it->second];
    n.lastseen = std::max(n.lastseen, now);
    return it->second;
}

void SpinFeed::add_name(int64_t id, const std::string& name) {
    Node& n = nodes_[id];
    if (n.domains.size() < limits_.names && n.domains.insert(name).second) n.dirty = true;
}

void SpinFeed::on_flow(const proto::FlowRecord& r, const nmf::TrafficCounters& added, double now) {
    const int64_t device = device_node(MacAddress(r.mac).to_string(), now);
    const int64_t remote = remote_node(proto::format_ip(r.remote_ip, r.ip_version), now);
    // False when the table is full (a flow not in it yet is left out).
    const auto add = [](std::map<FlowKey, Sums>& table, size_t cap, const FlowKey& k, uint64_t size, uint64_t count) {
        if (count == 0) return true;
        if (table.size() >= cap && table.find(k) == table.end()) return false;
        Sums& s = table[k];
        s.size += size;
        s.count += count;
        return true;
    };
    const auto traffic = [&](const FlowKey& k, uint64_t size, uint64_t count) {
        if (add(traffic_, limits_.flows, k, size, count)) return;
        ++flows_dropped_;
        packets_dropped_ += count;
        bytes_dropped_ += size;
    };
    traffic({device, remote, r.proto, r.lan_port, r.remote_port}, added.bytes_out, added.pkts_out);
    traffic({remote, device, r.proto, r.remote_port, r.lan_port}, added.bytes_in, added.pkts_in);
    if (added.blocked_pkts != 0) {
        // The delta has dropped frames, not their bytes: the flow's average dropped frame stands in.
        const uint64_t size = r.blocked_pkts == 0 ? 0 : r.blocked_bytes / r.blocked_pkts * added.blocked_pkts;
        const bool inbound = r.initiator == static_cast<uint8_t>(proto::Initiator::remote);
        const FlowKey k = inbound ? FlowKey{remote, device, r.proto, r.remote_port, r.lan_port}
                                  : FlowKey{device, remote, r.proto, r.lan_port, r.remote_port};
        if (!add(blocked_, limits_.blocked, k, size, added.blocked_pkts)) ++blocked_dropped_;
    }
}

void SpinFeed::on_dns(const std::string& mac, const proto::DnsEvent& e, double now) {
    const proto::DnsBindingInfo* first = nullptr;
    for (const auto& b : e.bindings)
        if (!b.address.empty() && b.name == e.query) {
            first = &b;
            break;
        }
    if (first == nullptr) return;  // no address: nothing a node could stand for
    const int64_t device = device_node(mac, now);
    for (const auto& b : e.bindings)
        if (!b.address.empty() && !b.name.empty()) add_name(remote_node(b.address, now), b.name);
    if (dns_.size() >= limits_.dns) {
        ++dns_dropped_;
        return;
    }
    // SPIN 1.0 writes names with the root's dot.
    const std::string query = e.query.empty() || e.query.back() == '.' ? e.query : e.query + ".";
    dns_.push_back({{"from", device}, {"queriednode", remotes_.at(first->address)}, {"query", query}});
}

json SpinFeed::node_info(int64_t id, const Node& n) const {
    json j{{"id", id}, {"lastseen", std::llround(n.lastseen)}, {"ips", n.ips}, {"domains", n.domains}};
    if (!n.name.empty()) j["name"] = n.name;
    if (!n.mac.empty()) {
        j["mac"] = n.mac;
        if (quarantined_(n.mac)) j["is_blocked"] = true;
    }
    return j;
}

// A flow as SPIN 1.0 writes it, in a traffic message's list and as a blocked message's result.
json SpinFeed::flow_json(const FlowKey& k, const Sums& s) {
    return {{"from", k.from},       {"to", k.to},     {"protocol", k.proto}, {"from_port", k.from_port},
            {"to_port", k.to_port}, {"size", s.size}, {"count", s.count}};
}

MqttMessage SpinFeed::command(const std::string& topic, const char* name, json result) {
    return {topic, json{{"command", name}, {"argument", ""}, {"result", std::move(result)}}.dump(), false};
}

MqttMessage SpinFeed::node_message(int64_t id, const Node& n) const {
    MqttMessage m = command(kNodes + std::to_string(id), "nodeInfo", node_info(id, n));
    m.retain = true;
    return m;
}

void SpinFeed::forget_oldest_remotes() {
    if (remotes_.size() <= limits_.remote_nodes) return;
    // A tenth at a time, so that a scan costs one sort per few hundred addresses, not one per address.
    std::vector<std::pair<double, std::string>> ages;
    ages.reserve(remotes_.size());
    for (const auto& [ip, id] : remotes_) ages.emplace_back(nodes_[id].lastseen, ip);
    const size_t n = remotes_.size() - limits_.remote_nodes * 9 / 10;
    std::nth_element(ages.begin(), ages.begin() + static_cast<std::ptrdiff_t>(n), ages.end());
    for (size_t i = 0; i < n; ++i) {
        const int64_t id = remotes_[ages[i].second];
        remotes_.erase(ages[i].second);
        nodes_.erase(id);
        deleted_.push_back(id);
        ++nodes_deleted_;
    }
}

std::vector<MqttMessage> SpinFeed::take(double now) {
    forget_oldest_remotes();
    std::vector<MqttMessage> out;
    for (auto& [id, n] : nodes_) {
        if (!n.mac.empty()) {
            // A device's name and addresses are the model's: refreshed while it is active.
            if (const nmf::Device* d = device_(n.mac); d != nullptr && n.lastseen >= now - 2) {
                std::set<std::string> ips;
                for (const auto& [ip, record] : d->ips)
                    if (ips.size() < limits_.names) ips.insert(ip);
                const std::string name = HomeAssistant::display_name(*d);
                if (ips != n.ips || name != n.name) {
                    n.ips = std::move(ips);
                    n.name = name;
                    n.dirty = true;
                }
            }
        }
        if (!n.dirty) continue;
        out.push_back(node_message(id, n));
        n.dirty = false;
    }
    if (!traffic_.empty()) {
        json flows = json::array();
        uint64_t size = 0, count = 0;
        for (const auto& [k, s] : traffic_) {
            flows.push_back(flow_json(k, s));
            size += s.size;
            count += s.count;
        }
        out.push_back(command(kTraffic, "traffic",
                              {{"flows", std::move(flows)},
                               {"timestamp", std::llround(std::floor(now))},
                               {"total_size", size},
                               {"total_count", count}}));
        ++traffic_messages_;
        traffic_.clear();
    }
    for (const auto& [k, s] : blocked_) out.push_back(command(kTraffic, "blocked", flow_json(k, s)));
    blocked_.clear();
    for (json& q : dns_) out.push_back(command(kTraffic, "dnsquery", std::move(q)));
    dns_.clear();
    for (const int64_t id : deleted_) {
        out.push_back(command(kAdmin, "nodeDeleted", {{"id", id}}));
        out.push_back({kNodes + std::to_string(id), "", true});  // the retained nodeInfo goes too
    }
    deleted_.clear();
    return out;
}

std::vector<MqttMessage> SpinFeed::restart(double now) {
    std::vector<MqttMessage> out{command(kTraffic, "serverRestart", "")};
    for (auto& [id, n] : nodes_) n.dirty = true;
    for (MqttMessage& m : take(now)) out.push_back(std::move(m));
    return out;
}

std::optional<MqttMessage> SpinFeed::stale(const std::string& topic) const {
    const std::string prefix = kNodes;
    if (topic.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
    const std::string tail = topic.substr(prefix.size());
    if (tail.empty() || tail.size() > 18 || tail.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    if (nodes_.count(std::stoll(tail)) != 0) return std::nullopt;
    return MqttMessage{topic, "", true};
}

json SpinFeed::stats() const {
    return {{"nodes", nodes_.size()},
            {"nodes_deleted", nodes_deleted_},
            {"traffic_messages", traffic_messages_},
            {"flows_dropped", flows_dropped_},
            {"packets_dropped", packets_dropped_},
            {"bytes_dropped", bytes_dropped_},
            {"blocked_dropped", blocked_dropped_},
            {"dns_dropped", dns_dropped_}};
}

}  // namespace spin::controller
