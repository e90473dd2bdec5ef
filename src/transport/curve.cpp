#include "transport/curve.h"

#include <stdexcept>

#include <fmt/format.h>

#include "common/private_file.h"

namespace spin::transport {

bool is_z85_key(const std::string& t) {
    if (t.size() != 40) return false;
    static const std::string alphabet =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
    return t.find_first_not_of(alphabet) == std::string::npos;
}

CurveKeyPair generate_key_pair() {
    char pub[41], sec[41];
    if (zmq_curve_keypair(pub, sec) != 0)
        throw std::runtime_error(
            fmt::format("cannot generate a CURVE key pair: {} (libzmq without CURVE?)", zmq_strerror(zmq_errno())));
    return {pub, sec};
}

namespace {
std::string key_file_line(const std::string& path) {
    auto line = first_line(path);
    if (!line) throw std::runtime_error(fmt::format("cannot read key file '{}'", path));
    return *line;
}
}  // namespace

CurveKeyPair load_secret_key(const std::string& path) {
    // A secret others can read is no secret: refuse it rather than trust it.
    if (const std::string mode = open_to_others(path); !mode.empty())
        throw std::runtime_error(
            fmt::format("key file '{}' may be read by other users (mode {}): chmod 600 it", path, mode));
    const std::string sec = key_file_line(path);
    if (!is_z85_key(sec)) throw std::runtime_error(fmt::format("key file '{}' does not hold a Z85 secret key", path));
    char pub[41];
    if (zmq_curve_public(pub, sec.c_str()) != 0)
        throw std::runtime_error(fmt::format("key file '{}': {}", path, zmq_strerror(zmq_errno())));
    return {pub, sec};
}

std::string load_public_key(const std::string& key_or_path) {
    if (is_z85_key(key_or_path)) return key_or_path;
    const std::string k = key_file_line(key_or_path);
    if (!is_z85_key(k))
        throw std::runtime_error(fmt::format("'{}' is neither a Z85 public key nor a file holding one", key_or_path));
    return k;
}

bool is_local_endpoint(const std::string& ep) {
    if (ep.rfind("ipc://", 0) == 0 || ep.rfind("inproc://", 0) == 0) return true;
    if (ep.rfind("tcp://", 0) != 0) return false;
    const std::string host = ep.substr(6, ep.rfind(':') == std::string::npos ? std::string::npos : ep.rfind(':') - 6);
    return host.rfind("127.", 0) == 0 || host == "[::1]" || host == "localhost";
}

void require_local_if_plain(const std::string& what, const std::string& endpoint, bool have_keys) {
    if (have_keys || is_local_endpoint(endpoint)) return;
    throw std::runtime_error(
        fmt::format("{} '{}': plain ZeroMQ is allowed on loopback or ipc:// only; configure CURVE keys "
                    "(curve.secret_key_file and curve.authorized_keys) to listen on other addresses",
                    what, endpoint));
}

void make_curve_server(zmq::socket_t& s, const CurveKeyPair& keys) {
    s.set(zmq::sockopt::curve_server, 1);
    s.set(zmq::sockopt::curve_secretkey, keys.secret_key);
    s.set(zmq::sockopt::zap_domain, "spin");
}

void make_curve_client(zmq::socket_t& s, const CurveKeyPair& keys, const std::string& server_public) {
    s.set(zmq::sockopt::curve_serverkey, server_public);
    s.set(zmq::sockopt::curve_publickey, keys.public_key);
    s.set(zmq::sockopt::curve_secretkey, keys.secret_key);
}

ZapAuthenticator::ZapAuthenticator(zmq::context_t& ctx, const std::vector<std::string>& keys)
    : socket_(ctx, zmq::socket_type::rep) {
    for (const auto& k : keys) authorized_.insert(load_public_key(k));
    socket_.set(zmq::sockopt::linger, 0);
    socket_.bind("inproc://zeromq.zap.01");
}

void ZapAuthenticator::poll() {
    for (;;) {
        std::vector<zmq::message_t> frames;
        zmq::message_t part;
        if (!socket_.recv(part, zmq::recv_flags::dontwait)) return;
        frames.push_back(std::move(part));
        while (frames.back().more()) {
            zmq::message_t next;
            (void)socket_.recv(next);
            frames.push_back(std::move(next));
        }
        // version, request id, domain, address, identity, mechanism, credentials...
        std::string status = "400", text = "malformed ZAP request", user;
        if (frames.size() >= 6) {
            const std::string mechanism = frames[5].to_string();
            const std::string address = frames[3].to_string();
            if (mechanism == "CURVE" && frames.size() >= 7 && frames[6].size() == 32) {
                char z85[41];
                zmq_z85_encode(z85, static_cast<const uint8_t*>(frames[6].data()), 32);
                if (authorized_.count(z85)) {
                    status = "200";
                    text = "OK";
                    user = z85;
                } else {
                    text = "key not authorised";
                    refusals_.push_back(fmt::format("refused CURVE client key {} from {}", z85, address));
                }
            } else {
                text = "CURVE required";
                refusals_.push_back(fmt::format("refused {} client from {}: CURVE required", mechanism, address));
            }
        }
        (status == "200" ? accepted_ : refused_) += 1;
        const std::string request_id = frames.size() >= 2 ? frames[1].to_string() : "";
        socket_.send(zmq::buffer(std::string("1.0")), zmq::send_flags::sndmore);
        socket_.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
        socket_.send(zmq::buffer(status), zmq::send_flags::sndmore);
        socket_.send(zmq::buffer(text), zmq::send_flags::sndmore);
        socket_.send(zmq::buffer(user), zmq::send_flags::sndmore);
        socket_.send(zmq::buffer(std::string()), zmq::send_flags::none);
    }
}

std::vector<std::string> ZapAuthenticator::take_refusals() {
    std::vector<std::string> out;
    out.swap(refusals_);
    return out;
}

}  // namespace spin::transport
