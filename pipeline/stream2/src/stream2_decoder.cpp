#include "edgeloop/pipeline/stream2/stream2_decoder.hpp"

#include <limits>
#include <string>

#include "cbor_reader.hpp"
#include "rfc3339_time.hpp"

namespace edgeloop {

namespace {

using stream2_detail::CborItem;
using stream2_detail::CborKind;
using stream2_detail::CborReader;
using stream2_detail::describe;
using stream2_detail::Refusal;
using stream2_detail::refuse;

constexpr std::uint64_t kTagDateTimeText = 0;
constexpr std::uint64_t kTagEpochTime = 1;
constexpr std::uint64_t kTagMultiDimRowMajor = 40;
constexpr std::uint64_t kTagMultiDimColumnMajor = 1040;
constexpr std::uint64_t kTagSelfDescribed = 55799;
constexpr std::uint64_t kTagDectrisCompression = 56500;
constexpr std::uint64_t kNoTag = std::numeric_limits<std::uint64_t>::max();
constexpr std::size_t kCompressedHeaderBytes = 12;
constexpr std::size_t kMaxAlgorithmName = 32;
constexpr std::size_t kMaxGoniometerAxes = 16;
constexpr std::size_t kMaxTranslationAxes = 3;

// What RFC 8746 typed-array tags (64..87) mean to edgeloop, whose frames hold little-endian
// elements of wire::DType.
struct TypedArrayType {
  bool valid = false;  // an RFC 8746 typed-array tag at all
  wire::DType dtype = wire::DType::Unknown;
  std::uint32_t element_size = 0;
};

TypedArrayType typed_array_type(std::uint64_t tag) {
  if (tag < 64 || tag > 87) return {};
  // RFC 8746 section 2.1: tag = 0b010_f_s_e_ll.
  const unsigned bits = static_cast<unsigned>(tag - 64);
  const bool is_float = (bits & 0x10u) != 0;
  const bool is_signed = (bits & 0x08u) != 0;
  const bool little_endian = (bits & 0x04u) != 0;
  const unsigned ll = bits & 0x03u;
  if (!is_float && is_signed && little_endian && ll == 0) return {};  // 76 is reserved
  TypedArrayType type;
  type.valid = true;
  type.element_size = is_float ? (2u << ll) : (1u << ll);
  if (is_float) {
    if (little_endian && ll == 1) type.dtype = wire::DType::F32;
    if (little_endian && ll == 2) type.dtype = wire::DType::F64;
  } else if (is_signed) {
    if (little_endian && ll == 2) type.dtype = wire::DType::I32;
  } else if (ll == 0) {
    type.dtype = wire::DType::U8;  // 64, and 68 (clamped: the same bytes)
  } else if (little_endian && ll == 1) {
    type.dtype = wire::DType::U16;
  } else if (little_endian && ll == 2) {
    type.dtype = wire::DType::U32;
  }
  return type;
}

std::uint64_t read_be(std::span<const std::byte> bytes, std::size_t count) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < count; ++i)
    value = (value << 8) | static_cast<std::uint8_t>(bytes[i]);
  return value;
}

std::string quoted(std::string_view text) {
  return "'" + std::string(text.substr(0, 64)) + "'";
}

// Walks a map entry by entry; non-text keys are skipped with their values (stream2 keys are
// text, and anything else is some future extension to ignore).
struct MapCursor {
  bool indefinite = false;
  std::uint64_t remaining = 0;
};

struct ArrayCursor {
  bool indefinite = false;
  std::uint64_t remaining = 0;
};

// Remembers which known fields a map had, to refuse duplicates and report missing ones.
class FieldSet {
 public:
  void mark(std::string_view key, unsigned bit) {
    const std::uint64_t mask = std::uint64_t{1} << bit;
    if ((seen_ & mask) != 0) refuse("duplicate_field", "field " + quoted(key) + " appears twice");
    seen_ |= mask;
  }
  bool has(unsigned bit) const { return (seen_ & (std::uint64_t{1} << bit)) != 0; }

 private:
  std::uint64_t seen_ = 0;
};

class Parser {
 public:
  Parser(std::span<const std::byte> message, const Stream2Limits& limits)
      : reader_(message), limits_(limits) {}

