// What every spinctl command of the controller API shares: parsing its
// options, connecting, turning the API's errors into a line and an exit
// status, and printing values.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "spinctl/api_client.h"

namespace spin::spinctl {

using ApiBody = std::function<int(ApiClient&, const boost::program_options::variables_map&, bool as_json)>;

// Parses, connects, runs `body`; API and connection errors become a line on
// stderr and exit status 1, usage errors 2.  `positional`: the name of the
// one positional argument, or null.
int run_api_command(const char* name, const char* usage, const char* what, const char* positional, int argc,
                    char** argv, const std::function<void(boost::program_options::options_description&)>& extra,
                    const ApiBody& body);

// The body of a 2xx answer; otherwise throws the API's error message.
nlohmann::json ok(ApiResponse r);
// A field as text ("" when absent or null), a count (0 when absent).
std::string str(const nlohmann::json& j, const char* key);
uint64_t num(const nlohmann::json& j, const char* key);
// Up to `max` items of a list, then "+N".
std::string joined(const nlohmann::json& list, size_t max = 3);
const char* proto_name(int64_t p);
void print_json(const nlohmann::json& j);
// --from and --to.
void time_options(boost::program_options::options_description& opts);
// The named options that were given, as query parameters.
std::map<std::string, std::string> params(const boost::program_options::variables_map& vm,
                                          std::initializer_list<const char*> names);

}  // namespace spin::spinctl
