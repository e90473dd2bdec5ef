#include "mud/profile.h"

namespace spin::mud {

std::string_view to_string(Direction d) { return d == Direction::from_device ? "from-device" : "to-device"; }

std::string_view to_string(Action a) {
    switch (a) {
    case Action::accept: return "accept";
    case Action::drop: return "drop";
    case Action::reject: return "reject";
    }
    return "?";
}

std::string_view to_string(AclType t) {
    switch (t) {
    case AclType::unspecified: return "unspecified";
    case AclType::ipv4: return "ipv4-acl-type";
    case AclType::ipv6: return "ipv6-acl-type";
    case AclType::eth: return "eth-acl-type";
    case AclType::mixed_eth_ipv4: return "mixed-eth-ipv4-acl-type";
    case AclType::mixed_eth_ipv6: return "mixed-eth-ipv6-acl-type";
    case AclType::mixed_eth_ipv4_ipv6: return "mixed-eth-ipv4-ipv6-acl-type";
    }
    return "?";
}

const Acl* Profile::acl(std::string_view name) const {
    for (const Acl& a : acls)
        if (a.name == name) return &a;
    return nullptr;
}

size_t Profile::ace_count() const {
    size_t n = 0;
    for (const Acl& a : acls) n += a.aces.size();
    return n;
}

}  // namespace spin::mud
