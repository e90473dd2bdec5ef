// The store's tables of documents with a lifetime: blocks made through the
// API (table `blocks`, the block manager's) and the user's overrides of the
// reverse firewall (table `overrides`, the response's).  Each row is a JSON
// document as the API shows it, with its creation, expiry and removal times
// as columns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nmf/store/sqlite.h"

namespace spin::nmf {

class DocumentStore {
public:
    // `db_path`: a store already migrated; `table`: `blocks` or `overrides`.
    DocumentStore(const std::string& db_path, std::string table);

    struct Stored {
        int64_t id = 0;
        double created = 0, expires = 0;  // expires 0: until removed
        nlohmann::json doc;
    };
    // Documents not removed, oldest first.
    std::vector<Stored> in_force();
    // A new document's row; returns its id.
    int64_t insert(double created, double expires);
    // The document, and when it was removed (0: it is in force).
    void save(int64_t id, const nlohmann::json& doc, double removed);
    std::optional<nlohmann::json> find(int64_t id);
    // The newest `limit` removed documents, newest first.
    std::vector<nlohmann::json> removed(int limit);

private:
    Database db_;
    std::string table_;
};

}  // namespace spin::nmf
