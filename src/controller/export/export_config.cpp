#include "controller/export/export_config.h"

#include <fmt/format.h>

#include "controller/controller_config.h"

namespace spin::controller {

using config::At;

namespace {

void read_ipfix(const At& at, IpfixConfig& c) {
    at.only({"collector", "transport", "template_refresh", "max_message", "max_delay"});
    if (!at.has("collector")) at.fail("needs collector: HOST:PORT (nfcapd's -p port, for one)");
    c.collector = at.child("collector").str();
    try {
        const auto [host, port] = split_listen(c.collector);
        if (host.empty() || port == 0) throw ConfigError("");
    } catch (const ConfigError&) {
        at.child("collector").fail(fmt::format("'{}' must be HOST:PORT (e.g. 192.168.1.10:4739)", c.collector));
    }
    if (at.has("transport")) {
        const std::string t = at.child("transport").str();
        if (t == "udp")
            c.transport = CollectorLink::Transport::udp;
        else if (t == "tcp")
            c.transport = CollectorLink::Transport::tcp;
        else
            at.child("transport").fail(fmt::format("'{}' is not udp or tcp", t));
    }
    if (at.has("template_refresh")) {
        const double v = at.child("template_refresh").as<double>("a number of seconds");
        if (!(v >= 1 && v <= 3600)) at.child("template_refresh").fail(fmt::format("{} s is out of range 1..3600", v));
        c.template_refresh = v;
    }
    if (at.has("max_message")) c.max_message = at.child("max_message").uint(512, 65000);
    if (at.has("max_delay")) {
        const double v = at.child("max_delay").as<double>("a number of seconds");
        if (!(v >= 0.01 && v <= 60)) at.child("max_delay").fail(fmt::format("{} s is out of range 0.01..60", v));
        c.max_delay = v;
    }
}

}  // namespace

void read_export_config(const At& at, ExportConfig& out) {
    at.only({"prometheus", "ipfix"});
    if (at.has("prometheus")) {
        const At prom = at.child("prometheus");
        prom.only({"listen"});
        if (prom.has("listen")) out.prometheus_listen = prom.child("listen").str();
    }
    if (at.has("ipfix")) read_ipfix(at.child("ipfix"), out.ipfix);
}

}  // namespace spin::controller
