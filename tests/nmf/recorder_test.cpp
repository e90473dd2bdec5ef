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

json dhcp_ack_event(const std::string& mac, const std::string& ip, double time) {
    return {{"agent", "a1"}, {"type", "dhcp"},   {"time", time}, {"mac", mac},
            {"side", "wan"}, {"message", "ack"}, {"ip", ip},     {"hostname", "lamp"}};
}

// A store file of its own for one test, removed with its directory after.
struct TempStore {
    explicit TempStore(const std::string& name)
        : dir(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))) {
        std::filesystem::create_directories(dir);
        path = (dir / "spin.db").string();
    }
    ~TempStore() { std::filesystem::remove_all(dir); }
    std::filesystem::path dir;
    std::string path;
};

// The first column of the first row `sql` gives.
int64_t scalar(Database& db, const std::string& sql) {
    Statement s(db, sql);
    EXPECT_TRUE(s.step()) << sql;
    return s.column_int(0);
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
    const TempStore store("spin-recorder");
    const std::string& path = store.path;
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
}

// The volume detector's baseline is the store's: a restarted controller
// judges a device's hour against the days the store kept, with no new
// warm-up.
TEST(Recorder, VolumeHistoryComesBackFromTheStore) {
    const TempStore store("spin-recorder-volume");
    const uint8_t remote[4] = {93, 184, 216, 34};
    {
        StoreWriter w(store.path, Retention{});
        Recorder rec(nullptr);
        for (uint32_t h = 0; h < 100; ++h) {  // 100 hours of 2 MB each
            spin::proto::DigestBatch batch;
            batch.header.agent = "a1";
            FlowRecord r = flow(1, remote, 443, 20'000, h + 1);
            r.first_us = r.last_us = kT0 + h * 3'600'000'000ull;
            batch.records = {r};
            rec.on_digest(batch);
            w.write(rec.take_batch());
        }
        EXPECT_TRUE(rec.take_alerts().empty());
    }
    Database db(store.path, Database::Mode::existing);
    Recorder again(nullptr);
    again.restore(load_model(db));
    EXPECT_TRUE(again.detection().device_status("00:17:88:00:00:01")["volume"]["warm"].get<bool>());
    spin::proto::DigestBatch burst;
    burst.header.agent = "a1";
    FlowRecord r = flow(1, remote, 443, 2'000'000, 500);  // 200 MB in the hour after
    r.first_us = r.last_us = kT0 + 100 * 3'600'000'000ull;
    burst.records = {r};
    again.on_digest(burst);
    const auto alerts = again.take_alerts();
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].detector, "volume");
    EXPECT_EQ(alerts[0].evidence["median"], 2'000'000.0);
}

// kill -9 between two batches: the store holds the first batch's traffic and
// the flow's state as of it, so a restarted controller counts the flow's
// later records from there, and the store's totals end equal to the flow's.
TEST(Recorder, RestartMidFlowNeitherLosesNorDoubleCounts) {
    const TempStore store("spin-recorder-flows");
    const std::string& path = store.path;
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
    EXPECT_EQ(scalar(db, "SELECT sum(pkts_out) FROM traffic_minute"), 42);
    EXPECT_EQ(scalar(db, "SELECT sum(flows) FROM traffic_minute"), 1);
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM open_flows"), 0);
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

// An agent's alert is stored as the controller's own and handed to the
// response; one that is not about a device, names no known detector or
// stage, or is too large is refused and counted, never acted on.
TEST(Recorder, AgentAlertsAreBelievedOnlyWellFormed) {
    Recorder rec(nullptr);
    const json good = {{"agent", "a1"},
                       {"type", "alert"},
                       {"time", 1767225620.0},
                       {"mac", "02:00:00:00:00:21"},
                       {"side", "lan"},
                       {"detector", "mirai_scan"},
                       {"stage", "quarantine"},
                       {"first", 1767225619.5},
                       {"evidence", {{"syns", 3}}},
                       {"message", "02:00:00:00:00:21 scans"}};
    rec.on_agent_event(good);
    for (const auto& [key, value] :
         std::vector<std::pair<std::string, json>>{{"mac", "ff:ff:ff:ff:ff:ff"},
                                                   {"detector", "rumour"},
                                                   {"stage", "obliterate"},
                                                   {"evidence", json::array()},
                                                   {"evidence", {{"padding", std::string(20000, 'x')}}},
                                                   {"message", std::string(5000, 'x')}}) {
        json bad = good;
        bad[key] = value;
        rec.on_agent_event(bad);
    }
    EXPECT_EQ(rec.stats().events_refused, 6u);
    const auto alerts = rec.take_alerts();
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].agent, "a1");
    EXPECT_EQ(alerts[0].stage, "quarantine");
    const StoreBatch b = rec.take_batch();
    ASSERT_EQ(types(b), std::vector<std::string>{"alert"});
    EXPECT_EQ(b.events[0].doc["detector"], "mirai_scan");
    EXPECT_EQ(b.events[0].doc["evidence"]["syns"], 3);
    EXPECT_EQ(b.events[0].agent, "a1");
}

}  // namespace

