// Text from the network quoted back in ack reasons and logs: printable ASCII and short, so a
// hostile peer can neither bloat the ack cache nor put control characters in a log.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace edgeloop::sims {

// At most `limit` characters of `text`, each outside printable ASCII replaced by '?' (so no
// multi-byte character is ever cut in half), with "..." when something was left out.
inline std::string echo(std::string_view text, std::size_t limit = 40) {
  std::string out;
  out.reserve(std::min(text.size(), limit) + 3);
  for (const char c : text.substr(0, limit)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (text.size() > limit) out += "...";
  return out;
}

}  // namespace edgeloop::sims
