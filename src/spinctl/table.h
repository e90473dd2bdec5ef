// Column-aligned text tables for people (the --json output is for scripts).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace spin::spinctl {

class Table {
public:
    explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    size_t size() const { return rows_.size(); }
    void print(std::ostream& out) const;

private:
    std::vector<std::string> header_;
    std::vector<std::vector<std::string>> rows_;
};

// 1.2 kB, 3.4 MB ...; exact below 10 kB.
std::string human_bytes(uint64_t bytes);
// Seconds since the epoch as "2016-09-22 10:00:00" UTC; "-" for 0.
std::string utc_time(double seconds);

}  // namespace spin::spinctl
