// The store's schema and its migrations.  The version lives in SQLite's
// user_version; each migration takes the schema from version i to i + 1 in
// one transaction, so a store is always at a version this code knows.
#pragma once

#include <span>
#include <string_view>

#include "nmf/store/sqlite.h"

namespace spin::nmf {

// The migrations of this build, oldest first: element i brings a store
// from version i to i + 1.
std::span<const std::string_view> store_migrations();

// Applies the pending migrations; returns the resulting version.  Throws
// SqliteError when the store is newer than `migrations` knows (a downgrade)
// or a migration fails (that migration is rolled back entirely).
int migrate(Database& db, std::span<const std::string_view> migrations = store_migrations());

int schema_version(Database& db);

// Start of the newest traffic bucket the store holds, seconds since the
// epoch (0: none): the store's "now" for retention and level choice.
double newest_traffic_bucket(Database& db);

}  // namespace spin::nmf
