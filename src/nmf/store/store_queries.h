// Read side of the store, for the API: devices, traffic series,
// destinations, events, agents.  Each instance owns a connection and is used
// by one thread at a time (QueryPool hands them out); WAL lets it read while
// the writer writes.  Results are the API's JSON (docs/api.md).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nmf/store/retention.h"
#include "nmf/store/sqlite.h"

namespace spin::nmf {

struct EventQuery {
    std::optional<double> from, to;
    std::string device;
    std::vector<std::string> types;  // any of these; empty: every type
    int64_t after_id = 0;            // only events with a larger id
    int64_t before_id = 0;           // only events with a smaller id; 0: no bound
    int64_t limit = 1000;
    bool newest = false;  // the last `limit` that match rather than the first (still oldest first)
};

class StoreQueries {
public:
    StoreQueries(const std::string& path, Retention retention);

    nlohmann::json devices();
    std::optional<nlohmann::json> device(const std::string& mac);
    // Sets the user-given name and / or notes; false if no such device.
    bool annotate(const std::string& mac, const std::optional<std::string>& name,
                  const std::optional<std::string>& notes);

    // Buckets of `step` seconds in [from, to), from the finest level that
    // divides step and still holds `from`.  step must be a multiple of 60.
    // `newest`: newest() if the caller has read it already.
    nlohmann::json traffic(const std::string& mac, int64_t from, int64_t to, int64_t step,
                           std::optional<double> newest = std::nullopt);
    // Totals per remote address x protocol x remote port in [from, to),
    // each with the names this device resolved for the address.
    nlohmann::json destinations(const std::string& mac, int64_t from, int64_t to,
                                std::optional<double> newest = std::nullopt);
    // The whole home at once (the web UI's pages): every device's traffic in
    // [from, to) by `step`, only the steps with traffic, at most `max_points`
    // (nullopt beyond); and every device's `top` largest remote addresses
    // (protocols and ports summed) with the names it resolved for them.
    std::optional<nlohmann::json> home_traffic(int64_t from, int64_t to, int64_t step, size_t max_points,
                                               std::optional<double> newest = std::nullopt);
    nlohmann::json home_destinations(int64_t from, int64_t to, int64_t top,
                                     std::optional<double> newest = std::nullopt);
    nlohmann::json events(const EventQuery& q);
    nlohmann::json agents();
    // Start of the newest bucket held, seconds since the epoch (0: none).
    double newest();

private:
    // The level used for a range: the finest whose retention still covers
    // `from` (counted back from `newest`) and whose bucket divides `step`
    // (0: any).
    int level_for(int64_t from, int64_t step, double newest) const;

    Database db_;
    Retention retention_;
};

class QueryPool {
public:
    QueryPool(std::string path, Retention retention) : path_(std::move(path)), retention_(retention) {}

    class Lease {
    public:
        Lease(QueryPool& pool, std::unique_ptr<StoreQueries> q) : pool_(pool), q_(std::move(q)) {}
        ~Lease() { pool_.give_back(std::move(q_)); }
        StoreQueries* operator->() { return q_.get(); }

    private:
        QueryPool& pool_;
        std::unique_ptr<StoreQueries> q_;
    };
    Lease take();

private:
    void give_back(std::unique_ptr<StoreQueries> q);
    std::string path_;
    Retention retention_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<StoreQueries>> idle_;
};

}  // namespace spin::nmf
