// fuzz_driver.cc: runs a libFuzzer target without libFuzzer, for `bazel test` (g++, no
// clang needed): every input of the corpus directory (the regression), then a fixed
// number of inputs mutated from them with a fixed seed (a short, repeatable fuzz).
// tools/fuzz/run builds the same target with clang's libFuzzer for long runs.
//
//   fuzz_driver CORPUS_DIR [MUTATIONS]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::string mutate(const std::vector<std::string>& corpus, std::mt19937_64& prng) {
  std::string input = corpus[prng() % corpus.size()];
  const int edits = 1 + static_cast<int>(prng() % 8);
  for (int i = 0; i < edits; ++i) {
    const std::size_t at = input.empty() ? 0 : prng() % (input.size() + 1);
    switch (prng() % 6) {
      case 0:  // flip a bit
        if (!input.empty()) input[at % input.size()] ^= static_cast<char>(1u << (prng() % 8));
        break;
      case 1:  // insert a random byte
        input.insert(at, 1, static_cast<char>(prng() % 256));
        break;
      case 2:  // delete a run
        if (!input.empty()) input.erase(at % input.size(), 1 + prng() % 16);
        break;
      case 3: {  // splice in part of another input
        const std::string& other = corpus[prng() % corpus.size()];
        if (!other.empty()) {
          const std::size_t from = prng() % other.size();
          input.insert(at, other.substr(from, 1 + prng() % 32));
        }
        break;
      }
      case 4: {  // an interesting byte: structure and boundaries
        static const char kInteresting[] = {'\0', '\r', '\n', ':', '"', '{', '}', '-', '0', '9', 'f', '\xff'};
        input.insert(at, 1, kInteresting[prng() % sizeof(kInteresting)]);
        break;
      }
      default:  // repeat a run (long inputs, limits)
        if (!input.empty()) {
          const std::string run = input.substr(at % input.size(), 1 + prng() % 64);
          for (std::uint64_t n = prng() % 64; n > 0; --n) input.insert(at, run);
        }
    }
  }
  return input;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [MUTATIONS]\n", argv[0]);
    return 2;
  }
  std::vector<std::string> corpus;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    std::ifstream in(entry.path(), std::ios::binary);
    corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "no inputs in %s\n", argv[1]);
    return 2;
  }
  for (const std::string& input : corpus) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  }
  const long mutations = argc > 2 ? std::atol(argv[2]) : 20000;
  std::mt19937_64 prng(20261124);
  for (long i = 0; i < mutations; ++i) {
    const std::string input = mutate(corpus, prng);
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  }
  std::printf("%zu corpus inputs and %ld mutations ran clean\n", corpus.size(), mutations);
  return 0;
}
