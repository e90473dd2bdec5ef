// A small JSON file the agent keeps across restarts (the rules in force:
// docs/security.md).  Written atomically: a temporary file beside it, fsync,
// rename over the old one, fsync of the directory, so a crash or kill -9 at
// any point leaves the old file or the new one, never a mix.  The file is
// 0600 in a 0700 directory; one whose mode lets others read or write it is
// refused on load (somebody else could plant rules).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace spin::agent {

class StateFile {
public:
    // dir "": disabled (load finds nothing, save does nothing).
    StateFile(std::string dir, std::string name);

    bool enabled() const { return !dir_.empty(); }
    const std::string& path() const { return path_; }

    // The file's contents, nullopt if there is none.  Throws
    // std::runtime_error when it cannot be read, is not JSON, or is open to others.
    std::optional<nlohmann::json> load() const;
    // Replaces the file (creating the directory).  Throws std::runtime_error.
    void save(const nlohmann::json& doc) const;

private:
    std::string dir_, path_;
};

}  // namespace spin::agent
