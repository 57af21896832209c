// scenario_files.h: the shipped scenarios (core/sim/scenarios/*.json), read from the
// test's runfiles.
#ifndef SLUICE_TESTS_CORE_SIM_SCENARIO_FILES_H_
#define SLUICE_TESTS_CORE_SIM_SCENARIO_FILES_H_

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace sluice::sim::testing {

inline const char* kScenarioDirectory = "core/sim/scenarios";

inline std::string read_scenario_text(const std::string& name) {
  std::ifstream file(std::string(kScenarioDirectory) + "/" + name + ".json");
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

inline std::vector<std::string> scenario_names() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(kScenarioDirectory)) {
    names.push_back(entry.path().stem().string());
  }
  return names;
}

}  // namespace sluice::sim::testing

#endif  // SLUICE_TESTS_CORE_SIM_SCENARIO_FILES_H_