  Stream2Message parse();

 private:
  CborReader reader_;
  const Stream2Limits& limits_;

  void check_depth(std::size_t depth) const {
    if (depth > limits_.max_depth) {
      refuse("too_deep", "items nest deeper than " + std::to_string(limits_.max_depth) +
                             " levels at byte " + std::to_string(reader_.position()));
    }
  }

  // Generic traversal, for values nobody asked for.
  void skip(const CborItem& item, std::size_t depth);
  bool next_key(MapCursor& map, std::string_view& key, std::size_t depth);
  bool next_element(ArrayCursor& array);
  MapCursor open_map(std::string_view key, std::size_t depth);
  ArrayCursor open_array(std::string_view key, std::size_t depth);

  // The next value with any tags before it stepped over (stream2 tags dates with 0, and may
  // tag other scalars); the innermost tag is reported in `tag`.
  CborItem next_value(std::size_t depth, std::uint64_t* tag = nullptr);
  [[noreturn]] void wrong_type(std::string_view key, std::string_view expected,
                               const CborItem& got) const {
    refuse("bad_type", "field " + quoted(key) + " is " + std::string(describe(got.kind)) +
                           ", expected " + std::string(expected));
  }

  std::uint64_t read_uint(std::string_view key, std::size_t depth);
  std::int64_t read_int(std::string_view key, std::size_t depth);
  double read_float(std::string_view key, std::size_t depth);
  bool read_bool(std::string_view key, std::size_t depth);
  std::string text_of(std::string_view key, const CborItem& item) const;
  std::string read_text(std::string_view key, std::size_t depth);
  Stream2Rational read_rational(std::string_view key, std::size_t depth);
  void read_date(std::string_view key, std::size_t depth, std::string& text,
                 std::optional<std::int64_t>& ns);
  Stream2Span read_raw(std::size_t depth);

  Stream2Array read_array(std::string_view key, std::size_t depth);
  std::vector<Stream2Channel> read_channel_arrays(std::string_view key, std::size_t depth);
  std::vector<std::string> read_text_list(std::string_view key, std::size_t depth);
  std::vector<double> read_float_list(std::string_view key, std::size_t depth);
  std::vector<Stream2ChannelValue> read_channel_floats(std::string_view key, std::size_t depth);
  std::vector<Stream2GoniometerAxis> read_goniometer(std::string_view key, std::size_t depth);

  Stream2Start parse_start(MapCursor& map);
  Stream2Image parse_image(MapCursor& map);
  Stream2End parse_end(MapCursor& map);
};

void Parser::skip(const CborItem& item, std::size_t depth) {
  check_depth(depth);
  switch (item.kind) {
    case CborKind::BytesChunked:
    case CborKind::TextChunked: {
      const CborKind chunk = item.kind == CborKind::BytesChunked ? CborKind::Bytes : CborKind::Text;
      for (;;) {
        const CborItem part = reader_.next();
        if (part.kind == CborKind::Break) return;
        if (part.kind != chunk) {
          refuse("malformed", "chunk at byte " + std::to_string(part.offset) +
                                  " of an indefinite-length string is " +
                                  std::string(describe(part.kind)));
        }
      }
    }
    case CborKind::Array:
      // Each element takes at least a byte, so a huge declared count ends in "truncated".
      for (std::uint64_t i = 0; i < item.value; ++i) skip(reader_.next(), depth + 1);
      return;
    case CborKind::ArrayIndefinite:
      while (!reader_.next_is_break()) skip(reader_.next(), depth + 1);
      reader_.next();
      return;
    case CborKind::Map:
      for (std::uint64_t i = 0; i < item.value; ++i) {
        skip(reader_.next(), depth + 1);
        skip(reader_.next(), depth + 1);
      }
      return;
    case CborKind::MapIndefinite:
      while (!reader_.next_is_break()) {
        skip(reader_.next(), depth + 1);
        skip(reader_.next(), depth + 1);
      }
      reader_.next();
      return;
    case CborKind::Tag:
      skip(reader_.next(), depth + 1);
      return;
    case CborKind::Break:
      refuse("malformed",
             "break at byte " + std::to_string(item.offset) + " outside an indefinite-length item");
    default:
      return;
  }
}

