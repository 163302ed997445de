#include "edgeloop/core/provenance_reader.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <span>
#include <stdexcept>
#include <variant>

namespace edgeloop {

namespace {

std::size_t read_up_to(std::ifstream& in, char* data, std::size_t size) {
  in.read(data, static_cast<std::streamsize>(size));
  return static_cast<std::size_t>(in.gcount());
}

// Optional 32-byte hash fields: absent is fine, any other length is corruption by the writer.
bool copy_digest(const flatbuffers::Vector<std::uint8_t>* field, std::optional<Sha256Digest>& out) {
  out.reset();
  if (field == nullptr) return true;
  if (field->size() != Sha256Digest{}.size()) return false;
  out.emplace();
  std::copy(field->begin(), field->end(), out->begin());
  return true;
}

std::string text_of(const flatbuffers::String* s) {
  return s == nullptr ? "" : s->str();
}

// Walks the whole log, stopping at the first problem; fills `out` with each verified record when
// given. verify and read share it so that "verifies" and "can be read" never disagree.
VerifyReport walk(const std::filesystem::path& file, bool allow_unsealed,
                  std::vector<ProvenanceRecordView>* out) {
  VerifyReport report;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    report.error = "cannot open " + file.string();
    return report;
  }

  std::string header(kProvenanceHeaderSize, '\0');
  const std::size_t header_got = read_up_to(in, header.data(), header.size());
  if (header_got < header.size()) {
    report.error = "header at offset 0: truncated (" + std::to_string(header_got) + " of " +
                   std::to_string(header.size()) + " bytes)";
    return report;
  }
  const std::string uuid_text = header.substr(kProvenanceMagic.size(), 36);
  const auto run = Uuid::parse(uuid_text);
  // Only the canonical lower-case form: the header bytes are hashed, so there is exactly one.
  if (!header.starts_with(kProvenanceMagic) || !run || run->str() != uuid_text ||
      header.back() != '\n') {
    report.error = "header at offset 0: not an edgeloop provenance log header";
    return report;
  }
  report.run_id = *run;
  Sha256Digest chain = Sha256::of(header);
  report.head = chain;

