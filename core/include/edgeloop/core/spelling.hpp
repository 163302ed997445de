// Help for misspelt names in configuration and parameters: "did you mean ...?".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace edgeloop {

// Edit distance counting a swap of neighbours as one edit, the commonest typing slip.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `name`, within two edits and not farther than either is long (two
// edits turn any two-letter name into any other); nullopt when none is that close.
template <class Names>
std::optional<std::string> closest_name(std::string_view name, const Names& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = 3;
  for (const auto& candidate : candidates) {
    const std::string_view c = candidate;
    const std::size_t d = edit_distance(name, c);
    if (d == 0 || d >= best_distance || d >= std::min(name.size(), c.size())) continue;
    best_distance = d;
    best = std::string(c);
  }
  return best;
}

}  // namespace edgeloop