bool Parser::next_key(MapCursor& map, std::string_view& key, std::size_t depth) {
  for (;;) {
    if (map.indefinite) {
      if (reader_.next_is_break()) {
        reader_.next();
        return false;
      }
    } else {
      if (map.remaining == 0) return false;
      --map.remaining;
    }
    const CborItem item = reader_.next();
    if (item.kind == CborKind::Text) {
      key = reader_.text(item);
      return true;
    }
    skip(item, depth);
    skip(reader_.next(), depth);
  }
}

bool Parser::next_element(ArrayCursor& array) {
  if (array.indefinite) {
    if (!reader_.next_is_break()) return true;
    reader_.next();
    return false;
  }
  if (array.remaining == 0) return false;
  --array.remaining;
  return true;
}

MapCursor Parser::open_map(std::string_view key, std::size_t depth) {
  const CborItem item = next_value(depth);
  if (item.kind == CborKind::Map) return {false, item.value};
  if (item.kind == CborKind::MapIndefinite) return {true, 0};
  wrong_type(key, "a map", item);
}

ArrayCursor Parser::open_array(std::string_view key, std::size_t depth) {
  const CborItem item = next_value(depth);
  if (item.kind == CborKind::Array) return {false, item.value};
  if (item.kind == CborKind::ArrayIndefinite) return {true, 0};
  wrong_type(key, "an array", item);
}

CborItem Parser::next_value(std::size_t depth, std::uint64_t* tag) {
  check_depth(depth);
  CborItem item = reader_.next();
  while (item.kind == CborKind::Tag) {
    if (tag != nullptr) *tag = item.value;
    check_depth(++depth);
    item = reader_.next();
  }
  return item;
}

std::uint64_t Parser::read_uint(std::string_view key, std::size_t depth) {
  const CborItem item = next_value(depth);
  if (item.kind != CborKind::UInt) wrong_type(key, "an unsigned integer", item);
  return item.value;
}

std::int64_t Parser::read_int(std::string_view key, std::size_t depth) {
  const CborItem item = next_value(depth);
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (item.kind != CborKind::UInt && item.kind != CborKind::NegInt) {
    wrong_type(key, "an integer", item);
  }
  if (item.value > kMax) refuse("bad_field", "field " + quoted(key) + " does not fit 64 bits");
  const auto magnitude = static_cast<std::int64_t>(item.value);
  return item.kind == CborKind::UInt ? magnitude : -1 - magnitude;
}

double Parser::read_float(std::string_view key, std::size_t depth) {
  const CborItem item = next_value(depth);
  // Floats sent as integers (0 rather than 0.0) are common in hand-written senders.
  if (item.kind == CborKind::Float) return item.number;
  if (item.kind == CborKind::UInt) return static_cast<double>(item.value);
  if (item.kind == CborKind::NegInt) return -1.0 - static_cast<double>(item.value);
  wrong_type(key, "a number", item);
}

bool Parser::read_bool(std::string_view key, std::size_t depth) {
  const CborItem item = next_value(depth);
  if (item.kind != CborKind::Bool) wrong_type(key, "a boolean", item);
  return item.boolean;
}

std::string Parser::text_of(std::string_view key, const CborItem& item) const {
  if (item.kind != CborKind::Text) wrong_type(key, "a text string", item);
  if (item.value > limits_.max_text) {
    refuse("too_large", "field " + quoted(key) + " has " + std::to_string(item.value) +
                            " bytes of text, more than " + std::to_string(limits_.max_text));
  }
  return std::string(reader_.text(item));
}

std::string Parser::read_text(std::string_view key, std::size_t depth) {
  return text_of(key, next_value(depth));
}

Stream2Rational Parser::read_rational(std::string_view key, std::size_t depth) {
  const CborItem item = next_value(depth);
  if (item.kind != CborKind::Array || item.value != 2) {
    wrong_type(key, "a rational (an array of two unsigned integers)", item);
  }
  Stream2Rational rational;
  rational.numerator = read_uint(key, depth + 1);
  rational.denominator = read_uint(key, depth + 1);
  if (rational.denominator == 0) {
    refuse("bad_field", "field " + quoted(key) + " has a zero denominator");
  }
  return rational;
}

