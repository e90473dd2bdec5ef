#include "dataplane/flow_table.h"

#include <sys/mman.h>

#include <new>
#include <stdexcept>

#include <rte_hash_crc.h>

namespace spin::dp {

uint32_t hash_flow_key(const FlowKey& key) { return rte_hash_crc(&key, sizeof key, 0x5350494e); }

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

FlowTable::FlowTable(uint32_t capacity) : capacity_(capacity) {
    if (capacity == 0 || capacity > (1u << 30))
        throw std::invalid_argument("flow table capacity must be between 1 and 2^30");
    const uint64_t nslots = index_slots(capacity);
    mask_ = nslots - 1;
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

int64_t FlowTable::find(const FlowKey& key, uint32_t hash) const {
    for (uint64_t pos = hash & mask_;; pos = (pos + 1) & mask_) {
        const uint64_t s = slots_[pos];
        if (s == 0) return -1;
        if (slot_hash(s) == hash && entries_[slot_entry(s)].key == key) return slot_entry(s);
    }
}

int64_t FlowTable::insert(const FlowKey& key, uint32_t hash) {
    if (free_top_ == 0) return -1;
    const uint32_t id = free_[--free_top_];
    uint64_t pos = hash & mask_;
    while (slots_[pos] != 0) pos = (pos + 1) & mask_;
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
    uint64_t pos = hash & mask_;
    for (uint64_t probes = 0; slots_[pos] != make_slot(hash, id); pos = (pos + 1) & mask_)
        if (slots_[pos] == 0 || ++probes > mask_) return;  // not indexed under this hash
    // Backward-shift deletion: pull later members of the probe run into the hole
    // when the hole lies on their probe path, so lookups never need tombstones.
    uint64_t hole = pos;
    for (uint64_t next = (hole + 1) & mask_; slots_[next] != 0; next = (next + 1) & mask_) {
        const uint64_t home = slot_hash(slots_[next]) & mask_;
        const bool hole_on_path = hole <= next ? (home <= hole || home > next) : (home <= hole && home > next);
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

}  // namespace spin::dp
