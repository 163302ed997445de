#include "edgeloop/pipeline/storage/nexus_run_writer.hpp"

#include <fmt/format.h>
#include <hdf5.h>

#include <algorithm>
#include <array>
#include <exception>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>

#include "application_views.hpp"
#include "edgeloop/core/clock.hpp"
#include "extensible_dataset.hpp"
#include "frame_chunk_dataset.hpp"
#include "hdf5_failure.hpp"
#include "nexus_node.hpp"
#include "nxdata_group.hpp"
#include "provenance_note.hpp"
#include "run_header.hpp"

namespace edgeloop::storage {

using detail::ExtensibleDataset;
using detail::NexusNode;

namespace {

// Rows of per-frame columns held in memory between writes (and at most until flush()).
constexpr std::size_t kBufferedRows = 64;
constexpr hsize_t kColumnChunkRows = 1024;
// Chunks of per-frame product datasets aim at this many bytes.
constexpr std::size_t kProductChunkBytes = std::size_t{64} << 10;
constexpr std::size_t kProductBufferBytes = std::size_t{1} << 20;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

h5::Handle latest_format_access(bool file_locking) {
  h5::Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  // SWMR needs the 1.10 file format (extensible-array chunk indices, checksummed metadata).
  H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
  if (!file_locking) H5Pset_file_locking(fapl.get(), false, true);
  return fapl;
}

ExtensibleDataset column(const NexusNode& group, std::string_view name, hid_t type,
                         std::vector<hsize_t> row_shape = {}, std::string_view units = {},
                         std::size_t buffer_rows = kBufferedRows,
                         hsize_t chunk_rows = kColumnChunkRows) {
  ExtensibleDataset dataset =
      ExtensibleDataset::create(group, name, type, std::move(row_shape), chunk_rows, buffer_rows);
  if (!units.empty()) dataset.node().set_attribute("units", units);
  return dataset;
}

struct FrameColumns {
  ExtensibleDataset sequence;
  ExtensibleDataset scan_index;
  ExtensibleDataset scan_position;
  ExtensibleDataset command_seq;
  ExtensibleDataset acquired_wall_ns;
  ExtensibleDataset exposure_s;
  ExtensibleDataset payload_sha256;

  void write_pending() {
    for (auto* c : {&sequence, &scan_index, &scan_position, &command_seq, &acquired_wall_ns,
                    &exposure_s, &payload_sha256}) {
      c->write_pending();
    }
  }
};

struct EventColumns {
  ExtensibleDataset pulse;
  ExtensibleDataset x;
  ExtensibleDataset y;
  ExtensibleDataset tof_ns;
  ExtensibleDataset weight;
  ExtensibleDataset chunk_sequence;
  // One row per chunk.
  ExtensibleDataset sequence;
  ExtensibleDataset first_pulse;
  ExtensibleDataset pulses;
  ExtensibleDataset voltage_v;
  ExtensibleDataset acquired_wall_ns;
  ExtensibleDataset event_offset;
  ExtensibleDataset event_count;

  void write_pending() {
    for (auto* c : {&pulse, &x, &y, &tof_ns, &weight, &chunk_sequence, &sequence, &first_pulse,
                    &pulses, &voltage_v, &acquired_wall_ns, &event_offset, &event_count}) {
      c->write_pending();
    }
  }
};

struct ProductColumns {
  ExtensibleDataset values;
  std::optional<ExtensibleDataset> errors;
  std::size_t count = 0;  // values per row
};

}  // namespace

class NexusRunWriter::Impl {
 public:
  explicit Impl(const NexusRunSpec& spec);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  std::uint64_t append_frame(const FrameMeta& meta, std::span<const std::byte> chunk);
  std::uint64_t append_events(const FrameMeta& meta, std::span<const wire::Event> events);
  void append_products(std::uint64_t row, std::span<const Product> products);
  void start_swmr();
  void flush();
  void finish(const RunEnd& end);

  const NexusWriterStats& stats() const { return stats_; }
  const std::filesystem::path& path() const { return spec_.path; }

