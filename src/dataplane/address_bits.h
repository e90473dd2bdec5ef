// An IPv4 or IPv6 address as two big-endian 64-bit words, so that masks and
// order are plain integer operations: what every table lookup of a new flow
// compares (block tables, MUD policy tables).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace spin::dp {

struct Addr128 {
    uint64_t hi, lo;

    // 4 bytes (IPv4, in the top 32 bits) or 16.
    static Addr128 load(const uint8_t* a, uint8_t ip_version) {
        if (ip_version != 6) {
            uint32_t v;
            std::memcpy(&v, a, 4);
            return {uint64_t{__builtin_bswap32(v)} << 32, 0};
        }
        uint64_t hi, lo;
        std::memcpy(&hi, a, 8);
        std::memcpy(&lo, a + 8, 8);
        return {__builtin_bswap64(hi), __builtin_bswap64(lo)};
    }
    // The first `length` bits set: IPv4 lives in the top 32 bits, so one
    // mask serves both families.
    static Addr128 mask(uint8_t length) {
        const auto ones = [](unsigned n) { return n == 0 ? 0 : n >= 64 ? ~uint64_t{0} : ~uint64_t{0} << (64 - n); };
        return {ones(std::min<unsigned>(length, 64)), ones(length > 64 ? length - 64u : 0u)};
    }
    Addr128 operator&(const Addr128& m) const { return {hi & m.hi, lo & m.lo}; }
    bool operator<(const Addr128& o) const { return hi != o.hi ? hi < o.hi : lo < o.lo; }
    bool operator==(const Addr128& o) const { return hi == o.hi && lo == o.lo; }
};

}  // namespace spin::dp
