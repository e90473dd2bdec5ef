// Per-worker flow table: fixed capacity, no allocation after construction,
// never shared between threads (each worker owns one; the control lcore reads
// it only after the worker has stopped).
//
// Layout, chosen so that a packet of a known IPv4 flow touches two cache
// lines of the table, an index bucket and its entry's hot line:
//   - hot lines (FlowEntry, 64 bytes): the key in compact form and what every
//     packet reads or updates;
//   - cold parts (FlowCold, 48 bytes): what only the sweep, the records, a
//     flow's first packet, a blocked or an ICMP packet need;
//   - IPv6 addresses (32 bytes) in an array of their own, by entry id; IPv6
//     flows take their ids from the top of the range and IPv4 flows from the
//     bottom, so that the pages of that array are touched only as IPv6 flows
//     use them and IPv4 flows pay nothing for it;
//   - the index: 64-byte buckets of 8 (15-bit tag, entry id) pairs.  A key
//     has two candidate buckets, chosen by its keyed hash (flow_hash.h);
//     insertion makes room by moving other entries' index slots to their other
//     bucket (cuckoo hashing, a bounded breadth-first search), so a lookup
//     reads at most two buckets whatever the keys, and the table fills to
//     7/8 of the index before anything is refused.  Entries never move: a
//     flow's id means the same entry for its whole life (records carry it).
//   - free entries are chained through themselves, one chain per family.
// The bucket count is ceil(capacity / 7), not a power of two: a key's
// buckets come from multiplying its hash by the count (Lemire's range
// reduction), so no index memory is wasted on rounding.
//
// A device that can choose its flows' keys cannot aim them at a bucket (the
// hash is keyed with a secret drawn per table).  Were it to collide anyway,
// at most 16 flows share two buckets; the 17th is refused (kNoRoom: the
// worker forwards it untracked and counts it) and no lookup grows longer.
#pragma once

#include <emmintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "dataplane/flow_hash.h"
#include "dataplane/flow_key.h"
#include "dataplane/huge_mapping.h"
#include "proto/flow_record.h"

namespace spin::dp {

namespace flow_state {
inline constexpr uint8_t lan_is_a = 0x01;    // endpoint a of the key is the LAN side
inline constexpr uint8_t fin_out = 0x02;     // FIN seen LAN -> remote
inline constexpr uint8_t fin_in = 0x04;      // FIN seen remote -> LAN
inline constexpr uint8_t rst = 0x08;         // RST seen
inline constexpr uint8_t dirty = 0x10;       // counters changed since the last record
inline constexpr uint8_t blocking = 0x20;    // cold.rule drops this flow under block_version
inline constexpr uint8_t per_packet = 0x40;  // ... unless the packet itself passes (ICMP under an allow policy)
inline constexpr uint8_t in_use = 0x80;
}  // namespace flow_state

// The key in the hot line: the FlowKey's fields from the ports on as they
// are, and the IPv4 addresses, or for IPv6 a 32-bit fold of each address (so
// that a lookup rarely reads the address array for a flow not its own).
struct [[gnu::packed]] CompactKey {  // packed: 22 bytes, so that the hot line has room
    uint32_t addr_a;                 // IPv4: a's address; IPv6: a fold of it
    uint32_t addr_b;
    uint16_t port_a;  // from here on as in FlowKey (14 bytes)
    uint16_t port_b;
    uint16_t vlan;
    uint8_t proto;
    uint8_t ip_version;
    uint8_t mac[6];
};
static_assert(sizeof(CompactKey) == 22 && offsetof(CompactKey, port_a) == 8);

// What every packet of a flow reads and updates: one cache line.
struct alignas(64) FlowEntry {
    CompactKey key;          // 22
    uint8_t state;           // flow_state bits
    uint8_t tcp_flags;       // every TCP flag seen, either way
    uint32_t block_version;  // version of the tables (blocks + policies) cold.rule and mud were decided under
    uint16_t mud[2];         // MUD policy verdicts ([0] LAN -> remote) under block_version, kPolicyNone if none
    uint64_t last_us;
    uint64_t bytes[2];  // [0] LAN -> remote, [1] remote -> LAN
    uint32_t pkts[2];   // low 32 bits; a carry goes to FlowCold::pkts_high
};
static_assert(sizeof(FlowEntry) == 64, "one cache line per flow on the hot path");

// What the sweep, the records and rare packets need.
struct FlowCold {
    uint64_t first_us;
    uint64_t last_report_us;
    uint64_t blocked_bytes;
    uint32_t blocked_pkts;    // saturates
    uint16_t rule;            // last rule that dropped this flow, 0 if none
    uint8_t initiator;        // proto::Initiator
    uint8_t icmp_type;        // the first ICMP type seen, proto::kNoIcmpType if none
    uint32_t pkts_high[2];    // high 32 bits of FlowEntry::pkts
    uint32_t policy_version;  // of the policy tables FlowEntry::mud was decided under
};
static_assert(sizeof(FlowCold) == 48);

class FlowTable {
public:
    static constexpr unsigned kBucketSlots = 8;
    static constexpr unsigned kLoadSlots = 7;    // buckets = ceil(capacity / 7): at most 7/8 of the index in use
    static constexpr unsigned kMaxSearch = 128;  // buckets the insertion's search may visit
    static constexpr int64_t kFull = -1;         // insert(): no free entry
    static constexpr int64_t kNoRoom = -2;       // insert(): both buckets full and no move frees one

