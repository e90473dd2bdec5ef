// The agent's ZeroMQ endpoints with real sockets over inproc: the command
// server answers REQ and DEALER clients through their envelopes and drops
// what has no body; the stream socket counts subscriptions as they come and
// go; CURVE admits only authorised keys.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "agent/command_server.h"
#include "agent/order_handler.h"
#include "agent/rule_registry.h"
#include "agent/stream_socket.h"
#include "dataplane/shared_tables.h"
#include "transport/curve.h"

using namespace spin;
using nlohmann::json;

namespace {

// Polls `server` until `client` has a message, or gives up after a second.
bool answered(agent::CommandServer& server, zmq::socket_t& client) {
    for (int i = 0; i < 1000; ++i) {
        server.poll();
        zmq::pollitem_t item{client.handle(), 0, ZMQ_POLLIN, 0};
        if (zmq::poll(&item, 1, std::chrono::milliseconds(1)) > 0) return true;
    }
    return false;
}

class Commands : public ::testing::Test {
protected:
    zmq::context_t ctx_;
    dp::SharedTables tables_{1};
    agent::RuleRegistry rules_{tables_};
    agent::OrderHandler handler_{rules_, "unit", 1, {}};
    agent::CommandServer server_{ctx_, "inproc://commands", nullptr, handler_};
};

TEST_F(Commands, ReqClientGetsItsAnswer) {
    zmq::socket_t req(ctx_, zmq::socket_type::req);
    req.connect("inproc://commands");
    req.send(zmq::str_buffer(R"({"id":"r1","op":"ping"})"));
    ASSERT_TRUE(answered(server_, req));
    zmq::message_t m;
    ASSERT_TRUE(req.recv(m));
    const auto a = json::parse(m.to_string());
    EXPECT_EQ(a["id"], "r1");
    EXPECT_EQ(a["agent"], "unit");
    EXPECT_TRUE(a["ok"]);
}

TEST_F(Commands, DealerEnvelopeIsReturnedAndBodylessMessagesDropped) {
    zmq::socket_t dealer(ctx_, zmq::socket_type::dealer);
    dealer.connect("inproc://commands");
    // With the REQ-style empty delimiter.
    dealer.send(zmq::str_buffer(""), zmq::send_flags::sndmore);
    dealer.send(zmq::str_buffer(R"({"id":"d1","op":"rules"})"));
    ASSERT_TRUE(answered(server_, dealer));
    zmq::message_t delim, body;
    ASSERT_TRUE(dealer.recv(delim));
    ASSERT_TRUE(delim.more());
    ASSERT_EQ(delim.size(), 0u);
    ASSERT_TRUE(dealer.recv(body));
    EXPECT_EQ(json::parse(body.to_string())["id"], "d1");
    // Without it: the answer comes back bare.
    dealer.send(zmq::str_buffer("not json"));
    ASSERT_TRUE(answered(server_, dealer));
    ASSERT_TRUE(dealer.recv(body));
    EXPECT_FALSE(body.more());
    EXPECT_EQ(json::parse(body.to_string())["error"], "order is not valid JSON");
    // Too many frames: dropped and counted, and the server goes on.
    for (int i = 0; i < 40; ++i) dealer.send(zmq::str_buffer("x"), zmq::send_flags::sndmore);
    dealer.send(zmq::str_buffer("x"));
    dealer.send(zmq::str_buffer(R"({"id":"d2","op":"ping"})"));
    ASSERT_TRUE(answered(server_, dealer));
    ASSERT_TRUE(dealer.recv(body));
    EXPECT_EQ(json::parse(body.to_string())["id"], "d2");
    EXPECT_EQ(server_.malformed(), 1u);
}

TEST(StreamSocket, CountsSubscriptionsAsTheyComeAndGo) {
    zmq::context_t ctx;
    agent::StreamSocket stream(ctx, "inproc://stream", nullptr);
    EXPECT_EQ(stream.poll_subscriptions(), 0u);
    zmq::socket_t a(ctx, zmq::socket_type::sub), b(ctx, zmq::socket_type::sub);
    a.connect("inproc://stream");
    b.connect("inproc://stream");
    a.set(zmq::sockopt::subscribe, "spin.event");
    b.set(zmq::sockopt::subscribe, "spin.event");  // the same topic twice: both seen (XPUB_VERBOSE)
    unsigned fresh = 0;
    for (int i = 0; i < 1000 && stream.subscriptions() < 2; ++i) {
        fresh += stream.poll_subscriptions();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(fresh, 2u);
    EXPECT_EQ(stream.subscriptions(), 2);
    ASSERT_TRUE(stream.send("spin.event", "{}", 2));
    zmq::message_t topic, body;
    ASSERT_TRUE(a.recv(topic));
    ASSERT_TRUE(a.recv(body));
    EXPECT_EQ(topic.to_string(), "spin.event");
    a.close();
    for (int i = 0; i < 1000 && stream.subscriptions() > 1; ++i) {
        stream.poll_subscriptions();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(stream.subscriptions(), 1);
}

// A secret key file others may read is no secret: refused, saying why.
TEST(Curve, SecretKeyFileOpenToOthersIsRefused) {
    const auto pair = transport::generate_key_pair();
    const std::string path = "/tmp/spin-key-" + std::to_string(getpid()) + ".key";
    {
        std::ofstream f(path);
        f << pair.secret_key << "\n";
    }
    chmod(path.c_str(), 0644);
    try {
        transport::load_secret_key(path);
        ADD_FAILURE() << "a 0644 key file was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("may be read by other users (mode 644)"), std::string::npos) << e.what();
    }
    chmod(path.c_str(), 0600);
    EXPECT_EQ(transport::load_secret_key(path).public_key, pair.public_key);
    std::remove(path.c_str());
}

TEST(Curve, KeysAndEndpointRules) {
    const auto pair = transport::generate_key_pair();
    EXPECT_TRUE(transport::is_z85_key(pair.public_key));
    EXPECT_TRUE(transport::is_z85_key(pair.secret_key));
    EXPECT_FALSE(transport::is_z85_key("short"));
    EXPECT_EQ(transport::load_public_key(pair.public_key), pair.public_key);
    EXPECT_THROW(transport::load_public_key("/nonexistent/key.pub"), std::runtime_error);
    EXPECT_TRUE(transport::is_local_endpoint("tcp://127.0.0.1:5556"));
    EXPECT_TRUE(transport::is_local_endpoint("tcp://[::1]:5556"));
    EXPECT_TRUE(transport::is_local_endpoint("ipc:///run/spin/s"));
    EXPECT_FALSE(transport::is_local_endpoint("tcp://0.0.0.0:5556"));
    EXPECT_FALSE(transport::is_local_endpoint("tcp://*:5556"));
    EXPECT_FALSE(transport::is_local_endpoint("tcp://192.168.1.2:5556"));
    EXPECT_NO_THROW(transport::require_local_if_plain("x", "tcp://0.0.0.0:1", true));
    EXPECT_THROW(transport::require_local_if_plain("x", "tcp://0.0.0.0:1", false), std::runtime_error);
}

TEST(Curve, OnlyAuthorisedClientsAreAnswered) {
    zmq::context_t ctx;
    const auto server_keys = transport::generate_key_pair(), good = transport::generate_key_pair(),
               bad = transport::generate_key_pair();
    transport::ZapAuthenticator zap(ctx, {good.public_key});
    dp::SharedTables tables(1);
    agent::RuleRegistry rules(tables);
    agent::OrderHandler handler(rules, "unit", 1, {});
    agent::CommandServer server(ctx, "tcp://127.0.0.1:*", &server_keys, handler);
    auto ask = [&](const transport::CurveKeyPair& keys) {
        zmq::socket_t req(ctx, zmq::socket_type::req);
        req.set(zmq::sockopt::linger, 0);
        transport::make_curve_client(req, keys, server_keys.public_key);
        req.connect(server.endpoint());
        req.send(zmq::str_buffer(R"({"op":"ping"})"));
        for (int i = 0; i < 300; ++i) {
            zap.poll();
            server.poll();
            zmq::pollitem_t item{req.handle(), 0, ZMQ_POLLIN, 0};
            if (zmq::poll(&item, 1, std::chrono::milliseconds(1)) > 0) return true;
        }
        return false;
    };
    EXPECT_TRUE(ask(good));
    EXPECT_FALSE(ask(bad));
    EXPECT_EQ(zap.accepted(), 1u);
    EXPECT_GE(zap.refused(), 1u);
    EXPECT_FALSE(zap.take_refusals().empty());
}

}  // namespace
