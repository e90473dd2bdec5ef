// The longitudinal store: migrations, roll-ups, retention, queries.  Each
// test works on its own SQLite file in a temporary directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <string_view>

#include "nmf/store/schema.h"
#include "nmf/store/store_queries.h"
#include "nmf/store/store_writer.h"

using namespace spin::nmf;
using nlohmann::json;

namespace {

class Store : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ =
            std::filesystem::temp_directory_path() / ("spin-store-" + std::to_string(::getpid()) + "-" +
                                                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        path_ = (dir_ / "spin.db").string();
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    static TrafficRow row(const std::string& mac, const std::string& ip, int64_t minute, uint64_t pkts_out,
                          uint64_t bytes_in, int port = 443) {
        TrafficRow r;
        r.mac = mac;
        r.remote_ip = ip;
        r.proto = 6;
        r.remote_port = port;
        r.minute = minute;
        r.counters = TrafficCounters{pkts_out, pkts_out * 100, pkts_out, bytes_in, 1, 0};
        return r;
    }

    std::filesystem::path dir_;
    std::string path_;
};

constexpr char kMac[] = "00:17:88:01:02:03";
constexpr int64_t kDay = 1'700'006'400;  // a UTC midnight

// The store says what every device did: nobody but the service reads it.
TEST_F(Store, FilesArePrivate) {
    { StoreWriter w(path_, Retention{}); }
    for (const char* suffix : {"", "-wal", "-shm"}) {
        const auto f = path_ + suffix;
        if (!std::filesystem::exists(f)) continue;
        EXPECT_EQ(std::filesystem::status(f).permissions() & std::filesystem::perms::all,
                  std::filesystem::perms::owner_read | std::filesystem::perms::owner_write)
            << f;
    }
    // An older store left open to others is made private when opened.
    std::filesystem::permissions(path_, std::filesystem::perms::others_read, std::filesystem::perm_options::add);
    { Database db(path_); }
    EXPECT_EQ(std::filesystem::status(path_).permissions() & std::filesystem::perms::others_read,
              std::filesystem::perms::none);
}

TEST_F(Store, NewStoreIsMigratedToTheLatestVersion) {
    Database db(path_);
    EXPECT_EQ(schema_version(db), 0);
    EXPECT_EQ(migrate(db), static_cast<int>(store_migrations().size()));
    EXPECT_EQ(migrate(db), static_cast<int>(store_migrations().size()));  // idempotent
    Statement s(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'traffic_%' AND type = 'table'");
    s.step();
    EXPECT_EQ(s.column_int(0), 3);
}

TEST_F(Store, MigrationsRunInOrderAndKeepData) {
    const std::string_view v1[] = {"CREATE TABLE t (a INTEGER)"};
    const std::string_view v2[] = {"CREATE TABLE t (a INTEGER)", "ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x'"};
    Database db(path_);
    EXPECT_EQ(migrate(db, v1), 1);
    db.exec("INSERT INTO t (a) VALUES (42)");
    EXPECT_EQ(migrate(db, v2), 2);
    Statement s(db, "SELECT a, b FROM t");
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.column_int(0), 42);
    EXPECT_EQ(s.column_text(1), "x");
}

TEST_F(Store, FailedMigrationLeavesTheStoreAsItWas) {
    const std::string_view good[] = {"CREATE TABLE t (a INTEGER)"};
    const std::string_view bad[] = {"CREATE TABLE t (a INTEGER)", "CREATE TABLE u (x); CREATE TABLE t (a)"};
    Database db(path_);
    migrate(db, good);
    try {
        migrate(db, bad);
        FAIL() << "a failing migration must throw";
    } catch (const SqliteError& e) {
        EXPECT_NE(std::string(e.what()).find("migration to schema version 2 failed"), std::string::npos) << e.what();
    }
    EXPECT_EQ(schema_version(db), 1);
    Statement s(db, "SELECT count(*) FROM sqlite_master WHERE name = 'u'");
    s.step();
    EXPECT_EQ(s.column_int(0), 0);  // rolled back with the rest of the migration
}

TEST_F(Store, NewerStoreIsRefusedWithAMessage) {
    {
        Database db(path_);
        db.exec("PRAGMA user_version = 99");
    }
    try {
        StoreWriter w(path_, Retention{});
        FAIL() << "a store from a newer controller must be refused";
    } catch (const SqliteError& e) {
        EXPECT_NE(std::string(e.what()).find("schema version 99, newer than this controller knows"), std::string::npos)
            << e.what();
    }
}

TEST_F(Store, BrokenFileIsRefusedWithAMessage) {
    std::FILE* f = std::fopen(path_.c_str(), "w");
    std::fputs("this is not a database, it only has a long enough header to look like one........", f);
    std::fclose(f);
    EXPECT_THROW(StoreWriter(path_, Retention{}), SqliteError);
}

TEST_F(Store, TrafficRollsUpIntoHoursAndDaysAndAddsUp) {
    StoreWriter w(path_, Retention{});
    StoreBatch b;
    b.traffic = {row(kMac, "93.184.216.34", kDay, 1, 10), row(kMac, "93.184.216.34", kDay + 60, 2, 20),
                 row(kMac, "93.184.216.34", kDay + 3600, 4, 40), row(kMac, "93.184.216.34", kDay + 86400, 8, 80)};
    w.write(b);
    w.write(StoreBatch{{row(kMac, "93.184.216.34", kDay + 60, 16, 160)}});  // same minute, later batch
    StoreQueries q(path_, Retention{});
    auto series = [&](int64_t step) {
        std::vector<int64_t> out;
        const json t = q.traffic(kMac, kDay, kDay + 2 * 86400, step);
        for (const auto& p : t["series"]) out.push_back(p["pkts_out"]);
        return out;
    };
    EXPECT_EQ(series(86400), (std::vector<int64_t>{1 + 2 + 4 + 16, 8}));
    const auto hours = series(3600);
    ASSERT_EQ(hours.size(), 48u);
    EXPECT_EQ(hours[0], 19);
    EXPECT_EQ(hours[1], 4);
    EXPECT_EQ(hours[24], 8);
    const json minutes = q.traffic(kMac, kDay, kDay + 180, 60);
    EXPECT_EQ(minutes["level"], "minute");
    EXPECT_EQ(minutes["series"][1]["pkts_out"], 18);
    EXPECT_EQ(minutes["series"][1]["bytes_in"], 180);
    EXPECT_EQ(minutes["series"][1]["flows"], 2);
    EXPECT_EQ(minutes["series"][1]["time"], kDay + 60);
}

TEST_F(Store, RetentionDropsFineBucketsFirstAndCountsFromTheNewestData) {
    Retention r;
    r.minutes = 3600;
    r.hours = 2 * 86400;
    r.days = 10 * 86400;
    StoreWriter w(path_, r);
    StoreBatch b;
    b.traffic = {row(kMac, "10.9.9.9", kDay, 1, 1), row(kMac, "10.9.9.9", kDay + 3 * 86400, 2, 2)};
    b.events.push_back(EventRow{static_cast<double>(kDay - 20 * 86400), "device_new", kMac, "", json::object()});
    b.names = {NameRow{kMac, "10.9.9.9", "old.example", 1, kDay - 20 * 86400, 0},
               NameRow{kMac, "10.9.9.9", "new.example", 1, kDay + 3 * 86400, 0}};
    w.write(b);
    // The wall clock is years later: retention counts from the newest data
    // (a replayed capture), so the recent data is kept.
    w.apply_retention(2'000'000'000);
    Database db(path_);
    auto count = [&](const std::string& sql) {
        Statement s(db, sql);
        s.step();
        return s.column_int(0);
    };
    EXPECT_EQ(count("SELECT count(*) FROM traffic_minute"), 1);  // only the newest minute
    EXPECT_EQ(count("SELECT count(*) FROM traffic_hour"), 1);
    EXPECT_EQ(count("SELECT count(*) FROM traffic_day"), 2);
    EXPECT_EQ(count("SELECT count(*) FROM events"), 0);  // older than the day retention
    EXPECT_EQ(count("SELECT count(*) FROM names"), 1);   // the name last resolved recently stays
    StoreQueries q(path_, r);
    // A range the minutes no longer cover is answered from the days.
    EXPECT_EQ(q.destinations(kMac, kDay, kDay + 4 * 86400)["level"], "day");
    EXPECT_EQ(q.destinations(kMac, kDay, kDay + 4 * 86400)["destinations"][0]["pkts_out"], 3);
}

TEST_F(Store, DestinationsCarryTheNamesThisDeviceResolved) {
    StoreWriter w(path_, Retention{});
    StoreBatch b;
    b.traffic = {row(kMac, "93.184.216.34", kDay, 5, 500), row(kMac, "93.184.216.34", kDay, 1, 10, 80),
                 row(kMac, "192.0.2.1", kDay, 1, 1), row("aa:00:00:00:00:01", "93.184.216.34", kDay, 9, 9)};
    b.names = {NameRow{kMac, "93.184.216.34", "example.com", 1, 2, 3},
               NameRow{kMac, "93.184.216.34", "www.example.com", 1, 2, 3},
               NameRow{"aa:00:00:00:00:01", "192.0.2.1", "other.example", 1, 2, 3}};
    w.write(b);
    StoreQueries q(path_, Retention{});
    const json d = q.destinations(kMac, kDay, kDay + 60)["destinations"];
    ASSERT_EQ(d.size(), 3u);
    EXPECT_EQ(d[0]["remote_ip"], "93.184.216.34");
    EXPECT_EQ(d[0]["remote_port"], 443);
    EXPECT_EQ(d[0]["bytes_in"], 500);
    EXPECT_EQ(d[0]["names"], (json{"example.com", "www.example.com"}));
    EXPECT_EQ(d[1]["remote_port"], 80);
    EXPECT_EQ(d[2]["remote_ip"], "192.0.2.1");
    EXPECT_EQ(d[2]["names"], json::array());  // another device resolved it, not this one
    EXPECT_TRUE(q.destinations(kMac, kDay + 60, kDay + 120)["destinations"].empty());
}

// The whole home in one query (the web UI): each device's largest remotes,
// ranked in SQL with ports summed and names its own, and every device's
// steps with traffic, refused past the point cap.
TEST_F(Store, TheWholeHomeInOneQuery) {
    const std::string other = "aa:00:00:00:00:01";
    StoreWriter w(path_, Retention{});
    StoreBatch b;
    b.traffic = {row(kMac, "93.184.216.34", kDay, 5, 500), row(kMac, "93.184.216.34", kDay, 1, 10, 80),
                 row(kMac, "192.0.2.1", kDay, 1, 1),       row(kMac, "192.0.2.2", kDay + 60, 2, 0),
                 row(other, "93.184.216.34", kDay, 9, 9),  row(other, "192.0.2.1", kDay + 120, 1, 1)};
    b.names = {NameRow{kMac, "93.184.216.34", "example.com", 1, 2, 3},
               NameRow{other, "192.0.2.1", "other.example", 1, 2, 3}};
    w.write(b);
    StoreQueries q(path_, Retention{});
    const json d = q.home_destinations(kDay, kDay + 180, 2)["devices"];
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0]["mac"], kMac);  // by MAC
    EXPECT_EQ(d[1]["mac"], other);
    const json& mine = d[0]["destinations"];
    ASSERT_EQ(mine.size(), 2u);  // top 2 of 3
    EXPECT_EQ(mine[0]["remote_ip"], "93.184.216.34");
    EXPECT_EQ(mine[0]["pkts_out"], 6);  // ports 443 and 80 summed
    EXPECT_EQ(mine[0]["bytes_in"], 510);
    EXPECT_EQ(mine[0]["names"], json{"example.com"});
    EXPECT_EQ(mine[1]["remote_ip"], "192.0.2.2");  // 200 bytes out beat 192.0.2.1's 101
    EXPECT_EQ(d[1]["destinations"][1]["names"], json{"other.example"});
    EXPECT_EQ(d[1]["destinations"][0]["names"], json::array());  // kMac's name is not this device's

