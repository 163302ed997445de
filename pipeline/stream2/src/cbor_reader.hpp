// Pulls one CBOR item head at a time out of a message with libcbor's streaming decoder, so
// strings come back as ranges of the message rather than copies. Private to the stream2 decoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "edgeloop/core/wire.hpp"

namespace edgeloop::stream2_detail {

enum class CborKind : std::uint8_t {
  UInt,
  NegInt,
  Bytes,
  Text,
  BytesChunked,  // indefinite-length byte string: definite chunks follow, then Break
  TextChunked,
  Array,
  ArrayIndefinite,
  Map,
  MapIndefinite,
  Tag,
  Float,
  Bool,
  Null,
  Undefined,
  Simple,  // an unassigned simple value (value: its number)
  Break,
};

// "an unsigned integer", "a text string", ... for error details.
std::string_view describe(CborKind kind);

struct CborItem {
  CborKind kind = CborKind::Null;
  // UInt: the value; NegInt: n for the value -1 - n; Tag: the tag number; Array and Map: the
  // declared count (of pairs for maps); Bytes and Text: the length.
  std::uint64_t value = 0;
  double number = 0.0;  // Float
  bool boolean = false;
  std::size_t offset = 0;   // first byte of the item's head
  std::size_t content = 0;  // Bytes and Text: first byte of the contents
};

// Thrown by the reader and the parser on the first problem, caught where decoding started: a
// hostile message can fail at any of hundreds of places, and unwinding keeps each one a line.
struct Refusal {
  WireError error;
};
[[noreturn]] void refuse(std::string reason, std::string detail);

class CborReader {
 public:
  explicit CborReader(std::span<const std::byte> input) : input_(input) {}

  // The next item head (for definite strings, with their contents). Refuses "truncated" when
  // the message ends inside it and "malformed" when it is not well-formed CBOR.
  CborItem next();
  // Whether the next byte is a break (0xff), which ends an indefinite-length container.
  bool next_is_break() const { return pos_ < input_.size() && input_[pos_] == std::byte{0xff}; }
  std::size_t position() const { return pos_; }
  std::size_t size() const { return input_.size(); }
  std::string_view text(const CborItem& item) const;
  std::span<const std::byte> bytes(const CborItem& item) const;

 private:
  std::span<const std::byte> input_;
  std::size_t pos_ = 0;
};

}  // namespace edgeloop::stream2_detail
