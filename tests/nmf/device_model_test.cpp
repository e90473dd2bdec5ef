// The controller's device model fed with agent events as docs/protocol.md
// defines them: merging, address changes, vendors, names bound per device.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "nmf/model/device_model.h"

using namespace spin::nmf;
using nlohmann::json;

namespace {

const char* kOui = "Registry,Assignment,Organization Name,Organization Address\nMA-L,001788,Philips Lighting BV,NL\n";

json dhcp(const std::string& agent, const std::string& message, const std::string& ip, double t) {
    return {{"agent", agent},
            {"type", "dhcp"},
            {"time", t},
            {"mac", "00:17:88:24:76:ff"},
            {"side", "lan"},
            {"message", message},
            {"hostname", "hue-bridge"},
            {"vendor_class", "udhcp 1.19"},
            {"param_list", "1,3,6,12,15,28,42"},
            {"client_id", ""},
            {"mud_url", ""},
            {"ip", ip}};
}

class Model : public ::testing::Test {
protected:
    void SetUp() override { oui_.add_csv(kOui); }
    OuiDatabase oui_;
    DeviceModel model_{&oui_};
};

TEST_F(Model, DhcpMakesOneDeviceSeenByTwoAgents) {
    auto c = model_.apply(dhcp("a1", "discover", "", 100));
    ASSERT_TRUE(c && c->new_device);
    EXPECT_EQ(c->changes, (std::vector<std::string>{"hostname hue-bridge", "vendor_class udhcp 1.19",
                                                    "dhcp_fingerprint 1,3,6,12,15,28,42"}));
    c = model_.apply(dhcp("a1", "request", "10.0.0.5", 101));
    EXPECT_TRUE(c->empty());                               // nothing new; a requested address is not yet the device's
    c = model_.apply(dhcp("a2", "ack", "10.0.0.5", 102));  // the same exchange seen by a second agent
    EXPECT_FALSE(c->new_device);
    EXPECT_EQ(c->changes, std::vector<std::string>{"ip 10.0.0.5"});
    ASSERT_EQ(model_.devices().size(), 1u);
    const Device& d = *model_.find("00:17:88:24:76:ff");
    EXPECT_EQ(d.agents, (std::set<std::string>{"a1", "a2"}));
    EXPECT_EQ(d.vendor.name, "Philips Lighting BV");
    EXPECT_EQ(d.seen.first, 100);
    EXPECT_EQ(d.seen.last, 102);
    EXPECT_EQ(d.ips.at("10.0.0.5").via, std::set<std::string>{"dhcp"});
}

TEST_F(Model, AddressChangesAreKeptWithTheirTimes) {
    model_.apply(dhcp("a1", "ack", "10.0.0.5", 100));
    const auto c = model_.apply(dhcp("a1", "ack", "10.0.0.9", 5000));
    EXPECT_EQ(c->changes, std::vector<std::string>{"ip 10.0.0.9"});
    model_.apply({{"type", "neighbour"},
                  {"agent", "a1"},
                  {"time", 5001},
                  {"mac", "00:17:88:24:76:ff"},
                  {"side", "lan"},
                  {"ip", "fe80::217:88ff:fe24:76ff"},
                  {"via", "nd"}});
    const Device& d = *model_.find("00:17:88:24:76:ff");
    ASSERT_EQ(d.ips.size(), 3u);
    EXPECT_EQ(d.ips.at("10.0.0.5").seen.last, 100);
    EXPECT_EQ(d.ips.at("10.0.0.9").seen.first, 5000);
    EXPECT_EQ(d.ips.at("fe80::217:88ff:fe24:76ff").via, std::set<std::string>{"nd"});
}

TEST_F(Model, WhatIsNoHomeDeviceChangesNothing) {
    EXPECT_FALSE(
        model_.apply({{"type", "neighbour"}, {"mac", "02:00:00:00:00:fe"}, {"side", "wan"}, {"ip", "10.0.0.1"}}));
    EXPECT_FALSE(model_.apply({{"type", "mdns"}, {"mac", "01:00:5e:00:00:fb"}, {"side", "lan"}}));
    EXPECT_FALSE(model_.apply({{"type", "hello"}, {"agent", "a1"}, {"version", 2}}));
    EXPECT_FALSE(model_.apply({{"type", "dhcp"}, {"mac", "not a mac"}}));
    EXPECT_FALSE(model_.apply({{"type", "dhcp"}, {"mac", "00:00:00:00:00:00"}}));
    EXPECT_FALSE(model_.apply(json::array({1, 2})));
    EXPECT_FALSE(model_.apply({{"type", "dhcp"}, {"mac", 12}}));
    EXPECT_TRUE(model_.devices().empty());
}

TEST_F(Model, RemoteNamesAreThoseThisDeviceResolved) {
    auto dns = [](const std::string& mac, const std::string& name, const std::string& addr) {
        return json{{"type", "dns"},
                    {"mac", mac},
                    {"time", 200.0},
                    {"side", "wan"},
                    {"query", name},
                    {"bindings", json::array({{{"name", name}, {"address", addr}, {"ttl", 60}, {"expires", 260.0}}})}};
    };
    auto c = model_.apply(dns("00:17:88:24:76:ff", "bridge.meethue.com", "192.0.2.7"));
    EXPECT_EQ(c->changes, std::vector<std::string>{"destination bridge.meethue.com"});
    model_.apply(dns("00:17:88:24:76:ff", "cdn.example", "192.0.2.7"));  // another name, same address
    model_.apply(dns("02:aa:00:00:00:01", "tracker.example", "198.51.100.1"));
    EXPECT_EQ(model_.names_of("00:17:88:24:76:ff", "192.0.2.7"),
              (std::vector<std::string>{"bridge.meethue.com", "cdn.example"}));
    EXPECT_TRUE(model_.names_of("00:17:88:24:76:ff", "198.51.100.1").empty());  // resolved by another device
    EXPECT_TRUE(model_.names_of("02:aa:00:00:00:01", "192.0.2.7").empty());
    EXPECT_EQ(model_.find("00:17:88:24:76:ff")->resolved.at("192.0.2.7").at("cdn.example").expires, 260.0);
    EXPECT_EQ(model_.find("02:aa:00:00:00:01")->vendor.kind, Vendor::Kind::locally_administered);
}

TEST_F(Model, AnnouncementsNameTheDevice) {
    model_.apply(
        {{"type", "mdns"},
         {"mac", "00:17:88:24:76:ff"},
         {"side", "lan"},
         {"time", 1.0},
         {"ip", "10.0.0.5"},
         {"hostnames", {"philips-hue.local"}},
         {"services", json::array({{{"type", "_hue._tcp.local"}, {"instance", "hue bridge._hue._tcp.local"}}})}});
    model_.apply({{"type", "ssdp"},
                  {"mac", "00:17:88:24:76:ff"},
                  {"side", "lan"},
                  {"time", 2.0},
                  {"ip", "10.0.0.5"},
                  {"method", "notify"},
                  {"server", "Linux/3.14 UPnP/1.0 IpBridge/1.41"},
                  {"device_type", "upnp:rootdevice"},
                  {"location", "http://10.0.0.5:80/description.xml"}});
    model_.apply({{"type", "lldp"},
                  {"mac", "00:17:88:24:76:ff"},
                  {"side", "lan"},
                  {"time", 3.0},
                  {"system_name", "hue"},
                  {"mud_url", "https://mud.example.com/hue.json"}});
    const Device& d = *model_.find("00:17:88:24:76:ff");
    EXPECT_EQ(d.mdns_hostnames, std::set<std::string>{"philips-hue.local"});
    EXPECT_EQ(d.services, std::set<std::string>{"hue bridge._hue._tcp.local"});
    EXPECT_EQ(d.ssdp_server, "Linux/3.14 UPnP/1.0 IpBridge/1.41");
    EXPECT_EQ(d.ssdp_types, std::set<std::string>{"upnp:rootdevice"});
    EXPECT_EQ(d.lldp_system_name, "hue");
    EXPECT_EQ(d.mud_url, "https://mud.example.com/hue.json");
    EXPECT_EQ(d.ips.at("10.0.0.5").via, (std::set<std::string>{"mdns", "ssdp"}));
}

}  // namespace

