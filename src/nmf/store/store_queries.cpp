#include "nmf/store/store_queries.h"

#include <algorithm>
#include <map>

#include "nmf/store/schema.h"

namespace spin::nmf {

using nlohmann::json;

namespace {

constexpr int64_t kMaxSeriesBuckets = 100'000;

json counters(const Statement& s, int first) {
    return json{{"pkts_out", s.column_int(first)},    {"bytes_out", s.column_int(first + 1)},
                {"pkts_in", s.column_int(first + 2)}, {"bytes_in", s.column_int(first + 3)},
                {"flows", s.column_int(first + 4)},   {"blocked_pkts", s.column_int(first + 5)}};
}

constexpr char kSums[] = "sum(pkts_out), sum(bytes_out), sum(pkts_in), sum(bytes_in), sum(flows), sum(blocked_pkts)";

json device_row(const Statement& s) {
    json d = json::parse(s.column_text(0), nullptr, false);
    if (!d.is_object()) d = json::object();
    d["name"] = s.column_text(1);
    d["notes"] = s.column_text(2);
    return d;
}

}  // namespace

StoreQueries::StoreQueries(const std::string& path, Retention retention)
    : db_(path, Database::Mode::existing), retention_(retention) {}

double StoreQueries::newest() { return newest_traffic_bucket(db_); }

int StoreQueries::level_for(int64_t from, int64_t step, double now) const {
    int coarsest_dividing = -1;
    for (int level = 0; level < 3; ++level) {
        if (step != 0 && step % kLevels[level].seconds != 0) continue;
        coarsest_dividing = level;
        if (static_cast<double>(from) >= now - static_cast<double>(kept_seconds(retention_, level))) return level;
    }
    return coarsest_dividing < 0 ? 0 : coarsest_dividing;
}

json StoreQueries::devices() {
    Statement s(db_, "SELECT doc, name, notes FROM devices ORDER BY mac");
    json out = json::array();
    while (s.step()) out.push_back(device_row(s));
    return out;
}

std::optional<json> StoreQueries::device(const std::string& mac) {
    Statement s(db_, "SELECT doc, name, notes FROM devices WHERE mac = ?1");
    s.bind(1, mac);
    if (!s.step()) return std::nullopt;
    return device_row(s);
}

bool StoreQueries::annotate(const std::string& mac, const std::optional<std::string>& name,
                            const std::optional<std::string>& notes) {
    Statement s(db_, "UPDATE devices SET name = coalesce(?2, name), notes = coalesce(?3, notes) WHERE mac = ?1");
    s.bind(1, mac);
    if (name) s.bind(2, *name);
    if (notes) s.bind(3, *notes);
    s.run();
    return db_.changes() > 0;
}

json StoreQueries::traffic(const std::string& mac, int64_t from, int64_t to, int64_t step,
                           std::optional<double> newest) {
    const int level = level_for(from, step, newest ? *newest : this->newest());
    const int64_t size = kLevels[level].seconds;
    const int64_t start = from - ((from % size) + size) % size;  // the bucket holding `from`
    const int64_t buckets = (to - start + step - 1) / step;
    json series = json::array();
    std::map<int64_t, json> filled;
    Statement s(db_, std::string("SELECT ?2 + ((bucket - ?2) / ?4) * ?4 AS slot, ") + kSums + " FROM " +
                         kLevels[level].table + " WHERE mac = ?1 AND bucket >= ?2 AND bucket < ?3 GROUP BY slot");
    s.bind(1, mac).bind(2, start).bind(3, to).bind(4, step);
    while (s.step()) filled[s.column_int(0)] = counters(s, 1);
    const json zero = {{"pkts_out", 0}, {"bytes_out", 0}, {"pkts_in", 0},
                       {"bytes_in", 0}, {"flows", 0},     {"blocked_pkts", 0}};
    for (int64_t i = 0; i < std::min(buckets, kMaxSeriesBuckets); ++i) {
        const int64_t t = start + i * step;
        const auto it = filled.find(t);
        json point = it != filled.end() ? it->second : zero;
        point["time"] = t;
        series.push_back(std::move(point));
    }
    return json{{"mac", mac},
                {"from", start},
                {"to", to},
                {"step", step},
                {"level", kLevels[level].name},
                {"series", std::move(series)}};
}

json StoreQueries::destinations(const std::string& mac, int64_t from, int64_t to, std::optional<double> newest) {
    const int level = level_for(from, 0, newest ? *newest : this->newest());
    const int64_t size = kLevels[level].seconds;
    // The names this device resolved, per address, with when it was told so.
    std::map<std::string, std::pair<json, json>> names;  // address -> (names, bindings)
    Statement n(db_,
                "SELECT remote_ip, name, first_seen, last_seen, expires FROM names WHERE mac = ?1 "
                "ORDER BY remote_ip, name");
    n.bind(1, mac);
    while (n.step()) {
        auto& [list, bindings] = names[n.column_text(0)];
        list.push_back(n.column_text(1));
        bindings.push_back({{"name", n.column_text(1)},
                            {"first_seen", n.column_double(2)},
                            {"last_seen", n.column_double(3)},
                            {"expires", n.column_double(4)}});
    }

    Statement s(db_, std::string("SELECT remote_ip, proto, remote_port, ") + kSums +
                         ", min(bucket), max(bucket) FROM " + kLevels[level].table +
                         " WHERE mac = ?1 AND bucket > ?2 AND bucket < ?3 GROUP BY remote_ip, proto, remote_port "
                         "ORDER BY sum(bytes_out) + sum(bytes_in) DESC, remote_ip, proto, remote_port");
    s.bind(1, mac).bind(2, from - size).bind(3, to);
    json out = json::array();
    while (s.step()) {
        const std::string ip = s.column_text(0);
        json row = counters(s, 3);
        row["remote_ip"] = ip;
        row["proto"] = s.column_int(1);
        row["remote_port"] = s.column_int(2);
        const auto it = names.find(ip);
        row["names"] = it != names.end() ? it->second.first : json::array();
        row["name_bindings"] = it != names.end() ? it->second.second : json::array();
        row["first_bucket"] = s.column_int(9);
        row["last_bucket"] = s.column_int(10) + size;
        out.push_back(std::move(row));
    }
    return json{
        {"mac", mac}, {"from", from}, {"to", to}, {"level", kLevels[level].name}, {"destinations", std::move(out)}};
}

std::optional<json> StoreQueries::home_traffic(int64_t from, int64_t to, int64_t step, size_t max_points,
                                               std::optional<double> newest) {
    const int level = level_for(from, step, newest ? *newest : this->newest());
    const int64_t size = kLevels[level].seconds;
    const int64_t start = from - ((from % size) + size) % size;
    Statement s(db_, std::string("SELECT mac, ?2 + ((bucket - ?2) / ?4) * ?4 AS slot, ") + kSums + " FROM " +
                         kLevels[level].table + " WHERE bucket >= ?2 AND bucket < ?3 GROUP BY mac, slot " +
                         "ORDER BY mac, slot LIMIT ?5");
    s.bind(2, start).bind(3, to).bind(4, step).bind(5, static_cast<int64_t>(max_points) + 1);
    json devices = json::array();
    size_t points = 0;
    while (s.step()) {
        if (++points > max_points) return std::nullopt;
        const std::string mac = s.column_text(0);
        if (devices.empty() || devices.back()["mac"] != mac)
            devices.push_back({{"mac", mac}, {"series", json::array()}});
        json point = counters(s, 2);
        point["time"] = s.column_int(1);
        devices.back()["series"].push_back(std::move(point));
    }
    return json{
        {"from", start}, {"to", to}, {"step", step}, {"level", kLevels[level].name}, {"devices", std::move(devices)}};
}

json StoreQueries::home_destinations(int64_t from, int64_t to, int64_t top, std::optional<double> newest) {
    const int level = level_for(from, 0, newest ? *newest : this->newest());
    const int64_t size = kLevels[level].seconds;
    // Ranked per device in SQL: a scanning device's thousands of remotes
    // never leave the database.
    Statement s(db_, std::string("SELECT mac, remote_ip, p_out, b_out, p_in, b_in, fl, bl FROM (SELECT mac, "
                                 "remote_ip, sum(pkts_out) AS p_out, sum(bytes_out) AS b_out, sum(pkts_in) AS p_in, "
                                 "sum(bytes_in) AS b_in, sum(flows) AS fl, sum(blocked_pkts) AS bl, row_number() "
                                 "OVER (PARTITION BY mac ORDER BY sum(bytes_out) + sum(bytes_in) DESC, remote_ip) "
                                 "AS rank FROM ") +
                         kLevels[level].table +
                         " WHERE bucket > ?1 AND bucket < ?2 GROUP BY mac, remote_ip) WHERE rank <= ?3 "
                         "ORDER BY mac, rank");
    s.bind(1, from - size).bind(2, to).bind(3, top);
    Statement names(db_, "SELECT name FROM names WHERE mac = ?1 AND remote_ip = ?2 ORDER BY name");
    json devices = json::array();
    while (s.step()) {
        const std::string mac = s.column_text(0);
        if (devices.empty() || devices.back()["mac"] != mac)
            devices.push_back({{"mac", mac}, {"destinations", json::array()}});
        json row = counters(s, 2);
        row["remote_ip"] = s.column_text(1);
        row["names"] = json::array();
        names.reset();
        names.bind(1, mac).bind(2, row["remote_ip"].get<std::string>());
        while (names.step()) row["names"].push_back(names.column_text(0));
        devices.back()["destinations"].push_back(std::move(row));
    }
    return json{{"from", from}, {"to", to}, {"level", kLevels[level].name}, {"devices", std::move(devices)}};
}

json StoreQueries::events(const EventQuery& q) {
    std::string sql = "SELECT id, doc FROM events WHERE id > ?1";
    if (q.from) sql += " AND time >= ?2";
    if (q.to) sql += " AND time < ?3";
    if (!q.device.empty()) sql += " AND device = ?4";
    if (!q.types.empty()) {
        sql += " AND type IN (";
        for (size_t i = 0; i < q.types.size(); ++i) sql += (i ? ", ?" : "?") + std::to_string(10 + i);
        sql += ")";
    }
    if (q.before_id > 0) sql += " AND id < ?7";
    sql += q.newest ? " ORDER BY id DESC LIMIT ?6" : " ORDER BY id LIMIT ?6";
    if (q.newest) sql = "SELECT id, doc FROM (" + sql + ") ORDER BY id";
    Statement s(db_, sql);
    s.bind(1, q.after_id);
    if (q.from) s.bind(2, *q.from);
    if (q.to) s.bind(3, *q.to);
    if (!q.device.empty()) s.bind(4, q.device);
    for (size_t i = 0; i < q.types.size(); ++i) s.bind(static_cast<int>(10 + i), q.types[i]);
    s.bind(6, q.limit);
    if (q.before_id > 0) s.bind(7, q.before_id);
    json out = json::array();
    while (s.step()) {
        json e = json::parse(s.column_text(1), nullptr, false);
        if (!e.is_object()) continue;
        e["id"] = s.column_int(0);
        out.push_back(std::move(e));
    }
    return out;
}

json StoreQueries::agents() {
    Statement s(db_, "SELECT doc FROM agents ORDER BY id");
    json out = json::array();
    while (s.step()) {
        json a = json::parse(s.column_text(0), nullptr, false);
        if (a.is_object()) out.push_back(std::move(a));
    }
    return out;
}

QueryPool::Lease QueryPool::take() {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            auto q = std::move(idle_.back());
            idle_.pop_back();
            return Lease(*this, std::move(q));
        }
    }
    return Lease(*this, std::make_unique<StoreQueries>(path_, retention_));
}

void QueryPool::give_back(std::unique_ptr<StoreQueries> q) {
    if (!q) return;
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(q));
}

}  // namespace spin::nmf
