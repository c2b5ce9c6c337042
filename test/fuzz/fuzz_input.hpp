#pragma once
// Splitting a fuzz input into the several fields a target feeds its parser, one per line.
#include <string_view>

namespace sesame::fuzz {

// The text up to the next '\n' (or all of it), removed from `text` with its '\n'.
inline std::string_view takeLine(std::string_view& text) {
    auto newline = text.find('\n');
    auto out = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    return out;
}

}  // namespace sesame::fuzz
