// AnnIndex::save and AnnIndex::open: the index file (index_file.h) around the library's bytes.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "ann_index_impl.h"
#include "index_file.h"
#include "ivf_lists.h"
#include "../core/w2v_limits.h"

#if defined(_WIN32)
#include <io.h>
#else
#include <unistd.h>
#endif

namespace w2v {
namespace ann {
namespace {

uint64_t alignUp(uint64_t v) { return (v + kIndexSectionAlignment - 1) / kIndexSectionAlignment * kIndexSectionAlignment; }

// A file written from the start, every failure an exception naming the call and the reason.
class Output {
 public:
  explicit Output(const std::string& path) : path_(path), f_(std::fopen(path.c_str(), "wb")) {
    if (f_ == nullptr) fail("open");
  }
  ~Output() {
    if (f_ != nullptr) std::fclose(f_);
  }
  void write(const void* data, size_t length) {
    if (length > 0 && std::fwrite(data, 1, length, f_) != length) fail("write");
    written_ += length;
  }
  void padTo(uint64_t offset) {
    static const uint8_t zeros[kIndexSectionAlignment] = {};
    while (written_ < offset) write(zeros, static_cast<size_t>(std::min<uint64_t>(offset - written_, sizeof zeros)));
  }
  uint64_t written() const { return written_; }
  void rewriteHeader(const uint8_t* header) {
    if (std::fseek(f_, 0, SEEK_SET) != 0) fail("seek");
    if (std::fwrite(header, 1, kIndexHeaderBytes, f_) != kIndexHeaderBytes) fail("write");
  }
  void finish() {
    if (std::fflush(f_) != 0) fail("write");
#if defined(_WIN32)
    if (_commit(_fileno(f_)) != 0) fail("fsync");
#else
    if (fsync(fileno(f_)) != 0) fail("fsync");
#endif
    FILE* f = f_;
    f_ = nullptr;
    if (std::fclose(f) != 0) fail("close");
  }

