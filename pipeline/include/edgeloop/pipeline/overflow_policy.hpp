// What a stream does when the pipeline cannot keep up: the named overflow policy of its queue.
#pragma once

#include <optional>
#include <string_view>

namespace edgeloop {

enum class OverflowPolicy {
  // Nothing is dropped: ingest stops reading and ZeroMQ's high-water mark blocks the sender.
  // The default, and the only choice for data that is stored.
  Lossless,
  // The oldest waiting frame makes room and is counted as dropped: ingest never waits. For
  // preview streams, where the newest frame matters more than every frame.
  Latest,
};

std::string_view overflow_policy_name(OverflowPolicy policy);
std::optional<OverflowPolicy> parse_overflow_policy(std::string_view name);

}  // namespace edgeloop