    struct Memory {  // bytes mapped, by structure
        size_t entries, cold, v6_addresses, index;
    };

    // capacity: maximum number of flows.  Memory comes from a HugeMapping
    // (transparent huge pages requested: fewer TLB misses on a table of
    // this size); pages are touched only as flows use them.
    explicit FlowTable(uint32_t capacity) : FlowTable(capacity, FlowHasher::from_entropy()) {}
    FlowTable(uint32_t capacity, const FlowHasher& hasher);
    FlowTable(const FlowTable&) = delete;
    FlowTable& operator=(const FlowTable&) = delete;

    uint32_t capacity() const { return capacity_; }
    uint32_t size() const { return size_; }
    bool full() const { return size_ == capacity_; }
    Memory memory() const { return memory_; }
    size_t memory_bytes() const { return memory_.entries + memory_.cold + memory_.v6_addresses + memory_.index; }
    uint32_t buckets() const { return nbuckets_; }

    // Where a key lives: its primary bucket and its tag, from its keyed hash
    // (its other bucket follows from those two: alternate()).
    struct Home {
        uint32_t primary;
        uint16_t tag;  // 1..0x7fff
    };
    // The keyed hash (tests may pass others to home()).
    uint64_t hash(const FlowKey& key) const { return hasher_(key); }
    Home home(uint64_t hash) const {
        Home h;
        h.primary = static_cast<uint32_t>(((hash >> 32) * nbuckets_) >> 32);
        h.tag = static_cast<uint16_t>(hash & 0x7fff);
        if (h.tag == 0) h.tag = 1;
        return h;
    }
    uint32_t alternate(const Home& h) const { return other(h.primary, h.tag); }
    Home home(const FlowKey& key) const { return home(hash(key)); }

    // Returns the entry id of key, or -1.
    int64_t find(const FlowKey& key, const Home& h) const {
        for (int second = 0; second < 2; ++second) {
            const Bucket& b = index_[second ? alternate(h) : h.primary];
            for (unsigned m = tag_mask(b, second ? h.tag | 0x8000 : h.tag); m != 0; m &= m - 1) {
                const uint32_t id = b.id[__builtin_ctz(m) / 2];
                m &= m - 1;  // two bits per slot
                if (matches(id, key)) return id;
            }
        }
        return -1;
    }
    // The first entry whose tag matches (a candidate, to prefetch before
    // find_from confirms it), or -1 when none does: then the key is absent.
    int64_t candidate(const Home& h) const {
        unsigned m = tag_mask(index_[h.primary], h.tag);
        if (m != 0) [[likely]]
            return index_[h.primary].id[__builtin_ctz(m) / 2];
        const uint32_t alt = alternate(h);
        m = tag_mask(index_[alt], h.tag | 0x8000);
        if (m != 0) return index_[alt].id[__builtin_ctz(m) / 2];
        return -1;
    }
    // find() when candidate() gave `cand`: confirms it first.
    int64_t find_from(const FlowKey& key, const Home& h, int64_t cand) const {
        if (cand < 0) return -1;
        if (matches(static_cast<uint32_t>(cand), key)) [[likely]]
            return cand;
        return find(key, h);
    }
    // Inserts key (which must be absent); returns the new entry id, kFull or
    // kNoRoom.  The hot line is zeroed but for key and state = in_use, the
    // cold part is zeroed.
    int64_t insert(const FlowKey& key, const Home& h);
    // Removes an entry in use.
    void erase(uint32_t id) { erase(id, home(key(id))); }
    // The same, with the key's home.
    void erase(uint32_t id, const Home& h);

    FlowEntry& entry(uint32_t id) { return entries_[id]; }
    const FlowEntry& entry(uint32_t id) const { return entries_[id]; }
    FlowCold& cold(uint32_t id) { return cold_[id]; }
    const FlowCold& cold(uint32_t id) const { return cold_[id]; }
    // The full key of an entry in use.
    FlowKey key(uint32_t id) const;
    // One packet of len bytes in direction dir (0: from the LAN end).
    void count(uint32_t id, int dir, uint32_t len) {
        FlowEntry& e = entries_[id];
        if (++e.pkts[dir] == 0) [[unlikely]]
            ++cold_[id].pkts_high[dir];
        e.bytes[dir] += len;
    }
    uint64_t packets(uint32_t id, int dir) const {
        return uint64_t{cold_[id].pkts_high[dir]} << 32 | entries_[id].pkts[dir];
    }

