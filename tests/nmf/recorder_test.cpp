// The recorder between the agents and the store: devices from traffic and
// events, names bound per device by its own DNS answers, new destinations,
// and a restart that reloads what the store kept.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "nmf/ingest/recorder.h"
#include "nmf/store/store_queries.h"
#include "nmf/store/store_writer.h"

using namespace spin::nmf;
using nlohmann::json;
using spin::proto::FlowRecord;

namespace {

constexpr uint64_t kT0 = 1'767'225'600'000'000;  // 2026-01-01, µs

FlowRecord flow(uint8_t last_mac_byte, const uint8_t remote[4], uint16_t port, uint64_t pkts, uint32_t id) {
    FlowRecord r{};
    r.event = static_cast<uint8_t>(spin::proto::FlowEvent::end);
    r.proto = 6;
    r.ip_version = 4;
    const uint8_t mac[6] = {0x00, 0x17, 0x88, 0x00, 0x00, last_mac_byte};
    std::memcpy(r.mac, mac, 6);
    const uint8_t lan[4] = {10, 0, 0, last_mac_byte};
    std::memcpy(r.lan_ip, lan, 4);
    std::memcpy(r.remote_ip, remote, 4);
    r.lan_port = 40000;
    r.remote_port = port;
    r.first_us = kT0;
    r.last_us = kT0 + 1'000'000;
    r.pkts_out = pkts;
    r.bytes_out = pkts * 100;
    r.flow_id = id;
    return r;
}

json dns_answer(const std::string& mac, const std::string& name, const std::string& address, double time) {
    return {{"agent", "a1"},
            {"type", "dns"},
            {"time", time},
            {"mac", mac},
            {"side", "wan"},
            {"query", name},
            {"bindings",
             {{{"name", name}, {"address", address}, {"ttl", 60}, {"expires", time + 60}, {"via", json::array()}}}}};
}

std::vector<std::string> types(const StoreBatch& b) {
    std::vector<std::string> out;
    for (const auto& e : b.events) out.push_back(e.type);
    return out;
}

TEST(Recorder, NamesAreThoseThisDeviceResolved) {
    OuiDatabase oui;
    oui.add_csv("Registry,Assignment,Organization Name,Organization Address\nMA-L,001788,Philips Lighting BV,NL\n");
    Recorder rec(&oui);
    const uint8_t remote[4] = {93, 184, 216, 34};
    rec.on_agent_event(dns_answer("00:17:88:00:00:01", "example.com", "93.184.216.34", 1767225600));
    spin::proto::DigestBatch batch;
    batch.header.agent = "a1";
    batch.records = {flow(1, remote, 443, 5, 1), flow(2, remote, 443, 7, 2)};
    rec.on_digest(batch);
    const StoreBatch b = rec.take_batch();
    ASSERT_EQ(b.names.size(), 1u);
    EXPECT_EQ(b.names[0].mac, "00:17:88:00:00:01");
    EXPECT_EQ(b.names[0].expires, 1767225660);
    EXPECT_EQ(b.devices.size(), 2u);
    EXPECT_EQ(b.traffic.size(), 2u);
    // Each device's first contact with the address; only device 1 asked for it.
    std::map<std::string, json> new_dest;
    for (const auto& e : b.events)
        if (e.type == "destination_new") new_dest[e.device] = e.doc["names"];
    EXPECT_EQ(new_dest["00:17:88:00:00:01"], json({"example.com"}));
    EXPECT_EQ(new_dest["00:17:88:00:00:02"], json::array());
    EXPECT_EQ(json::parse(b.devices[1].doc)["vendor"], "Philips Lighting BV");

    // The same again: nothing is new.
    rec.on_digest(batch);
    EXPECT_EQ(types(rec.take_batch()), std::vector<std::string>{});
    // A second name for the address is stored, though the model sees no change.
    rec.on_agent_event(dns_answer("00:17:88:00:00:01", "www.example.com", "93.184.216.34", 1767225700));
    EXPECT_EQ(rec.take_batch().names.size(), 1u);
}

TEST(Recorder, RestartReloadsDevicesNamesAndDestinations) {
    const auto dir = std::filesystem::temp_directory_path() / ("spin-recorder-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "spin.db").string();
    const uint8_t remote[4] = {93, 184, 216, 34};
    spin::proto::DigestBatch batch;
    batch.header.agent = "a1";
    batch.records = {flow(1, remote, 443, 5, 1)};
    {
        StoreWriter w(path, Retention{});
        Recorder rec(nullptr);
        rec.on_agent_event(dns_answer("00:17:88:00:00:01", "example.com", "93.184.216.34", 1767225600));
        rec.on_digest(batch);
        w.write(rec.take_batch());
    }
    Database db(path, Database::Mode::existing);
    Recorder again(nullptr);
    EXPECT_EQ(again.restore(load_model(db)), 1u);
    EXPECT_EQ(again.model().names_of("00:17:88:00:00:01", "93.184.216.34"), std::vector<std::string>{"example.com"});
    batch.records[0].flow_id = 9;  // a later flow to the same place
    again.on_digest(batch);
    const StoreBatch b = again.take_batch();
    EXPECT_EQ(types(b), std::vector<std::string>{});  // neither the device nor the destination is new
    EXPECT_EQ(b.traffic.size(), 1u);
    std::filesystem::remove_all(dir);
}

// kill -9 between two batches: the store holds the first batch's traffic and
// the flow's state as of it, so a restarted controller counts the flow's
// later records from there, and the store's totals end equal to the flow's.
TEST(Recorder, RestartMidFlowNeitherLosesNorDoubleCounts) {
    const auto dir = std::filesystem::temp_directory_path() / ("spin-recorder-flows-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "spin.db").string();
    const uint8_t remote[4] = {93, 184, 216, 34};
    const auto report = [&](spin::proto::FlowEvent event, uint64_t pkts, int second) {
        spin::proto::DigestBatch b;
        b.header.agent = "a1";
        FlowRecord r = flow(1, remote, 443, pkts, 5);
        r.event = static_cast<uint8_t>(event);
        r.last_us = kT0 + static_cast<uint64_t>(second) * 1'000'000;
        b.records = {r};
        return b;
    };
    {
        StoreWriter w(path, Retention{});
        Recorder rec(nullptr);
        rec.on_digest(report(spin::proto::FlowEvent::start, 10, 1));
        w.write(rec.take_batch());
        rec.on_digest(report(spin::proto::FlowEvent::update, 25, 2));
        rec.take_batch();  // received, never committed: the process dies here
    }
    {
        StoreWriter w(path, Retention{});
        Recorder rec(nullptr);
        Database db(path, Database::Mode::existing);
        rec.restore(load_model(db));
        rec.on_digest(report(spin::proto::FlowEvent::update, 40, 3));
        w.write(rec.take_batch());
    }
    StoreWriter w(path, Retention{});
    Recorder rec(nullptr);
    {
        Database db(path, Database::Mode::existing);
        rec.restore(load_model(db));
    }
    EXPECT_EQ(rec.accounting().restored, 1u);
    rec.on_digest(report(spin::proto::FlowEvent::end, 42, 4));
    const StoreBatch last = rec.take_batch();
    EXPECT_EQ(last.closed_flows.size(), 1u);  // the flow ended: its state leaves the store
    w.write(last);
    Database db(path, Database::Mode::existing);
    Statement total(db, "SELECT sum(pkts_out), sum(flows) FROM traffic_minute");
    ASSERT_TRUE(total.step());
    EXPECT_EQ(total.column_int(0), 42);
    EXPECT_EQ(total.column_int(1), 1);
    Statement open(db, "SELECT count(*) FROM open_flows");
    ASSERT_TRUE(open.step());
    EXPECT_EQ(open.column_int(0), 0);
    std::filesystem::remove_all(dir);
}

}  // namespace

namespace {

// A DHCP message the agent did not believe is a note in the log, never an
// identity: the device it names is not created, nor given the hostname.
TEST(Recorder, DhcpMismatchIsAnEventNotAnIdentity) {
    Recorder rec(nullptr);
    rec.on_agent_event(json{{"agent", "a1"},
                            {"type", "dhcp_mismatch"},
                            {"time", 1767225600.5},
                            {"mac", "02:00:00:00:00:11"},
                            {"side", "lan"},
                            {"message", "request"},
                            {"chaddr", "02:00:00:00:00:22"},
                            {"reason", "client hardware address is not the sender"}});
    const StoreBatch b = rec.take_batch();
    ASSERT_EQ(types(b), std::vector<std::string>{"dhcp_mismatch"});
    EXPECT_EQ(b.events[0].device, "02:00:00:00:00:11");
    EXPECT_EQ(b.events[0].doc["chaddr"], "02:00:00:00:00:22");
    EXPECT_TRUE(b.devices.empty());
    EXPECT_EQ(rec.model().find("02:00:00:00:00:22"), nullptr);
}

}  // namespace
