#include "edgeloop/core/provenance_log.hpp"

#include "edgeloop/core/bytes.hpp"
#include "edgeloop/core/fsync_directory.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "edgeloop/core/clock.hpp"

namespace edgeloop {

namespace {

using BytesOffset = flatbuffers::Offset<flatbuffers::Vector<std::uint8_t>>;
using RefsOffset = flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<wire::Reference>>>;

}  // namespace

std::unique_ptr<ProvenanceLog> ProvenanceLog::create(const std::filesystem::path& file,
                                                     const Uuid& run,
                                                     const ProvenanceOptions& options,
                                                     nlohmann::json run_attributes) {
  // O_EXCL: a run's log is never reopened or shared; O_APPEND: every frame lands at the end even
  // if someone else truncated the file under us, so the damage stays detectable.
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(),
                            "provenance log " + file.string() + ": cannot create");
  }
  std::unique_ptr<ProvenanceLog> log;
  try {
    log = std::make_unique<ProvenanceLog>(Key{}, file, run, options, fd);
  } catch (...) {
    ::close(fd);
    std::error_code ignored;
    std::filesystem::remove(file, ignored);
    throw;
  }
  try {
    const std::string header = std::string(kProvenanceMagic) + run.str() + "\n";
    const std::lock_guard lock(log->mutex_);
    log->write_all_locked(
        std::span(reinterpret_cast<const std::uint8_t*>(header.data()), header.size()));
    log->file_size_ = header.size();
    log->head_ = Sha256::of(header);
    ProvenanceEntry started{.kind = wire::RecordKind::RunStarted,
                            .subject = "run/" + run.str(),
                            .attributes = std::move(run_attributes)};
    log->append_locked(started);
    // A log that exists at all must at least show that its run started.
    if (::fsync(log->fd_) != 0) log->fail("fsync", errno);
    log->unsynced_ = 0;
    log->last_sync_ = std::chrono::steady_clock::now();
    fsync_directory(file.has_parent_path() ? file.parent_path() : std::filesystem::path("."));
  } catch (...) {
    // Half a header is not a run; leave no file that looks like one.
    log.reset();
    std::error_code ignored;
    std::filesystem::remove(file, ignored);
    throw;
  }
  return log;
}

ProvenanceLog::ProvenanceLog(Key, std::filesystem::path file, const Uuid& run,
                             ProvenanceOptions options, int fd)
    : path_(std::move(file)),
      run_(run),
      options_(std::move(options)),
      fd_(fd),
      last_sync_(std::chrono::steady_clock::now()) {}

ProvenanceLog::~ProvenanceLog() {
  if (fd_ < 0) return;
  // Deliberately no seal: the missing RunEnded is how readers tell a crashed run from a clean one.
  ::fdatasync(fd_);
  ::close(fd_);
}

AppendedRecord ProvenanceLog::append(const ProvenanceEntry& entry) {
  if (entry.kind == wire::RecordKind::RunStarted || entry.kind == wire::RecordKind::RunEnded) {
    throw std::invalid_argument("provenance log " + path_.string() +
                                ": run_started and run_ended are written by create() and close()");
  }
  if (entry.kind == wire::RecordKind::Unknown || entry.kind > wire::RecordKind::MAX) {
    throw std::invalid_argument("provenance log " + path_.string() + ": record kind " +
                                std::to_string(static_cast<int>(entry.kind)) + " is not defined");
  }
  // The reader's FlatBuffer verifier allows 100 000 tables per record; stay well inside it.
  if (entry.inputs.size() > kProvenanceMaxInputs) {
    throw std::invalid_argument("provenance log " + path_.string() + ": more than " +
                                std::to_string(kProvenanceMaxInputs) + " inputs in one record");
  }
  const std::lock_guard lock(mutex_);
  const AppendedRecord record = append_locked(entry);
  if (options_.fsync == FsyncPolicy::EveryRecord) {
    sync_locked();
  } else if (options_.fsync == FsyncPolicy::Interval &&
             std::chrono::steady_clock::now() - last_sync_ >= options_.fsync_interval) {
    sync_locked();
  }
  return record;
}

