#include "agent/slowpath/mdns_names.h"

#include <algorithm>

namespace spin::slowpath {

MdnsNames mdns_names(const DnsMessage& m) {
    MdnsNames out;
    if (!m.response) return out;
    auto visit = [&](const DnsAnswer& a) {
        if (a.ip_version != 0) {
            out.hostnames.push_back(a.name);
        } else if (a.type == kDnsTypeSrv && !a.target.empty()) {
            out.hostnames.push_back(a.target);
        } else if (a.type == kDnsTypePtr && !a.target.empty() && a.name.size() > 0 && a.name[0] == '_' &&
                   a.name != "_services._dns-sd._udp.local") {
            // Reverse-lookup PTRs (in-addr.arpa) name hosts, not services: only
            // DNS-SD service types start with an underscore.
            MdnsService s{a.name, a.target};
            if (std::find(out.services.begin(), out.services.end(), s) == out.services.end())
                out.services.push_back(std::move(s));
        }
    };
    for (const auto& a : m.answers) visit(a);
    for (const auto& a : m.additional) visit(a);
    std::sort(out.hostnames.begin(), out.hostnames.end());
    out.hostnames.erase(std::unique(out.hostnames.begin(), out.hostnames.end()), out.hostnames.end());
    return out;
}

}  // namespace spin::slowpath
