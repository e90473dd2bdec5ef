#include <gtest/gtest.h>

#include <map>
#include <random>

#include "dataplane/flow_table.h"

using namespace spin::dp;

namespace {
FlowKey key_of(uint32_t i) {
    FlowKey k{};
    k.addr_a[0] = 10;
    std::memcpy(k.addr_a + 1, &i, 3);
    k.addr_b[0] = 192;
    k.port_a = static_cast<uint16_t>(i >> 8);
    k.port_b = 443;
    k.proto = 6;
    k.ip_version = 4;
    k.mac[5] = static_cast<uint8_t>(i);
    return k;
}
}  // namespace

TEST(FlowTable, InsertFindErase) {
    FlowTable t(100);
    const FlowKey k = key_of(1);
    const uint32_t h = hash_flow_key(k);
    EXPECT_EQ(t.find(k, h), -1);
    const int64_t id = t.insert(k, h);
    ASSERT_GE(id, 0);
    EXPECT_EQ(t.find(k, h), id);
    EXPECT_EQ(t.size(), 1u);
    EXPECT_TRUE(t.entry(static_cast<uint32_t>(id)).state & flow_state::in_use);
    t.erase(static_cast<uint32_t>(id));
    EXPECT_EQ(t.find(k, h), -1);
    EXPECT_EQ(t.size(), 0u);
}

TEST(FlowTable, FullTableRefusesAndRecovers) {
    FlowTable t(8);
    for (uint32_t i = 0; i < 8; ++i) ASSERT_GE(t.insert(key_of(i), hash_flow_key(key_of(i))), 0);
    EXPECT_TRUE(t.full());
    EXPECT_EQ(t.insert(key_of(99), hash_flow_key(key_of(99))), -1);
    t.erase(static_cast<uint32_t>(t.find(key_of(3), hash_flow_key(key_of(3)))));
    EXPECT_GE(t.insert(key_of(99), hash_flow_key(key_of(99))), 0);
}

TEST(FlowTable, MacIsPartOfTheKey) {
    FlowTable t(8);
    FlowKey a = key_of(1), b = key_of(1);
    b.mac[0] = 0x02;
    const int64_t ia = t.insert(a, hash_flow_key(a));
    const int64_t ib = t.insert(b, hash_flow_key(b));
    EXPECT_NE(ia, ib);
    EXPECT_EQ(t.find(b, hash_flow_key(b)), ib);
}

// Random inserts and erases against std::map as the model, with hashes forced
// into few buckets so that probe runs wrap and backward-shift deletion is hit.
TEST(FlowTable, RandomisedAgainstModel) {
    for (uint32_t hash_bits : {3u, 32u}) {
        FlowTable t(1000);
        std::map<uint32_t, int64_t> model;
        std::mt19937 rng(hash_bits);
        auto h = [&](uint32_t i) {
            const uint32_t full = hash_flow_key(key_of(i));
            return hash_bits == 32 ? full : (full & ((1u << hash_bits) - 1)) | 0xffff0000u;
        };
        for (int step = 0; step < 50000; ++step) {
            const uint32_t i = rng() % 1500;
            auto it = model.find(i);
            if (it == model.end()) {
                const int64_t id = t.insert(key_of(i), h(i));
                if (model.size() == 1000) {
                    ASSERT_EQ(id, -1);
                } else {
                    ASSERT_GE(id, 0);
                    model[i] = id;
                }
            } else if (rng() % 2) {
                t.erase(static_cast<uint32_t>(it->second), h(i));
                model.erase(it);
            }
            if (step % 997 == 0)
                for (uint32_t j = 0; j < 1500; ++j) {
                    auto m = model.find(j);
                    ASSERT_EQ(t.find(key_of(j), h(j)), m == model.end() ? -1 : m->second) << "key " << j;
                }
        }
        EXPECT_EQ(t.size(), model.size());
    }
}

TEST(FlowTable, MemoryPerFlow) {
    FlowTable t(1'000'000);
    // 128-byte entry + two 8-byte index slots + a 4-byte free-list slot, rounded up.
    const double per_flow = static_cast<double>(t.memory_bytes()) / t.capacity();
    EXPECT_GE(per_flow, 148.0);
    EXPECT_LE(per_flow, 152.0);
    RecordProperty("bytes_per_flow", std::to_string(per_flow));
}

TEST(FlowTable, RejectsSillyCapacity) { EXPECT_THROW(FlowTable(0), std::invalid_argument); }
