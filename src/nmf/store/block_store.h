// The store's record of blocks made through the API (table `blocks`): each
// block a JSON document as the API shows it, with its creation, expiry and
// removal times as columns.  The controller's block manager is its one user.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nmf/store/sqlite.h"

namespace spin::nmf {

class BlockStore {
public:
    // `db_path`: a store already migrated.
    explicit BlockStore(const std::string& db_path);

    struct Stored {
        int64_t id = 0;
        double created = 0, expires = 0;  // expires 0: until removed
        nlohmann::json doc;
    };
    // Blocks not removed, oldest first.
    std::vector<Stored> in_force();
    // A new block's row; returns its id.
    int64_t insert(double created, double expires);
    // The block's document, and when it was removed (0: it is in force).
    void save(int64_t id, const nlohmann::json& doc, double removed);
    std::optional<nlohmann::json> find(int64_t id);
    // The newest `limit` removed blocks, newest first.
    std::vector<nlohmann::json> removed(int limit);

private:
    Database db_;
};

}  // namespace spin::nmf
