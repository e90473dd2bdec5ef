// The store's writer on a thread of its own, so that a slow disk or a long
// transaction never stalls ingest: batches queue here, each is committed in
// one transaction, then handed to the live stream (and, after a quiet
// second, an empty batch, so the stream's per-second traffic is not held
// back).  Retention runs once a minute.  stop() commits what is queued
// before returning.  The queue is bounded (kMaxQueued, a minute of batches):
// when the disk cannot keep up, the oldest batch is shed and counted rather
// than memory growing without end.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "nmf/store/store_writer.h"

namespace spin::controller {

class StoreThread {
public:
    using Committed = std::function<void(const nmf::StoreBatch&, const std::vector<int64_t>& event_ids)>;

    StoreThread(const std::string& path, nmf::Retention retention, Committed committed);
    ~StoreThread();

    static constexpr size_t kMaxQueued = 120;
    void push(nmf::StoreBatch batch);
    uint64_t shed() const;
    // Commits everything queued, then ends the thread.
    void stop();
    // Waits until every batch pushed so far is written (or `timeout` passed);
    // true if it was.
    bool wait_written(std::chrono::milliseconds timeout);
    // Batches waiting (the ingest's back-pressure signal).
    size_t queued() const;
    nmf::WriterStats stats() const;
    // The store thread's last error ("" if none): a full disk, a broken file.
    std::string error() const;

private:
    void run();

    nmf::StoreWriter writer_;
    Committed committed_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::condition_variable written_cv_;  // a batch written: wait_written looks again
    bool writing_ = false;
    std::deque<nmf::StoreBatch> queue_;
    bool stopping_ = false;
    uint64_t shed_ = 0;
    nmf::WriterStats stats_;
    std::string error_;
    std::thread thread_;
};

}  // namespace spin::controller
