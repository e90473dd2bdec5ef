#include "mud/observation.h"

namespace spin::mud {

int icmp_reply_type(uint8_t proto, uint8_t type) {
    if (proto == 1) {
        switch (type) {
        case 8: return 0;    // echo
        case 13: return 14;  // timestamp
        default: return -1;
        }
    }
    if (proto == 58) {
        switch (type) {
        case 128: return 129;  // echo
        default: return -1;
        }
    }
    return -1;
}

bool is_network_service(const Observation& o) {
    if (o.proto == 17 && o.opener == proto::Opener::device && (o.port == 67 || o.port == 547)) return true;
    if (o.ported() && o.opener == proto::Opener::device && o.port == 53) return true;
    // Neighbour discovery and MLD (RFC 4890), as the agents pass them.
    if (o.proto == 58 && ((o.port >= 130 && o.port <= 136) || (o.port >= 141 && o.port <= 143) || o.port == 148 ||
                          o.port == 149 || (o.port >= 151 && o.port <= 153)))
        return true;
    // ICMP errors from the remote about the device's own traffic.
    if (o.opener == proto::Opener::remote && o.proto == 1 && (o.port == 3 || o.port == 11 || o.port == 12)) return true;
    if (o.opener == proto::Opener::remote && o.proto == 58 && o.port >= 1 && o.port <= 4) return true;
    return false;
}

}  // namespace spin::mud
