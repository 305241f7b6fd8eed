#include "hotline/tickets/personal_data.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "hotline/core/error.hpp"

namespace hotline::tickets {
namespace {

constexpr unsigned char kKeyId = 1;
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES] = {'h', 'o', 't', 'l', 'c', 'a', 'l', 'l'};
constexpr std::uint64_t kBoxSubkey = 1;
constexpr std::uint64_t kHashSubkey = 2;

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

[[noreturn]] void fail_io(const std::string& what, const std::filesystem::path& path) {
  throw Error(Errc::internal, what + " " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

PersonalDataKey::PersonalDataKey(std::string_view master) {
  if (sodium_init() < 0) throw Error(Errc::internal, "libsodium failed to initialise");
  if (master.size() != kKeyBytes) {
    throw Error(Errc::invalid_argument, "personal data key: must be 32 bytes, got " + std::to_string(master.size()));
  }
  crypto_kdf_derive_from_key(box_key_.data(), box_key_.size(), kBoxSubkey, kKdfContext, bytes(master));
  crypto_kdf_derive_from_key(hash_key_.data(), hash_key_.size(), kHashSubkey, kKdfContext, bytes(master));
}

PersonalDataKey::~PersonalDataKey() {
  sodium_memzero(box_key_.data(), box_key_.size());
  sodium_memzero(hash_key_.data(), hash_key_.size());
}

std::string PersonalDataKey::seal(std::string_view plain) const {
  std::string out(1 + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size(), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  p[0] = kKeyId;
  unsigned char* nonce = p + 1;
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, bytes(plain), plain.size(), nonce, box_key_.data());
  return out;
}

std::string PersonalDataKey::open(std::string_view sealed) const {
  constexpr std::size_t header = 1 + crypto_secretbox_NONCEBYTES;
  if (sealed.size() < header + crypto_secretbox_MACBYTES || static_cast<unsigned char>(sealed[0]) != kKeyId) {
    throw Error(Errc::internal, "personal data: sealed value has an unknown format or key id");
  }
  std::string out(sealed.size() - header - crypto_secretbox_MACBYTES, '\0');
  const unsigned char* nonce = bytes(sealed) + 1;
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()), nonce + crypto_secretbox_NONCEBYTES,
                                 sealed.size() - header, nonce, box_key_.data()) != 0) {
    throw Error(Errc::internal, "personal data: sealed value does not open with this key");
  }
  return out;
}

std::string PersonalDataKey::phone_hash(std::string_view phone) const {
  std::string normal = normalise_phone(phone);
  std::string out(32, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(), bytes(normal), normal.size(),
                     hash_key_.data(), hash_key_.size());
  return out;
}

std::string normalise_phone(std::string_view phone) {
  std::string digits;
  for (char c : phone) {
    if (c >= '0' && c <= '9') digits += c;
  }
  if (phone.substr(0, 3) == "+86" && digits.rfind("86", 0) == 0) {
    digits.erase(0, 2);
  } else if (digits.rfind("0086", 0) == 0) {
    digits.erase(0, 4);
  }
  if (digits.empty()) throw Error(Errc::invalid_argument, "caller_phone: has no digits");
  if (digits.size() > 20) throw Error(Errc::invalid_argument, "caller_phone: longer than 20 digits");
  return digits;
}

std::string load_or_create_key(const std::filesystem::path& data_dir) {
  if (sodium_init() < 0) throw Error(Errc::internal, "libsodium failed to initialise");
  constexpr std::size_t n = PersonalDataKey::kKeyBytes;
  auto path = data_dir / "caller.key";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    struct stat st {};
    std::string key(n + 1, '\0');
    ssize_t got = ::fstat(fd, &st) == 0 ? ::read(fd, key.data(), key.size()) : -1;
    ::close(fd);
    if (got < 0) fail_io("cannot read", path);
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
      throw Error(Errc::invalid_argument, path.string() + ": the key file must be readable by its owner only (0600)");
    }
    if (static_cast<std::size_t>(got) != n) {
      throw Error(Errc::invalid_argument, path.string() + ": a key file holds exactly 32 bytes");
    }
    key.resize(n);
    return key;
  }
  if (errno != ENOENT) fail_io("cannot open", path);

  // Write a temporary file and link it into place, so a crash never leaves a
  // short key behind and two processes racing agree on one key.
  std::string key(n, '\0');
  randombytes_buf(key.data(), key.size());
  auto tmp = data_dir / ("caller.key.tmp" + std::to_string(::getpid()));
  fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) fail_io("cannot create", tmp);
  bool ok = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(n) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    fail_io("cannot write", tmp);
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
