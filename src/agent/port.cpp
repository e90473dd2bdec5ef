#include "agent/port.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "agent/eal.h"

namespace spin::agent {

namespace {
// A symmetric Toeplitz key: repeating 0x6d5a makes hash(a, b) == hash(b, a),
// so both directions of a flow land on the same worker.
constexpr uint8_t kSymmetricKeyByte[2] = {0x6d, 0x5a};

[[noreturn]] void fail(const std::string& role, const std::string& what, int rc) {
    throw std::runtime_error(fmt::format("{} port: {}: {}", role, what, rte_strerror(-rc)));
}
}  // namespace

MbufPool::MbufPool(const std::string& name, uint32_t mbufs, uint32_t cache, int socket) {
    pool_ = rte_pktmbuf_pool_create(name.c_str(), mbufs, cache, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
    if (pool_ == nullptr)
        throw std::runtime_error(
            fmt::format("cannot create a pool of {} mbufs: {} (raise eal.memory_mb?)", mbufs, rte_strerror(rte_errno)));
}

MbufPool::~MbufPool() { rte_mempool_free(pool_); }

Port::Port(const std::string& role, const std::string& spec) : role_(role) {
    const std::string name = port_device_name(spec);
    if (rte_eth_dev_get_port_by_name(name.c_str(), &id_) != 0)
        throw std::runtime_error(
            fmt::format("{} port: no device '{}' (from '{}'); is the vdev string right?", role, name, spec));
    rte_eth_dev_info info;
    if (int rc = rte_eth_dev_info_get(id_, &info); rc != 0) fail(role, "cannot read device info", rc);
    driver_ = info.driver_name != nullptr ? info.driver_name : "";
    max_rx_ = info.max_rx_queues;
    max_tx_ = info.max_tx_queues;
    max_pktlen_ = info.max_rx_pktlen;
}

int Port::socket() const {
    const int s = rte_eth_dev_socket_id(id_);
    return s < 0 ? 0 : s;
}

void Port::configure(uint16_t queues, bool rx_only, uint16_t rx_desc, uint16_t tx_desc, rte_mempool* pool) {
    rte_eth_dev_info info;
    if (int rc = rte_eth_dev_info_get(id_, &info); rc != 0) fail(role_, "cannot read device info", rc);
    rte_eth_conf conf{};
    uint8_t key[64];
    if (queues > 1 && info.flow_type_rss_offloads != 0) {
        const uint8_t key_len = info.hash_key_size != 0 ? std::min<uint8_t>(info.hash_key_size, sizeof key) : 40;
        for (uint8_t i = 0; i < key_len; ++i) key[i] = kSymmetricKeyByte[i % 2];
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_key = key;
        conf.rx_adv_conf.rss_conf.rss_key_len = key_len;
        conf.rx_adv_conf.rss_conf.rss_hf =
            (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
        rss_ = true;
    }
    const uint16_t txq = rx_only ? 0 : queues;
    if (int rc = rte_eth_dev_configure(id_, queues, txq, &conf); rc != 0) fail(role_, "cannot configure", rc);
    configured_ = true;
    uint16_t nrx = rx_desc, ntx = tx_desc;
    rte_eth_dev_adjust_nb_rx_tx_desc(id_, &nrx, &ntx);
    for (uint16_t q = 0; q < queues; ++q) {
        if (int rc = rte_eth_rx_queue_setup(id_, q, nrx, socket(), nullptr, pool); rc != 0)
            fail(role_, fmt::format("cannot set up RX queue {}", q), rc);
    }
    for (uint16_t q = 0; q < txq; ++q) {
        if (int rc = rte_eth_tx_queue_setup(id_, q, ntx, socket(), nullptr); rc != 0)
            fail(role_, fmt::format("cannot set up TX queue {}", q), rc);
    }
}

uint32_t Port::timestamp_units_per_us() const {
    // net_pcap stamps every mbuf with the capture time in microseconds, which
    // is what lets a replay report the capture's own times.
    return driver_ == "net_pcap" ? 1 : 0;
}

uint32_t Port::max_tx_frame() const {
    // net_pcap writes a frame of several segments through a buffer of
    // RTE_ETHER_MAX_JUMBO_FRAME_LEN bytes and cuts what is longer; other
    // ports say what they take in their device info.
    if (driver_ == "net_pcap") return RTE_ETHER_MAX_JUMBO_FRAME_LEN;
    return max_pktlen_ == UINT32_MAX ? 0 : max_pktlen_;
}

void Port::start() {
    if (int rc = rte_eth_dev_start(id_); rc != 0) fail(role_, "cannot start", rc);
    started_ = true;
    rte_eth_promiscuous_enable(id_);  // best effort: some vdevs have no such notion
}

Port::~Port() {
    if (started_) rte_eth_dev_stop(id_);
    if (configured_) rte_eth_dev_close(id_);
}

}  // namespace spin::agent
