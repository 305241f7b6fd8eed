#include "hotline/tickets/key_files.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "hotline/core/error.hpp"

namespace hotline::tickets {
namespace {

constexpr std::size_t kKeyBytes = 32;
constexpr char kMagic[4] = {'H', 'L', 'C', 'K'};
constexpr unsigned char kFormat = 1;
constexpr std::size_t kVersionedBytes = sizeof(kMagic) + 2 + kKeyBytes;

[[noreturn]] void fail_io(const std::string& what, const std::filesystem::path& path) {
  throw Error(Errc::internal, what + " " + path.string() + ": " + std::strerror(errno));
}

[[noreturn]] void bad_file(const std::filesystem::path& path, const std::string& why) {
  throw Error(Errc::invalid_argument, path.string() + ": " + why);
}

void init_sodium() {
  if (sodium_init() < 0) throw Error(Errc::internal, "libsodium failed to initialise");
}

// Closes the descriptor on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release_close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

void fsync_directory(const std::filesystem::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) fail_io("cannot sync the directory", dir);
}

std::string encode(const MasterKey& key) {
  std::string out(kMagic, sizeof(kMagic));
  out += static_cast<char>(kFormat);
  out += static_cast<char>(key.id);
  out += key.bytes;
  return out;
}

}  // namespace

std::optional<MasterKey> read_key_file(const std::filesystem::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::nullopt;
    fail_io("cannot open", path);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail_io("cannot stat", path);
  if (st.st_mode & (S_IRWXG | S_IRWXO)) bad_file(path, "the key file must be readable by its owner only (0600)");
  std::string data(kVersionedBytes + 1, '\0');
  std::size_t got = 0;
  while (got < data.size()) {
    ssize_t n = ::read(fd.get(), data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_io("cannot read", path);
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  data.resize(got);
  MasterKey key;
  if (got == kKeyBytes) {
    key.id = 1;
    key.bytes = std::move(data);
  } else if (got == kVersionedBytes && data.compare(0, sizeof(kMagic), kMagic, sizeof(kMagic)) == 0) {
    if (static_cast<unsigned char>(data[4]) != kFormat) bad_file(path, "unknown key file format version");
    key.id = static_cast<std::uint8_t>(data[5]);
    if (key.id == 0) bad_file(path, "key id 0 is not valid");
    key.bytes = data.substr(6);
  } else {
    bad_file(path, "a key file holds exactly 32 bytes (key id 1) or 38 bytes starting with HLCK");
  }
  sodium_memzero(data.data(), data.size());
  return key;
}

void write_key_file(const std::filesystem::path& path, const MasterKey& key) {
  if (key.bytes.size() != kKeyBytes || key.id == 0) {
    throw Error(Errc::invalid_argument, "a master key is 32 bytes with an id from 1 to 255");
  }
  auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  auto tmp = path;
  tmp += ".tmp" + std::to_string(::getpid());
  std::string data = encode(key);
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0) fail_io("cannot create", tmp);
    bool ok = ::write(fd.get(), data.data(), data.size()) == static_cast<ssize_t>(data.size()) &&
              ::fsync(fd.get()) == 0 && fd.release_close() == 0;
    sodium_memzero(data.data(), data.size());
    if (!ok) {
      int saved = errno;
      ::unlink(tmp.c_str());
      errno = saved;
      fail_io("cannot write", tmp);
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    fail_io("cannot rename into place", path);
  }
  fsync_directory(dir);
}

MasterKey generate_master_key(std::uint8_t id) {
  init_sodium();
  if (id == 0) throw Error(Errc::invalid_argument, "key id 0 is not valid");
  MasterKey key{id, std::string(kKeyBytes, '\0')};
  randombytes_buf(key.bytes.data(), key.bytes.size());
  return key;
}

std::uint8_t next_key_id(std::uint8_t id) { return id >= 255 ? 1 : static_cast<std::uint8_t>(id + 1); }

MasterKey load_or_create_key(const std::filesystem::path& data_dir) {
  init_sodium();
  if (std::filesystem::exists(data_dir / kNextCallerKeyFile)) {
    throw Error(Errc::conflict, "a rotation of the caller-data key was interrupted (" +
                                    (data_dir / kNextCallerKeyFile).string() +
                                    " exists): run `hotlined rotate-key` to finish it before starting the daemon");
  }
  auto path = data_dir / kCallerKeyFile;
  if (auto key = read_key_file(path)) return std::move(*key);

  // Write a temporary file and link it into place, so a crash never leaves a
  // short key behind and two processes racing agree on one key. The first key
  // keeps the original 32-byte format (key id 1).
  MasterKey key = generate_master_key(1);
  auto tmp = data_dir / ("caller.key.tmp" + std::to_string(::getpid()));
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0) fail_io("cannot create", tmp);
    bool ok = ::write(fd.get(), key.bytes.data(), key.bytes.size()) == static_cast<ssize_t>(kKeyBytes) &&
              ::fsync(fd.get()) == 0 && fd.release_close() == 0;
    if (!ok) {
      int saved = errno;
      ::unlink(tmp.c_str());
      errno = saved;
      fail_io("cannot write", tmp);
    }
  }
  int linked = ::link(tmp.c_str(), path.c_str());
  int link_errno = errno;
  ::unlink(tmp.c_str());
  if (linked != 0) {
    if (link_errno == EEXIST) return load_or_create_key(data_dir);  // another process won the race
    errno = link_errno;
    fail_io("cannot create", path);
  }
  return key;
}

}  // namespace hotline::tickets