void Parser::read_date(std::string_view key, std::size_t depth, std::string& text,
                       std::optional<std::int64_t>& ns) {
  std::uint64_t tag = kNoTag;
  const CborItem item = next_value(depth, &tag);
  if (item.kind == CborKind::Text && (tag == kTagDateTimeText || tag == kNoTag)) {
    text = text_of(key, item);
    // A date that does not parse is kept as text: it is informational, and refusing every
    // image of a series over it would lose the data itself.
    ns = stream2_detail::parse_rfc3339_ns(text);
    return;
  }
  if (tag == kTagEpochTime && (item.kind == CborKind::UInt || item.kind == CborKind::Float)) {
    const double seconds =
        item.kind == CborKind::UInt ? static_cast<double>(item.value) : item.number;
    if (seconds >= 0.0 && seconds < 9.2e9) ns = static_cast<std::int64_t>(seconds * 1e9);
    return;
  }
  wrong_type(key, "a date (tag 0 text or tag 1 number)", item);
}

Stream2Span Parser::read_raw(std::size_t depth) {
  const std::size_t start = reader_.position();
  skip(reader_.next(), depth);
  return {start, reader_.position() - start};
}

Stream2Array Parser::read_array(std::string_view key, std::size_t depth) {
  check_depth(depth);
  const CborItem outer = reader_.next();
  if (outer.kind != CborKind::Tag) wrong_type(key, "a multi-dimensional array (tag 40)", outer);
  if (outer.value == kTagMultiDimColumnMajor) {
    refuse("unsupported_layout", "field " + quoted(key) + " is a column-major array (tag 1040)");
  }
  if (outer.value != kTagMultiDimRowMajor) {
    refuse("bad_tag", "field " + quoted(key) + " has tag " + std::to_string(outer.value) +
                          " where a multi-dimensional array (tag 40) belongs");
  }
  const CborItem pair = reader_.next();
  if (pair.kind != CborKind::Array || pair.value != 2) {
    wrong_type(key, "[dimensions, typed array] after tag 40", pair);
  }
  check_depth(depth + 2);
  const CborItem dims = reader_.next();
  if (dims.kind != CborKind::Array) wrong_type(key, "an array of dimensions", dims);
  if (dims.value != 2) {
    refuse("bad_shape", "field " + quoted(key) + " has " + std::to_string(dims.value) +
                            " dimensions; stream2 images have 2");
  }
  Stream2Array array;
  for (std::uint32_t& dim : array.shape) {
    const std::uint64_t value = read_uint(key, depth + 3);
    if (value == 0 || value > limits_.max_dim) {
      refuse("bad_shape", "field " + quoted(key) + " has dimension " + std::to_string(value) +
                              " outside 1.." + std::to_string(limits_.max_dim));
    }
    dim = static_cast<std::uint32_t>(value);
  }

  const CborItem typed = reader_.next();
  if (typed.kind != CborKind::Tag) wrong_type(key, "a typed array (tag 64..87)", typed);
  const TypedArrayType type = typed_array_type(typed.value);
  if (!type.valid) {
    refuse("bad_tag", "field " + quoted(key) + " has tag " + std::to_string(typed.value) +
                          " where a typed array (RFC 8746 tag 64..87) belongs");
  }
  if (type.dtype == wire::DType::Unknown) {
    refuse("unsupported_dtype", "field " + quoted(key) + " is a typed array with tag " +
                                    std::to_string(typed.value) +
                                    "; edgeloop takes u8, little-endian u16, u32, i32, f32, f64");
  }
  array.dtype = type.dtype;
  array.typed_array_tag = typed.value;
  array.element_size = type.element_size;
  // Both dimensions are at most 2^32, so rows * columns fits 64 bits; the byte count is
  // checked before it is formed.
  const std::uint64_t elements = std::uint64_t{array.shape[0]} * array.shape[1];
  if (elements > limits_.max_array_bytes / type.element_size) {
    refuse("too_large", "field " + quoted(key) + " of " + std::to_string(array.shape[0]) + "x" +
                            std::to_string(array.shape[1]) + " elements is larger than " +
                            std::to_string(limits_.max_array_bytes) + " bytes");
  }
  array.uncompressed_size = elements * type.element_size;

  check_depth(depth + 3);
  CborItem payload = reader_.next();
  if (payload.kind == CborKind::Tag) {
    if (payload.value != kTagDectrisCompression) {
      refuse("bad_tag", "field " + quoted(key) + " has tag " + std::to_string(payload.value) +
                            " where a byte string or compression (tag 56500) belongs");
    }
    check_depth(depth + 4);
    const CborItem triple = reader_.next();
    if (triple.kind != CborKind::Array || triple.value != 3) {
      wrong_type(key, "[algorithm, element size, bytes] after tag 56500", triple);
    }
    const CborItem algorithm_item = next_value(depth + 5);
    if (algorithm_item.kind != CborKind::Text || algorithm_item.value > kMaxAlgorithmName) {
      wrong_type(key, "a compression algorithm name", algorithm_item);
    }
    const std::string_view algorithm = reader_.text(algorithm_item);
    const std::uint64_t modifier = read_uint(key, depth + 5);
    if (algorithm == "bslz4") {
      array.compression = Stream2Compression::Bslz4;
      if (modifier != type.element_size) {
        refuse("bad_field", "field " + quoted(key) + " is bslz4 with element size " +
                                std::to_string(modifier) + " for elements of " +
                                std::to_string(type.element_size) + " bytes");
      }
    } else if (algorithm == "lz4") {
      array.compression = Stream2Compression::Lz4;  // the modifier is unused (sent as 0)
    } else {
      refuse("unsupported_compression", "field " + quoted(key) + " is compressed with " +
                                            quoted(algorithm) + "; edgeloop takes bslz4 and lz4");
    }
    payload = next_value(depth + 5);
  }
  if (payload.kind == CborKind::BytesChunked) {
    refuse("unsupported_encoding", "field " + quoted(key) +
                                       " is an indefinite-length byte string, which cannot be "
                                       "kept in place");
  }
  if (payload.kind != CborKind::Bytes) wrong_type(key, "a byte string of elements", payload);
  array.data = {payload.content, static_cast<std::size_t>(payload.value)};
  const std::span<const std::byte> bytes = reader_.bytes(payload);

  if (array.compression == Stream2Compression::None) {
    if (bytes.size() != array.uncompressed_size) {
      refuse("payload_size", "field " + quoted(key) + " has " + std::to_string(bytes.size()) +
                                 " bytes, its shape and element type need " +
                                 std::to_string(array.uncompressed_size));
    }
  } else {
    if (bytes.size() < kCompressedHeaderBytes) {
      refuse("payload_size", "field " + quoted(key) + " has " + std::to_string(bytes.size()) +
                                 " compressed bytes, fewer than the 12-byte header");
    }
    const std::uint64_t declared = read_be(bytes, 8);
    if (declared != array.uncompressed_size) {
      refuse("payload_size", "field " + quoted(key) + " decompresses to " +
                                 std::to_string(declared) + " bytes, its shape and element " +
                                 "type need " + std::to_string(array.uncompressed_size));
    }
  }
  return array;
}

