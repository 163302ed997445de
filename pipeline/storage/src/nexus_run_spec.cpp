#include "edgeloop/pipeline/storage/nexus_run_spec.hpp"

namespace edgeloop::storage {

std::string_view application_definition_name(ApplicationDefinition definition) {
  switch (definition) {
    case ApplicationDefinition::NXem:
      return "NXem";
    case ApplicationDefinition::NXsas:
      return "NXsas";
    case ApplicationDefinition::NXapm:
      return "NXapm";
  }
  return "NXem";
}

}  // namespace edgeloop::storage
