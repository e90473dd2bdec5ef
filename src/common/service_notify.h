// Telling systemd how the service is (sd_notify(3)): ready once it serves,
// alive while its loop turns (the unit's WatchdogSec= restarts it when the
// pings stop), stopping when it winds down.  Outside systemd (no
// NOTIFY_SOCKET) every call does nothing.
#pragma once

#include <chrono>
#include <string>

namespace spin {

class ServiceNotifier {
public:
    ServiceNotifier();

    void ready(const std::string& status = "");
    void stopping();
    void status(const std::string& text);
    // Pings the watchdog if half its interval passed since the last ping;
    // call from the loop whose turning proves the service alive.
    void alive() {
        if (due()) ping();
    }
    // Whether a ping is due (half the interval passed), for a caller that
    // checks more than its own loop before saying it is alive.
    bool due() const;
    void ping();
    bool watchdog() const { return interval_.count() != 0; }

private:
    std::chrono::microseconds interval_{0};  // systemd's WatchdogSec, 0 if none
    std::chrono::steady_clock::time_point last_{};
};

}  // namespace spin