std::vector<Stream2Channel> Parser::read_channel_arrays(std::string_view key, std::size_t depth) {
  MapCursor map = open_map(key, depth);
  std::vector<Stream2Channel> channels;
  std::string_view name;
  while (next_key(map, name, depth + 1)) {
    if (channels.size() == limits_.max_channels) {
      refuse("too_large", "field " + quoted(key) + " has more than " +
                              std::to_string(limits_.max_channels) + " channels");
    }
    if (name.size() > limits_.max_text) {
      refuse("too_large", "a channel name of field " + quoted(key) + " is too long");
    }
    for (const Stream2Channel& c : channels) {
      if (c.name == name) {
        refuse("duplicate_field",
               "field " + quoted(key) + " has channel " + quoted(name) + " twice");
      }
    }
    Stream2Channel channel{std::string(name), {}};
    channel.array = read_array(channel.name, depth + 1);
    channels.push_back(std::move(channel));
  }
  return channels;
}

std::vector<std::string> Parser::read_text_list(std::string_view key, std::size_t depth) {
  ArrayCursor array = open_array(key, depth);
  std::vector<std::string> values;
  while (next_element(array)) {
    if (values.size() == limits_.max_channels) {
      refuse("too_large", "field " + quoted(key) + " has more than " +
                              std::to_string(limits_.max_channels) + " entries");
    }
    values.push_back(read_text(key, depth + 1));
  }
  return values;
}