namespace {

// A hostile device floods names, services, addresses and resolved remotes:
// each stays within its cap, what is beyond is counted, and the newest
// addresses push out the oldest (privacy addresses rotate).
TEST(ModelBounds, FloodsStayWithinTheCapsAndAreCounted) {
    DeviceModel model(nullptr);
    const std::string mac = "02:53:50:49:4e:66";
    const auto& lim = model.limits();
    for (int i = 0; i < 1000; ++i) {
        json mdns = {{"type", "mdns"},
                     {"time", 1767225600.0 + i},
                     {"mac", mac},
                     {"side", "lan"},
                     {"ip", "10.0.0.66"},
                     {"hostnames", {"h" + std::to_string(i) + ".local"}},
                     {"services", {{{"type", "_x._tcp"}, {"instance", "s" + std::to_string(i)}}}}};
        model.apply(mdns);
        model.observe_traffic(mac, "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250), 1767225600.0 + i,
                              1767225600.0 + i, "a");
        json dns = {{"type", "dns"},
                    {"time", 1767225600.0 + i},
                    {"mac", mac},
                    {"side", "wan"},
                    {"bindings",
                     {{{"name", "n" + std::to_string(i) + ".example"},
                       {"address", "198.51." + std::to_string(i / 250) + "." + std::to_string(i % 250)},
                       {"ttl", 60},
                       {"expires", 0},
                       {"via", json::array()}}}}};
        model.apply(dns);
    }
    json long_name = {{"type", "dhcp"}, {"time", 1767225600.0}, {"mac", mac},
                      {"side", "lan"},  {"message", "request"}, {"hostname", std::string(10000, 'x')}};
    model.apply(long_name);
    const Device* d = model.find(mac);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->mdns_hostnames.size(), lim.names);
    EXPECT_EQ(d->services.size(), lim.names);
    EXPECT_EQ(d->ips.size(), lim.ips);
    EXPECT_TRUE(d->ips.count("10.0.3.249")) << "the newest address was not kept";
    EXPECT_LE(d->resolved.size(), lim.resolved_remotes);
    EXPECT_EQ(d->hostname.size(), lim.text);
    EXPECT_EQ(model.dropped().names, 2 * (1000 - lim.names));
    EXPECT_EQ(model.dropped().ips, 1000 - lim.ips);  // 1000 addresses (the mDNS one among them)
    EXPECT_EQ(model.dropped().text, 1u);
    DeviceModel small(nullptr, DeviceLimits{64, 32, 100, 16, 255});
    for (int i = 0; i < 500; ++i)
        small.apply(json{{"type", "dns"},
                         {"time", 1767225600.0},
                         {"mac", mac},
                         {"side", "wan"},
                         {"bindings",
                          {{{"name", "n.example"},
                            {"address", "203.0." + std::to_string(i / 250) + "." + std::to_string(i % 250)},
                            {"ttl", 60},
                            {"expires", 0},
                            {"via", json::array()}}}}});
    EXPECT_EQ(small.find(mac)->resolved.size(), 100u);
    EXPECT_EQ(small.dropped().resolved, 400u);
}

}  // namespace

