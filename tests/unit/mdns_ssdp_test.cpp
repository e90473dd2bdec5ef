// mDNS / DNS-SD names and SSDP announcements: what devices say they are.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agent/slowpath/dns_message.h"
#include "agent/slowpath/mdns_names.h"
#include "agent/slowpath/ssdp_message.h"

using namespace spin::slowpath;

namespace {

using Bytes = std::vector<uint8_t>;

void name(Bytes& m, const std::string& dotted) {
    size_t start = 0;
    while (start <= dotted.size()) {
        size_t dot = dotted.find('.', start);
        if (dot == std::string::npos) dot = dotted.size();
        m.push_back(static_cast<uint8_t>(dot - start));
        m.insert(m.end(), dotted.begin() + start, dotted.begin() + dot);
        start = dot + 1;
    }
    m.push_back(0);
}

void record(Bytes& m, const std::string& owner, uint16_t type, const Bytes& rdata) {
    name(m, owner);
    m.insert(m.end(), {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), 0x80, 0x01, 0, 0, 0x11, 0x94,
                       static_cast<uint8_t>(rdata.size() >> 8), static_cast<uint8_t>(rdata.size())});
    m.insert(m.end(), rdata.begin(), rdata.end());
}

// A Chromecast-like announcement: PTR in the answers; SRV, TXT and A in the additional records.
Bytes announcement() {
    Bytes m{0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 3};
    Bytes ptr;
    name(ptr, "Living Room._googlecast._tcp.local");
    record(m, "_googlecast._tcp.local", kDnsTypePtr, ptr);
    Bytes srv{0, 0, 0, 0, 0x1f, 0x49};
    name(srv, "chromecast-1234.local");
    record(m, "Living Room._googlecast._tcp.local", kDnsTypeSrv, srv);
    record(m, "Living Room._googlecast._tcp.local", 16, {4, 'i', 'd', '=', '1'});
    record(m, "chromecast-1234.local", kDnsTypeA, {10, 0, 0, 20});
    return m;
}

TEST(Mdns, ServicesAndHostnamesFromAnswersAndAdditionalRecords) {
    const Bytes m = announcement();
    DnsMessage msg;
    ASSERT_EQ(parse_dns(m.data(), m.size(), msg), "");
    ASSERT_EQ(msg.additional.size(), 3u);
    EXPECT_EQ(msg.additional[0].port, 8009);
    const auto names = mdns_names(msg);
    EXPECT_EQ(names.hostnames, std::vector<std::string>{"chromecast-1234.local"});
    ASSERT_EQ(names.services.size(), 1u);
    EXPECT_EQ(names.services[0].type, "_googlecast._tcp.local");
    EXPECT_EQ(names.services[0].instance, "living room._googlecast._tcp.local");
}

TEST(Mdns, BadAdditionalRecordKeepsTheAnswers) {
    Bytes m = announcement();
    m.resize(m.size() - 3);  // the last A record is cut short
    DnsMessage msg;
    ASSERT_EQ(parse_dns(m.data(), m.size(), msg), "");
    EXPECT_EQ(msg.answers.size(), 1u);
    EXPECT_EQ(msg.additional.size(), 2u);
    EXPECT_EQ(mdns_names(msg).services.size(), 1u);
}

TEST(Mdns, QueriesAndReversePointersAdvertiseNothing) {
    Bytes q{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    name(q, "_googlecast._tcp.local");
    q.insert(q.end(), {0, 12, 0, 1});
    DnsMessage msg;
    ASSERT_EQ(parse_dns(q.data(), q.size(), msg), "");
    EXPECT_TRUE(mdns_names(msg).empty());
    Bytes r{0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0};
    Bytes target;
    name(target, "printer.local");
    record(r, "20.0.0.10.in-addr.arpa", kDnsTypePtr, target);
    ASSERT_EQ(parse_dns(r.data(), r.size(), msg), "");
    EXPECT_TRUE(mdns_names(msg).services.empty());
}

std::string ssdp(const std::string& text, SsdpMessage& m) {
    return parse_ssdp(reinterpret_cast<const uint8_t*>(text.data()), text.size(), m);
}

TEST(Ssdp, NotifySearchAndResponse) {
    SsdpMessage m;
    ASSERT_EQ(
        ssdp("NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nnt: urn:schemas-upnp-org:device:MediaRenderer:1\r\n"
             "NTS: ssdp:alive\r\nServer: Linux/4.9 UPnP/1.0 TV/2.0\r\nUSN: uuid:abc::urn:x\r\n"
             "LOCATION:http://10.0.0.14:8060/dial.xml\r\n\r\n",
             m),
        "");
    EXPECT_EQ(m.method, "notify");
    EXPECT_EQ(m.type, "urn:schemas-upnp-org:device:MediaRenderer:1");
    EXPECT_EQ(m.nts, "ssdp:alive");
    EXPECT_EQ(m.server, "Linux/4.9 UPnP/1.0 TV/2.0");
    EXPECT_EQ(m.usn, "uuid:abc::urn:x");
    EXPECT_EQ(m.location, "http://10.0.0.14:8060/dial.xml");
    ASSERT_EQ(ssdp("M-SEARCH * HTTP/1.1\r\nST: ssdp:all\r\nUSER-AGENT: Android/13 UPnP/1.1\r\n\r\n", m), "");
    EXPECT_EQ(m.method, "m-search");
    EXPECT_EQ(m.server, "Android/13 UPnP/1.1");
    ASSERT_EQ(ssdp("HTTP/1.1 200 OK\nST: upnp:rootdevice\nSERVER: x\n\n", m), "");  // bare LF line ends too
    EXPECT_EQ(m.method, "response");
    EXPECT_EQ(m.type, "upnp:rootdevice");
}

TEST(Ssdp, HostileInputIsRefusedOrCleaned) {
    SsdpMessage m;
    EXPECT_EQ(ssdp("", m), "empty message");
    EXPECT_EQ(ssdp("GET / HTTP/1.1\r\n\r\n", m), "start line 'GET / HTTP/1.1' is not SSDP");
    EXPECT_EQ(ssdp("NOTIFY * HTTP/1.1", m), "no line end after the start line");
    EXPECT_EQ(ssdp("NOTIFY * HTTP/1.1\r\nno colon here\r\n\r\n", m), "header line without ':'");
    EXPECT_EQ(ssdp("HTTP/1.1 404 Not Found\r\n\r\n", m), "start line 'HTTP/1.1 404 Not Found' is not SSDP");
    EXPECT_EQ(ssdp(std::string(9000, 'a'), m), "9000 bytes is too long for SSDP");
    ASSERT_EQ(ssdp(std::string("NOTIFY * HTTP/1.1\r\nSERVER: a\x01\xff") + "b\r\n\r\n", m), "");
    EXPECT_EQ(m.server, "a??b");
}

}  // namespace
