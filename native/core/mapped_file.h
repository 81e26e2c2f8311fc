// A whole file mapped read-write but private (copy-on-write): pages are shared with the page
// cache and with every other process that maps the same file, and a write through the mapping
// copies only the page it touches instead of faulting or reaching the file.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>

namespace w2v {

/// Whether this build can map files (POSIX mmap); when false, MappedFile always throws.
bool canMapFiles();

/// A failed open/fstat/mmap: the system call, errno and strerror's text.
class MappedFileError : public std::runtime_error {
 public:
  MappedFileError(const std::string& message, const char* syscall, int code)
      : std::runtime_error(message), syscall_(syscall), code_(code) {}
  /// "open", "fstat" or "mmap" (or "none" for a file that is not a regular file).
  const char* syscall() const { return syscall_; }
  /// errno of the failed call (0 when the file is not a regular file).
  int code() const { return code_; }

 private:
  const char* syscall_;
  int code_;
};

class MappedFile {
 public:
  /// Maps the regular file at `path` whole. An empty file maps to no pages (data() is null).
  /// @throws MappedFileError naming the path, the call and the system's reason.
  explicit MappedFile(const std::string& path);
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  /// Unmaps.
  ~MappedFile();

  unsigned char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  unsigned char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace w2v