std::vector<double> Parser::read_float_list(std::string_view key, std::size_t depth) {
  ArrayCursor array = open_array(key, depth);
  std::vector<double> values;
  while (next_element(array)) {
    if (values.size() == kMaxTranslationAxes) {
      refuse("bad_field", "field " + quoted(key) + " has more than " +
                              std::to_string(kMaxTranslationAxes) + " entries");
    }
    values.push_back(read_float(key, depth + 1));
  }
  return values;
}

std::vector<Stream2ChannelValue> Parser::read_channel_floats(std::string_view key,
                                                             std::size_t depth) {
  MapCursor map = open_map(key, depth);
  std::vector<Stream2ChannelValue> values;
  std::string_view name;
  while (next_key(map, name, depth + 1)) {
    if (values.size() == limits_.max_channels || name.size() > limits_.max_text) {
      refuse("too_large", "field " + quoted(key) + " has too many or too long channels");
    }
    Stream2ChannelValue value{std::string(name), 0.0};
    value.value = read_float(key, depth + 1);
    values.push_back(std::move(value));
  }
  return values;
}

std::vector<Stream2GoniometerAxis> Parser::read_goniometer(std::string_view key,
                                                           std::size_t depth) {
  MapCursor axes = open_map(key, depth);
  std::vector<Stream2GoniometerAxis> result;
  std::string_view name;
  while (next_key(axes, name, depth + 1)) {
    if (result.size() == kMaxGoniometerAxes || name.size() > limits_.max_text) {
      refuse("too_large", "field " + quoted(key) + " has too many or too long axes");
    }
    Stream2GoniometerAxis axis{std::string(name), {}, {}};
    MapCursor fields = open_map(axis.name, depth + 1);
    std::string_view field;
    while (next_key(fields, field, depth + 2)) {
      if (field == "start") {
        axis.start = read_float(field, depth + 2);
      } else if (field == "increment") {
        axis.increment = read_float(field, depth + 2);
      } else {
        skip(reader_.next(), depth + 2);
      }
    }
    result.push_back(std::move(axis));
  }
  return result;
}

