// Filling `{{name}}` placeholders of an input-file template (a job program's input deck).
// Strict both ways, so a template and its parameters cannot drift apart silently.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

namespace edgeloop::jobs {

// The placeholder names in `text` ([a-z0-9_]+ between "{{" and "}}"). std::invalid_argument
// for an unclosed or malformed placeholder.
std::set<std::string> template_placeholders(std::string_view text);

// Replaces every placeholder with its value. std::invalid_argument naming the placeholder
// when one has no value or a value has no placeholder.
std::string render_template(std::string_view text,
                            const std::map<std::string, std::string>& values);

}  // namespace edgeloop::jobs
