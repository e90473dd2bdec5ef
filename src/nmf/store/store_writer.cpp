#include "nmf/store/store_writer.h"

#include <algorithm>
#include <cmath>

#include "nmf/store/schema.h"

namespace spin::nmf {

namespace {

std::string traffic_upsert(const char* table) {
    return std::string("INSERT INTO ") + table +
           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT DO UPDATE SET "
           "pkts_out = pkts_out + excluded.pkts_out, bytes_out = bytes_out + excluded.bytes_out, "
           "pkts_in = pkts_in + excluded.pkts_in, bytes_in = bytes_in + excluded.bytes_in, "
           "flows = flows + excluded.flows, blocked_pkts = blocked_pkts + excluded.blocked_pkts";
}

int64_t as_int(uint64_t v) { return static_cast<int64_t>(std::min<uint64_t>(v, INT64_MAX)); }

// Packets and bytes out, then in, from parameter `first` on.
Statement& bind_directions(Statement& s, int first, const TrafficCounters& c) {
    return s.bind(first, as_int(c.pkts_out))
        .bind(first + 1, as_int(c.bytes_out))
        .bind(first + 2, as_int(c.pkts_in))
        .bind(first + 3, as_int(c.bytes_in));
}

}  // namespace

StoreWriter::StoreWriter(const std::string& path, Retention retention) : db_(path), retention_(retention) {
    migrate(db_);
    for (int level = 0; level < 3; ++level)
        traffic_[level] = std::make_unique<Statement>(db_, traffic_upsert(kLevels[level].table));
    device_ = std::make_unique<Statement>(
        db_,
        "INSERT INTO devices (mac, first_seen, last_seen, doc) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO UPDATE SET "
        "first_seen = excluded.first_seen, last_seen = excluded.last_seen, doc = excluded.doc");
    name_ = std::make_unique<Statement>(
        db_,
        "INSERT INTO names VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO UPDATE SET "
        "first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen), "
        "expires = max(expires, excluded.expires)");
    destination_ = std::make_unique<Statement>(
        db_,
        "INSERT INTO destinations VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO UPDATE SET "
        "first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)");
    event_ = std::make_unique<Statement>(
        db_, "INSERT INTO events (time, type, device, agent, doc) VALUES (?1, ?2, ?3, ?4, ?5)");
    agent_ = std::make_unique<Statement>(
        db_, "INSERT INTO agents VALUES (?1, ?2) ON CONFLICT DO UPDATE SET doc = excluded.doc");
    open_flow_ = std::make_unique<Statement>(
        db_, "INSERT OR REPLACE INTO open_flows VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    closed_flow_ = std::make_unique<Statement>(db_, "DELETE FROM open_flows WHERE key = ?1");
    behaviour_ = std::make_unique<Statement>(
        db_,
        "INSERT INTO behaviours VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT DO UPDATE SET "
        "first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen), "
        "flows = flows + excluded.flows, pkts_out = pkts_out + excluded.pkts_out, "
        "bytes_out = bytes_out + excluded.bytes_out, pkts_in = pkts_in + excluded.pkts_in, "
        "bytes_in = bytes_in + excluded.bytes_in");
    // A device's rows all start with its MAC: each delete is an index range.
    for (const char* table :
         {"devices", "names", "destinations", "behaviours", "traffic_minute", "traffic_hour", "traffic_day"})
        remove_device_.push_back(
            std::make_unique<Statement>(db_, std::string("DELETE FROM ") + table + " WHERE mac = ?1"));
    newest_ = newest_traffic_bucket(db_);
}

std::vector<int64_t> StoreWriter::write(const StoreBatch& batch) {
    std::vector<int64_t> ids;
    Transaction t(db_);
    for (const TrafficRow& r : batch.traffic) {
        for (int level = 0; level < 3; ++level) {
            const int64_t size = kLevels[level].seconds;
            const int64_t bucket = r.minute - ((r.minute % size) + size) % size;
            traffic_[level]->bind(1, r.mac).bind(2, bucket).bind(3, r.remote_ip);
            traffic_[level]->bind(4, int64_t{r.proto}).bind(5, int64_t{r.remote_port});
            bind_directions(*traffic_[level], 6, r.counters)
                .bind(10, as_int(r.counters.flows))
                .bind(11, as_int(r.counters.blocked_pkts))
                .run();
        }
        newest_ = std::max(newest_, static_cast<double>(r.minute));
    }
    for (const DeviceRow& d : batch.devices)
        device_->bind(1, d.mac).bind(2, d.first_seen).bind(3, d.last_seen).bind(4, d.doc).run();
    for (const NameRow& n : batch.names)
        name_->bind(1, n.mac)
            .bind(2, n.remote_ip)
            .bind(3, n.name)
            .bind(4, n.first_seen)
            .bind(5, n.last_seen)
            .bind(6, n.expires)
            .run();
    for (const DestinationRow& d : batch.destinations)
        destination_->bind(1, d.mac).bind(2, d.remote_ip).bind(3, d.first_seen).bind(4, d.last_seen).run();
    for (const EventRow& e : batch.events) {
        event_->bind(1, e.time).bind(2, e.type).bind(3, e.device).bind(4, e.agent).bind(5, e.doc.dump()).run();
        ids.push_back(db_.last_insert_rowid());
    }
    for (const AgentRow& a : batch.agents) agent_->bind(1, a.id).bind(2, a.doc.dump()).run();
    for (const BehaviourRow& b : batch.behaviours) {
        behaviour_->bind(1, b.mac).bind(2, b.remote_ip).bind(3, int64_t{b.proto}).bind(4, b.opener);
        behaviour_->bind(5, int64_t{b.port}).bind(6, b.first_seen).bind(7, b.last_seen);
        bind_directions(behaviour_->bind(8, as_int(b.counters.flows)), 9, b.counters).run();
    }
    for (const FlowTuple& f : batch.closed_flows) closed_flow_->bind_blob(1, flow_key(f)).run();
    for (const OpenFlowRow& f : batch.open_flows) {
        open_flow_->bind_blob(1, flow_key(f.tuple)).bind(2, f.agent).bind(3, int64_t{f.worker});
        open_flow_->bind(4, int64_t{f.flow_id}).bind(5, int64_t{f.ended});
        open_flow_->bind(6, as_int(f.first_us)).bind(7, as_int(f.last_us));
        bind_directions(*open_flow_, 8, f.totals).bind(12, as_int(f.totals.blocked_pkts)).run();
    }
    for (const std::string& mac : batch.devices_removed)
        for (auto& statement : remove_device_) statement->bind(1, mac).run();
    t.commit();
    ++stats_.batches;
    stats_.traffic_rows += batch.traffic.size();
    return ids;
}

void StoreWriter::apply_retention(double wall_now) {
    const double now = std::min(newest_, wall_now + 3600);
    if (now <= 0) return;
    Transaction t(db_);
    for (int level = 0; level < 3; ++level) {
        Statement del(db_, std::string("DELETE FROM ") + kLevels[level].table + " WHERE bucket < ?1");
        del.bind(1, static_cast<int64_t>(std::floor(now)) - kept_seconds(retention_, level)).run();
    }
    // Events, and names and destinations nobody used since, go with the days.
    for (const char* sql :
         {"DELETE FROM events WHERE time < ?1", "DELETE FROM names WHERE last_seen < ?1",
          "DELETE FROM destinations WHERE last_seen < ?1", "DELETE FROM behaviours WHERE last_seen < ?1"}) {
        Statement del(db_, sql);
        del.bind(1, now - static_cast<double>(retention_.days)).run();
    }
    t.commit();
}

}  // namespace spin::nmf
