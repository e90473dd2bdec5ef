// Test helper: the shared corpus's MUD files (../shared/corpus/mud/*/*.json),
// read whole.  Empty where the corpus is absent (the tests then skip).
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace spin::mud::test {

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline std::filesystem::path corpus_root() { return std::filesystem::path(SPIN_CORPUS_DIR) / "mud"; }

inline std::vector<std::filesystem::path> corpus_files() {
    std::vector<std::filesystem::path> out;
    if (!std::filesystem::is_directory(corpus_root())) return out;
    for (const auto& dir : std::filesystem::directory_iterator(corpus_root()))
        for (const auto& f : std::filesystem::directory_iterator(dir))
            if (f.path().extension() == ".json") out.push_back(f.path());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace spin::mud::test