 private:
  [[noreturn]] void fail(const char* call) const {
    throw std::runtime_error("cannot write \"" + path_ + "\": " + call + ": " + std::strerror(errno));
  }
  std::string path_;
  FILE* f_;
  uint64_t written_ = 0;
};

}  // namespace

void AnnIndex::save(const std::string& path, IndexFileHeader header, const uint8_t* extra, size_t extraLength) const {
  // Fields the caller gives must be ones open() accepts: a file is never written that cannot be read.
  if (header.vectors < 1 || header.vectors > 3)
    throw std::invalid_argument("index file vector kind must be 1 (input), 2 (output) or 3 (given), got " + std::to_string(header.vectors));
  if (header.modelRows > static_cast<uint64_t>(kMaxVocabSize))
    throw std::invalid_argument("index file model rows must be at most " + std::to_string(kMaxVocabSize) + ", got " +
                                std::to_string(header.modelRows));
  const Impl& impl = *impl_;
  std::shared_lock<std::shared_mutex> g(impl.lock);
  Output out(path);
  const uint8_t blank[kIndexHeaderBytes] = {};
  out.write(blank, sizeof blank);
  header.payloadOffset = kIndexHeaderBytes;
  StreamHasher payload;
  auto writePayload = [&](const void* data, size_t length) {
    payload.update(static_cast<const uint8_t*>(data), length);
    out.write(data, length);
    return true;
  };
  if (ivf_) {
    ivf_->write(writePayload);
  } else {
    auto r = impl.index.save_to_stream(writePayload);
    if (!r) throw std::runtime_error(std::string("cannot serialize the index: ") + r.error.what());
  }
  header.payloadLength = out.written() - header.payloadOffset;
  header.payloadHash = payload.finish();
  header.extraOffset = header.extraLength = header.extraHash = 0;
  if (extraLength > 0) {
    header.extraOffset = alignUp(out.written());
    out.padTo(header.extraOffset);
    out.write(extra, extraLength);
    header.extraLength = extraLength;
    header.extraHash = hashBytes(extra, extraLength, 1);
  }
  header.fileSize = out.written();
  header.version = kIndexFileVersion;
  header.dim = static_cast<uint32_t>(settings_.dim);
  header.metric = static_cast<uint8_t>(settings_.metric);
  header.quantization = static_cast<uint8_t>(settings_.quantization);
  header.i8Scale = settings_.quantization == Quantization::kI8 ? i8Scale() : 0.0f;
  header.flags = static_cast<uint8_t>((settings_.transformsDot() ? kIndexFlagDotTransform : 0) | (ivf_ ? kIndexFlagLists : 0));
  header.normBound = settings_.transformsDot() ? impl.normBound : 0.0f;
  uint8_t bytes[kIndexHeaderBytes];
  encodeIndexHeader(header, bytes);
  out.rewriteHeader(bytes);
  out.finish();
}

std::unique_ptr<AnnIndex> AnnIndex::open(const std::string& path, bool view, int threads, IndexFileHeader* header,
                                         std::vector<uint8_t>* extra) {
  auto mapped = std::make_unique<MappedFile>(path);
  const uint8_t* data = mapped->data();
  const size_t size = mapped->size();
  IndexFileHeader h;
  std::string error = parseIndexHeader(data, size, size, &h);
  if (error.empty()) error = verifyIndexSections(data, h, threads);
  if (!error.empty()) throw std::runtime_error(error + ": \"" + path + "\"");
  if (h.quantization == static_cast<uint8_t>(Quantization::kI8) && h.i8Scale == 0) throw std::runtime_error("index file has no i8 scale");
  IndexSettings s;
  s.dim = static_cast<int32_t>(h.dim);
  s.metric = static_cast<Metric>(h.metric);
  s.quantization = static_cast<Quantization>(h.quantization);
  s.dotTransform = (h.flags & kIndexFlagDotTransform) != 0;
  if ((h.flags & kIndexFlagLists) != 0) s.kind = IndexKind::kLists;
  std::unique_ptr<AnnIndex> out(new AnnIndex(s));
  Impl& impl = *out->impl_;
  if (out->ivf_) {
    try {
      out->ivf_->read(data + h.payloadOffset, static_cast<size_t>(h.payloadLength), view, h.i8Scale);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(std::string(e.what()) + ": \"" + path + "\"");
    }
    out->settings_.lists = out->ivf_->lists();
    out->settings_.probes = out->ivf_->probes();
    if (extra != nullptr) extra->assign(data + h.extraOffset, data + h.extraOffset + h.extraLength);
    if (view) impl.mapped = std::move(mapped);
    if (header != nullptr) *header = h;
    return out;
  }
  // Only the index section: the library reads from `offset` to what its own header declares.
  us::memory_mapped_file_t file(const_cast<us::byte_t*>(reinterpret_cast<const us::byte_t*>(data)),
                                static_cast<size_t>(h.payloadOffset + h.payloadLength));
  auto r = view ? impl.index.view(std::move(file), static_cast<size_t>(h.payloadOffset))
                : impl.index.load(std::move(file), static_cast<size_t>(h.payloadOffset));
  if (!r) throw std::runtime_error(std::string("index file's index section cannot be read: ") + r.error.what() + ": \"" + path + "\"");
  if (impl.index.dimensions() != static_cast<size_t>(s.storedDim()) || impl.index.scalar_kind() != ourMetric(s).scalar_kind())
    throw std::runtime_error("index file's index section does not match its header (dim or storage type): \"" + path + "\"");
  impl.index.change_metric(ourMetric(s));
  impl.reserve(impl.index.size());
  impl.i8Scale = h.i8Scale;
  impl.normBound = h.normBound;
  if (s.transformsDot() && impl.index.size() > 0 && impl.normBound == 0)
    throw std::runtime_error("index file's dot index has rows but no norm bound: \"" + path + "\"");
  out->settings_.connectivity = static_cast<int32_t>(impl.index.connectivity());
  out->settings_.expansionAdd = static_cast<int32_t>(impl.index.expansion_add());
  out->settings_.expansionSearch = static_cast<int32_t>(impl.index.expansion_search());
  if (extra != nullptr) extra->assign(data + h.extraOffset, data + h.extraOffset + h.extraLength);
  if (view) impl.mapped = std::move(mapped);
  if (header != nullptr) *header = h;
  return out;
}

}  // namespace ann
}  // namespace w2v