    const auto t = q.home_traffic(kDay, kDay + 180, 60, 100);
    ASSERT_TRUE(t);
    ASSERT_EQ((*t)["devices"].size(), 2u);
    const json& series = (*t)["devices"][0]["series"];  // kMac: the two minutes with traffic, none quiet
    ASSERT_EQ(series.size(), 2u);
    EXPECT_EQ(series[0]["time"], kDay);
    EXPECT_EQ(series[0]["pkts_out"], 7);
    EXPECT_EQ(series[1]["time"], kDay + 60);
    EXPECT_EQ((*t)["devices"][1]["series"].size(), 2u);
    EXPECT_FALSE(q.home_traffic(kDay, kDay + 180, 60, 3));  // 4 points with traffic
    EXPECT_EQ((*q.home_traffic(kDay, kDay + 180, 180, 100))["devices"][0]["series"].size(), 1u);
}

TEST_F(Store, DevicesEventsAndAnnotationsSurviveReopening) {
    {
        StoreWriter w(path_, Retention{});
        StoreBatch b;
        b.devices = {DeviceRow{kMac, 10, 20, R"({"mac":"00:17:88:01:02:03","hostname":"hue"})"}};
        b.events = {EventRow{10, "device_new", kMac, "a1", {{"type", "device_new"}}},
                    EventRow{11, "agent_joined", "", "a1", {{"type", "agent_joined"}}}};
        b.agents = {AgentRow{"a1", {{"id", "a1"}, {"connected", true}}}};
        const auto ids = w.write(b);
        ASSERT_EQ(ids.size(), 2u);
        EXPECT_LT(ids[0], ids[1]);
        StoreQueries q(path_, Retention{});
        EXPECT_TRUE(q.annotate(kMac, std::string("Hall light"), std::nullopt));
        EXPECT_FALSE(q.annotate("00:00:00:00:00:01", std::string("nobody"), std::nullopt));
        w.write(StoreBatch{{}, {DeviceRow{kMac, 10, 30, R"({"mac":"00:17:88:01:02:03","hostname":"hue2"})"}}});
    }
    StoreQueries q(path_, Retention{});
    const auto d = q.device(kMac);
    ASSERT_TRUE(d);
    EXPECT_EQ((*d)["hostname"], "hue2");
    EXPECT_EQ((*d)["name"], "Hall light");  // the model's update did not overwrite the user's name
    EXPECT_EQ(q.devices().size(), 1u);
    EventQuery e;
    e.device = kMac;
    EXPECT_EQ(q.events(e).size(), 1u);
    e = EventQuery{};
    e.types = {"agent_joined"};
    EXPECT_EQ(q.events(e).size(), 1u);
    e = EventQuery{};
    e.from = 10.5;
    EXPECT_EQ(q.events(e).size(), 1u);
    EXPECT_EQ(q.agents()[0]["id"], "a1");
}

