#include "transport/socket_limits.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace spin::transport {

void bind_endpoint(zmq::socket_t& socket, const std::string& endpoint) {
    constexpr char kIpc[] = "ipc://";
    if (endpoint.rfind(kIpc, 0) == 0) {
        const std::string path = endpoint.substr(sizeof kIpc - 1);
        if (path.empty() || path[0] == '@')
            throw std::runtime_error(
                fmt::format("'{}': an abstract or empty IPC name has no permissions; give a "
                            "path in a 0700 directory, e.g. ipc:///run/spin/agent.sock",
                            endpoint));
        const size_t slash = path.rfind('/');
        const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
        struct stat st {};
        if (stat(dir.c_str(), &st) != 0) {
            if (errno != ENOENT || mkdir(dir.c_str(), 0700) != 0 || stat(dir.c_str(), &st) != 0)
                throw std::runtime_error(
                    fmt::format("'{}': cannot create {}: {}", endpoint, dir, std::strerror(errno)));
        }
        if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & (S_IRWXG | S_IRWXO)))
            throw std::runtime_error(fmt::format(
                "'{}': {} must be a directory of this user that nobody else may enter (mode {:o}, owner {}); "
                "chmod 700 it, or use another one such as /run/spin",
                endpoint, dir, st.st_mode & 0777, st.st_uid));
    }
    socket.bind(endpoint);
}

}  // namespace spin::transport
