#include "mud/diff.h"

#include <algorithm>
#include <set>

namespace spin::mud {

namespace {

using proto::Opener;
using proto::PolicyEntry;
using proto::Toward;

bool matches(const PolicyEntry& e, const Observation& o, Toward toward) {
    if (e.toward != toward) return false;
    const uint8_t version = o.remote.version();
    if (e.ip_version != 0 && e.ip_version != version) return false;
    if (e.ethertype && *e.ethertype != (version == 6 ? 0x86dd : 0x0800)) return false;
    if (e.remote_mac) return false;  // an IP flow has no remote MAC
    if (e.proto && *e.proto != o.proto) return false;
    if (e.remotes && std::none_of(e.remotes->begin(), e.remotes->end(),
                                  [&](const IpPrefix& p) { return p.contains(o.remote.bytes(), version); }))
        return false;
    if (!e.domain.empty() &&
        std::none_of(o.names.begin(), o.names.end(), [&](const DnsName& n) { return e.domain.is(n.to_string()); }))
        return false;
    if (e.opened_by && *e.opened_by != o.opener) return false;
    if (o.ported()) {
        // The service port is known; the other end's is ephemeral.
        const bool service_is_remote = o.opener == Opener::device;
        const PortRange& service = service_is_remote ? e.remote_port : e.device_port;
        const PortRange& other = service_is_remote ? e.device_port : e.remote_port;
        if (!service.matches(o.port) || !other.any()) return false;
    } else if (o.icmp() && e.icmp_type) {
        // The opener's direction carries its type; the other, the answer's.
        const bool opener_direction = (toward == Toward::remote) == (o.opener == Opener::device);
        const int type = opener_direction ? o.port : icmp_reply_type(o.proto, static_cast<uint8_t>(o.port));
        if (type < 0 || *e.icmp_type != type) return false;
    }
    return true;
}

// Index of the first entry matching one direction of the observation, or -1.
int first_entry(const proto::DevicePolicy& policy, const Observation& o, Toward toward) {
    for (size_t i = 0; i < policy.entries.size(); ++i)
        if (matches(policy.entries[i], o, toward)) return static_cast<int>(i);
    return -1;
}

}  // namespace

ProfileDiff diff(const proto::DevicePolicy& policy, const std::vector<Observation>& seen) {
    ProfileDiff out;
    std::set<size_t> used;
    for (const Observation& o : seen) {
        if (is_network_service(o)) {
            ++out.network_services;
            continue;
        }
        bool declared = true;
        // The opener's direction first: what is refused is named as the flow began.
        const Toward opened = o.opener == Opener::device ? Toward::remote : Toward::device;
        const Toward answered = opened == Toward::remote ? Toward::device : Toward::remote;
        for (const Toward toward : {opened, answered}) {
            const uint64_t pkts = toward == Toward::remote ? o.pkts_out : o.pkts_in;
            if (pkts == 0 && toward == answered) continue;  // nothing came back
            const int i = first_entry(policy, o, toward);
            if (i >= 0) used.insert(static_cast<size_t>(i));
            if (i >= 0 && policy.entries[static_cast<size_t>(i)].accept) continue;
            if (declared) out.undeclared.push_back({o, toward == Toward::remote ? "out" : "in"});
            declared = false;
        }
        out.declared += declared;
    }
    // Entries for frames that are not IP cannot be judged: flows are IP.
    const auto ip_entry = [](const PolicyEntry& e) { return !e.ethertype || e.ip_version != 0 || e.proto; };
    for (size_t i = 0; i < policy.entries.size(); ++i)
        if (policy.entries[i].accept && !used.count(i) && ip_entry(policy.entries[i]))
            out.unused.push_back({policy.entries[i].acl, policy.entries[i].ace});
    return out;
}

}  // namespace spin::mud
