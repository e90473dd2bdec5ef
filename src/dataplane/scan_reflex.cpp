#include "dataplane/scan_reflex.h"

#include <cstring>

#include "dataplane/entropy.h"

namespace spin::dp {

namespace {

uint64_t random_odd() {
    uint64_t v = 0;
    fill_random(&v, sizeof v);
    return v | 1;
}

}  // namespace

ScanReflex::ScanReflex(const ScanReflexConfig& config, uint8_t worker)
    : mode_(config.mode),
      threshold_(config.threshold == 0 ? 1 : config.threshold),
      rule_(config.rule),
      worker_(worker),
      secret_(random_odd()),
      ports_(new uint64_t[1024]()),
      slots_(new Slot[kSlots]),
      alarms_(new ScanAlarm[kAlarmQueue]) {
    for (const uint16_t p : config.ports) ports_[p >> 6] |= uint64_t{1} << (p & 63);
}

uint64_t ScanReflex::mac_bits(const uint8_t* mac) {
    uint64_t v = 0;
    std::memcpy(&v, mac, 6);
    return v;
}

// A device that could choose where its MAC lands could push a scanner's
// count out with a few spoofed MACs: multiply by a secret, keep the top bits.
uint32_t ScanReflex::slot_of(uint64_t mac) const { return static_cast<uint32_t>((mac * secret_) >> 54); }

ScanReflex::Slot& ScanReflex::find_or_take(uint64_t mac) {
    static_assert(kSlots == 1024, "slot_of keeps 10 bits");
    const uint32_t home = slot_of(mac);
    Slot* weakest = nullptr;
    for (uint32_t i = 0; i < kProbe; ++i) {
        Slot& s = slots_[(home + i) % kSlots];
        if (s.mac == mac) return s;
        if (s.mac == 0) {
            s.mac = mac;
            return s;
        }
        if (weakest == nullptr || s.count < weakest->count) weakest = &s;
    }
    ++replaced_;
    *weakest = Slot{};
    weakest->mac = mac;
    return *weakest;
}

bool ScanReflex::on_scan_syn(const uint8_t* mac, const uint8_t* saddr, const uint8_t* daddr, uint16_t sport,
                             uint16_t dport, uint64_t ts) {
    ++syns_;
    const uint64_t bits = mac_bits(mac);
    Slot& s = find_or_take(bits);
    if (s.count == 0) s.first_us = ts;
    if (s.count != UINT32_MAX) ++s.count;
    if (s.targets < ScanAlarm::kTargets) {
        ScanAlarm::Target& t = s.target[s.targets++];
        std::memcpy(t.addr, daddr, 4);
        t.port = dport;
    }
    if (s.tripped || s.count < threshold_) return false;
    s.tripped = true;
    ScanAlarm a{};
    std::memcpy(a.mac, mac, 6);
    std::memcpy(a.lan_ip, saddr, 4);
    a.worker = worker_;
    a.sport = sport;
    a.targets = s.targets;
    std::memcpy(a.target, s.target, sizeof a.target);
    a.count = s.count;
    a.first_us = s.first_us;
    a.last_us = ts;
    if (mode_ == ReflexMode::quarantine && held_n_ < kMaxHeld) {
        held_[held_n_++] = bits;
        a.held = true;
    }
    raise(a);
    return a.held;
}

bool ScanReflex::holds(const uint8_t* mac) const {
    const uint64_t bits = mac_bits(mac);
    for (uint32_t i = 0; i < held_n_; ++i)
        if (held_[i] == bits) return true;
    return false;
}

void ScanReflex::settle(const BlockTables& tables) {
    for (uint32_t i = 0; i < held_n_;) {
        uint8_t mac[8];
        std::memcpy(mac, &held_[i], 8);
        if (tables.match_mac(mac) != 0)
            held_[i] = held_[--held_n_];
        else
            ++i;
    }
}

void ScanReflex::raise(const ScanAlarm& a) {
    const uint32_t head = alarm_head_.load(std::memory_order_relaxed);
    if (head - alarm_tail_.load(std::memory_order_acquire) == kAlarmQueue) {
        ++alarms_lost_;
        return;
    }
    alarms_[head % kAlarmQueue] = a;
    alarm_head_.store(head + 1, std::memory_order_release);
}

unsigned ScanReflex::take_alarms(ScanAlarm* out, unsigned max) {
    uint32_t tail = alarm_tail_.load(std::memory_order_relaxed);
    const uint32_t head = alarm_head_.load(std::memory_order_acquire);
    unsigned n = 0;
    for (; tail != head && n < max; ++tail) out[n++] = alarms_[tail % kAlarmQueue];
    alarm_tail_.store(tail, std::memory_order_release);
    return n;
}

}  // namespace spin::dp
