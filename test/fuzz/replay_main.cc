// A main() for a fuzz target built without libFuzzer (any compiler): feeds every file named
// on the command line, or found (recursively) in a directory named there, to
// LLVMFuzzerTestOneInput once. CTest runs it over test/fuzz/regressions/<target>/, so the
// inputs kept from fuzzing are replayed by `npm test` with g++, under ASan in the core-asan
// build. A crash or a failed oracle aborts; finding no input at all is a failure too, so that
// a moved or emptied folder cannot turn the test into one that always passes.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool replay(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", file.string().c_str());
    return false;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::printf("replaying %s (%zu bytes)\n", file.string().c_str(), bytes.size());
  std::fflush(stdout);
  // A heap copy of the exact size, as libFuzzer passes it, so ASan sees reads past the end.
  std::vector<uint8_t> copy(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(copy.empty() ? nullptr : copy.data(), copy.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIRECTORY...\n", argv[0]);
    return 2;
  }
  size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg(argv[i]);
    std::error_code error;
    if (std::filesystem::is_directory(arg, error)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::recursive_directory_iterator(arg))
        if (entry.is_regular_file()) files.push_back(entry.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        if (!replay(f)) return 1;
        ++replayed;
      }
    } else if (std::filesystem::is_regular_file(arg, error)) {
      if (!replay(arg)) return 1;
      ++replayed;
    } else {
      std::fprintf(stderr, "%s is neither a file nor a directory\n", argv[i]);
      return 1;
    }
  }
  if (replayed == 0) {
    std::fprintf(stderr, "no inputs found in the arguments: nothing was tested\n");
    return 1;
  }
  std::printf("%zu inputs replayed, no crash\n", replayed);
  return 0;
}
