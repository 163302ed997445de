#include "cbor_reader.hpp"

#include <cbor.h>

#include <cstdio>

namespace edgeloop::stream2_detail {

namespace {

// Where the callbacks leave the one item cbor_stream_decode reports.
struct Sink {
  CborItem* item;
  const unsigned char* base;
  bool set = false;
};

void put(void* context, CborKind kind, std::uint64_t value) {
  auto& sink = *static_cast<Sink*>(context);
  sink.item->kind = kind;
  sink.item->value = value;
  sink.set = true;
}

void put_string(void* context, CborKind kind, cbor_data data, std::size_t length) {
  auto& sink = *static_cast<Sink*>(context);
  put(context, kind, length);
  sink.item->content = static_cast<std::size_t>(data - sink.base);
}

void put_number(void* context, double number) {
  put(context, CborKind::Float, 0);
  static_cast<Sink*>(context)->item->number = number;
}

cbor_callbacks make_callbacks() {
  cbor_callbacks c{};
  c.uint8 = [](void* ctx, std::uint8_t v) { put(ctx, CborKind::UInt, v); };
  c.uint16 = [](void* ctx, std::uint16_t v) { put(ctx, CborKind::UInt, v); };
  c.uint32 = [](void* ctx, std::uint32_t v) { put(ctx, CborKind::UInt, v); };
  c.uint64 = [](void* ctx, std::uint64_t v) { put(ctx, CborKind::UInt, v); };
  c.negint8 = [](void* ctx, std::uint8_t v) { put(ctx, CborKind::NegInt, v); };
  c.negint16 = [](void* ctx, std::uint16_t v) { put(ctx, CborKind::NegInt, v); };
  c.negint32 = [](void* ctx, std::uint32_t v) { put(ctx, CborKind::NegInt, v); };
  c.negint64 = [](void* ctx, std::uint64_t v) { put(ctx, CborKind::NegInt, v); };
  c.byte_string = [](void* ctx, cbor_data data, std::size_t length) {
    put_string(ctx, CborKind::Bytes, data, length);
  };
  c.byte_string_start = [](void* ctx) { put(ctx, CborKind::BytesChunked, 0); };
  c.string = [](void* ctx, cbor_data data, std::size_t length) {
    put_string(ctx, CborKind::Text, data, length);
  };
  c.string_start = [](void* ctx) { put(ctx, CborKind::TextChunked, 0); };
  c.array_start = [](void* ctx, std::size_t n) { put(ctx, CborKind::Array, n); };
  c.indef_array_start = [](void* ctx) { put(ctx, CborKind::ArrayIndefinite, 0); };
  c.map_start = [](void* ctx, std::size_t n) { put(ctx, CborKind::Map, n); };
  c.indef_map_start = [](void* ctx) { put(ctx, CborKind::MapIndefinite, 0); };
  c.tag = [](void* ctx, std::uint64_t tag) { put(ctx, CborKind::Tag, tag); };
  c.float2 = [](void* ctx, float v) { put_number(ctx, static_cast<double>(v)); };
  c.float4 = [](void* ctx, float v) { put_number(ctx, static_cast<double>(v)); };
  c.float8 = [](void* ctx, double v) { put_number(ctx, v); };
  c.undefined = [](void* ctx) { put(ctx, CborKind::Undefined, 0); };
  c.null = [](void* ctx) { put(ctx, CborKind::Null, 0); };
  c.boolean = [](void* ctx, bool v) {
    put(ctx, CborKind::Bool, 0);
    static_cast<Sink*>(ctx)->item->boolean = v;
  };
  c.indef_break = [](void* ctx) { put(ctx, CborKind::Break, 0); };
  return c;
}

const cbor_callbacks kCallbacks = make_callbacks();

std::string hex_byte(std::byte b) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02x", static_cast<unsigned>(b));
  return text;
}

}  // namespace

