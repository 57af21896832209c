// The ports file: what a binary writes once it listens, and what a supervisor reads.
#include "native/runtime/ports_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace sluice::native {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

class PortsFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = std::filesystem::path(tmp != nullptr ? tmp : "/tmp") /
           ("ports-file-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void write_text(const std::string& text) { std::ofstream(path()) << text; }
  std::string path() const { return (dir_ / "service.json").string(); }

  std::filesystem::path dir_;
};

TEST_F(PortsFileTest, WhatIsWrittenReadsBackWithThisProcesssPid) {
  ASSERT_TRUE(write_ports_file(path(), {{"port", 3000}, {"grpc_port", 50051}}).ok());
  const Result<PortsFile> file = read_ports_file(path());
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(file->pid, ::getpid());
  EXPECT_THAT(file->ports, ElementsAre(Pair("grpc_port", 50051), Pair("port", 3000)));
  // Renamed into place: no temporary file stays behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), std::filesystem::directory_iterator()), 1);
}

TEST_F(PortsFileTest, ANewerFileReplacesTheOldOneWhole) {
  ASSERT_TRUE(write_ports_file(path(), {{"port", 3000}, {"grpc_port", 50051}}).ok());
  ASSERT_TRUE(write_ports_file(path(), {{"port", 4000}}).ok());
  EXPECT_THAT(read_ports_file(path())->ports, ElementsAre(Pair("port", 4000)));
}

TEST_F(PortsFileTest, NoFileIsNotFound) { EXPECT_EQ(read_ports_file(path()).status().code(), StatusCode::kNotFound); }

TEST_F(PortsFileTest, AnythingElseIsRefusedWithTheReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"listening on 3000", "not a JSON object"},
      {R"({"port": 3000})", "no pid"},
      {R"({"pid": 12, "port": "3000"})", "\"port\" is not an integer"},
      {R"({"pid": 12, "port": 70000})", "\"port\" is not a port: 70000"},
  };
  for (const auto& [text, reason] : cases) {
    write_text(text);
    const Result<PortsFile> file = read_ports_file(path());
    ASSERT_FALSE(file.ok()) << text;
    EXPECT_EQ(file.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(file.status().message(), HasSubstr(reason)) << text;
  }
}

TEST_F(PortsFileTest, AMissingDirectoryIsAnError) {
  const Status written = write_ports_file((dir_ / "no-such-dir" / "service.json").string(), {{"port", 1}});
  EXPECT_FALSE(written.ok());
  EXPECT_THAT(written.message(), HasSubstr("no-such-dir"));
}

}  // namespace
}  // namespace sluice::native
