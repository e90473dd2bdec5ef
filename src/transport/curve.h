// ZeroMQ CURVE for SPIN's channels: key files, the ZAP handler that admits
// only authorised client keys, and the rule that plain (unencrypted) ZeroMQ is
// allowed on loopback and IPC only.  Shared by the agent, the controller and
// spinctl; knows nothing of packets.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <zmq.hpp>

namespace spin::transport {

struct CurveKeyPair {
    std::string public_key;  // Z85, 40 characters
    std::string secret_key;
};

CurveKeyPair generate_key_pair();
// Reads a secret key file (Z85 on its first line, as spinctl keygen writes
// it) and derives the public key.  Throws std::runtime_error saying why.
CurveKeyPair load_secret_key(const std::string& path);
// A Z85 public key given inline, or the path of a file holding one.
std::string load_public_key(const std::string& key_or_path);
bool is_z85_key(const std::string& text);

// True for ipc://, inproc:// and tcp:// on a loopback address.
bool is_local_endpoint(const std::string& endpoint);
// Without keys, an endpoint must be local: throws std::runtime_error otherwise.
void require_local_if_plain(const std::string& what, const std::string& endpoint, bool have_keys);

// Server side of CURVE on a socket: our key pair; clients are checked by ZAP.
void make_curve_server(zmq::socket_t& socket, const CurveKeyPair& keys);
// Client side: our key pair and the server's public key.
void make_curve_client(zmq::socket_t& socket, const CurveKeyPair& keys, const std::string& server_public);

// Answers ZAP requests (RFC 27) for every CURVE server socket of the context:
// a client whose public key is not authorised is refused during the
// handshake, so it can neither read a stream nor send an order.  Polled by
// the owner's loop; never blocks.
class ZapAuthenticator {
public:
    ZapAuthenticator(zmq::context_t& ctx, const std::vector<std::string>& authorized_public_keys);
    void poll();
    uint64_t accepted() const { return accepted_; }
    uint64_t refused() const { return refused_; }
    // Called with a description of each refusal, for the owner's log.
    std::vector<std::string> take_refusals();

private:
    zmq::socket_t socket_;
    std::set<std::string> authorized_;  // Z85
    uint64_t accepted_ = 0, refused_ = 0;
    std::vector<std::string> refusals_;
};

}  // namespace spin::transport
