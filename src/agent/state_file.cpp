#include "agent/state_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/private_file.h"

namespace spin::agent {

namespace {

std::runtime_error sys_error(const std::string& what, const std::string& path) {
    return std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

void make_dirs(const std::string& dir) {
    for (size_t at = 1; at <= dir.size(); ++at) {
        if (at != dir.size() && dir[at] != '/') continue;
        const std::string part = dir.substr(0, at);
        if (mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) throw sys_error("cannot create", part);
    }
}

void write_all(int fd, const std::string& text, const std::string& path) {
    for (size_t done = 0; done < text.size();) {
        const ssize_t n = write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw sys_error("cannot write", path);
        done += static_cast<size_t>(n);
    }
}

}  // namespace

StateFile::StateFile(std::string dir, std::string name) : dir_(std::move(dir)) {
    while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
    if (!dir_.empty()) path_ = dir_ + "/" + name;
}

std::optional<nlohmann::json> StateFile::load() const {
    if (!enabled()) return std::nullopt;
    struct stat st {};
    if (stat(path_.c_str(), &st) != 0) {
        if (errno == ENOENT) return std::nullopt;
        throw sys_error("cannot read", path_);
    }
    if (const std::string mode = open_to_others(path_); !mode.empty())
        throw std::runtime_error(path_ + " is open to others (mode " + mode +
                                 "); refusing it: chmod 600 it if it is yours");
    std::ifstream in(path_);
    if (!in) throw sys_error("cannot read", path_);
    std::stringstream text;
    text << in.rdbuf();
    try {
        return nlohmann::json::parse(text.str());
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(path_ + " is not JSON: " + e.what());
    }
}

void StateFile::save(const nlohmann::json& doc) const {
    if (!enabled()) return;
    make_dirs(dir_);
    const std::string tmp = path_ + ".tmp";
    const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw sys_error("cannot create", tmp);
    try {
        fchmod(fd, 0600);  // an older temporary file may have had another mode
        write_all(fd, doc.dump(1) + "\n", tmp);
        if (fsync(fd) != 0) throw sys_error("cannot sync", tmp);
    } catch (...) {
        close(fd);
        unlink(tmp.c_str());
        throw;
    }
    close(fd);
    if (rename(tmp.c_str(), path_.c_str()) != 0) {
        unlink(tmp.c_str());
        throw sys_error("cannot replace", path_);
    }
    const int dfd = open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);  // the rename itself reaches the disk
        close(dfd);
    }
}

}  // namespace spin::agent
