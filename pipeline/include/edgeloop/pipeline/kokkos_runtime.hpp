// Owns Kokkos initialisation for one process: construct it once in main (or a test fixture)
// before any Kokkos kernel runs; finalises on destruction. Nested guards are harmless.
#pragma once

namespace edgeloop {

class KokkosRuntime {
 public:
  KokkosRuntime();
  ~KokkosRuntime();
  KokkosRuntime(const KokkosRuntime&) = delete;
  KokkosRuntime& operator=(const KokkosRuntime&) = delete;

 private:
  bool owner_ = false;  // only the guard that initialised Kokkos finalises it
};

}  // namespace edgeloop