    // Hints the CPU to fetch what a lookup reads first: the primary bucket
    // (where 7 flows in 8 are; the other is read only when that one fails,
    // which halves the lines in flight per packet).
    void prefetch(const Home& h) const { __builtin_prefetch(&index_[h.primary]); }
    // ... and then an entry, with its IPv6 addresses for an IPv6 key.
    void prefetch_entry(uint32_t id, const FlowKey& key) const {
        __builtin_prefetch(&entries_[id]);
        if (key.ip_version == 6) __builtin_prefetch(&v6_[id]);
    }

    // Index figures, for tests, benchmarks and the exit report.
    uint64_t moves() const { return moves_; }                // index slots moved to make room, ever
    uint32_t longest_path() const { return longest_path_; }  // the most moves one insertion needed
    uint64_t refused() const { return refused_; }            // insertions refused for want of room (kNoRoom)
    uint32_t in_alternate() const;                           // flows indexed in their second bucket (walks all)

private:
    struct alignas(64) Bucket {
        uint16_t tag[kBucketSlots];  // 0: free; bit 15: the flow's second bucket
        uint32_t id[kBucketSlots];
    };
    static_assert(sizeof(Bucket) == 64);
    struct V6Addresses {
        uint8_t a[16], b[16];
    };

    // The other bucket of a slot in `bucket` holding `tag` (bit 15: it is in its second).
    uint32_t other(uint32_t bucket, uint16_t tag) const {
        const uint32_t t = tag & 0x7fff;
        // An offset in [1, n - 1] that depends on the tag only, so that it can
        // be undone without the key.
        const uint32_t offset = 1 + static_cast<uint32_t>((uint64_t{t * 2654435761u} * (nbuckets_ - 1)) >> 32);
        if (tag & 0x8000) return bucket >= offset ? bucket - offset : bucket + nbuckets_ - offset;
        const uint64_t b = uint64_t{bucket} + offset;
        return static_cast<uint32_t>(b >= nbuckets_ ? b - nbuckets_ : b);
    }
    static uint32_t load32(const void* p) {
        uint32_t v;
        std::memcpy(&v, p, 4);
        return v;
    }
    static uint64_t load64(const void* p) {
        uint64_t v;
        std::memcpy(&v, p, 8);
        return v;
    }
    // The ports-on part of both keys is the same 14 bytes at offset 8 of the
    // compact key and 32 of the full one: two overlapping 8-byte compares.
    bool matches(uint32_t id, const FlowKey& key) const {
        const auto* e = reinterpret_cast<const uint8_t*>(&entries_[id].key);
        const auto* k = reinterpret_cast<const uint8_t*>(&key);
        const uint64_t tail = (load64(e + 8) ^ load64(k + 32)) | (load64(e + 14) ^ load64(k + 38));
        if (key.ip_version != 6) [[likely]]
            return (tail | (load64(e) ^ (uint64_t{load32(k + 16)} << 32 | load32(k)))) == 0;
        return matches_v6(id, key, tail);
    }
    bool matches_v6(uint32_t id, const FlowKey& key, uint64_t tail) const;
    // Bits of the slots in `b` whose tag is `tag`, two per slot (SSE2).
    static unsigned tag_mask(const Bucket& b, uint16_t tag) {
        const __m128i tags = _mm_load_si128(reinterpret_cast<const __m128i*>(b.tag));
        return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi16(tags, _mm_set1_epi16(static_cast<short>(tag)))));
    }
    bool place(const Home& h, uint32_t id);
    static void compact(const FlowKey& key, CompactKey& out);
    static uint32_t fold(const uint8_t* v6_address);

    FlowHasher hasher_;
    uint32_t capacity_;
    uint32_t nbuckets_;
    uint32_t size_ = 0;
    Memory memory_{};
    HugeMapping mapping_;  // entries, cold parts, IPv6 addresses and index, one after another
    FlowEntry* entries_;
    FlowCold* cold_;
    V6Addresses* v6_;
    Bucket* index_;
    // Free entries of each family ([0] IPv4, [1] IPv6) chained through their
    // hot line's addr_a; then never-used ids, IPv4 from the bottom (low ids
    // first, so a small home touches little) and IPv6 from the top.
    uint32_t free_head_[2] = {UINT32_MAX, UINT32_MAX};
    uint32_t next_low_ = 0, unused_;  // never used: unused_ ids from next_low_ on
    uint64_t moves_ = 0, refused_ = 0;
    uint32_t longest_path_ = 0;
};

}  // namespace spin::dp
