#include "agent/slowpath/lldp_message.h"

#include <fmt/format.h>

namespace spin::slowpath {

std::string parse_lldp(const uint8_t* p, size_t len, LldpMessage& out) {
    out = LldpMessage{};
    for (size_t i = 0;;) {
        if (len - i < 2) return "LLDPDU ends without an End TLV";
        const unsigned type = p[i] >> 1;
        const size_t n = static_cast<size_t>(p[i] & 1) << 8 | p[i + 1];
        const uint8_t* v = p + i + 2;
        if (n > len - i - 2) return fmt::format("TLV type {} runs past the frame", type);
        if (type == 0) return {};
        switch (type) {
        case 1: out.chassis_id.assign(v, v + n); break;
        case 5: out.system_name.assign(reinterpret_cast<const char*>(v), n); break;
        case 127:
            if (n >= 4 && v[0] == 0x00 && v[1] == 0x00 && v[2] == 0x5e && v[3] == 1)
                out.mud_url.assign(reinterpret_cast<const char*>(v + 4), n - 4);
            break;
        default: break;
        }
        i += 2 + n;
    }
}

}  // namespace spin::slowpath
