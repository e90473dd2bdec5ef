// Turns slow-path frames into the agent's events (docs/protocol.md, "Events"):
// DHCP leases, DNS answers, ARP / ND bindings, mDNS / SSDP names, LLDP.
// Runs on the control side; counts what each parser accepted and refused so
// that nothing is silently lost.  Repeated ARP / ND bindings are announced
// again only after kBindingRepeatUs, so an ARP storm is not an event storm.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/slowpath/dns_matcher.h"
#include "agent/slowpath/dns_message.h"
#include "agent/slowpath/neighbour_message.h"
#include "agent/slowpath/slow_frame.h"
#include "common/ip_prefix.h"
#include "dataplane/slow_path.h"
#include "proto/events.h"

namespace spin::slowpath {

struct FrameInfo {
    uint64_t time_us = 0;
    dp::SlowKind kind = dp::SlowKind::none;
    uint8_t side = 0;        // port of arrival: 0 LAN, 1 WAN
    bool src_is_lan = true;  // the frame's source MAC is the LAN-side device
};

struct KindCounters {
    uint64_t frames = 0;     // copies received
    uint64_t events = 0;     // events produced
    uint64_t errors = 0;     // frames a parser refused
    uint64_t quiet = 0;      // parsed but nothing new to tell (queries, repeats, TCP without payload)
    uint64_t untrusted = 0;  // parsed but not believed: DNS answers from the LAN side, DHCP from the wrong sender
};

// What the slow path believes (docs/security.md).
struct Trust {
    bool monitor = false;             // one mirror port: the network side is what the classifier says is not LAN
    std::vector<IpPrefix> resolvers;  // monitor mode: answers from these count even from the LAN side
};

// What a DHCP server on the network side told: the home's network services.
struct ServiceNews {
    std::vector<IpPrefix> resolvers;     // option 6 / DHCPv6 option 23
    std::vector<IpPrefix> dhcp_servers;  // server id (54), the server's address
};

class EventBuilder {
public:
    static constexpr uint64_t kBindingRepeatUs = 300'000'000;

    // Called for each DNS answer a device really received (dns_matcher.h)
    // with its bindings, the device, and the answer's packet time.
    using DnsHook =
        std::function<void(const std::array<uint8_t, 6>& mac, const std::vector<DnsBinding>&, uint64_t time_us)>;
    void on_dns(DnsHook hook) { dns_hook_ = std::move(hook); }
    // Called for each DHCP offer / ack / advertise / reply from the network side.
    using ServiceHook = std::function<void(const ServiceNews&)>;
    void on_services(ServiceHook hook) { service_hook_ = std::move(hook); }
    void set_trust(Trust trust) { trust_ = std::move(trust); }
    // The steady clock (µs) that unanswered queries and answers expire by;
    // tests set their own.
    void set_clock(std::function<uint64_t()> clock) { clock_ = std::move(clock); }

    // Appends the events of one frame (without agent and seq: the publisher
    // adds them).  Returns "" or the parser's complaint (already counted).
    std::string build(const uint8_t* frame, size_t len, const FrameInfo& info, std::vector<proto::Event>& out);

    const KindCounters& counters(dp::SlowKind k) const { return counters_[static_cast<unsigned>(k)]; }
    // Answers matched to queries, unsolicited ones, queries the caps pushed out.
    struct PendingAnswer {
        DnsMessage message;
        FrameInfo info;
        std::array<uint8_t, 6> device{};
    };
    const DnsMatcher<PendingAnswer>::Counters& dns_matching() const { return matcher_.counters(); }

private:
    // What a protocol's function is given: the frame parsed, its payload, and
    // the LAN device (the sender if it came from the LAN, else the receiver).
    struct Frame {
        const dp::ParsedPacket& p;
        const SlowPayload& payload;
        const FrameInfo& info;
        const uint8_t* lan_device;
    };
    // One protocol: appends its events, returns "" or the parser's complaint.
    struct Protocol {
        dp::SlowKind kind;
        std::string (EventBuilder::*build)(const Frame& f, std::vector<proto::Event>& out);
    };
    static const Protocol kProtocols[];

    std::string dns(const Frame& f, std::vector<proto::Event>& out);
    std::string mdns(const Frame& f, std::vector<proto::Event>& out);
    std::string dhcp(const Frame& f, std::vector<proto::Event>& out);
    std::string dhcpv6(const Frame& f, std::vector<proto::Event>& out);
    std::string arp(const Frame& f, std::vector<proto::Event>& out);
    std::string nd(const Frame& f, std::vector<proto::Event>& out);
    std::string ssdp(const Frame& f, std::vector<proto::Event>& out);
    std::string lldp(const Frame& f, std::vector<proto::Event>& out);
    void answered(const PendingAnswer& a, std::vector<proto::Event>& out);
    bool from_network(const Frame& f) const;
    std::string neighbours(const Frame& f, const std::vector<NeighbourBinding>& bindings, const char* via,
                           std::vector<proto::Event>& out);
    bool new_binding(const uint8_t* mac, uint8_t ip_version, const uint8_t* addr, uint64_t now_us);

    KindCounters counters_[dp::kSlowKinds];
    DnsHook dns_hook_;
    ServiceHook service_hook_;
    Trust trust_;
    DnsMatcher<PendingAnswer> matcher_;
    std::function<uint64_t()> clock_;
    uint64_t last_expiry_us_ = 0;
    std::unordered_map<std::string, uint64_t> bindings_;  // mac+address -> last announced
};

}  // namespace spin::slowpath
