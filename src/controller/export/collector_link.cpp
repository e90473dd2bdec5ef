#include "controller/export/collector_link.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include "common/log.h"
#include "controller/controller_config.h"

namespace spin::controller {

CollectorLink::CollectorLink(const std::string& host_port, Transport transport)
    : transport_(transport), where_(host_port) {
    const auto [host, port] = split_listen(host_port);
    addrinfo hints{};
    hints.ai_socktype = transport == Transport::udp ? SOCK_DGRAM : SOCK_STREAM;
    addrinfo* found = nullptr;
    const int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
    if (rc != 0) throw std::runtime_error(fmt::format("collector {}: {}", host_port, gai_strerror(rc)));
    std::memcpy(&address_, found->ai_addr, found->ai_addrlen);
    address_len_ = found->ai_addrlen;
    freeaddrinfo(found);
    open_socket(0);
}

CollectorLink::~CollectorLink() { close_socket(); }

void CollectorLink::close_socket() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    connecting_ = false;
    queued_.clear();
}

void CollectorLink::fail(const std::string& what, int err) {
    ++errors_;
    const std::string text = fmt::format("{} {}: {}", what, where_, std::strerror(err));
    if (text != last_error_) log_warn("export: {}", text);  // once per kind of failure, not per message
    last_error_ = text;
}

void CollectorLink::open_socket(double now) {
    close_socket();
    next_attempt_ = now + kRetry;
    const int type = transport_ == Transport::udp ? SOCK_DGRAM : SOCK_STREAM;
    fd_ = ::socket(address_.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return fail("socket for", errno);
    // UDP is connected too, so that the collector's port being closed shows as an error.
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address_), address_len_) == 0) {
        if (transport_ == Transport::tcp) {
            ++connects_;
            fresh_ = true;
        }
        return;
    }
    if (errno == EINPROGRESS) {
        connecting_ = true;
        return;
    }
    const int err = errno;
    close_socket();
    fail("connect to", err);
}

bool CollectorLink::poll(double now) {
    if (transport_ == Transport::udp) return false;
    if (fd_ < 0) {
        if (now >= next_attempt_) open_socket(now);
    } else if (connecting_) {
        pollfd p{fd_, POLLOUT, 0};
        if (::poll(&p, 1, 0) == 1) {
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err != 0) {
                close_socket();
                fail("connect to", err);
            } else {
                connecting_ = false;
                ++connects_;
                fresh_ = true;
                log_info("export: connected to {}", where_);
            }
        } else if (now >= next_attempt_ + 10) {
            close_socket();  // no answer at all: try again
            fail("connect to", ETIMEDOUT);
        }
    } else {
        write_queued();
    }
    if (connected() && fresh_) {
        fresh_ = false;
        last_error_.clear();
        return true;
    }
    return false;
}

void CollectorLink::write_queued() {
    while (!queued_.empty() && fd_ >= 0) {
        const ssize_t n = ::send(fd_, queued_.data(), queued_.size(), MSG_NOSIGNAL);
        if (n > 0) {
            queued_.erase(0, static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
        const int err = n < 0 ? errno : ECONNRESET;
        close_socket();  // what was queued is lost with the stream: records of a message cut short mean nothing
        fail("send to", err);
    }
}

bool CollectorLink::send(std::span<const uint8_t> message, double now) {
    if (transport_ == Transport::udp) {
        if (fd_ < 0) {
            if (now < next_attempt_) return false;
            open_socket(now);
            if (fd_ < 0) return false;
        }
        if (::send(fd_, message.data(), message.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(message.size()))
            return true;
        fail("send to", errno);  // ECONNREFUSED: no collector listens now; the next message tries again
        return false;
    }
    if (!connected() || queued_.size() + message.size() > kMaxQueued) return false;
    queued_.append(reinterpret_cast<const char*>(message.data()), message.size());
    write_queued();
    return true;
}

}  // namespace spin::controller
