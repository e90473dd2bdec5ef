#include "common/service_notify.h"

#include <cstdint>

#include <systemd/sd-daemon.h>

namespace spin {

ServiceNotifier::ServiceNotifier() {
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0) interval_ = std::chrono::microseconds(usec);
}

void ServiceNotifier::ready(const std::string& status) {
    sd_notify(0, status.empty() ? "READY=1" : ("READY=1\nSTATUS=" + status).c_str());
    last_ = std::chrono::steady_clock::now();
}

void ServiceNotifier::stopping() { sd_notify(0, "STOPPING=1"); }

void ServiceNotifier::status(const std::string& text) { sd_notify(0, ("STATUS=" + text).c_str()); }

bool ServiceNotifier::due() const { return watchdog() && std::chrono::steady_clock::now() - last_ >= interval_ / 2; }

void ServiceNotifier::ping() {
    sd_notify(0, "WATCHDOG=1");
    last_ = std::chrono::steady_clock::now();
}

}  // namespace spin
