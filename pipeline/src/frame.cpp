#include "edgeloop/pipeline/frame.hpp"

namespace edgeloop {

std::size_t dtype_size(wire::DType dtype) {
  switch (dtype) {
    case wire::DType::U8:
      return 1;
    case wire::DType::U16:
      return 2;
    case wire::DType::U32:
    case wire::DType::I32:
    case wire::DType::F32:
      return 4;
    case wire::DType::F64:
      return 8;
    case wire::DType::Unknown:
      break;
  }
  return 0;
}

}  // namespace edgeloop