Stream2Start Parser::parse_start(MapCursor& map) {
  enum Field : unsigned {
    kSeriesId,
    kSeriesUniqueId,
    kArmDate,
    kBeamCenterX,
    kBeamCenterY,
    kChannels,
    kCountTime,
    kFrameTime,
    kDetectorDistance,
    kDetectorTranslation,
    kDetectorDescription,
    kDetectorSerialNumber,
    kIncidentEnergy,
    kIncidentWavelength,
    kImageSizeX,
    kImageSizeY,
    kNumberOfImages,
    kBitDepthImage,
    kBitDepthReadout,
    kPixelSizeX,
    kPixelSizeY,
    kSaturationValue,
    kSensorMaterial,
    kSensorThickness,
    kCountrateCorrectionEnabled,
    kFlatfieldEnabled,
    kPixelMaskEnabled,
    kVirtualPixelInterpolationEnabled,
    kThresholdEnergy,
    kGoniometer,
    kFlatfield,
    kPixelMask,
    kUserData,
  };
  Stream2Start start;
  FieldSet seen;
  std::string_view key;
  constexpr std::size_t d = 1;
  auto optional_float = [&](Field field, std::optional<double>& out) {
    seen.mark(key, field);
    out = read_float(key, d);
  };
  auto optional_uint = [&](Field field, std::optional<std::uint64_t>& out) {
    seen.mark(key, field);
    out = read_uint(key, d);
  };
  auto optional_bool = [&](Field field, std::optional<bool>& out) {
    seen.mark(key, field);
    out = read_bool(key, d);
  };
  auto text = [&](Field field, std::string& out) {
    seen.mark(key, field);
    out = read_text(key, d);
  };
  while (next_key(map, key, d)) {
    if (key == "series_id") {
      seen.mark(key, kSeriesId);
      start.series_id = read_uint(key, d);
    } else if (key == "series_unique_id") {
      text(kSeriesUniqueId, start.series_unique_id);
    } else if (key == "arm_date") {
      seen.mark(key, kArmDate);
      read_date(key, d, start.arm_date, start.arm_date_ns);
    } else if (key == "beam_center_x") {
      optional_float(kBeamCenterX, start.beam_center_x);
    } else if (key == "beam_center_y") {
      optional_float(kBeamCenterY, start.beam_center_y);
    } else if (key == "channels") {
      seen.mark(key, kChannels);
      start.channels = read_text_list(key, d);
    } else if (key == "count_time") {
      optional_float(kCountTime, start.count_time);
    } else if (key == "frame_time") {
      optional_float(kFrameTime, start.frame_time);
    } else if (key == "detector_distance") {
      optional_float(kDetectorDistance, start.detector_distance);
    } else if (key == "detector_translation") {
      seen.mark(key, kDetectorTranslation);
      start.detector_translation = read_float_list(key, d);
    } else if (key == "detector_description") {
      text(kDetectorDescription, start.detector_description);
    } else if (key == "detector_serial_number") {
      text(kDetectorSerialNumber, start.detector_serial_number);
    } else if (key == "incident_energy") {
      optional_float(kIncidentEnergy, start.incident_energy);
    } else if (key == "incident_wavelength") {
      optional_float(kIncidentWavelength, start.incident_wavelength);
    } else if (key == "image_size_x") {
      optional_uint(kImageSizeX, start.image_size_x);
    } else if (key == "image_size_y") {
      optional_uint(kImageSizeY, start.image_size_y);
    } else if (key == "number_of_images") {
      optional_uint(kNumberOfImages, start.number_of_images);
    } else if (key == "bit_depth_image") {
      optional_uint(kBitDepthImage, start.bit_depth_image);
    } else if (key == "bit_depth_readout") {
      optional_uint(kBitDepthReadout, start.bit_depth_readout);
    } else if (key == "pixel_size_x") {
      optional_float(kPixelSizeX, start.pixel_size_x);
    } else if (key == "pixel_size_y") {
      optional_float(kPixelSizeY, start.pixel_size_y);
    } else if (key == "saturation_value") {
      seen.mark(key, kSaturationValue);
      start.saturation_value = read_int(key, d);
    } else if (key == "sensor_material") {
      text(kSensorMaterial, start.sensor_material);
    } else if (key == "sensor_thickness") {
      optional_float(kSensorThickness, start.sensor_thickness);
    } else if (key == "countrate_correction_enabled") {
      optional_bool(kCountrateCorrectionEnabled, start.countrate_correction_enabled);
    } else if (key == "flatfield_enabled") {
      optional_bool(kFlatfieldEnabled, start.flatfield_enabled);
    } else if (key == "pixel_mask_enabled") {
      optional_bool(kPixelMaskEnabled, start.pixel_mask_enabled);
    } else if (key == "virtual_pixel_interpolation_enabled") {
      optional_bool(kVirtualPixelInterpolationEnabled, start.virtual_pixel_interpolation_enabled);
    } else if (key == "threshold_energy") {
      seen.mark(key, kThresholdEnergy);
      start.threshold_energy = read_channel_floats(key, d);
    } else if (key == "goniometer") {
      seen.mark(key, kGoniometer);
      start.goniometer = read_goniometer(key, d);
    } else if (key == "flatfield") {
      seen.mark(key, kFlatfield);
      start.flatfield = read_channel_arrays(key, d);
    } else if (key == "pixel_mask") {
      seen.mark(key, kPixelMask);
      start.pixel_mask = read_channel_arrays(key, d);
    } else if (key == "user_data") {
      seen.mark(key, kUserData);
      start.user_data = read_raw(d);
    } else {
      skip(reader_.next(), d);  // unknown keys are ignored, as DECTRIS asks of clients
    }
  }
  if (!seen.has(kSeriesId)) refuse("missing_field", "start message has no series_id");
  if (!seen.has(kSeriesUniqueId)) refuse("missing_field", "start message has no series_unique_id");
  return start;
}

