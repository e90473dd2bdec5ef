// Bounds on every ZeroMQ socket SPIN opens, and where its IPC endpoints may
// live (docs/security.md).  A peer that floods, sends one huge message or
// never reads costs bounded memory: ZeroMQ drops a message larger than the
// receiver's maximum (and the connection with it), and a queue at its
// high-water mark drops (PUB) or refuses (DEALER, ROUTER) rather than grow.
#pragma once

#include <cstdint>
#include <string>

#include <zmq.hpp>

namespace spin::transport {

// A digest batch holds at most 65536 records of 96 bytes: 6.3 MB.
inline constexpr int64_t kMaxStreamMessageBytes = 8 << 20;
// An order is at most proto::kMaxOrderBytes; an answer listing 65535 rules fits in this.
inline constexpr int64_t kMaxAnswerBytes = 32 << 20;
// Messages queued per subscriber at the agent: a subscriber that stops
// reading costs at most this many batches, then loses (sequence gaps say so).
inline constexpr int kStreamSendQueue = 1000;
// Messages queued at the controller per agent before ZeroMQ stops reading:
// about a second of digests at a million records per second.
inline constexpr int kStreamReceiveQueue = 2000;
inline constexpr int kCommandQueue = 1000;

// Binds `socket` to `endpoint`.  For ipc://PATH the directory of PATH must be
// one only this user may enter (mode 0700 or tighter; created so if it is
// missing): otherwise any local user could connect to the socket, or bind it
// while the agent is down.  Throws std::runtime_error saying why.
void bind_endpoint(zmq::socket_t& socket, const std::string& endpoint);

}  // namespace spin::transport
