// A read-only byte view of any contiguous buffer (ZeroMQ message, FlatBuffers buffer, vector),
// the form hashing, decoding and sending take.
#pragma once

#include <cstddef>
#include <span>

namespace edgeloop {

template <class Buffer>
std::span<const std::byte> bytes_of(const Buffer& buffer) {
  return {static_cast<const std::byte*>(static_cast<const void*>(buffer.data())),
          static_cast<std::size_t>(buffer.size())};
}

}  // namespace edgeloop