// The newest events first come from newest=true and before=ID, and still
// read oldest first; a type list keeps any of its types (the web UI's feed).
TEST_F(Store, EventsNewestBeforeAndTypeLists) {
    StoreWriter w(path_, Retention{});
    StoreBatch b;
    const char* types[] = {"device_new", "alert", "destination_new", "decision", "destination_new", "alert"};
    for (int i = 0; i < 6; ++i)
        b.events.push_back(EventRow{100.0 + i, types[i], kMac, "", {{"type", types[i]}, {"n", i}}});
    const auto ids = w.write(b);
    ASSERT_EQ(ids.size(), 6u);
    StoreQueries q(path_, Retention{});
    const auto ns = [](const json& events) {
        std::vector<int> out;
        for (const auto& e : events) out.push_back(e["n"].get<int>());
        return out;
    };
    EventQuery e;
    e.limit = 2;
    EXPECT_EQ(ns(q.events(e)), (std::vector<int>{0, 1}));
    e.newest = true;
    EXPECT_EQ(ns(q.events(e)), (std::vector<int>{4, 5}));
    e.before_id = ids[4];
    EXPECT_EQ(ns(q.events(e)), (std::vector<int>{2, 3}));
    e = EventQuery{};
    e.types = {"alert", "decision"};
    EXPECT_EQ(ns(q.events(e)), (std::vector<int>{1, 3, 5}));
    e.newest = true;
    e.limit = 1;
    EXPECT_EQ(ns(q.events(e)), (std::vector<int>{5}));
    e = EventQuery{};
    e.after_id = ids[1];
    e.before_id = ids[4];
    EXPECT_EQ(ns(q.events(e)), (std::vector<int>{2, 3}));
}

}  // namespace
