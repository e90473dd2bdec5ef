#include "dataplane/flow_table.h"

#include <stdexcept>

#include "dataplane/entropy.h"

namespace spin::dp {

FlowHasher FlowHasher::from_entropy() {
    FlowHasher::Secret s;
    fill_random(&s, sizeof s);
    return FlowHasher(s);
}

namespace {

size_t round_up(size_t n, size_t align) { return (n + align - 1) / align * align; }

}  // namespace

FlowTable::FlowTable(uint32_t capacity, const FlowHasher& hasher) : hasher_(hasher), capacity_(capacity) {
    if (capacity == 0 || capacity > (1u << 30))
        throw std::invalid_argument("flow table capacity must be between 1 and 2^30");
    nbuckets_ = std::max<uint32_t>(2, (capacity + kLoadSlots - 1) / kLoadSlots);
    memory_.entries = round_up(sizeof(FlowEntry) * size_t{capacity}, 4096);
    memory_.cold = round_up(sizeof(FlowCold) * size_t{capacity}, 4096);
    memory_.v6_addresses = round_up(sizeof(V6Addresses) * size_t{capacity}, 4096);
    memory_.index = round_up(sizeof(Bucket) * size_t{nbuckets_}, 4096);
    mapping_ = HugeMapping(memory_bytes());
    uint8_t* p = mapping_.data();
    entries_ = reinterpret_cast<FlowEntry*>(p);
    cold_ = reinterpret_cast<FlowCold*>(p + memory_.entries);
    v6_ = reinterpret_cast<V6Addresses*>(p + memory_.entries + memory_.cold);
    index_ = reinterpret_cast<Bucket*>(p + memory_.entries + memory_.cold + memory_.v6_addresses);
    unused_ = capacity;
}

uint32_t FlowTable::fold(const uint8_t* a) { return load32(a) ^ load32(a + 4) ^ load32(a + 8) ^ load32(a + 12); }

void FlowTable::compact(const FlowKey& key, CompactKey& out) {
    if (key.ip_version == 6) {
        out.addr_a = fold(key.addr_a);
        out.addr_b = fold(key.addr_b);
    } else {
        out.addr_a = load32(key.addr_a);
        out.addr_b = load32(key.addr_b);
    }
    std::memcpy(&out.port_a, &key.port_a, 14);
}

bool FlowTable::matches_v6(uint32_t id, const FlowKey& key, uint64_t tail) const {
    const auto* e = reinterpret_cast<const uint8_t*>(&entries_[id].key);
    if ((tail | (load32(e) ^ fold(key.addr_a)) | (load32(e + 4) ^ fold(key.addr_b))) != 0) return false;
    const V6Addresses& a = v6_[id];
    return std::memcmp(a.a, key.addr_a, 16) == 0 && std::memcmp(a.b, key.addr_b, 16) == 0;
}

FlowKey FlowTable::key(uint32_t id) const {
    const CompactKey& c = entries_[id].key;
    FlowKey k{};
    if (c.ip_version == 6) {
        std::memcpy(k.addr_a, v6_[id].a, 16);
        std::memcpy(k.addr_b, v6_[id].b, 16);
    } else {
        std::memcpy(k.addr_a, &c.addr_a, 4);
        std::memcpy(k.addr_b, &c.addr_b, 4);
    }
    std::memcpy(&k.port_a, &c.port_a, 14);
    return k;
}

int64_t FlowTable::insert(const FlowKey& key, const Home& h) {
    if (size_ == capacity_) return kFull;
    const int family = key.ip_version == 6 ? 1 : 0;
    // A free entry of the family, else a never-used one from its end of the
    // range, else (size_ < capacity_) a free one of the other family.
    int chain = -1;
    if (free_head_[family] != UINT32_MAX)
        chain = family;
    else if (unused_ == 0)
        chain = 1 - family;
    const uint32_t id = chain >= 0 ? free_head_[chain] : family ? next_low_ + unused_ - 1 : next_low_;
    if (!place(h, id)) {
        ++refused_;
        return kNoRoom;
    }
    if (chain >= 0) {
        free_head_[chain] = entries_[id].key.addr_a;
    } else {
        next_low_ += family ? 0 : 1;
        --unused_;
    }
    FlowEntry& e = entries_[id];
    e = FlowEntry{};
    compact(key, e.key);
    e.state = flow_state::in_use;
    cold_[id] = FlowCold{};
    if (family) {
        std::memcpy(v6_[id].a, key.addr_a, 16);
        std::memcpy(v6_[id].b, key.addr_b, 16);
    }
    ++size_;
    return id;
}

// A free slot in either bucket, else a breadth-first search for a chain of
// moves that ends in a free slot: each step moves an index slot to its other
// bucket.  The search visits at most kMaxSearch buckets (a few microseconds,
// and only when both buckets are full: rare below 7/8 load).
bool FlowTable::place(const Home& h, uint32_t id) {
    for (int second = 0; second < 2; ++second) {
        Bucket& b = index_[second ? alternate(h) : h.primary];
        if (const unsigned m = tag_mask(b, 0)) {
            const unsigned s = __builtin_ctz(m) / 2;
            b.tag[s] = second ? h.tag | 0x8000 : h.tag;
            b.id[s] = id;
            return true;
        }
    }
    struct Node {
        uint32_t bucket;
        int16_t parent;  // -1 for the key's own buckets
        uint8_t slot;    // the slot of the parent's bucket whose other bucket this is
    };
    Node nodes[kMaxSearch];
    unsigned n = 0;
    nodes[n++] = {h.primary, -1, 0};
    nodes[n++] = {alternate(h), -1, 0};
    for (unsigned at = 0; at < n; ++at) {
        const Bucket& b = index_[nodes[at].bucket];
        for (unsigned s = 0; s < kBucketSlots; ++s) {
            const uint32_t to = other(nodes[at].bucket, b.tag[s]);
            const unsigned free = tag_mask(index_[to], 0);
            if (free == 0) {
                // Each bucket once: a chain then never moves a slot twice.
                bool seen = false;
                for (unsigned k = 0; k < n && !seen; ++k) seen = nodes[k].bucket == to;
                if (!seen && n < kMaxSearch) nodes[n++] = {to, static_cast<int16_t>(at), static_cast<uint8_t>(s)};
                continue;
            }
            // Found: move along the chain from its end, each slot into the hole the last left.
            uint32_t hole_bucket = to;
            unsigned hole = __builtin_ctz(free) / 2;
            unsigned from_slot = s;
            uint32_t moves = 0;
            for (int cur = static_cast<int>(at); cur >= 0; cur = nodes[cur].parent) {
                Bucket& src = index_[nodes[cur].bucket];
                index_[hole_bucket].tag[hole] = src.tag[from_slot] ^ 0x8000;  // now in its other bucket
                index_[hole_bucket].id[hole] = src.id[from_slot];
                ++moves;
                hole_bucket = nodes[cur].bucket;
                hole = from_slot;
                from_slot = nodes[cur].slot;
            }
            index_[hole_bucket].tag[hole] = hole_bucket == h.primary ? h.tag : h.tag | 0x8000;
            index_[hole_bucket].id[hole] = id;
            moves_ += moves;
            if (moves > longest_path_) longest_path_ = moves;
            return true;
        }
    }
    return false;
}

void FlowTable::erase(uint32_t id, const Home& h) {
    for (int second = 0; second < 2; ++second) {
        Bucket& b = index_[second ? alternate(h) : h.primary];
        for (unsigned m = tag_mask(b, second ? h.tag | 0x8000 : h.tag); m != 0; m &= m - 1) {
            const unsigned s = __builtin_ctz(m) / 2;
            m &= m - 1;
            if (b.id[s] != id) continue;
            b.tag[s] = 0;
            FlowEntry& e = entries_[id];
            const int family = e.key.ip_version == 6 ? 1 : 0;
            e.state = 0;
            e.key.ip_version = 0;  // no key has it: a stale candidate id never matches
            e.key.addr_a = free_head_[family];
            free_head_[family] = id;
            --size_;
            return;
        }
    }
}

uint32_t FlowTable::in_alternate() const {
    uint32_t n = 0;
    for (uint32_t i = 0; i < nbuckets_; ++i)
        for (unsigned s = 0; s < kBucketSlots; ++s) n += (index_[i].tag[s] & 0x8000) != 0;
    return n;
}

}  // namespace spin::dp
