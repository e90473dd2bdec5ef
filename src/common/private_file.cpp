#include "common/private_file.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace spin {

std::string open_to_others(const std::string& path) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0 || (st.st_mode & (S_IRWXG | S_IRWXO)) == 0) return {};
    std::ostringstream mode;
    mode << std::oct << (st.st_mode & 0777);
    return mode.str();
}

std::optional<std::string> first_line(const std::string& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::string line;
    std::getline(in, line);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    return line;
}

}  // namespace spin
