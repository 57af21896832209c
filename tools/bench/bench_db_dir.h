// bench_db_dir.h: where benchmarks keep their SQLite files: $SLUICE_BENCH_DB_DIR, or
// /var/tmp. It must be a real disk (not tmpfs) for fsync to cost what it costs.
#ifndef SLUICE_TOOLS_BENCH_BENCH_DB_DIR_H_
#define SLUICE_TOOLS_BENCH_BENCH_DB_DIR_H_

#include <cstdlib>
#include <string>

namespace sluice::bench {

inline std::string db_dir() {
  const char* dir = std::getenv("SLUICE_BENCH_DB_DIR");
  return dir == nullptr ? "/var/tmp" : dir;
}

}  // namespace sluice::bench

#endif  // SLUICE_TOOLS_BENCH_BENCH_DB_DIR_H_
