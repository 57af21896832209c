// sqlite_test_dir.h: a fresh database path per test under Bazel's TEST_TMPDIR.
#ifndef SLUICE_TESTS_NATIVE_SAGA_SQLITE_TEST_DIR_H_
#define SLUICE_TESTS_NATIVE_SAGA_SQLITE_TEST_DIR_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace sluice::native::testing {

inline std::string fresh_db_path(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string file = std::string(test->test_suite_name()) + "." + test->name() + "." + name + ".db";
  for (char& c : file) {
    if (c == '/') c = '_';  // parameterised tests have '/' in their names
  }
  std::string path = std::string(dir == nullptr ? "/tmp" : dir) + "/" + file;
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
  return path;
}

}  // namespace sluice::native::testing

#endif  // SLUICE_TESTS_NATIVE_SAGA_SQLITE_TEST_DIR_H_
