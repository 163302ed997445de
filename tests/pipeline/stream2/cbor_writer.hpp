// A CBOR encoder for tests, on libcbor's encoding functions: item heads are appended one by
// one, so a test can write well-formed stream2 messages and deliberately broken ones alike.
#pragma once

#include <cbor.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace edgeloop::testing {

class CborWriter {
 public:
  CborWriter& uint(std::uint64_t v) { return head(cbor_encode_uint, v); }
  // The negative integer -1 - n.
  CborWriter& negint(std::uint64_t n) { return head(cbor_encode_negint, n); }
  CborWriter& text(std::string_view s) {
    head(cbor_encode_string_start, s.size());
    return raw(std::as_bytes(std::span(s.data(), s.size())));
  }
  CborWriter& bytes(std::span<const std::byte> b) {
    head(cbor_encode_bytestring_start, b.size());
    return raw(b);
  }
  CborWriter& array(std::size_t count) { return head(cbor_encode_array_start, count); }
  CborWriter& map(std::size_t pairs) { return head(cbor_encode_map_start, pairs); }
  CborWriter& indefinite_array() { return head0(cbor_encode_indef_array_start); }
  CborWriter& indefinite_map() { return head0(cbor_encode_indef_map_start); }
  CborWriter& indefinite_bytes() { return head0(cbor_encode_indef_bytestring_start); }
  CborWriter& end() { return head0(cbor_encode_break); }
  CborWriter& tag(std::uint64_t t) { return head(cbor_encode_tag, t); }
  CborWriter& float64(double v) { return head(cbor_encode_double, v); }
  CborWriter& float32(float v) { return head(cbor_encode_single, v); }
  CborWriter& boolean(bool v) { return head(cbor_encode_bool, v); }
  CborWriter& null() { return head0(cbor_encode_null); }
  CborWriter& raw(std::span<const std::byte> b) {
    out_.insert(out_.end(), b.begin(), b.end());
    return *this;
  }
  CborWriter& raw(const std::vector<std::byte>& b) { return raw(std::span(b)); }
  CborWriter& key(std::string_view k) { return text(k); }

  std::size_t size() const { return out_.size(); }
  const std::vector<std::byte>& bytes() const { return out_; }
  std::vector<std::byte> take() { return std::move(out_); }

 private:
  template <class Encode, class Value>
  CborWriter& head(Encode encode, Value value) {
    unsigned char buffer[16];
    const std::size_t n = encode(value, buffer, sizeof buffer);
    return append(buffer, n);
  }
  template <class Encode>
  CborWriter& head0(Encode encode) {
    unsigned char buffer[16];
    const std::size_t n = encode(buffer, sizeof buffer);
    return append(buffer, n);
  }
  CborWriter& append(const unsigned char* data, std::size_t n) {
    const auto* begin = reinterpret_cast<const std::byte*>(data);
    out_.insert(out_.end(), begin, begin + n);
    return *this;
  }

  std::vector<std::byte> out_;
};

}  // namespace edgeloop::testing
