#include "application_views.hpp"

#include <fmt/format.h>

#include <vector>

namespace edgeloop::storage::detail {
namespace {

const StoredProduct* find(std::span<const StoredProduct> products, std::string_view name) {
  for (const auto& p : products) {
    if (p.product->name == name) return &p;
  }
  return nullptr;
}

// Bin edges become bin centres so Q has one value per intensity.
std::vector<double> centres(const std::vector<double>& axis, std::size_t n) {
  if (axis.size() == n) return axis;
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n && i + 1 < axis.size(); ++i) out[i] = 0.5 * (axis[i] + axis[i + 1]);
  return out;
}

// NXcanSAS: a SASentry at the root, as SasView and other canSAS readers look for it, with the
// run's mean I(Q); /entry/sasdata links to its SASdata.
std::string write_cansas(const NexusNode& root, const NexusNode& entry, const RunInfo& run,
                         std::span<const StoredProduct> products) {
  const StoredProduct* iq = find(products, "iq_mean");
  if (iq == nullptr) return "";
  const Product& p = *iq->product;
  if (p.axes.empty() || p.values.empty() ||
      (p.axes[0].values.size() != p.values.size() &&
       p.axes[0].values.size() != p.values.size() + 1)) {
    return iq->name;  // no Q to go with I: the NXdata alone
  }
  const NexusNode sasentry = root.create_group("sasentry01", "NXentry");
  sasentry.set_attribute("canSAS_class", std::string_view("SASentry"));
  sasentry.set_attribute("version", std::string_view("1.1"));
  sasentry.set_attribute("default", std::string_view("sasdata01"));
  sasentry.write_text("definition", "NXcanSAS");
  sasentry.write_text("title", run.title);
  sasentry.write_text("run", run.run_id.str());
  const NexusNode sasdata = sasentry.create_group("sasdata01", "NXdata");
  sasdata.set_attribute("canSAS_class", std::string_view("SASdata"));
  sasdata.set_attribute("signal", std::string_view("I"));
  sasdata.set_attribute("I_axes", std::string_view("Q"));
  sasdata.set_attribute("Q_indices", std::int64_t{0});
  const NexusNode intensity = sasdata.write_array<double>("I", p.values);
  intensity.set_attribute(
      "units", p.units.empty() ? std::string_view("arbitrary") : std::string_view(p.units));
  const std::vector<double> q = centres(p.axes[0].values, p.values.size());
  sasdata.write_array<double>("Q", q).set_attribute(
      "units",
      p.axes[0].units.empty() ? std::string_view("1/nm") : std::string_view(p.axes[0].units));
  if (p.errors.size() == p.values.size()) {
    intensity.set_attribute("uncertainties", std::string_view("Idev"));
    sasdata.write_array<double>("Idev", p.errors)
        .set_attribute("units",
                       p.units.empty() ? std::string_view("arbitrary") : std::string_view(p.units));
  }
  entry.link("sasdata", "/sasentry01/sasdata01");
  return iq->name;
}

std::string write_em_images(const NexusNode& entry, std::span<const StoredProduct> products) {
  std::string first;
  std::vector<const StoredProduct*> images;
  for (const auto& p : products) {
    if (p.product->name.starts_with("virtual_")) images.push_back(&p);
  }
  if (images.empty()) return "";
  const NexusNode measurement = entry.create_group("measurement", "NXem_measurement");
  const NexusNode set = measurement.create_group("virtual_images", "NXcollection");
  set.set_attribute("description",
                    std::string_view("virtual detector images of the scan (run-level NXdata)"));
  for (const auto* p : images) {
    set.link(p->name, fmt::format("/entry/{}", p->name));
    if (first.empty()) first = p->name;
  }
  return first;
}

std::string write_apm_ranging(const NexusNode& entry, std::span<const StoredProduct> products) {
  if (!entry.contains("atom_probe")) write_atom_probe_instrument(entry, false);
  const NexusNode atom_probe = entry.open("atom_probe");
  const StoredProduct* spectrum = find(products, "mass_spectrum");
  std::vector<const StoredProduct*> ranged;
  for (const auto& p : products) {
    const std::string& n = p.product->name;
    if (n.find("composition") != std::string::npos || n.starts_with("ranging") ||
        n.starts_with("ion_")) {
      ranged.push_back(&p);
    }
  }
  if (spectrum == nullptr && ranged.empty()) return "";
  const NexusNode ranging = atom_probe.create_group("ranging", "NXprocess");
  if (spectrum != nullptr) {
    const NexusNode distribution = ranging.create_group("mass_to_charge_distribution", "NXprocess");
    distribution.link("mass_spectrum", fmt::format("/entry/{}", spectrum->name));
  }
  for (const auto* p : ranged) ranging.link(p->name, fmt::format("/entry/{}", p->name));
  return spectrum != nullptr ? spectrum->name : ranged.front()->name;
}

}  // namespace

void write_atom_probe_instrument(const NexusNode& entry, bool with_events) {
  const NexusNode atom_probe = entry.create_group("atom_probe", "NXinstrument");
  const NexusNode detector = atom_probe.create_group("ion_detector", "NXdetector");
  const NexusNode pulser = atom_probe.create_group("pulser", "NXpulser_apm");
  if (!with_events) return;
  for (const char* column : {"x", "y", "tof_ns"}) {
    detector.link(column, fmt::format("/entry/events/{}", column));
  }
  pulser.link("pulse_number", "/entry/events/pulse");
  pulser.link("standing_voltage", "/entry/event_chunks/voltage_v");
}

std::string write_application_views(const NexusNode& root, const NexusNode& entry,
                                    const RunInfo& run, std::span<const StoredProduct> products) {
  switch (run.definition) {
    case ApplicationDefinition::NXsas:
      return write_cansas(root, entry, run, products);
    case ApplicationDefinition::NXem:
      return write_em_images(entry, products);
    case ApplicationDefinition::NXapm:
      return write_apm_ranging(entry, products);
  }
  return "";
}

}  // namespace edgeloop::storage::detail