AppendedRecord ProvenanceLog::append_locked(const ProvenanceEntry& entry) {
  if (closed_) throw std::logic_error("provenance log " + path_.string() + ": append after close");
  if (broken_) {
    throw std::runtime_error("provenance log " + path_.string() +
                             ": unusable after an earlier write failure");
  }
  // Invalid UTF-8 from an instrument must not cost the record; it is replaced, not thrown on.
  const std::string attributes =
      entry.attributes.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);

  auto& b = builder_;
  b.Clear();
  std::vector<flatbuffers::Offset<wire::Reference>> refs;
  refs.reserve(entry.inputs.size());
  for (const auto& input : entry.inputs) {
    const auto role = b.CreateString(input.role);
    const auto id = b.CreateString(input.id);
    const auto sha =
        input.sha256 ? b.CreateVector(input.sha256->data(), input.sha256->size()) : BytesOffset();
    refs.push_back(wire::CreateReference(b, role, id, sha));
  }
  const auto inputs = refs.empty() ? RefsOffset() : b.CreateVector(refs);
  const auto prev = b.CreateVector(head_.data(), head_.size());
  const auto subject = b.CreateString(entry.subject);
  const auto sha =
      entry.sha256 ? b.CreateVector(entry.sha256->data(), entry.sha256->size()) : BytesOffset();
  const auto agent = b.CreateString(options_.agent);
  const auto attrs = b.CreateString(attributes);
  const wire::Uuid run = to_wire(run_);
  b.Finish(wire::CreateProvenanceRecord(b, kSchemaVersion, &run, next_index_, prev, entry.kind,
                                        static_cast<std::uint64_t>(wall_ns()),
                                        static_cast<std::uint64_t>(monotonic_ns()), subject, sha,
                                        agent, inputs, attrs),
           wire::ProvenanceRecordIdentifier());

  const std::size_t length = b.GetSize();
  if (length > kProvenanceMaxRecordBytes) {
    throw std::invalid_argument("provenance log " + path_.string() + ": record of " +
                                std::to_string(length) + " bytes exceeds the limit");
  }
  const std::span body(b.GetBufferPointer(), length);
  const Sha256Digest chain = Sha256().update(bytes_of(head_)).update(bytes_of(body)).finish();

  // One buffer, one write(): a crash leaves at most one partial frame, always at the tail.
  frame_.resize(4 + length + chain.size());
  for (std::size_t i = 0; i < 4; ++i) frame_[i] = static_cast<std::uint8_t>(length >> (8 * i));
  std::memcpy(frame_.data() + 4, body.data(), length);
  std::memcpy(frame_.data() + 4 + length, chain.data(), chain.size());
  write_all_locked(frame_);

  const AppendedRecord record{next_index_, chain};
  head_ = chain;
  ++next_index_;
  file_size_ += frame_.size();
  ++unsynced_;
  return record;
}

void ProvenanceLog::write_all_locked(std::span<const std::uint8_t> bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      const int error = n < 0 ? errno : EIO;
      // Cut a partial frame off so the chain on disk still matches head_ and later appends work.
      if (done > 0 && ::ftruncate(fd_, static_cast<off_t>(file_size_)) != 0) broken_ = true;
      fail("write", error);
    }
  }
}

void ProvenanceLog::sync_locked() {
  if (fd_ < 0) return;
  if (::fdatasync(fd_) != 0) {
    // Linux reports a writeback error once: a later fdatasync could succeed although these
    // pages never reached the disk, so the log must not pretend to be durable from here on.
    broken_ = true;
    fail("fdatasync", errno);
  }
  unsynced_ = 0;
  last_sync_ = std::chrono::steady_clock::now();
}

void ProvenanceLog::fail(std::string_view what, int error) const {
  throw std::system_error(error, std::generic_category(),
                          "provenance log " + path_.string() + ": " + std::string(what));
}

void ProvenanceLog::sync() {
  const std::lock_guard lock(mutex_);
  sync_locked();
}

void ProvenanceLog::sync_if_due() {
  const std::lock_guard lock(mutex_);
  if (options_.fsync == FsyncPolicy::Interval && unsynced_ > 0 &&
      std::chrono::steady_clock::now() - last_sync_ >= options_.fsync_interval) {
    sync_locked();
  }
}

AppendedRecord ProvenanceLog::close(nlohmann::json summary) {
  const std::lock_guard lock(mutex_);
  if (closed_) throw std::logic_error("provenance log " + path_.string() + ": closed twice");
  const ProvenanceEntry ended{.kind = wire::RecordKind::RunEnded,
                              .subject = "run/" + run_.str(),
                              .attributes = std::move(summary)};
  const AppendedRecord record = append_locked(ended);
  // Sealed from here on, even if the sync below fails: a second seal would break the log.
  closed_ = true;
  int error = 0;
  if (::fdatasync(fd_) != 0) error = errno;
  if (::close(fd_) != 0 && error == 0) error = errno;
  fd_ = -1;
  if (error != 0) fail("sync on close", error);
  unsynced_ = 0;
  return record;
}

std::uint64_t ProvenanceLog::records() const {
  const std::lock_guard lock(mutex_);
  return next_index_;
}

Sha256Digest ProvenanceLog::head() const {
  const std::lock_guard lock(mutex_);
  return head_;
}

}  // namespace edgeloop
