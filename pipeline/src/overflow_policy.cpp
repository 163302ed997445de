#include "edgeloop/pipeline/overflow_policy.hpp"

namespace edgeloop {

std::string_view overflow_policy_name(OverflowPolicy policy) {
  return policy == OverflowPolicy::Latest ? "latest" : "lossless";
}

std::optional<OverflowPolicy> parse_overflow_policy(std::string_view name) {
  if (name == "lossless") return OverflowPolicy::Lossless;
  if (name == "latest") return OverflowPolicy::Latest;
  return std::nullopt;
}

}  // namespace edgeloop
