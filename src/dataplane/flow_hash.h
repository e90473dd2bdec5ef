// Keyed hash of a flow key, for the flow index.
//
// The LAN is hostile: a device that can predict where its flows land in the
// index can pile thousands of them into one place and make every new-flow
// lookup of the whole home walk them.  CRC (what DPDK's rte_hash uses) is affine
// over GF(2), so keys that collide are found by linear algebra whatever the
// seed.  Here the key is first compressed to 64 bits by the vector
// pair-multiply-shift family (Dietzfelbinger 1996; Thorup, "High Speed Hashing
// for Integers and Strings", 2015): 32-bit input characters, 64-bit random
// multipliers drawn per table at start.  Two distinct keys agree in the top l
// bits of that sum with probability at most 2 / 2^l over the secret, and how
// a change of the key moves the sum depends on the secret multipliers, so a
// device cannot predict it.  Multiply-shift alone is only 2-independent, and
// linear probing needs more: dense, structured key sets (consecutive ports
// and addresses, exactly what a home produces) gave runs of 60 slots in a
// 1000-flow table.  A fixed bijective mixer (MurmurHash3's 64-bit finaliser)
// over the sum breaks that structure; the secret still decides everything.
// It is not a cryptographic PRF: FlowTable's bound (two buckets per key,
// at most 16 flows sharing them) is the second line, and it holds whatever
// the hash.
//
// IPv4 keys (their address bytes 4..15 are zero by construction) hash only the
// words that can be non-zero, under multipliers of their own: half the work of
// an IPv6 key on the common path, and the two families are independent.
#pragma once

#include <cstdint>
#include <cstring>

#include "dataplane/flow_key.h"

namespace spin::dp {

class FlowHasher {
public:
    static constexpr int kWords = 6;  // 46 key bytes in 64-bit words, the last one padded

    struct Secret {
        uint64_t v6[kWords * 2 + 1];  // IPv6: two multipliers per word and the offset
        uint64_t v4[3 * 2 + 1];       // IPv4: three words
    };

    explicit FlowHasher(const Secret& secret) : s_(secret) {}
    // A secret from the kernel's random source (getrandom); throws if none.
    static FlowHasher from_entropy();

    // 64 bits: the index takes a key's buckets from the high half and its tag from the low bits.
    [[gnu::always_inline]] uint64_t operator()(const FlowKey& key) const {
        const auto* b = reinterpret_cast<const uint8_t*>(&key);
        uint64_t tail = 0;  // ports, VLAN, protocol, version, then the MAC
        std::memcpy(&tail, b + 40, 6);
        uint64_t meta;
        std::memcpy(&meta, b + 32, 8);
        if (key.ip_version != 6) {
            uint32_t a, c;
            std::memcpy(&a, b, 4);
            std::memcpy(&c, b + 16, 4);
            const uint64_t addrs = uint64_t{a} << 32 | c;
            uint64_t sum = s_.v4[6];
            sum += mix(s_.v4[0], s_.v4[1], addrs);
            sum += mix(s_.v4[2], s_.v4[3], meta);
            sum += mix(s_.v4[4], s_.v4[5], tail);
            return finish(sum);
        }
        uint64_t w[kWords];
        std::memcpy(w, b, 32);
        w[4] = meta;
        w[5] = tail;
        uint64_t sum = s_.v6[kWords * 2];
        for (int i = 0; i < kWords; ++i) sum += mix(s_.v6[2 * i], s_.v6[2 * i + 1], w[i]);
        return finish(sum);
    }

private:
    // One pair of 32-bit characters: (a0 + hi)(a1 + lo) mod 2^64.
    static uint64_t mix(uint64_t a0, uint64_t a1, uint64_t word) {
        return (a0 + (word >> 32)) * (a1 + (word & 0xffffffffu));
    }

    static uint64_t finish(uint64_t x) {
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdull;
        x ^= x >> 33;
        x *= 0xc4ceb9fe1a85ec53ull;
        x ^= x >> 33;
        return x;
    }

    Secret s_;
};

}  // namespace spin::dp
