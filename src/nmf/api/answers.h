// What every route of the API shares: reading a MAC from the path or the
// query, and turning a Controls answer into a response.  http_status() is the
// one place an Outcome becomes an HTTP status.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "nmf/api/controls.h"
#include "nmf/api/router.h"

namespace spin::nmf {

// The {mac} of a path, canonical; ApiError 400 if it is none.
std::string mac_of(const PathArgs& args);
// The {id} of a path (a block's, an override's: `what`); ApiError 400 if it is not one.
int64_t id_of(const PathArgs& args, const char* what);
// The `device` query parameter, canonical; ApiError 400 if it is none.
std::string device_param(const QueryParams& p);

int http_status(Outcome outcome);
// A Controls answer as a response: errors get the same shape as the API's own.
void send_result(httplib::Response& res, ControlResult out);
// The body of a Controls answer that must have succeeded, for a response
// that wraps it; any other outcome becomes the API's own error.
nlohmann::json result_body(ControlResult out);

}  // namespace spin::nmf