Stream2Image Parser::parse_image(MapCursor& map) {
  enum Field : unsigned {
    kSeriesId,
    kSeriesUniqueId,
    kImageId,
    kRealTime,
    kStartTime,
    kStopTime,
    kSeriesDate,
    kData,
    kUserData,
  };
  Stream2Image image;
  FieldSet seen;
  std::string_view key;
  constexpr std::size_t d = 1;
  while (next_key(map, key, d)) {
    if (key == "series_id") {
      seen.mark(key, kSeriesId);
      image.series_id = read_uint(key, d);
    } else if (key == "series_unique_id") {
      seen.mark(key, kSeriesUniqueId);
      image.series_unique_id = read_text(key, d);
    } else if (key == "image_id") {
      seen.mark(key, kImageId);
      image.image_id = read_uint(key, d);
    } else if (key == "real_time") {
      seen.mark(key, kRealTime);
      image.real_time = read_rational(key, d);
    } else if (key == "start_time") {
      seen.mark(key, kStartTime);
      image.start_time = read_rational(key, d);
    } else if (key == "stop_time") {
      seen.mark(key, kStopTime);
      image.stop_time = read_rational(key, d);
    } else if (key == "series_date") {
      seen.mark(key, kSeriesDate);
      read_date(key, d, image.series_date, image.series_date_ns);
    } else if (key == "data") {
      seen.mark(key, kData);
      image.data = read_channel_arrays(key, d);
    } else if (key == "user_data") {
      seen.mark(key, kUserData);
      image.user_data = read_raw(d);
    } else {
      skip(reader_.next(), d);
    }
  }
  if (!seen.has(kSeriesId)) refuse("missing_field", "image message has no series_id");
  if (!seen.has(kSeriesUniqueId)) refuse("missing_field", "image message has no series_unique_id");
  if (!seen.has(kImageId)) refuse("missing_field", "image message has no image_id");
  if (!seen.has(kData)) refuse("missing_field", "image message has no data");
  if (image.data.empty()) refuse("missing_field", "image message has no channel in data");
  return image;
}

Stream2End Parser::parse_end(MapCursor& map) {
  Stream2End end;
  FieldSet seen;
  std::string_view key;
  constexpr std::size_t d = 1;
  while (next_key(map, key, d)) {
    if (key == "series_id") {
      seen.mark(key, 0);
      end.series_id = read_uint(key, d);
    } else if (key == "series_unique_id") {
      seen.mark(key, 1);
      end.series_unique_id = read_text(key, d);
    } else {
      skip(reader_.next(), d);
    }
  }
  if (!seen.has(0)) refuse("missing_field", "end message has no series_id");
  if (!seen.has(1)) refuse("missing_field", "end message has no series_unique_id");
  return end;
}

Stream2Message Parser::parse() {
  CborItem top = reader_.next();
  if (top.kind == CborKind::Tag && top.value == kTagSelfDescribed) top = reader_.next();
  if (top.kind != CborKind::Map && top.kind != CborKind::MapIndefinite) {
    refuse("not_stream2",
           "message is " + std::string(describe(top.kind)) + ", stream2 messages are maps");
  }
  MapCursor map{top.kind == CborKind::MapIndefinite, top.value};
  std::string_view key;
  // DECTRIS puts "type" first so a client knows what it reads before reading it.
  if (!next_key(map, key, 1) || key != "type") {
    refuse("not_stream2", "the message's first key is not \"type\"");
  }
  const std::string type = read_text("type", 1);
  Stream2Message message;
  if (type == "start") {
    message = parse_start(map);
  } else if (type == "image") {
    message = parse_image(map);
  } else if (type == "end") {
    message = parse_end(map);
  } else {
    refuse("unknown_type", "message type " + quoted(type) + " is not start, image or end");
  }
  if (reader_.position() != reader_.size()) {
    refuse("trailing_bytes",
           std::to_string(reader_.size() - reader_.position()) + " bytes follow the message's map");
  }
  return message;
}

}  // namespace

Stream2Message decode_stream2_message(std::span<const std::byte> message,
                                      const Stream2Limits& limits) {
  try {
    return Parser(message, limits).parse();
  } catch (Refusal& refusal) {
    return std::move(refusal.error);
  }
}

}  // namespace edgeloop