std::string_view describe(CborKind kind) {
  switch (kind) {
    case CborKind::UInt:
      return "an unsigned integer";
    case CborKind::NegInt:
      return "a negative integer";
    case CborKind::Bytes:
      return "a byte string";
    case CborKind::Text:
      return "a text string";
    case CborKind::BytesChunked:
      return "an indefinite-length byte string";
    case CborKind::TextChunked:
      return "an indefinite-length text string";
    case CborKind::Array:
      return "an array";
    case CborKind::ArrayIndefinite:
      return "an indefinite-length array";
    case CborKind::Map:
      return "a map";
    case CborKind::MapIndefinite:
      return "an indefinite-length map";
    case CborKind::Tag:
      return "a tag";
    case CborKind::Float:
      return "a float";
    case CborKind::Bool:
      return "a boolean";
    case CborKind::Null:
      return "null";
    case CborKind::Undefined:
      return "undefined";
    case CborKind::Simple:
      return "a simple value";
    case CborKind::Break:
      return "a break";
  }
  return "an unknown item";
}

void refuse(std::string reason, std::string detail) {
  throw Refusal{WireError{std::move(reason), std::move(detail)}};
}

CborItem CborReader::next() {
  if (pos_ >= input_.size()) {
    refuse("truncated", "message of " + std::to_string(input_.size()) +
                            " bytes ends where another CBOR item should start");
  }
  CborItem item;
  item.offset = pos_;
  const auto head = static_cast<std::uint8_t>(input_[pos_]);
  // Well-formed heads libcbor 0.8's streaming decoder refuses: tags 6..20 written in the
  // initial byte, and simple values it has no callback for. An unknown field may hold them.
  if (head >= 0xc6 && head <= 0xd4) {
    item.kind = CborKind::Tag;
    item.value = head - 0xc0u;
    ++pos_;
    return item;
  }
  if (head >= 0xe0 && head <= 0xf3) {
    item.kind = CborKind::Simple;
    item.value = head - 0xe0u;
    ++pos_;
    return item;
  }
  if (head == 0xf8) {
    if (input_.size() - pos_ < 2) {
      refuse("truncated", "message ends inside the simple value at byte " + std::to_string(pos_));
    }
    item.kind = CborKind::Simple;
    item.value = static_cast<std::uint8_t>(input_[pos_ + 1]);
    if (item.value < 32) {  // RFC 8949 section 3.3: such two-byte forms are not well-formed
      refuse("malformed", "simple value " + std::to_string(item.value) + " at offset " +
                              std::to_string(pos_) + " in its two-byte form");
    }
    pos_ += 2;
    return item;
  }
  const auto* base = reinterpret_cast<const unsigned char*>(input_.data());
  Sink sink{&item, base};
  const cbor_decoder_result result =
      cbor_stream_decode(base + pos_, input_.size() - pos_, &kCallbacks, &sink);
  if (result.status == CBOR_DECODER_NEDATA) {
    refuse("truncated", "message of " + std::to_string(input_.size()) +
                            " bytes ends inside the CBOR item at byte " + std::to_string(pos_));
  }
  if (result.status != CBOR_DECODER_FINISHED || !sink.set || result.read == 0 ||
      result.read > input_.size() - pos_) {
    refuse("malformed", "byte " + hex_byte(input_[pos_]) + " at offset " + std::to_string(pos_) +
                            " does not start a well-formed CBOR item");
  }
  if (item.kind == CborKind::Bytes || item.kind == CborKind::Text) {
    // libcbor reports contents inside the buffer it was given; checked all the same, because
    // every later read of the message trusts these numbers.
    if (item.content < pos_ || item.content > input_.size() ||
        item.value > input_.size() - item.content) {
      refuse("malformed", "string at offset " + std::to_string(pos_) + " exceeds the message");
    }
  }
  pos_ += result.read;
  return item;
}

std::string_view CborReader::text(const CborItem& item) const {
  return {reinterpret_cast<const char*>(input_.data()) + item.content,
          static_cast<std::size_t>(item.value)};
}

std::span<const std::byte> CborReader::bytes(const CborItem& item) const {
  return input_.subspan(item.content, static_cast<std::size_t>(item.value));
}

}  // namespace edgeloop::stream2_detail
