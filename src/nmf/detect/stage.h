// How strong a finding is, and how far the response goes: the stages of
// docs/detection.md, in order.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace spin::nmf {

enum class Stage : int { none = 0, alert = 1, restrict = 2, quarantine = 3 };

inline const char* to_string(Stage s) {
    switch (s) {
    case Stage::alert: return "alert";
    case Stage::restrict: return "restrict";
    case Stage::quarantine: return "quarantine";
    default: return "none";
    }
}

inline std::optional<Stage> stage_from(std::string_view text) {
    for (Stage s : {Stage::none, Stage::alert, Stage::restrict, Stage::quarantine})
        if (text == to_string(s)) return s;
    return std::nullopt;
}

// Thresholds of one measure: the stage a value reaches (0 turns a stage off).
struct StageThresholds {
    double alert = 0, restrict = 0, quarantine = 0;

    Stage reached(double value) const {
        if (quarantine > 0 && value >= quarantine) return Stage::quarantine;
        if (restrict > 0 && value >= restrict) return Stage::restrict;
        if (alert > 0 && value >= alert) return Stage::alert;
        return Stage::none;
    }
    // The threshold of a stage (0 if off).
    double of(Stage s) const {
        return s == Stage::quarantine ? quarantine : s == Stage::restrict ? restrict : s == Stage::alert ? alert : 0;
    }
};

}  // namespace spin::nmf