namespace {

FlowRecord scan_syn(uint32_t n, uint64_t at_us) {
    FlowRecord r{};
    r.event = static_cast<uint8_t>(spin::proto::FlowEvent::end);
    r.proto = 6;
    r.ip_version = 4;
    const uint8_t mac[6] = {0x02, 0x53, 0x50, 0x49, 0x4e, 0x66}, lan[4] = {10, 0, 0, 66};
    const uint8_t remote[4] = {203, static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 8),
                               static_cast<uint8_t>(n)};
    std::memcpy(r.mac, mac, 6);
    std::memcpy(r.lan_ip, lan, 4);
    std::memcpy(r.remote_ip, remote, 4);
    r.lan_port = static_cast<uint16_t>(1024 + n % 60000);
    r.remote_port = 23;
    r.first_us = r.last_us = at_us;
    r.pkts_out = 1;
    r.bytes_out = 60;
    r.flow_id = n;
    return r;
}

// A scanner's minute: 64 new remotes get rows, the other 9,936 one "*" row
// carrying their packets; a remote it knew keeps its own row; events stay
// within the budget and one summary says what was left out.
TEST(Recorder, ScannerRemotesAreOneRowAndEventsStayWithinBudget) {
    Recorder rec(nullptr);
    spin::proto::DigestBatch known;
    known.header.agent = "a1";
    known.records = {scan_syn(0xffffff, kT0)};
    rec.on_digest(known);
    rec.take_batch();
    spin::proto::DigestBatch batch;
    batch.header.agent = "a1";
    const uint64_t minute = kT0 + 60'000'000;
    for (uint32_t n = 0; n < 10000; ++n) batch.records.push_back(scan_syn(n, minute + n * 5));
    batch.records.push_back(scan_syn(0xffffff, minute + 1));
    rec.on_digest(batch);
    const StoreBatch b = rec.take_batch();
    uint64_t pkts = 0, star_pkts = 0;
    size_t own = 0;
    for (const auto& row : b.traffic) {
        pkts += row.counters.pkts_out;
        if (row.remote_ip == "*") {
            star_pkts += row.counters.pkts_out;
            EXPECT_EQ(row.proto, 6);
        } else {
            ++own;
        }
    }
    EXPECT_EQ(pkts, 10001u);  // every packet counted once
    EXPECT_EQ(own, RowLimits{}.new_remotes + 1);
    EXPECT_EQ(star_pkts, 10000u - RowLimits{}.new_remotes);
    EXPECT_EQ(rec.stats().remotes_aggregated, 10000u - RowLimits{}.new_remotes);
    EXPECT_EQ(b.destinations.size(), RowLimits{}.new_remotes + 1);
    // A flood of made-up devices: within the minute's budget of device_new.
    for (int i = 0; i < 500; ++i) {
        FlowRecord r = scan_syn(1, minute + 100'000);
        r.mac[4] = static_cast<uint8_t>(i >> 8), r.mac[5] = static_cast<uint8_t>(i);
        spin::proto::DigestBatch one;
        one.header.agent = "a1";
        one.records = {r};
        rec.on_digest(one);
    }
    const auto count = [](const StoreBatch& sb, const std::string& type) {
        return std::count_if(sb.events.begin(), sb.events.end(), [&](const EventRow& e) { return e.type == type; });
    };
    const StoreBatch flood = rec.take_batch();
    EXPECT_EQ(count(flood, "device_new"), 60);
    EXPECT_LE(count(flood, "destination_new"), 600);
    // The next minute closes this one: a summary of what was left out.
    spin::proto::DigestBatch later;
    later.header.agent = "a1";
    later.records = {scan_syn(0xffffff, minute + 61'000'000)};
    rec.on_digest(later);
    const StoreBatch next = rec.take_batch();
    ASSERT_EQ(count(next, "events_suppressed"), 1);
    const auto summary = std::find_if(next.events.begin(), next.events.end(),
                                      [](const EventRow& e) { return e.type == "events_suppressed"; });
    EXPECT_EQ(summary->doc["suppressed"]["device_new"], 500 - 60);
    uint64_t total = 0;
    for (const auto& [type, n] : summary->doc["suppressed"].items()) total += n.get<uint64_t>();
    EXPECT_EQ(rec.events_suppressed(), total);
}

// A tentative device forgotten for silence leaves the store with its rows.
TEST(Recorder, ForgottenDevicesLeaveTheStore) {
    const TempStore store("spin-recorder-forget");
    const std::string& path = store.path;
    StoreWriter w(path, Retention{});
    Recorder rec(nullptr);
    spin::proto::DigestBatch b;
    b.header.agent = "a1";
    b.records = {scan_syn(5, kT0)};
    rec.on_digest(b);
    w.write(rec.take_batch());
    rec.on_agent_event(dhcp_ack_event("00:17:88:00:00:01", "10.0.0.9", kT0 / 1e6 + 2000));  // time moves on
    const StoreBatch later = rec.take_batch();
    EXPECT_EQ(later.devices_removed, std::vector<std::string>{"02:53:50:49:4e:66"});
    w.write(later);
    Database db(path, Database::Mode::existing);
    for (const char* table : {"devices", "traffic_minute", "traffic_day", "destinations"})
        EXPECT_EQ(scalar(db, std::string("SELECT count(*) FROM ") + table + " WHERE mac = '02:53:50:49:4e:66'"), 0)
            << table;
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM devices WHERE mac = '00:17:88:00:00:01'"), 1);
}

}  // namespace

