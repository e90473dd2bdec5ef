// A connection to a collector (IPFIX's) that never blocks the ingest thread:
// UDP sends each message as one datagram; TCP connects in the background,
// queues what the kernel does not take yet (up to a cap) and reconnects
// after a failure.  A message it cannot take is refused, for the caller to
// count; nothing waits.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include <netdb.h>

namespace spin::controller {

class CollectorLink {
public:
    enum class Transport { udp, tcp };
    static constexpr size_t kMaxQueued = 4 << 20;  // TCP: bytes waiting for the kernel
    static constexpr double kRetry = 2;            // TCP: seconds between connection attempts

    // Resolves HOST:PORT now (std::runtime_error when it cannot).
    CollectorLink(const std::string& host_port, Transport transport);
    ~CollectorLink();
    CollectorLink(const CollectorLink&) = delete;
    CollectorLink& operator=(const CollectorLink&) = delete;

    // Sends (or queues) one whole message; false when it was refused: TCP not
    // connected or its queue full, or UDP's send failed.
    bool send(std::span<const uint8_t> message, double now);
    // Moves TCP along: completes a connection, writes what is queued,
    // reconnects after a failure.  Returns true once when a new connection
    // is up (the caller sends its templates again).
    bool poll(double now);

    bool connected() const { return fd_ >= 0 && !connecting_; }
    // Nothing waits for the kernel (TCP).
    bool drained() const { return queued_.empty(); }
    uint64_t connects() const { return connects_; }
    uint64_t errors() const { return errors_; }
    const std::string& last_error() const { return last_error_; }

private:
    void open_socket(double now);
    void fail(const std::string& what, int err);
    void close_socket();
    void write_queued();

    Transport transport_;
    std::string where_;
    sockaddr_storage address_{};
    socklen_t address_len_ = 0;
    int fd_ = -1;
    bool connecting_ = false;
    bool fresh_ = false;  // a connection came up that the caller was not told of
    double next_attempt_ = 0;
    std::string queued_;  // TCP
    uint64_t connects_ = 0, errors_ = 0;
    std::string last_error_;
};

}  // namespace spin::controller
