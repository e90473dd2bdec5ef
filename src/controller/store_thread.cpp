#include "controller/store_thread.h"

#include <chrono>

#include "common/log.h"
#include "common/wall_clock.h"

namespace spin::controller {

StoreThread::StoreThread(const std::string& path, nmf::Retention retention, Committed committed)
    : writer_(path, retention), committed_(std::move(committed)), thread_([this] { run(); }) {}

StoreThread::~StoreThread() { stop(); }

void StoreThread::push(nmf::StoreBatch batch) {
    bool first_shed = false;
    {
        std::lock_guard lock(mutex_);
        if (queue_.size() >= kMaxQueued) {
            queue_.pop_front();
            first_shed = shed_++ == 0;
        }
        queue_.push_back(std::move(batch));
    }
    if (first_shed) log_warn("store: {} batches waiting for the disk; shedding the oldest (counted)", kMaxQueued);
    cv_.notify_one();
}

uint64_t StoreThread::shed() const {
    std::lock_guard lock(mutex_);
    return shed_;
}

void StoreThread::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
}

bool StoreThread::wait_written(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return written_cv_.wait_for(lock, timeout, [&] { return queue_.empty() && !writing_; });
}

size_t StoreThread::queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

nmf::WriterStats StoreThread::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

std::string StoreThread::error() const {
    std::lock_guard lock(mutex_);
    return error_;
}

void StoreThread::run() {
    auto last_retention = std::chrono::steady_clock::now();
    for (;;) {
        nmf::StoreBatch batch;
        {
            std::unique_lock lock(mutex_);
            cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) {
                if (stopping_) return;
                lock.unlock();
                // Nothing new for a second: let the stream send the last
                // second's traffic now rather than with the next batch.
                if (committed_) committed_(nmf::StoreBatch{}, {});
                continue;
            }
            batch = std::move(queue_.front());
            queue_.pop_front();
            writing_ = true;
        }
        try {
            const auto ids = writer_.write(batch);
            if (committed_) committed_(batch, ids);
            if (std::chrono::steady_clock::now() - last_retention > std::chrono::minutes(1)) {
                writer_.apply_retention(epoch_seconds_now());
                last_retention = std::chrono::steady_clock::now();
            }
            std::lock_guard lock(mutex_);
            const uint64_t failed = stats_.batches_failed;
            stats_ = writer_.stats();
            stats_.batches_failed = failed;
            error_.clear();
            writing_ = false;
        } catch (const std::exception& e) {
            // The batch is lost (counted); the next may succeed (disk freed).
            log_warn("store: a batch could not be written and is lost: {}", e.what());
            std::lock_guard lock(mutex_);
            error_ = e.what();
            ++stats_.batches_failed;
            writing_ = false;
        }
        written_cv_.notify_all();
    }
}

}  // namespace spin::controller