namespace {

std::string random_mac(int i) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "02:66:%02x:%02x:%02x:%02x", (i >> 24) & 0xff, (i >> 16) & 0xff, (i >> 8) & 0xff,
                  i & 0xff);
    return buf;
}

// A device making up source MACs: each is a tentative device; at most
// `tentative` are held (the one seen longest ago goes), all are forgotten
// after a silence, and the store is told.  A device the network gave an
// address, or one seen long enough, or named by the user, stays.
TEST(ModelBounds, MadeUpMacsAreTentativeAndForgotten) {
    DeviceLimits limits;
    limits.tentative = 100;
    DeviceModel model(nullptr, limits);
    const double t0 = 1767225600;
    model.set_clock(t0);
    auto c = model.apply(dhcp("a1", "ack", "10.0.0.5", t0));
    EXPECT_TRUE(model.find("00:17:88:24:76:ff")->confirmed);                     // the network gave it an address
    model.observe_traffic("02:00:00:00:00:01", "10.0.0.7", t0, t0 + 700, "a1");  // seen for over 10 minutes
    EXPECT_TRUE(model.find("02:00:00:00:00:01")->confirmed);
    model.observe_traffic("02:00:00:00:00:02", "10.0.0.8", t0, t0 + 1, "a1");
    model.confirm("02:00:00:00:00:02");  // the user named it
    for (int i = 0; i < 1000; ++i) {
        model.set_clock(t0 + i);
        model.observe_traffic(random_mac(i), "10.0.9.9", t0 + i, t0 + i, "a1");
    }
    EXPECT_EQ(model.tentative(), 100u);
    EXPECT_EQ(model.devices().size(), 103u);
    EXPECT_EQ(model.dropped().devices_evicted, 900u);
    EXPECT_NE(model.find(random_mac(999)), nullptr);  // the newest stay
    EXPECT_EQ(model.find(random_mac(0)), nullptr);
    model.set_clock(t0 + 1000);
    std::vector<std::string> removed = model.take_removed();
    EXPECT_EQ(removed.size(), 900u);  // evicted ones, for the store
    EXPECT_TRUE(model.take_removed().empty());
    // Not heard of for 15 minutes: the rest go too; the confirmed stay.
    model.set_clock(t0 + 999 + limits.tentative_idle + 1);
    removed = model.take_removed();
    EXPECT_EQ(removed.size(), 100u);
    EXPECT_EQ(model.dropped().devices_expired, 100u);
    EXPECT_EQ(model.devices().size(), 3u);
    EXPECT_EQ(model.tentative(), 0u);
}

}  // namespace
