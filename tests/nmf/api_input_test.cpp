// What the API accepts from clients: times, MACs, block requests; and the
// live stream's hub.
#include <gtest/gtest.h>

#include <thread>

#include "nmf/api/block_request.h"
#include "nmf/api/event_hub.h"
#include "nmf/api/time_param.h"

using namespace spin::nmf;
using nlohmann::json;

TEST(TimeParam, SecondsAndIso8601) {
    EXPECT_EQ(parse_time("1767225600"), 1767225600.0);
    EXPECT_EQ(parse_time("1767225600.25"), 1767225600.25);
    EXPECT_EQ(parse_time("2026-01-01"), 1767225600.0);
    EXPECT_EQ(parse_time("2026-01-01T00:00:00Z"), 1767225600.0);
    EXPECT_EQ(parse_time("2026-01-01T00:00"), 1767225600.0);
    EXPECT_EQ(parse_time("2026-01-01 02:00:00+02:00"), 1767225600.0);
    EXPECT_EQ(parse_time("2025-12-31T19:00:00-0500"), 1767225600.0);
    EXPECT_DOUBLE_EQ(*parse_time("2026-01-01T00:00:00.5Z"), 1767225600.5);
    for (const char* bad : {"", "yesterday", "2026-02-30", "2026-13-01", "2026-01-01T25:00", "2026-01-01T00:00Zjunk",
                            "-5", "nan", "inf", "1e400", "0x10", "2026-01-01T00:00:00.Z", "2026/01/01"})
        EXPECT_FALSE(parse_time(bad)) << bad;
}

TEST(BlockRequest, NormalisesAndValidates) {
    auto ok = [](const json& body) {
        auto r = parse_block_request(body, 1000);
        EXPECT_TRUE(std::holds_alternative<BlockRequest>(r)) << body.dump() << ": " << std::get<std::string>(r);
        return std::get<BlockRequest>(r);
    };
    auto error = [](const json& body) {
        auto r = parse_block_request(body, 1000);
        EXPECT_TRUE(std::holds_alternative<std::string>(r)) << body.dump();
        return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string{};
    };
    BlockRequest q = ok({{"mac", "02-53-50-49-4E-12"}});
    EXPECT_EQ(q.rule.mac.to_string(), "02:53:50:49:4e:12");
    EXPECT_EQ(q.rule.kind, spin::proto::RuleKind::quarantine);
    EXPECT_EQ(q.expires, 0);
    q = ok({{"mac", "02:53:50:49:4e:12"}, {"type", "remote"}, {"remote", "2001:db8::/32"}, {"duration", 60}});
    EXPECT_EQ(q.rule.kind, spin::proto::RuleKind::device_remote);  // the first API's spelling still reads
    EXPECT_EQ(q.rule.remote.to_string(), "2001:db8::/32");
    EXPECT_EQ(q.expires, 1060);
    q = ok(
        {{"mac", "02:53:50:49:4e:12"}, {"type", "name"}, {"domain", "*.Tracker.Example."}, {"expires", "2026-01-01"}});
    EXPECT_EQ(q.rule.domain.to_string(), "*.tracker.example");
    EXPECT_EQ(q.expires, 1767225600);

    EXPECT_EQ(error(json::array()), "the body must be a JSON object");
    EXPECT_EQ(error({{"type", "quarantine"}}), "'mac' is required: the device to block");
    EXPECT_EQ(error({{"mac", 5}}), "'mac' must be a string");
    EXPECT_EQ(error({{"mac", "01:00:5e:00:00:01"}}), "'mac': 01:00:5e:00:00:01 is a group address, not a device");
    EXPECT_EQ(error({{"mac", "02:53:50:49:4e:12"}, {"colour", "red"}}),
              "unknown field 'colour' (expected mac, type, remote, domain, expires, duration, reason)");
    EXPECT_EQ(error({{"mac", "02:53:50:49:4e:12"}, {"type", "device_remote"}, {"remote", "10.0.0.0/33"}}),
              "'remote': '10.0.0.0/33': the prefix length must be 0..32");
    EXPECT_EQ(error({{"mac", "02:53:50:49:4e:12"}, {"type", "device_remote"}, {"remote", "300.1.2.3"}}),
              "'remote': '300.1.2.3' is not an IPv4 / IPv6 address or prefix (e.g. 198.51.100.0/24)");
    EXPECT_EQ(error({{"mac", "02:53:50:49:4e:12"}, {"type", "device_remote"}}), "a device_remote rule needs 'remote'");
    EXPECT_EQ(error({{"mac", "02:53:50:49:4e:12"}, {"remote", "10.0.0.1"}}), "'remote' is only for type device_remote");
    EXPECT_EQ(error({{"mac", "02:53:50:49:4e:12"}, {"type", "device_name"}, {"domain", "a..b"}}),
              "'domain': 'a..b' is not a DNS name (an empty label)");
    EXPECT_EQ(error({{"mac", "02:53:50:49:4e:12"}, {"expires", 999}}), "'expires' is in the past");
    EXPECT_EQ(error({{"mac", "02:53:50:49:4e:12"}, {"duration", -1}}),
              "'duration' must be a positive number of seconds");
    EXPECT_EQ(error({{"mac", "02:53:50:49:4e:12"}, {"duration", 5}, {"expires", 2000}}),
              "give either 'expires' or 'duration', not both");
    EXPECT_EQ(error({{"mac", "02:53:50:49:4e:12"}, {"type", "everything"}}),
              "'type': 'everything' is not a block type (quarantine, device_remote or device_name)");
    EXPECT_EQ(error({{"mac", "02:53:50:49:4e:12"}, {"type", "global"}}),
              "'type': 'global' is not a block type (quarantine, device_remote or device_name)");

    // One rule, however it is spelt: host bits, a bare address, MAC case, a trailing dot.
    auto rule = [&](const json& body) { return ok(body).rule; };
    const json mac = "02:53:50:49:4e:12", upper = "02-53-50-49-4E-12";
    EXPECT_TRUE(rule({{"mac", mac}, {"type", "device_remote"}, {"remote", "10.0.0.1/24"}})
                    .same_as(rule({{"mac", upper}, {"type", "remote"}, {"remote", "10.0.0.0/24"}})));
    EXPECT_TRUE(rule({{"mac", mac}, {"type", "device_remote"}, {"remote", "10.0.0.1"}})
                    .same_as(rule({{"mac", mac}, {"type", "device_remote"}, {"remote", "10.0.0.1/32"}})));
    EXPECT_FALSE(rule({{"mac", mac}, {"type", "device_remote"}, {"remote", "10.0.0.1"}})
                     .same_as(rule({{"mac", mac}, {"type", "device_remote"}, {"remote", "10.0.0.0/24"}})));
    EXPECT_TRUE(rule({{"mac", mac}, {"type", "device_name"}, {"domain", "Example.COM."}})
                    .same_as(rule({{"mac", upper}, {"type", "name"}, {"domain", "example.com"}})));
}