 private:
  void require_open(std::string_view operation) const;
  NexusNode open_root() const;
  std::uint64_t product_rows() const;
  void create_images(const NexusNode& entry, const ImageLayout& layout);
  void create_events(const NexusNode& entry, const EventsLayout& layout);
  ProductColumns* product_columns(const Product& product);
  void refuse(const std::string& name);
  void write_pending();
  void close_datasets();
  void write_run_end(const NexusNode& root, const RunEnd& end);

  NexusRunSpec spec_;
  std::shared_ptr<const std::string> file_name_;
  std::string start_time_;
  h5::Handle file_;
  std::optional<detail::FrameChunkDataset> frames_;
  std::optional<FrameColumns> frame_columns_;
  std::optional<EventColumns> event_columns_;
  std::map<std::string, ProductColumns> products_;  // by sanitized name
  NexusWriterStats stats_;
  // Reused between calls so appending allocates nothing once warm.
  std::vector<double> position_;
  std::vector<std::uint64_t> pulse_;
  std::vector<float> x_;
  std::vector<float> y_;
  std::vector<float> tof_;
  std::vector<float> weight_;
  std::vector<std::uint64_t> chunk_sequence_;
};

NexusRunWriter::Impl::Impl(const NexusRunSpec& spec)
    : spec_(spec), file_name_(std::make_shared<const std::string>(spec.path.string())) {
  if (!spec_.images && !spec_.events) {
    throw std::invalid_argument(
        fmt::format("{}: a run file needs an image or an events layout", *file_name_));
  }
  start_time_ = spec_.run.start_time.empty() ? iso8601_utc(wall_ns()) : spec_.run.start_time;
  detail::QuietHdf5Errors quiet;
  const h5::Handle fapl = latest_format_access(true);
  file_ = h5::Handle(H5Fcreate(file_name_->c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()));
  if (!file_.valid()) detail::throw_hdf5_failure(*file_name_, "create the run file", "");
  const NexusNode root = open_root();
  const NexusNode entry = detail::write_run_header(root, spec_, start_time_);
  if (spec_.images) create_images(entry, *spec_.images);
  if (spec_.events) create_events(entry, *spec_.events);
  entry.set_attribute("default", std::string_view(spec_.images ? "data" : "events"));
  // The structure is complete: make it durable before the first frame arrives.
  if (H5Fflush(file_.get(), H5F_SCOPE_LOCAL) < 0) {
    detail::throw_hdf5_failure(*file_name_, "flush the run file", "");
  }
}

NexusRunWriter::Impl::~Impl() {
  if (!file_.valid()) return;
  detail::QuietHdf5Errors quiet;
  try {
    write_pending();
  } catch (const std::exception&) {
    // Closing must not throw; the rows that could not be written are lost, the file stays.
  }
  close_datasets();
  file_ = h5::Handle();
  H5Eclear2(H5E_DEFAULT);
}

void NexusRunWriter::Impl::create_images(const NexusNode& entry, const ImageLayout& layout) {
  const NexusNode data = entry.create_group("data", "NXdata");
  data.set_attribute("signal", std::string_view("data"));
  const std::array<std::string, 3> axes{".", ".", "."};
  data.set_attribute("axes", std::span<const std::string>(axes));
  frames_ = detail::FrameChunkDataset::create(data, "data", layout);
  frames_->node()
      .set_attribute("interpretation", std::string_view("image"))
      .set_attribute("units", std::string_view("counts"))
      .set_attribute("target", std::string_view("/entry/data/data"));
  frame_columns_ = FrameColumns{
      column(data, "sequence", H5T_NATIVE_UINT64),
      column(data, "scan_index", H5T_NATIVE_INT64),
      column(data, "scan_position", H5T_NATIVE_DOUBLE, {std::max<hsize_t>(1, layout.scan_axes)},
             "scan grid"),
      column(data, "command_seq", H5T_NATIVE_UINT64),
      column(data, "acquired_wall_ns", H5T_NATIVE_INT64, {}, "ns"),
      column(data, "exposure_s", H5T_NATIVE_DOUBLE, {}, "s"),
      column(data, "payload_sha256", H5T_NATIVE_UINT8, {32}),
  };
  frame_columns_->acquired_wall_ns.node().set_attribute(
      "description", std::string_view("acquisition time, ns since the UNIX epoch (UTC)"));
  frame_columns_->payload_sha256.node().set_attribute(
      "description", std::string_view("SHA-256 of the payload as received (zeros: not hashed)"));
  position_.assign(std::max<std::size_t>(1, layout.scan_axes), kNaN);
  const NexusNode detector = entry.open("instrument").open("detector");
  detector.link("data", "/entry/data/data");
  detector.link("count_time", "/entry/data/exposure_s");
}

void NexusRunWriter::Impl::create_events(const NexusNode& entry, const EventsLayout& layout) {
  const NexusNode events = entry.create_group("events", "NXdata");
  events.set_attribute("signal", std::string_view("tof_ns"));
  const std::array<std::string, 1> axes{"."};
  events.set_attribute("axes", std::span<const std::string>(axes));
  const hsize_t rows = std::max<std::size_t>(1, layout.chunk_rows);
  const auto event_column = [&](std::string_view name, hid_t type, std::string_view units) {
    return column(events, name, type, {}, units, 0, rows);
  };
  const NexusNode chunks = entry.create_group("event_chunks", "NXcollection");
  chunks.set_attribute("description",
                       std::string_view("one row per event chunk; its events are rows "
                                        "[event_offset, event_offset + event_count) of "
                                        "/entry/events"));
  event_columns_ = EventColumns{
      event_column("pulse", H5T_NATIVE_UINT64, {}),
      event_column("x", H5T_NATIVE_FLOAT, layout.position_units),
      event_column("y", H5T_NATIVE_FLOAT, layout.position_units),
      event_column("tof_ns", H5T_NATIVE_FLOAT, "ns"),
      event_column("weight", H5T_NATIVE_FLOAT, {}),
      event_column("chunk_sequence", H5T_NATIVE_UINT64, {}),
      column(chunks, "sequence", H5T_NATIVE_UINT64),
      column(chunks, "first_pulse", H5T_NATIVE_UINT64),
      column(chunks, "pulses", H5T_NATIVE_UINT64),
      column(chunks, "voltage_v", H5T_NATIVE_DOUBLE, {}, "V"),
      column(chunks, "acquired_wall_ns", H5T_NATIVE_INT64, {}, "ns"),
      column(chunks, "event_offset", H5T_NATIVE_UINT64),
      column(chunks, "event_count", H5T_NATIVE_UINT64),
  };
  if (spec_.run.definition == ApplicationDefinition::NXapm) {
    detail::write_atom_probe_instrument(entry, true);
  }
}

NexusNode NexusRunWriter::Impl::open_root() const {
  h5::Handle root(H5Gopen2(file_.get(), "/", H5P_DEFAULT));
  if (!root.valid()) detail::throw_hdf5_failure(*file_name_, "open", "/");
  return {std::move(root), "/", file_name_};
}

void NexusRunWriter::Impl::require_open(std::string_view operation) const {
  if (stats_.finished || !file_.valid()) {
    throw std::logic_error(
        fmt::format("{}: cannot {}: the run file is finished or closed", *file_name_, operation));
  }
}

std::uint64_t NexusRunWriter::Impl::product_rows() const {
  return spec_.images ? stats_.frames : stats_.event_chunks;
}

std::uint64_t NexusRunWriter::Impl::append_frame(const FrameMeta& meta,
                                                 std::span<const std::byte> chunk) {
  require_open("append a frame");
  if (!frames_) {
    throw std::logic_error(fmt::format("{}: the run has no image layout", *file_name_));
  }
  detail::QuietHdf5Errors quiet;
  if (stats_.frames > 0 && !stats_.swmr) start_swmr();
  frames_->append(chunk);
  const std::uint64_t row = stats_.frames++;
  stats_.chunk_bytes += chunk.size();

  FrameColumns& c = *frame_columns_;
  c.sequence.append(&meta.sequence);
  c.scan_index.append(&meta.scan_index);
  std::fill(position_.begin(), position_.end(), kNaN);
  std::copy_n(meta.scan_position.begin(), std::min(meta.scan_position.size(), position_.size()),
              position_.begin());
  c.scan_position.append(position_.data());
  c.command_seq.append(&meta.command_seq);
  c.acquired_wall_ns.append(&meta.acquired_wall_ns);
  c.exposure_s.append(&meta.exposure_s);
  static constexpr Sha256Digest kNotHashed{};
  c.payload_sha256.append(meta.payload_hashed ? meta.payload_sha256.data() : kNotHashed.data());
  return row;
}

std::uint64_t NexusRunWriter::Impl::append_events(const FrameMeta& meta,
                                                  std::span<const wire::Event> events) {
  require_open("append events");
  if (!event_columns_) {
    throw std::logic_error(fmt::format("{}: the run has no events layout", *file_name_));
  }
  detail::QuietHdf5Errors quiet;
  if (stats_.event_chunks > 0 && !stats_.swmr) start_swmr();
  const std::size_t n = events.size();
  pulse_.resize(n);
  x_.resize(n);
  y_.resize(n);
  tof_.resize(n);
  weight_.resize(n);
  chunk_sequence_.assign(n, meta.sequence);
  for (std::size_t i = 0; i < n; ++i) {
    pulse_[i] = events[i].pulse();
    x_[i] = events[i].x();
    y_[i] = events[i].y();
    tof_[i] = events[i].tof_ns();
    weight_[i] = events[i].weight();
  }
  EventColumns& c = *event_columns_;
  const std::uint64_t offset = c.pulse.rows();
  c.pulse.append(pulse_.data(), n);
  c.x.append(x_.data(), n);
  c.y.append(y_.data(), n);
  c.tof_ns.append(tof_.data(), n);
  c.weight.append(weight_.data(), n);
  c.chunk_sequence.append(chunk_sequence_.data(), n);
  const std::uint64_t count = n;
  c.sequence.append(&meta.sequence);
  c.first_pulse.append(&meta.first_pulse);
  c.pulses.append(&meta.pulses);
  c.voltage_v.append(&meta.voltage_v);
  c.acquired_wall_ns.append(&meta.acquired_wall_ns);
  c.event_offset.append(&offset);
  c.event_count.append(&count);
  stats_.events += n;
  return stats_.event_chunks++;
}

void NexusRunWriter::Impl::refuse(const std::string& name) {
  ++stats_.products_refused;
  auto& names = stats_.refused_products;
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

ProductColumns* NexusRunWriter::Impl::product_columns(const Product& product) {
  const std::string key = detail::sanitized_name(product.name);
  // A single value is a scalar column [n]; anything else keeps its shape [n, ...].
  std::vector<hsize_t> row_shape;
  if (!(product.shape.empty() && product.values.size() == 1)) {
    row_shape = detail::product_dims(product);
  }
  std::size_t count = 1;
  for (const auto d : row_shape) count *= static_cast<std::size_t>(d);
  if (count != product.values.size() || count == 0 ||
      (!product.errors.empty() && product.errors.size() != count)) {
    return nullptr;
  }
  if (const auto found = products_.find(key); found != products_.end()) {
    return found->second.count == count && found->second.values.row_shape() == row_shape
               ? &found->second
               : nullptr;
  }
  if (stats_.swmr) return nullptr;

  const NexusNode results = open_root().open("entry").open("results");
  // A name taken by another product's errors or axis would make HDF5 refuse the dataset.
  if (results.contains(key) || (!product.errors.empty() && results.contains(key + "_errors"))) {
    return nullptr;
  }
  const std::size_t row_bytes = count * sizeof(double);
  const hsize_t chunk_rows = std::clamp<std::size_t>(kProductChunkBytes / row_bytes, 1, 1024);
  const std::size_t buffer_rows =
      std::min<std::size_t>(kBufferedRows, kProductBufferBytes / row_bytes);
  const auto dataset = [&](const std::string& name) {
    ExtensibleDataset d = ExtensibleDataset::create(results, name, H5T_NATIVE_DOUBLE, row_shape,
                                                    chunk_rows, buffer_rows, &kNaN);
    if (!product.units.empty()) d.node().set_attribute("units", std::string_view(product.units));
    return d;
  };
  ProductColumns columns{dataset(key), std::nullopt, count};
  columns.values.node().set_attribute("long_name", std::string_view(product.name));
  if (!product.errors.empty()) columns.errors = dataset(key + "_errors");
  // Axes of the per-frame shape, once: <name>_<axis> beside the values.
  std::vector<std::string> axes{"."};
  for (std::size_t i = 0; i < row_shape.size(); ++i) {
    std::string axis_name = ".";
    if (i < product.axes.size()) {
      const ProductAxis& axis = product.axes[i];
      const std::size_t n = axis.values.size();
      const std::string name = fmt::format("{}_{}", key, detail::sanitized_name(axis.name));
      if ((n == row_shape[i] || n == row_shape[i] + 1) && !results.contains(name)) {
        const NexusNode values = results.write_array<double>(name, axis.values);
        if (!axis.units.empty()) values.set_attribute("units", std::string_view(axis.units));
        axis_name = name;
      }
    }
    axes.push_back(axis_name);
  }
  columns.values.node().set_attribute("axes", std::span<const std::string>(axes));
  return &products_.emplace(key, std::move(columns)).first->second;
}

void NexusRunWriter::Impl::append_products(std::uint64_t row, std::span<const Product> products) {
  require_open("append products");
  if (row >= product_rows()) {
    throw std::invalid_argument(
        fmt::format("{}: products for row {}, but only {} rows were appended", *file_name_, row,
                    product_rows()));
  }
  detail::QuietHdf5Errors quiet;
  for (const Product& product : products) {
    ProductColumns* columns = product_columns(product);
    if (columns == nullptr) {
      refuse(product.name);
      continue;
    }
    columns->values.put(row, product.values.data());
    if (columns->errors && !product.errors.empty()) {
      columns->errors->put(row, product.errors.data());
    }
    ++stats_.product_rows;
  }
}

void NexusRunWriter::Impl::start_swmr() {
  require_open("start SWMR");
  if (stats_.swmr) return;
  detail::QuietHdf5Errors quiet;
  if (H5Fstart_swmr_write(file_.get()) < 0) {
    detail::throw_hdf5_failure(*file_name_, "start SWMR writing", "");
  }
  stats_.swmr = true;
}

void NexusRunWriter::Impl::write_pending() {
  if (frame_columns_) frame_columns_->write_pending();
  if (event_columns_) event_columns_->write_pending();
  // Every product table as long as the frame table, so rows line up for readers.
  for (auto& [name, columns] : products_) {
    columns.values.pad_to(product_rows());
    if (columns.errors) columns.errors->pad_to(product_rows());
  }
}

void NexusRunWriter::Impl::flush() {
  require_open("flush");
  detail::QuietHdf5Errors quiet;
  if (product_rows() > 0 && !stats_.swmr) start_swmr();
  write_pending();
  if (H5Fflush(file_.get(), H5F_SCOPE_LOCAL) < 0) {
    detail::throw_hdf5_failure(*file_name_, "flush the run file", "");
  }
}

void NexusRunWriter::Impl::close_datasets() {
  frames_.reset();
  frame_columns_.reset();
  event_columns_.reset();
  products_.clear();
}

void NexusRunWriter::Impl::finish(const RunEnd& end) {
  require_open("finish");
  detail::QuietHdf5Errors quiet;
  write_pending();
  // Refused names are known only now; SWMR forbids new attributes, so note them after.
  const std::vector<std::string> refused = stats_.refused_products;
  close_datasets();
  const hid_t closing = file_.release();
  if (H5Fclose(closing) < 0) detail::throw_hdf5_failure(*file_name_, "close the run file", "");

  // A SWMR reader may still hold the file open; it keeps its shared lock, so the reopen
  // falls back to no locking rather than fail the run's last step.
  h5::Handle fapl = latest_format_access(true);
  file_ = h5::Handle(H5Fopen(file_name_->c_str(), H5F_ACC_RDWR, fapl.get()));
  if (!file_.valid()) {
    H5Eclear2(H5E_DEFAULT);
    fapl = latest_format_access(false);
    file_ = h5::Handle(H5Fopen(file_name_->c_str(), H5F_ACC_RDWR, fapl.get()));
  }
  if (!file_.valid())
    detail::throw_hdf5_failure(*file_name_, "reopen the run file to finish it", "");
  std::exception_ptr provenance_failure;
  {
    const NexusNode root = open_root();
    write_run_end(root, end);
    const NexusNode results = root.open("entry").open("results");
    if (!refused.empty()) {
      results.set_attribute("refused_products", std::span<const std::string>(refused));
    }
    if (end.provenance_log) {
      try {
        detail::write_provenance_note(root.open("entry"), *end.provenance_log);
      } catch (const StorageError&) {
        throw;
      } catch (const std::exception&) {
        provenance_failure = std::current_exception();
      }
    }
  }
  const hid_t finished = file_.release();
  if (H5Fclose(finished) < 0) detail::throw_hdf5_failure(*file_name_, "close the run file", "");
  stats_.finished = true;
  if (provenance_failure) std::rethrow_exception(provenance_failure);
}

void NexusRunWriter::Impl::write_run_end(const NexusNode& root, const RunEnd& end) {
  const NexusNode entry = root.open("entry");
  entry.write_text("end_time", end.end_time.empty() ? iso8601_utc(wall_ns()) : end.end_time);
  const NexusNode summary = entry.create_group("summary", "NXnote");
  summary.write_text("type", "application/json");
  summary.write_text("description", "the run's summary as the daemon reported it at its end");
  summary.write_text("data", end.summary.dump(2));

  std::vector<detail::StoredProduct> stored;
  stored.reserve(end.products.size());
  for (const Product& product : end.products) {
    std::string name = detail::sanitized_name(product.name);
    // Never over an existing part of the entry, nor over another product of the same name.
    if (entry.contains(name)) name = "product_" + name;
    for (int n = 2; entry.contains(name); ++n) {
      name = fmt::format("product_{}_{}", detail::sanitized_name(product.name), n);
    }
    try {
      detail::write_nxdata_group(entry, name, product);
    } catch (const std::invalid_argument&) {
      refuse(product.name);
      continue;
    }
    stored.push_back({&product, name});
  }
  const std::string preferred = detail::write_application_views(root, entry, spec_.run, stored);
  if (!preferred.empty()) entry.set_attribute("default", std::string_view(preferred));
}

NexusRunWriter::NexusRunWriter(const NexusRunSpec& spec) : impl_(std::make_unique<Impl>(spec)) {}
NexusRunWriter::~NexusRunWriter() = default;
NexusRunWriter::NexusRunWriter(NexusRunWriter&&) noexcept = default;
NexusRunWriter& NexusRunWriter::operator=(NexusRunWriter&&) noexcept = default;

std::uint64_t NexusRunWriter::append_frame(const FrameMeta& meta,
                                           std::span<const std::byte> chunk) {
  return impl_->append_frame(meta, chunk);
}
std::uint64_t NexusRunWriter::append_events(const FrameMeta& meta,
                                            std::span<const wire::Event> events) {
  return impl_->append_events(meta, events);
}
void NexusRunWriter::append_products(std::uint64_t row, std::span<const Product> products) {
  impl_->append_products(row, products);
}
void NexusRunWriter::start_swmr() {
  impl_->start_swmr();
}
void NexusRunWriter::flush() {
  impl_->flush();
}
void NexusRunWriter::finish(const RunEnd& end) {
  impl_->finish(end);
}
const NexusWriterStats& NexusRunWriter::stats() const {
  return impl_->stats();
}
const std::filesystem::path& NexusRunWriter::path() const {
  return impl_->path();
}

}  // namespace edgeloop::storage
