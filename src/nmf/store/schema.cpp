#include "nmf/store/schema.h"

#include <string>

namespace spin::nmf {

namespace {

// Version 1.  Traffic tables (one per roll-up level) are keyed device-first
// so that the API's per-device range queries are index range scans; the
// bucket index serves retention and whole-home queries.  Documents (devices,
// events, agents, blocks) are JSON text: their fields grow without
// migrations.  A migration is frozen once released: later changes are new
// migrations, never edits of this text.
std::string traffic_table(const char* level) {
    const std::string t = std::string("traffic_") + level;
    return "CREATE TABLE " + t + R"sql( (
  mac TEXT NOT NULL, bucket INTEGER NOT NULL, remote_ip TEXT NOT NULL,
  proto INTEGER NOT NULL, remote_port INTEGER NOT NULL,
  pkts_out INTEGER NOT NULL, bytes_out INTEGER NOT NULL, pkts_in INTEGER NOT NULL, bytes_in INTEGER NOT NULL,
  flows INTEGER NOT NULL, blocked_pkts INTEGER NOT NULL,
  PRIMARY KEY (mac, bucket, remote_ip, proto, remote_port)
) WITHOUT ROWID;
CREATE INDEX )sql" +
           t + "_bucket ON " + t + " (bucket);\n";
}

const std::string kV1 = traffic_table("minute") + traffic_table("hour") + traffic_table("day") + R"sql(
CREATE TABLE devices (
  mac TEXT PRIMARY KEY,
  first_seen REAL NOT NULL,
  last_seen REAL NOT NULL,
  doc TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  notes TEXT NOT NULL DEFAULT ''
);
CREATE TABLE names (
  mac TEXT NOT NULL, remote_ip TEXT NOT NULL, name TEXT NOT NULL,
  first_seen REAL NOT NULL, last_seen REAL NOT NULL, expires REAL NOT NULL,
  PRIMARY KEY (mac, remote_ip, name)
) WITHOUT ROWID;
CREATE TABLE destinations (
  mac TEXT NOT NULL, remote_ip TEXT NOT NULL,
  first_seen REAL NOT NULL, last_seen REAL NOT NULL,
  PRIMARY KEY (mac, remote_ip)
) WITHOUT ROWID;
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time REAL NOT NULL, type TEXT NOT NULL, device TEXT NOT NULL DEFAULT '', agent TEXT NOT NULL DEFAULT '',
  doc TEXT NOT NULL
);
CREATE INDEX events_time ON events (time);
CREATE INDEX events_device ON events (device, time);
CREATE TABLE agents (
  id TEXT PRIMARY KEY,
  doc TEXT NOT NULL
);
CREATE TABLE blocks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created REAL NOT NULL, expires REAL, removed REAL,
  doc TEXT NOT NULL
);
)sql";

// Version 2: the accounting state of open flows (open_flows.h), keyed by
// the flow's tuple in a fixed binary layout.
const std::string kV2 = R"sql(
CREATE TABLE open_flows (
  key BLOB PRIMARY KEY,
  agent TEXT NOT NULL, worker INTEGER NOT NULL, flow_id INTEGER NOT NULL, ended INTEGER NOT NULL,
  first_us INTEGER NOT NULL, last_us INTEGER NOT NULL,
  pkts_out INTEGER NOT NULL, bytes_out INTEGER NOT NULL, pkts_in INTEGER NOT NULL, bytes_in INTEGER NOT NULL,
  blocked_pkts INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Version 3: the MUD engine's profiles (one row per URL fetched, or per
// device for a file the user gave: its text byte for byte, as a signature
// covers it) and its devices (assignment, mode, what is pending).
const std::string kV3 = R"sql(
CREATE TABLE mud_profiles (
  key TEXT PRIMARY KEY,
  text TEXT NOT NULL,
  signature BLOB,
  doc TEXT NOT NULL
);
CREATE TABLE mud_devices (
  mac TEXT PRIMARY KEY,
  doc TEXT NOT NULL
);
)sql";

// Version 4: what each device does, by shape (nmf/ingest/behaviours.h):
// one row per remote, protocol, who opened the flow and the service port,
// the raw material of a learnt MUD profile.
const std::string kV4 = R"sql(
CREATE TABLE behaviours (
  mac TEXT NOT NULL, remote_ip TEXT NOT NULL, proto INTEGER NOT NULL, opener TEXT NOT NULL, port INTEGER NOT NULL,
  first_seen REAL NOT NULL, last_seen REAL NOT NULL, flows INTEGER NOT NULL,
  pkts_out INTEGER NOT NULL, bytes_out INTEGER NOT NULL, pkts_in INTEGER NOT NULL, bytes_in INTEGER NOT NULL,
  PRIMARY KEY (mac, remote_ip, proto, opener, port)
) WITHOUT ROWID;
)sql";

// Version 5: the user's overrides of the reverse firewall (allow a device,
// pin its stage), documents with a lifetime as blocks are.
const std::string kV5 = R"sql(
CREATE TABLE overrides (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created REAL NOT NULL, expires REAL, removed REAL,
  doc TEXT NOT NULL
);
)sql";

const std::string_view kMigrations[] = {kV1, kV2, kV3, kV4, kV5};

}  // namespace

std::span<const std::string_view> store_migrations() { return kMigrations; }

int schema_version(Database& db) {
    Statement s(db, "PRAGMA user_version");
    s.step();
    return static_cast<int>(s.column_int(0));
}

double newest_traffic_bucket(Database& db) {
    // The minute table has the exact bucket; the day table what retention
    // left of older data when the minutes are gone.
    Statement s(db,
                "SELECT max(m) FROM (SELECT max(bucket) AS m FROM traffic_minute "
                "UNION ALL SELECT max(bucket) FROM traffic_day)");
    s.step();
    return s.column_is_null(0) ? 0.0 : static_cast<double>(s.column_int(0));
}

int migrate(Database& db, std::span<const std::string_view> migrations) {
    int version = schema_version(db);
    const int known = static_cast<int>(migrations.size());
    if (version > known)
        throw SqliteError("store " + db.path() + " has schema version " + std::to_string(version) +
                          ", newer than this controller knows (" + std::to_string(known) +
                          "); use the controller that wrote it");
    for (; version < known; ++version) {
        Transaction t(db);
        try {
            db.exec(migrations[static_cast<size_t>(version)]);
        } catch (const SqliteError& e) {
            throw SqliteError("migration to schema version " + std::to_string(version + 1) + " failed: " + e.what());
        }
        db.exec("PRAGMA user_version = " + std::to_string(version + 1));
        t.commit();
    }
    return version;
}

}  // namespace spin::nmf