namespace {

// Made-up MACs past the cap on tentative devices: the store forgets each
// one the model pushed out, so it holds no more devices than the model.
TEST(Recorder, EvictedTentativeDevicesLeaveTheStore) {
    const TempStore store("spin-recorder-evict");
    StoreWriter w(store.path, Retention{});
    DeviceLimits limits;
    limits.tentative = 10;
    Recorder rec(nullptr, limits);
    for (int batch = 0; batch < 5; ++batch) {
        for (int i = 0; i < 20; ++i) {
            char mac[18];
            std::snprintf(mac, sizeof mac, "02:66:00:00:%02x:%02x", batch, i);
            rec.on_agent_event(json{{"agent", "a1"},
                                    {"type", "neighbour"},
                                    {"time", 1767225600.0 + batch},
                                    {"mac", mac},
                                    {"side", "lan"},
                                    {"ip", "10.77.200.1"},
                                    {"via", "arp"}});
        }
        w.write(rec.take_batch(1767225600.0 + batch));
    }
    EXPECT_EQ(rec.model().devices().size(), 10u);
    Database db(store.path, Database::Mode::existing);
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM devices"), 10);
}

}  // namespace

namespace {

// Remotes a device already had get rows of their own, but not without end:
// a scanner that first makes 1,024 destinations known (64 a minute) and then
// sweeps them all in one minute gets kRowsPerMinute rows and a "*".
TEST(Recorder, KnownRemotesGetAtMostRowsPerMinute) {
    Recorder rec(nullptr);
    const auto minute_batch = [&](uint64_t minute, uint32_t from, uint32_t to) {
        spin::proto::DigestBatch b;
        b.header.agent = "a1";
        for (uint32_t n = from; n < to; ++n) b.records.push_back(scan_syn(n, kT0 + minute * 60'000'000 + n));
        rec.on_digest(b);
        return rec.take_batch();
    };
    for (uint32_t m = 0; m < 16; ++m) minute_batch(m, m * 64, m * 64 + 64);
    const StoreBatch sweep = minute_batch(20, 0, 1024);
    size_t own = 0;
    uint64_t star = 0;
    for (const auto& row : sweep.traffic) {
        if (row.remote_ip == "*")
            star += row.counters.pkts_out;
        else
            ++own;
    }
    EXPECT_EQ(own, RowLimits{}.rows);
    EXPECT_EQ(star, 1024 - RowLimits{}.rows);
}

}  // namespace
