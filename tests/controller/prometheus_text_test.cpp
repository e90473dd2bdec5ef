// The controller's figures as Prometheus metrics (controller/export/
// prometheus_text.h): every figure of the status has a metric, the names and
// labels follow the exposition format's rules.
#include "controller/export/prometheus_text.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "controller/controller.h"
#include "controller/export/prometheus_detail.h"

namespace spin::controller {
namespace {

using nlohmann::json;

// A controller of its own (no agents, a store in a fresh directory, the API
// on a free loopback port), for its real status.
json real_status() {
    const auto dir = std::filesystem::temp_directory_path() / ("spin-prom-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    ControllerConfig c;
    c.db = (dir / "spin.db").string();
    c.listen = "127.0.0.1:0";
    c.ui = false;
    // The exports' figures are in the status too: IPFIX to a port nobody reads (no flows: nothing is
    // sent), MQTT to a broker that is not there (it keeps trying in the background).
    c.exports.ipfix.collector = "127.0.0.1:9";
    c.exports.mqtt.broker = "127.0.0.1:9";
    c.exports.mqtt.spin_feed = true;
    json status;
    {
        Controller controller(c);
        status = controller.stats();
    }
    std::filesystem::remove_all(dir);
    return status;
}

TEST(PrometheusText, EveryFigureOfTheStatusHasAMetric) {
    std::vector<std::string> unmapped;
    prometheus_text(real_status(), json::array(), &unmapped);
    EXPECT_TRUE(unmapped.empty()) << "status fields without a metric (add them to kStatus): " << [&] {
        std::string s;
        for (const auto& u : unmapped) s += u + " ";
        return s;
    }();
}

// An agent's stats event and a device, for the finer series.
std::string detail_text() {
    static proto::StatsEvent stats = [] {
        proto::StatsEvent e;
        e.workers.push_back({0, {{"lan_rx_pkts", 10}, {"wan_rx_pkts", 12}, {"flows_active", 3}, {"records", 7}}});
        e.ports.push_back({"lan", 10, 12, 1000, 1200, 1, 0, 0, 0});
        e.rules.push_back({4, 2, 120});
        return e;
    }();
    DeviceSeries d{"02:53:50:49:4e:21", {}, 1767225600.5, "quarantine"};
    d.totals.bytes_out = 300;
    return agent_counters_text({{"home", &stats}, {"quiet", nullptr}}) + device_text({d}, 0);
}

TEST(PrometheusText, NamesTypesAndLabelsFollowTheFormat) {
    json agents = json::array({{{"id", "home \"1\"\\x"},
                                {"connected", true},
                                {"boot", nullptr},
                                {"records", 42},
                                {"restarts", 0},
                                {"rules", 3}}});
    const std::string text = prometheus_text(real_status(), agents) + detail_text();
    const std::regex sample(
        R"(^(spin_[a-z_]+)(\{[a-z_]+="(?:[^"\\]|\\.)*"(?:,[a-z_]+="(?:[^"\\]|\\.)*")*\})? (-?[0-9.e+]+|NaN|[+-]Inf)$)");
    const std::regex type(R"(^# TYPE (spin_[a-z_]+) (counter|gauge)$)");
    std::map<std::string, std::string> types;
    std::set<std::string> sampled;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (line.rfind("# HELP ", 0) == 0) continue;
        if (std::regex_match(line, m, type)) {
            EXPECT_FALSE(types.count(m[1])) << "TYPE twice: " << line;
            types[m[1]] = m[2];
            continue;
        }
        ASSERT_TRUE(std::regex_match(line, m, sample)) << "not a sample: " << line;
        ASSERT_TRUE(types.count(m[1])) << "no TYPE before " << line;
        sampled.insert(m[1]);
        const bool total =
            std::string(m[1]).size() > 6 && std::string(m[1]).substr(std::string(m[1]).size() - 6) == "_total";
        EXPECT_EQ(types[m[1]] == "counter", total) << "counters end in _total, nothing else does: " << line;
    }
    EXPECT_NE(text.find("spin_agent_records_total{agent=\"home \\\"1\\\"\\\\x\"} 42\n"), std::string::npos) << text;
    EXPECT_NE(text.find("spin_agent_up{agent=\"home \\\"1\\\"\\\\x\"} 1\n"), std::string::npos);
    EXPECT_EQ(text.find("spin_agent_boot_timestamp_seconds{"), std::string::npos) << "null is left out";
    EXPECT_NE(text.find("spin_detect_devices_dropped_total{detector=\"scan\"} 0\n"), std::string::npos);
    EXPECT_NE(text.find("spin_store_error 0\n"), std::string::npos);
    EXPECT_TRUE(sampled.count("spin_ingest_records_total"));
    EXPECT_NE(text.find("spin_agent_worker_rx_pkts_total{agent=\"home\",worker=\"0\",side=\"wan\"} 12\n"),
              std::string::npos);
    EXPECT_NE(text.find("spin_agent_worker_flows_active{agent=\"home\",worker=\"0\"} 3\n"), std::string::npos);
    EXPECT_NE(text.find("spin_agent_port_rx_missed_total{agent=\"home\",port=\"lan\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("spin_agent_rule_dropped_bytes_total{agent=\"home\",rule=\"4\"} 120\n"), std::string::npos);
    EXPECT_EQ(text.find("agent=\"quiet\""), std::string::npos) << "an agent with no stats yet has no series";
    EXPECT_NE(text.find("spin_device_sent_bytes_total{mac=\"02:53:50:49:4e:21\"} 300\n"), std::string::npos);
    EXPECT_NE(text.find("spin_device_stage{mac=\"02:53:50:49:4e:21\"} 3\n"), std::string::npos);
}

// docs/integrations.md lists every metric, with its type.
TEST(PrometheusText, TheDocumentListsEveryMetric) {
    std::ifstream in(std::string(SPIN_SOURCE_DIR) + "/docs/integrations.md");
    ASSERT_TRUE(in) << "docs/integrations.md";
    const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    json agents = json::array({{{"id", "home"}, {"connected", true}, {"records", 1}}});
    std::istringstream text(prometheus_text(real_status(), agents) + detail_text());
    const std::regex type(R"(^# TYPE spin_([a-z_]+) (counter|gauge)$)");
    size_t n = 0;
    for (std::string line; std::getline(text, line);) {
        std::smatch m;
        if (!std::regex_match(line, m, type)) continue;
        ++n;
        const std::regex row("\\| `spin_" + std::string(m[1]) + "(\\{[a-z,]+\\})?` \\| " + std::string(m[2]) + " \\|");
        EXPECT_TRUE(std::regex_search(doc, row))
            << "docs/integrations.md has no row for spin_" << m[1] << " (" << m[2] << ")";
    }
    EXPECT_GT(n, 50u);
}

}  // namespace
}  // namespace spin::controller
