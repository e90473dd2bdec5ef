#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <set>

#include <rte_hash_crc.h>

#include "crc_collisions.h"
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
    const uint32_t h = t.hash(k);
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
    for (uint32_t i = 0; i < 8; ++i) ASSERT_GE(t.insert(key_of(i), t.hash(key_of(i))), 0);
    EXPECT_TRUE(t.full());
    EXPECT_EQ(t.insert(key_of(99), t.hash(key_of(99))), -1);
    t.erase(static_cast<uint32_t>(t.find(key_of(3), t.hash(key_of(3)))));
    EXPECT_GE(t.insert(key_of(99), t.hash(key_of(99))), 0);
}

TEST(FlowTable, MacIsPartOfTheKey) {
    FlowTable t(8);
    FlowKey a = key_of(1), b = key_of(1);
    b.mac[0] = 0x02;
    const int64_t ia = t.insert(a, t.hash(a));
    const int64_t ib = t.insert(b, t.hash(b));
    EXPECT_NE(ia, ib);
    EXPECT_EQ(t.find(b, t.hash(b)), ib);
}

// Random inserts and erases against std::map as the model, with hashes forced
// into few buckets so that probe runs wrap and backward-shift deletion is hit.
TEST(FlowTable, RandomisedAgainstModel) {
    for (uint32_t hash_bits : {3u, 32u}) {
        FlowTable t(1000, FlowHasher::from_entropy(), UINT32_MAX);  // no probe bound: runs grow long
        std::map<uint32_t, int64_t> model;
        std::mt19937 rng(hash_bits);
        auto h = [&](uint32_t i) {
            const uint32_t full = t.hash(key_of(i));
            // Homes are the top 11 bits (2048 slots): keep the top 3, so 8 homes.
            return hash_bits == 32 ? full : (full & 0xe0000000u) | (full & 0xffffu);
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

TEST(FlowTable, ProbeBoundRefusesACrowdedRun) {
    FlowTable t(1000);
    const uint32_t same = 0x12345678;  // every key aimed at one home slot
    std::vector<int64_t> ids;
    for (uint32_t i = 0; i <= FlowTable::kMaxProbe; ++i) {
        ids.push_back(t.insert(key_of(i), same));
        ASSERT_GE(ids.back(), 0) << "key " << i;
    }
    EXPECT_EQ(t.insert(key_of(5000), same), FlowTable::kProbeLimit);
    EXPECT_EQ(t.longest_probe(), FlowTable::kMaxProbe);
    for (uint32_t i = 0; i <= FlowTable::kMaxProbe; ++i) EXPECT_EQ(t.find(key_of(i), same), ids[i]);
    EXPECT_EQ(t.find(key_of(5000), same), -1);
    // A key with another home is unaffected, and room comes back on erase.
    EXPECT_GE(t.insert(key_of(6000), 0x92345678), 0);
    t.erase(static_cast<uint32_t>(ids[3]), same);
    EXPECT_GE(t.insert(key_of(5000), same), 0);
    EXPECT_EQ(t.size(), FlowTable::kMaxProbe + 2);
}

// Random keys at the full load the agent allows: the bound is far away.
TEST(FlowTable, MillionRandomFlowsStayFarFromTheBound) {
    FlowTable t(1'000'000);
    std::mt19937_64 rng(7);
    for (uint32_t i = 0; i < t.capacity(); ++i) {
        FlowKey k = key_of(0);
        const uint64_t r = rng();
        std::memcpy(k.addr_a + 1, &r, 3);
        std::memcpy(k.addr_b + 1, reinterpret_cast<const uint8_t*>(&r) + 3, 3);
        std::memcpy(&k.port_a, reinterpret_cast<const uint8_t*>(&r) + 6, 2);
        const uint32_t h = t.hash(k);
        if (t.find(k, h) < 0) {
            ASSERT_GE(t.insert(k, h), 0) << "insert " << i;
        }
    }
    const uint32_t longest = t.longest_probe();
    std::printf("longest probe run, %u random flows in %u: %u slots\n", t.size(), t.capacity(), longest);
    EXPECT_LT(longest, FlowTable::kMaxProbe);
}

// Dense, structured keys (consecutive addresses and ports, as a home and the
// benchmark make them) under many secrets: multiply-shift alone gave runs of
// 60 slots here, the finaliser keeps them short.
TEST(FlowTable, DenseConsecutiveFlowsStayShort) {
    uint32_t worst = 0;
    for (int secret = 0; secret < 20; ++secret) {
        FlowTable t(1024);
        for (uint32_t i = 0; i < 1000; ++i) {
            FlowKey k = key_of(0);
            k.addr_a[2] = static_cast<uint8_t>(i >> 8);
            k.addr_a[3] = static_cast<uint8_t>(i);
            k.addr_b[3] = static_cast<uint8_t>(i % 7);
            k.port_a = static_cast<uint16_t>(1024 + i);
            ASSERT_GE(t.insert(k, t.hash(k)), 0);
        }
        worst = std::max(worst, t.longest_probe());
    }
    std::printf("longest probe run of 1000 consecutive flows, worst of 20 secrets: %u slots\n", worst);
    EXPECT_LT(worst, FlowTable::kMaxProbe);  // a random hash: median 12, worst of 200 about 30
}

// The hash-flooding attack: 65,536 flows that all shared one CRC32C hash, so
// under the former index each new one walked a run of all the earlier ones.
TEST(FlowTable, CrcCollisionFloodIsSpreadByTheKeyedHash) {
    const uint8_t mac[6] = {0x02, 0x53, 0x50, 0x49, 0x4e, 0x66};
    const auto flows = spin::gen::crc_colliding_flows(mac, 65536);
    const uint32_t old_hash = spin::gen::crc_flow_hash(spin::gen::ipv4_flow_key(mac, flows[0]));
    std::set<FlowKey> distinct;
    for (const auto& f : flows) {
        const FlowKey k = spin::gen::ipv4_flow_key(mac, f);
        ASSERT_EQ(spin::gen::crc_flow_hash(k), old_hash);
        // The generator's CRC is the one the index used (rte_hash_crc).
        ASSERT_EQ(rte_hash_crc(&k, sizeof k, 0x5350494e), old_hash);
        distinct.insert(k);
    }
    ASSERT_EQ(distinct.size(), flows.size());
    FlowTable t(100'000);
    for (const auto& k : distinct) ASSERT_GE(t.insert(k, t.hash(k)), 0);
    std::printf("longest probe run of the CRC flood under the keyed hash: %u slots\n", t.longest_probe());
    EXPECT_LT(t.longest_probe(), FlowTable::kMaxProbe / 2);
}
