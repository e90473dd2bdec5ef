#include "dataplane/flow_table.h"

#include <sys/mman.h>

#include <cstring>
#include <new>

#include "dataplane/entropy.h"

namespace spin::dp {

FlowHasher FlowHasher::from_entropy() {
    Secret s;
    fill_random(&s, sizeof s);
    return FlowHasher(s);
}

namespace {

size_t round_up(size_t n, size_t align) { return (n + align - 1) / align * align; }

uint64_t index_slots(uint32_t capacity) {
    uint64_t n = 64;
    while (n < 2ull * capacity) n <<= 1;
    return n;
}

inline uint32_t slot_hash(uint64_t slot) { return static_cast<uint32_t>(slot >> 32); }
inline uint32_t slot_entry(uint64_t slot) { return static_cast<uint32_t>(slot) - 1; }
inline uint64_t make_slot(uint32_t hash, uint32_t id) { return uint64_t{hash} << 32 | (id + 1u); }

}  // namespace

FlowTable::FlowTable(uint32_t capacity, const FlowHasher& hasher, uint32_t max_probe)
    : hasher_(hasher), max_probe_(max_probe), capacity_(capacity) {
    if (capacity == 0 || capacity > (1u << 30))
        throw std::invalid_argument("flow table capacity must be between 1 and 2^30");
    const uint64_t nslots = index_slots(capacity);
    mask_ = nslots - 1;
    shift_ = 32 - static_cast<unsigned>(__builtin_ctzll(nslots));
    const size_t entries_bytes = round_up(sizeof(FlowEntry) * size_t{capacity}, 4096);
    const size_t slots_bytes = round_up(sizeof(uint64_t) * nslots, 4096);
    const size_t free_bytes = round_up(sizeof(uint32_t) * size_t{capacity}, 4096);
    bytes_ = entries_bytes + slots_bytes + free_bytes;
    memory_ = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory_ == MAP_FAILED) throw std::bad_alloc();
    madvise(memory_, bytes_, MADV_HUGEPAGE);  // best effort
    auto* base = static_cast<uint8_t*>(memory_);
    entries_ = reinterpret_cast<FlowEntry*>(base);
    slots_ = reinterpret_cast<uint64_t*>(base + entries_bytes);
    free_ = reinterpret_cast<uint32_t*>(base + entries_bytes + slots_bytes);
    // Hand out low ids first so a small home touches little memory.
    for (uint32_t i = 0; i < capacity; ++i) free_[i] = capacity - 1 - i;
    free_top_ = capacity;
}

FlowTable::~FlowTable() { munmap(memory_, bytes_); }

// Nothing lies beyond max_probe of its home (insert refuses, and
// backward-shift deletion only moves entries nearer home), so the walk stops there.
int64_t FlowTable::find(const FlowKey& key, uint32_t hash) const {
    uint64_t pos = home(hash);
    for (uint32_t probe = 0; probe <= max_probe_; ++probe, pos = (pos + 1) & mask_) {
        const uint64_t s = slots_[pos];
        if (s == 0) return -1;
        if (slot_hash(s) == hash && entries_[slot_entry(s)].key == key) return slot_entry(s);
    }
    return -1;
}

int64_t FlowTable::insert(const FlowKey& key, uint32_t hash) {
    if (free_top_ == 0) return kFull;
    uint64_t pos = home(hash);
    for (uint32_t probe = 0; slots_[pos] != 0; pos = (pos + 1) & mask_)
        if (++probe > max_probe_) return kProbeLimit;
    const uint32_t id = free_[--free_top_];
    slots_[pos] = make_slot(hash, id);
    FlowEntry& e = entries_[id];
    e = FlowEntry{};
    e.key = key;
    e.state = flow_state::in_use;
    ++size_;
    return id;
}

void FlowTable::erase(uint32_t id, uint32_t hash) {
    FlowEntry& e = entries_[id];
    uint64_t pos = home(hash);
    for (uint64_t probes = 0; slots_[pos] != make_slot(hash, id); pos = (pos + 1) & mask_)
        if (slots_[pos] == 0 || ++probes > mask_) return;  // not indexed under this hash
    // Backward-shift deletion: pull later members of the probe run into the hole
    // when the hole lies on their probe path, so lookups never need tombstones.
    uint64_t hole = pos;
    for (uint64_t next = (hole + 1) & mask_; slots_[next] != 0; next = (next + 1) & mask_) {
        const uint64_t h = home(slot_hash(slots_[next]));
        const bool hole_on_path = hole <= next ? (h <= hole || h > next) : (h <= hole && h > next);
        if (hole_on_path) {
            slots_[hole] = slots_[next];
            hole = next;
        }
    }
    slots_[hole] = 0;
    e.state = 0;
    free_[free_top_++] = id;
    --size_;
}

uint32_t FlowTable::longest_probe() const {
    uint32_t longest = 0;
    for (uint64_t pos = 0; pos <= mask_; ++pos) {
        if (slots_[pos] == 0) continue;
        const uint32_t d = static_cast<uint32_t>((pos - home(slot_hash(slots_[pos]))) & mask_);
        if (d > longest) longest = d;
    }
    return longest;
}

}  // namespace spin::dp
