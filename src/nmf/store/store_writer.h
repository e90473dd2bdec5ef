// The store's single writer: batches in, one transaction each; retention.
// Owns its connection; used from one thread (the controller's store thread).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nmf/store/retention.h"
#include "nmf/store/sqlite.h"
#include "nmf/store/store_batch.h"

namespace spin::nmf {

struct WriterStats {
    uint64_t batches = 0, traffic_rows = 0;
    uint64_t batches_failed = 0;  // counted by the store thread
};

class StoreWriter {
public:
    // Opens (creating if needed) and migrates the store.
    StoreWriter(const std::string& path, Retention retention);

    // Writes a batch in one transaction; returns the ids given to its events,
    // in order.  Traffic is added to the minute, hour and day buckets at once,
    // so every level is complete however late the data comes (replays).
    std::vector<int64_t> write(const StoreBatch& batch);

    // Deletes buckets older than each level's retention (and events, names
    // and destinations older than the days' retention), measured back from
    // the newest traffic the store holds (the capture's time when replaying,
    // the clock otherwise; never more than an hour ahead of the clock, so
    // one record from a wrong clock cannot wipe the store).
    void apply_retention(double wall_now);

    Database& db() { return db_; }
    const WriterStats& stats() const { return stats_; }

private:
    Database db_;
    std::unique_ptr<Statement> traffic_[3], device_, name_, destination_, event_, agent_, open_flow_, closed_flow_;
    std::unique_ptr<Statement> behaviour_;
    std::vector<std::unique_ptr<Statement>> remove_device_;
    Retention retention_;
    double newest_ = 0;
    WriterStats stats_;
};

}  // namespace spin::nmf
