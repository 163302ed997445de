// Checked decoding of wire messages: every FlatBuffer from outside is verified, its file
// identifier and major schema version checked, before any field is read.
#pragma once

#include <edgeloop/wire/ack_generated.h>
#include <edgeloop/wire/command_generated.h>
#include <edgeloop/wire/event_chunk_generated.h>
#include <edgeloop/wire/frame_header_generated.h>
#include <edgeloop/wire/instrument_status_generated.h>
#include <edgeloop/wire/job_spec_generated.h>
#include <edgeloop/wire/job_status_generated.h>
#include <edgeloop/wire/provenance_record_generated.h>
#include <edgeloop/wire/result_generated.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "edgeloop/core/uuid.hpp"

namespace edgeloop {

inline constexpr auto kSchemaVersion = wire::SchemaVersion::Current;

inline wire::Uuid to_wire(const Uuid& id) {
  return wire::Uuid(id.hi(), id.lo());
}
inline Uuid from_wire(const wire::Uuid* id) {
  return id == nullptr ? Uuid{} : Uuid::from_halves(id->hi(), id->lo());
}

// Maps each root table to its file identifier.
template <class Root>
struct WireTraits;
#define EDGELOOP_WIRE_ROOT(Type)                                         \
  template <>                                                            \
  struct WireTraits<wire::Type> {                                        \
    static const char* identifier() { return wire::Type##Identifier(); } \
    static constexpr const char* kName = #Type;                          \
  };
EDGELOOP_WIRE_ROOT(FrameHeader)
EDGELOOP_WIRE_ROOT(EventChunk)
EDGELOOP_WIRE_ROOT(Result)
EDGELOOP_WIRE_ROOT(Command)
EDGELOOP_WIRE_ROOT(Ack)
EDGELOOP_WIRE_ROOT(InstrumentStatus)
EDGELOOP_WIRE_ROOT(JobSpec)
EDGELOOP_WIRE_ROOT(JobStatus)
EDGELOOP_WIRE_ROOT(ProvenanceRecord)
#undef EDGELOOP_WIRE_ROOT

// Why a message was refused; `reason` is a short stable token used as a counter label.
struct WireError {
  std::string reason;  // "truncated", "bad_identifier", "invalid_flatbuffer", "schema_version"
  std::string detail;  // human-readable, for the log line
};

template <class Root>
using Decoded = std::variant<const Root*, WireError>;

// Storage for an aligned copy of a message that arrived at an address FlatBuffers cannot read
// in place (libzmq may hand over a TCP message at any offset of its receive buffer).
using AlignedScratch = std::vector<std::uint64_t>;

// The checks are done in an order that never reads unverified memory. `bytes` must be 8-byte
// aligned (FlatBuffers reads fields in place); use the overload with scratch storage otherwise.
template <class Root>
Decoded<Root> decode(std::span<const std::byte> bytes) {
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  if (reinterpret_cast<std::uintptr_t>(data) % alignof(std::uint64_t) != 0) {
    return WireError{"misaligned", std::string(WireTraits<Root>::kName) +
                                       ": buffer is not 8-byte aligned (decode from a copy)"};
  }
  const char* expected = WireTraits<Root>::identifier();
  if (bytes.size() < 8) {
    return WireError{"truncated", std::string(WireTraits<Root>::kName) + ": message of " +
                                      std::to_string(bytes.size()) + " bytes is too short"};
  }
  if (!flatbuffers::BufferHasIdentifier(data, expected)) {
    return WireError{"bad_identifier", std::string(WireTraits<Root>::kName) +
                                           ": file identifier is not '" + expected + "'"};
  }
  if (bytes.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) {  // the Verifier asserts on such sizes
    return WireError{"too_large", std::string(WireTraits<Root>::kName) + ": message of " +
                                      std::to_string(bytes.size()) + " bytes is too large"};
  }
  flatbuffers::Verifier::Options options;
  options.max_depth = 16;
  options.max_tables = 100'000;
  flatbuffers::Verifier verifier(data, bytes.size(), options);
  if (!verifier.VerifyBuffer<Root>(expected)) {
    return WireError{"invalid_flatbuffer",
                     std::string(WireTraits<Root>::kName) + ": buffer failed verification"};
  }
  const Root* root = flatbuffers::GetRoot<Root>(data);
  if (root->schema_version() != kSchemaVersion) {
    return WireError{"schema_version",
                     std::string(WireTraits<Root>::kName) + ": schema version " +
                         std::to_string(static_cast<unsigned>(root->schema_version())) +
                         ", this build speaks " +
                         std::to_string(static_cast<unsigned>(kSchemaVersion))};
  }
  return root;
}

// Decodes in place when aligned, else from a copy in `scratch`; the returned table lives as
// long as both `bytes` and `scratch` are unchanged.
template <class Root>
Decoded<Root> decode(std::span<const std::byte> bytes, AlignedScratch& scratch) {
  if (reinterpret_cast<std::uintptr_t>(bytes.data()) % alignof(std::uint64_t) != 0) {
    scratch.resize((bytes.size() + sizeof(std::uint64_t) - 1) / sizeof(std::uint64_t));
    std::memcpy(scratch.data(), bytes.data(), bytes.size());
    bytes = std::span(reinterpret_cast<const std::byte*>(scratch.data()), bytes.size());
  }
  return decode<Root>(bytes);
}

}  // namespace edgeloop
