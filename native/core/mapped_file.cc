#include "mapped_file.h"

#include <cerrno>
#include <cstdint>
#include <cstring>

#if defined(__unix__) || defined(__APPLE__)
#define W2V_HAVE_MMAP 1
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace w2v {

#if defined(W2V_HAVE_MMAP)

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, const char* syscall, int code) {
  throw MappedFileError(what + " \"" + path + "\": " + std::strerror(code), syscall, code);
}

}  // namespace

bool canMapFiles() { return true; }

MappedFile::MappedFile(const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below as not regular.
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) fail("cannot open", path, "open", errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int code = errno;
    ::close(fd);
    fail("cannot stat", path, "fstat", code);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    if (S_ISDIR(st.st_mode)) fail("cannot map", path, "open", EISDIR);
    throw MappedFileError("cannot map \"" + path + "\": not a regular file", "none", 0);
  }
  if (static_cast<unsigned long long>(st.st_size) > static_cast<unsigned long long>(SIZE_MAX)) {
    ::close(fd);
    fail("cannot map", path, "mmap", EFBIG);
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ == 0) {
    ::close(fd);
    return;
  }
  void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  const int code = errno;
  ::close(fd);  // the mapping keeps its own reference to the file
  if (p == MAP_FAILED) {
    size_ = 0;
    fail("cannot map", path, "mmap", code);
  }
  data_ = static_cast<unsigned char*>(p);
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

#else

bool canMapFiles() { return false; }

MappedFile::MappedFile(const std::string& path) {
  throw MappedFileError("cannot map \"" + path + "\": this platform has no mmap", "mmap", ENOSYS);
}

MappedFile::~MappedFile() = default;

#endif

}  // namespace w2v
