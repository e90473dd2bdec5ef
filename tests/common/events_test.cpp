// The agent's events as typed messages: every kind reads from the JSON of
// docs/protocol.md's examples and writes back the same JSON; unknown fields
// are ignored, missing ones read as empty, wrong types are refused.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "proto/events.h"

using namespace spin::proto;
using nlohmann::json;

TEST(Events, EveryKindReadsAndWritesTheSameJson) {
    const char* lines[] = {
        R"({"agent":"e2e","boot":1795701088.601507,"seq":12,"type":"dhcp","time":1795701091.25,)"
        R"("mac":"02:5e:00:00:00:21","side":"lan","message":"request","hostname":"spin-thermo",)"
        R"("vendor_class":"SpinTest Thermostat 1.0",)"
        R"("param_list":"1,3,6,15","client_id":"01025e00000021","mud_url":"https://mud.spin.test/thermostat.json",)"
        R"("ip":"10.77.0.122"})",
        R"({"agent":"a","boot":1.5,"seq":2,"type":"dhcp","time":2.0,"mac":"02:5e:00:00:00:21","side":"wan",)"
        R"("message":"ack","hostname":"","vendor_class":"","param_list":"","client_id":"","mud_url":"",)"
        R"("ip":"10.0.0.5","lease_seconds":3600,"server_id":"10.0.0.1"})",
        R"({"agent":"a","boot":1.5,"seq":3,"type":"dhcpv6","time":2.0,"mac":"02:5e:00:00:00:21","side":"lan",)"
        R"("message":"reply","duid":"0001","fqdn":"cam.home","mud_url":"","ips":["fd00::5"]})",
        R"({"agent":"e2e","boot":1795701088.601507,"seq":15,"type":"dns","time":1795701091.31,)"
        R"("mac":"02:5e:00:00:00:21","side":"wan",)"
        R"("query":"web.spin.test","qtype":"A","rcode":"NOERROR","answers":[{"name":"web.spin.test",)"
        R"("type":"A","address":"10.77.0.2","ttl":0}],"bindings":[{"name":"web.spin.test","address":"10.77.0.2",)"
        R"("ttl":0,"expires":1795701091.31,"via":[]}]})",
        R"({"agent":"e2e","boot":1795701088.601507,"seq":16,"type":"neighbour","time":1795701091.30,)"
        R"("mac":"02:5e:00:00:00:21","side":"lan","ip":"10.77.0.122","via":"arp"})",
        R"({"agent":"a","boot":1.5,"seq":4,"type":"mdns","time":2.0,"mac":"02:5e:00:00:00:21","side":"lan",)"
        R"("ip":"10.0.0.5","hostnames":["cam.local"],"services":[{"type":"_http._tcp.local","instance":"Cam"}]})",
        R"({"agent":"a","boot":1.5,"seq":5,"type":"ssdp","time":2.0,"mac":"02:5e:00:00:00:21","side":"lan",)"
        R"("ip":"10.0.0.5","method":"notify","server":"Linux UPnP/1.0","device_type":"upnp:rootdevice",)"
        R"("nts":"ssdp:alive","usn":"uuid:1","location":"http://10.0.0.5/d.xml"})",
        R"({"agent":"a","boot":1.5,"seq":6,"type":"lldp","time":2.0,"mac":"02:5e:00:00:00:21","side":"lan",)"
        R"("system_name":"cam","chassis_id":"04025e00000021","mud_url":"https://mud.example/cam.json"})",
        R"({"agent":"e2e","boot":1795701088.601507,"seq":20,"type":"hello","time":1795701092.0,"reason":"subscriber",)"
        R"("version":3,"rules":1,"digest_seq":4,"commands":"tcp://127.0.0.1:5557"})",
        R"({"agent":"a","boot":1.5,"seq":7,"type":"rules","time":2.0,"op":"block","version":4,)"
        R"("rule":{"id":1,"type":"quarantine","mac":"02:5e:00:00:00:21","name":"cam","origin":"order"}})",
        R"({"agent":"a","boot":1.5,"seq":8,"type":"goodbye","time":3.0,"version":4})",
    };
    for (const char* line : lines) {
        const json j = json::parse(line);
        std::string error;
        const auto e = parse_event(j, &error);
        ASSERT_TRUE(e) << line << ": " << error;
        EXPECT_EQ(e->type(), j["type"].get<std::string>());
        EXPECT_EQ(json(*e), j) << line;
    }
}

TEST(Events, TypedFieldsAreThere) {
    const auto e = parse_event(
        json::parse(R"({"type":"dns","time":5,"mac":"02:5e:00:00:00:21","side":"lan","bindings":[{"name":"a.example",)"
                    R"("address":"192.0.2.1","ttl":60,"expires":65,"via":["b.example"]}]})"),
        nullptr);
    ASSERT_TRUE(e);
    const auto* dns = e->as<DnsEvent>();
    ASSERT_NE(dns, nullptr);
    ASSERT_EQ(dns->bindings.size(), 1u);
    EXPECT_EQ(dns->bindings[0].via, std::vector<std::string>{"b.example"});
    EXPECT_EQ(dns->bindings[0].expires, 65);
    EXPECT_EQ(dns->query, "");  // missing: empty
    EXPECT_EQ(e->as<DhcpEvent>(), nullptr);
}

TEST(Events, UnknownFieldsIgnoredWrongOnesRefused) {
    EXPECT_TRUE(
        parse_event(json::parse(R"({"type":"goodbye","version":1,"later":"a field of a later version"})"), nullptr));
    std::string error;
    EXPECT_FALSE(parse_event(json::parse(R"({"type":"teleport"})"), &error));
    EXPECT_EQ(error, "unknown event type 'teleport'");
    EXPECT_FALSE(parse_event(json::parse(R"({"time":1})"), &error));
    EXPECT_EQ(error, "an event needs a 'type'");
    EXPECT_FALSE(parse_event(json::array(), &error));
    EXPECT_FALSE(parse_event(json::parse(R"({"type":"neighbour","ip":5})"), &error));
    EXPECT_NE(error.find("neighbour event"), std::string::npos) << error;
    EXPECT_FALSE(parse_event(json::parse(R"({"type":"dns","bindings":"none"})"), &error));
    EXPECT_FALSE(parse_event(json::parse(R"({"type":"dhcp","lease_seconds":-1})"), &error));
    EXPECT_FALSE(parse_event(json::parse(R"({"type":"hello","time":"now"})"), &error));
}