TEST(EventHub, ClientsGetWhatCameAfterTheirLastItemAndLearnWhatTheyMissed) {
    EventHub hub(3);
    StoreBatch b;
    b.events = {EventRow{1, "device_new", "02:00:00:00:00:01", "a", {{"type", "device_new"}}},
                EventRow{2, "block", "02:00:00:00:00:01", "", {{"type", "block"}}}};
    hub.publish(b, {7, 8}, 100.0);
    uint64_t missed = 0;
    auto items = hub.wait(0, std::chrono::milliseconds(0), missed);
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[1].type, "block");
    EXPECT_EQ(json::parse(items[0].data)["id"], 7);  // the store's event id
    EXPECT_EQ(missed, 0u);
    hub.publish(b, {9, 10}, 100.5);
    items = hub.wait(0, std::chrono::milliseconds(0), missed);
    EXPECT_EQ(items.size(), 3u);  // capacity 3
    EXPECT_EQ(missed, 1u);

    // Traffic is summed per device and sent once a second.
    StoreBatch t;
    TrafficRow r;
    r.mac = "02:00:00:00:00:01";
    r.counters = TrafficCounters{1, 100, 2, 200, 1, 0};
    t.traffic = {r, r};
    hub.publish(t, {}, 100.9);
    hub.publish(t, {}, 101.2);
    items = hub.wait(hub.latest() - 1, std::chrono::milliseconds(0), missed);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].type, "traffic");
    const json traffic = json::parse(items[0].data);
    EXPECT_EQ(traffic["devices"][0]["pkts_out"], 4);
    EXPECT_EQ(traffic["devices"][0]["bytes_in"], 800);

    // A waiting client wakes when something arrives, and for good at stop().
    std::thread stopper([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        hub.stop();
    });
    const auto start = std::chrono::steady_clock::now();
    hub.wait(hub.latest(), std::chrono::seconds(10), missed);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    EXPECT_TRUE(hub.stopped());
    stopper.join();
}
