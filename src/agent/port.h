// RAII over an ethdev port and the mbuf pool: configure with one RX/TX queue
// pair per worker (symmetric RSS where supported), start, and on destruction
// stop and close (which is when net_pcap flushes its output file).
#pragma once

#include <cstdint>
#include <string>

struct rte_mempool;

namespace spin::agent {

class MbufPool {
public:
    MbufPool(const std::string& name, uint32_t mbufs, uint32_t cache, int socket);
    ~MbufPool();
    MbufPool(const MbufPool&) = delete;
    MbufPool& operator=(const MbufPool&) = delete;
    rte_mempool* get() const { return pool_; }

private:
    rte_mempool* pool_;
};

class Port {
public:
    // role names the port in messages ("lan", "wan"); spec is the PCI address
    // or vdev string the EAL was given.  Throws std::runtime_error.
    Port(const std::string& role, const std::string& spec);
    ~Port();
    Port(const Port&) = delete;
    Port& operator=(const Port&) = delete;

    uint16_t id() const { return id_; }
    const std::string& role() const { return role_; }
    uint16_t max_rx_queues() const { return max_rx_; }
    uint16_t max_tx_queues() const { return max_tx_; }
    int socket() const;

    // Sets up `queues` RX queues and, unless rx_only, as many TX queues.
    void configure(uint16_t queues, bool rx_only, uint16_t rx_desc, uint16_t tx_desc, rte_mempool* pool);
    void start();
    bool rss() const { return rss_; }
    // RX timestamp units per microsecond, 0 where the unit is unknown.
    uint32_t timestamp_units_per_us() const;
    const std::string& driver() const { return driver_; }
    // The longest frame this port sends whole, 0 for no known limit.
    uint32_t max_tx_frame() const;

private:
    std::string role_;
    std::string driver_;
    uint16_t id_ = 0;
    uint16_t max_rx_ = 0, max_tx_ = 0;
    uint32_t max_pktlen_ = 0;
    bool configured_ = false, started_ = false, rss_ = false;
};

}  // namespace spin::agent