  std::uint64_t offset = header.size();
  std::uint64_t last_offset = offset;
  auto last_kind = wire::RecordKind::Unknown;
  std::vector<std::uint64_t> storage;  // 8-byte aligned, as the FlatBuffer verifier requires
  for (std::uint64_t index = 0;; ++index) {
    const auto fail = [&](const std::string& what) {
      report.error =
          "record " + std::to_string(index) + " at offset " + std::to_string(offset) + ": " + what;
      return report;
    };
    std::array<std::uint8_t, 4> prefix{};
    const std::size_t prefix_got =
        read_up_to(in, reinterpret_cast<char*>(prefix.data()), prefix.size());
    if (prefix_got == 0 && in.eof()) break;
    if (prefix_got < prefix.size()) {
      return fail("truncated: only " + std::to_string(prefix_got) + " of 4 length bytes");
    }
    std::size_t length = 0;
    for (std::size_t i = 0; i < prefix.size(); ++i) length |= std::size_t{prefix[i]} << (8 * i);
    if (length > kProvenanceMaxRecordBytes) {
      return fail("length " + std::to_string(length) + " exceeds the 16 MiB record limit");
    }
    storage.assign((length + 7) / 8, 0);
    const std::size_t body_got = read_up_to(in, reinterpret_cast<char*>(storage.data()), length);
    if (body_got < length) {
      return fail("truncated: only " + std::to_string(body_got) + " of " + std::to_string(length) +
                  " record bytes");
    }
    const auto body = std::as_bytes(std::span(storage)).first(length);
    Sha256Digest stored{};
    const std::size_t hash_got =
        read_up_to(in, reinterpret_cast<char*>(stored.data()), stored.size());
    if (hash_got < stored.size()) {
      return fail("truncated: only " + std::to_string(hash_got) + " of 32 chain hash bytes");
    }
    const Sha256Digest computed =
        Sha256().update(std::as_bytes(std::span(chain))).update(body).finish();
    if (computed != stored) return fail("chain hash mismatch: record or hash bytes were altered");

    const auto decoded = decode<wire::ProvenanceRecord>(body);
    if (const auto* error = std::get_if<WireError>(&decoded)) return fail(error->detail);
    const wire::ProvenanceRecord& rec = *std::get<const wire::ProvenanceRecord*>(decoded);
    if (from_wire(rec.run_id()) != report.run_id) {
      return fail("run id " + from_wire(rec.run_id()).str() + " differs from the header's");
    }
    if (rec.index() != index) return fail("index field is " + std::to_string(rec.index()));
    const auto* prev = rec.prev_hash();
    if (prev == nullptr || prev->size() != chain.size() ||
        !std::equal(prev->begin(), prev->end(), chain.begin())) {
      return fail("prev_hash is not the previous record's chain hash");
    }
    if (last_kind == wire::RecordKind::RunEnded) return fail("record after the run_ended seal");
    // Kinds newer than this build are tolerated (enums may gain values); 0 is never written.
    if (rec.kind() == wire::RecordKind::Unknown) return fail("record kind is unknown (0)");
    if ((index == 0) != (rec.kind() == wire::RecordKind::RunStarted)) {
      return fail(std::string(record_kind_name(rec.kind())) +
                  (index == 0 ? " as first record, expected run_started" : " after the start"));
    }

    ProvenanceRecordView view;
    if (!copy_digest(rec.sha256(), view.sha256)) return fail("sha256 is not 32 bytes");
    if (rec.inputs() != nullptr) {
      for (const auto* input : *rec.inputs()) {
        ProvenanceRef& ref = view.inputs.emplace_back();
        ref.role = text_of(input->role());
        ref.id = text_of(input->id());
        if (!copy_digest(input->sha256(), ref.sha256)) return fail("input sha256 is not 32 bytes");
      }
    }
    view.attributes = rec.attributes() == nullptr
                          ? nlohmann::json::object()
                          : nlohmann::json::parse(rec.attributes()->string_view(), nullptr, false);
    if (view.attributes.is_discarded()) return fail("attributes are not valid JSON");

    if (out != nullptr) {
      view.index = index;
      view.kind = rec.kind();
      view.wall_ns = static_cast<std::int64_t>(rec.wall_ns());
      view.mono_ns = static_cast<std::int64_t>(rec.mono_ns());
      view.subject = text_of(rec.subject());
      view.agent = text_of(rec.agent());
      view.prev_hash = chain;
      view.chain_hash = computed;
      view.file_offset = offset;
      out->push_back(std::move(view));
    }
    chain = computed;
    report.head = chain;
    report.records = index + 1;
    last_kind = rec.kind();
    last_offset = offset;
    offset += 4 + length + stored.size();
  }
  if (in.bad()) {
    report.error = "read error in " + file.string() + " at offset " + std::to_string(offset);
    return report;
  }
  if (report.records == 0) {
    report.error = "no records after the header (offset " + std::to_string(offset) + ")";
    return report;
  }
  report.sealed = last_kind == wire::RecordKind::RunEnded;
  if (!report.sealed && !allow_unsealed) {
    report.error = "record " + std::to_string(report.records - 1) + " at offset " +
                   std::to_string(last_offset) + ": log is not sealed (last record is " +
                   std::string(record_kind_name(last_kind)) +
                   ", not run_ended): the run crashed or was aborted, or tail records were cut";
    return report;
  }
  report.ok = true;
  return report;
}

}  // namespace

VerifyReport verify_provenance(const std::filesystem::path& file, bool allow_unsealed) {
  return walk(file, allow_unsealed, nullptr);
}

std::vector<ProvenanceRecordView> read_provenance(const std::filesystem::path& file,
                                                  bool allow_unsealed) {
  std::vector<ProvenanceRecordView> records;
  const VerifyReport report = walk(file, allow_unsealed, &records);
  if (!report.ok) {
    throw std::runtime_error("provenance log " + file.string() + ": " + report.error);
  }
  return records;
}

std::string_view record_kind_name(wire::RecordKind kind) {
  switch (kind) {
    case wire::RecordKind::RunStarted:
      return "run_started";
    case wire::RecordKind::RunEnded:
      return "run_ended";
    case wire::RecordKind::Frame:
      return "frame";
    case wire::RecordKind::Result:
      return "result";
    case wire::RecordKind::Command:
      return "command";
    case wire::RecordKind::Ack:
      return "ack";
    case wire::RecordKind::Decision:
      return "decision";
    case wire::RecordKind::Job:
      return "job";
    case wire::RecordKind::Stage:
      return "stage";
    case wire::RecordKind::Config:
      return "config";
    case wire::RecordKind::Note:
      return "note";
    case wire::RecordKind::Refusal:
      return "refusal";
    case wire::RecordKind::Observation:
      return "observation";
    default:
      return "unknown";
  }
}

}  // namespace edgeloop
