#include "edgeloop/jobs/text_template.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace edgeloop::jobs {

namespace {

// Calls on_text for the literal pieces and on_name for each placeholder, in order.
template <class Text, class Name>
void scan(std::string_view text, Text on_text, Name on_name) {
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t open = text.find("{{", at);
    if (open == std::string_view::npos) {
      on_text(text.substr(at));
      return;
    }
    on_text(text.substr(at, open - at));
    const std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      throw std::invalid_argument("template: '{{' at offset " + std::to_string(open) +
                                  " is never closed");
    }
    const std::string_view name = text.substr(open + 2, close - open - 2);
    const bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::islower(static_cast<unsigned char>(c)) ||
             std::isdigit(static_cast<unsigned char>(c)) || c == '_';
    });
    if (!valid) {
      throw std::invalid_argument("template: placeholder '{{" + std::string(name) +
                                  "}}' is not [a-z0-9_]+");
    }
    on_name(name);
    at = close + 2;
  }
}

}  // namespace

std::set<std::string> template_placeholders(std::string_view text) {
  std::set<std::string> names;
  scan(
      text, [](std::string_view) {}, [&](std::string_view name) { names.emplace(name); });
  return names;
}

std::string render_template(std::string_view text,
                            const std::map<std::string, std::string>& values) {
  for (const auto& name : template_placeholders(text)) {
    if (values.count(name) == 0) {
      throw std::invalid_argument("template: no value for placeholder '" + name + "'");
    }
  }
  std::set<std::string> used;
  std::string out;
  out.reserve(text.size());
  scan(
      text, [&](std::string_view piece) { out += piece; },
      [&](std::string_view name) {
        const auto it = values.find(std::string(name));
        out += it->second;
        used.insert(it->first);
      });
  for (const auto& [name, value] : values) {
    if (used.count(name) == 0) {
      throw std::invalid_argument("template: value '" + name + "' has no placeholder");
    }
  }
  return out;
}

}  // namespace edgeloop::jobs
