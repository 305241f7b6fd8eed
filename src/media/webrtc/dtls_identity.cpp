#include "dtls_identity.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "hotline/core/error.hpp"

namespace hotline::media::webrtc {
namespace {

constexpr const char* kKeyFile = "dtls-key.pem";
constexpr const char* kCertificateFile = "dtls-cert.pem";
constexpr long kValiditySeconds = 10L * 365 * 24 * 3600;  // browsers check the fingerprint, not the dates

[[noreturn]] void fail(const std::string& what) {
  throw Error(Errc::internal, what + ": " + take_openssl_error("unknown OpenSSL error"));
}

[[noreturn]] void fail_io(const std::string& what, const std::filesystem::path& path) {
  throw Error(Errc::internal, what + " " + path.string() + ": " + std::strerror(errno));
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

const EVP_MD* digest_for(std::string_view algorithm) {
  if (iequals(algorithm, "sha-1")) return EVP_sha1();
  if (iequals(algorithm, "sha-224")) return EVP_sha224();
  if (iequals(algorithm, "sha-256")) return EVP_sha256();
  if (iequals(algorithm, "sha-384")) return EVP_sha384();
  if (iequals(algorithm, "sha-512")) return EVP_sha512();
  return nullptr;
}

OpenSslPtr<X509> self_signed(EVP_PKEY* key) {
  OpenSslPtr<X509> certificate(X509_new());
  if (!certificate || X509_set_version(certificate.get(), 2) != 1) fail("X509_new");
  std::uint8_t serial_bytes[8];
  if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) fail("RAND_bytes");
  std::uint64_t serial = 0;
  for (std::uint8_t b : serial_bytes) serial = (serial << 8) | b;
  serial &= 0x7FFFFFFFFFFFFFFFull;  // positive
  if (ASN1_INTEGER_set_uint64(X509_get_serialNumber(certificate.get()), serial) != 1) fail("certificate serial");
  if (!X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -24L * 3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(certificate.get()), kValiditySeconds)) {
    fail("certificate validity");
  }
  X509_NAME* name = X509_get_subject_name(certificate.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("hotlined"), -1,
                                 -1, 0) != 1 ||
      X509_set_issuer_name(certificate.get(), name) != 1 || X509_set_pubkey(certificate.get(), key) != 1 ||
      X509_sign(certificate.get(), key, EVP_sha256()) <= 0) {
    fail("signing the DTLS certificate");
  }
  return certificate;
}

OpenSslPtr<EVP_PKEY> new_p256_key() {
  OpenSslPtr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (!key) fail("generating the ECDSA P-256 key");
  return key;
}

std::string pem_of(int (*write)(BIO*, void*), void* object) {
  OpenSslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get(), object) != 1) fail("PEM encoding");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

int write_key(BIO* bio, void* key) {
  return PEM_write_bio_PrivateKey(bio, static_cast<EVP_PKEY*>(key), nullptr, nullptr, 0, nullptr, nullptr);
}
int write_certificate(BIO* bio, void* certificate) { return PEM_write_bio_X509(bio, static_cast<X509*>(certificate)); }

// Written beside the target and renamed over it, so a crash leaves either
// nothing or the whole file.
void write_private_file(const std::filesystem::path& path, const std::string& content) {
  const auto tmp = path.parent_path() / (path.filename().string() + ".tmp" + std::to_string(::getpid()));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) fail_io("cannot create", tmp);
  const bool ok = ::fchmod(fd, 0600) == 0 &&
                  ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
                  ::fsync(fd) == 0;
  const int write_errno = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int saved = ok ? errno : write_errno;
    ::unlink(tmp.c_str());
    errno = saved;
    fail_io("cannot write", path);
  }
}

OpenSslPtr<BIO> open_for_reading(const std::filesystem::path& path) {
  OpenSslPtr<BIO> bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) throw Error(Errc::internal, "cannot read " + path.string() + ": " + take_openssl_error("open failed"));
  return bio;
}

std::shared_ptr<const DtlsIdentity> load(const std::filesystem::path& key_path,
                                         const std::filesystem::path& certificate_path) {
  struct stat st {};
  if (::stat(key_path.c_str(), &st) != 0) fail_io("cannot stat", key_path);
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    throw Error(Errc::invalid_argument,
                key_path.string() + ": the DTLS key must be readable by its owner only (chmod 0600)");
  }
  OpenSslPtr<EVP_PKEY> key(PEM_read_bio_PrivateKey(open_for_reading(key_path).get(), nullptr, nullptr, nullptr));
  if (!key) {
    throw Error(Errc::invalid_argument, key_path.string() + ": not a PEM private key: " + take_openssl_error("?"));
  }
  OpenSslPtr<X509> certificate(PEM_read_bio_X509(open_for_reading(certificate_path).get(), nullptr, nullptr, nullptr));
  if (!certificate) {
    throw Error(Errc::invalid_argument,
                certificate_path.string() + ": not a PEM certificate: " + take_openssl_error("?"));
  }
  if (X509_check_private_key(certificate.get(), key.get()) != 1) {
    ERR_clear_error();
    throw Error(Errc::invalid_argument,
                certificate_path.string() + " does not belong to the key in " + key_path.string());
  }
  return std::make_shared<const DtlsIdentity>(std::move(key), std::move(certificate));
}

}  // namespace

std::string take_openssl_error(const char* fallback) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return fallback;
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

DtlsIdentity::DtlsIdentity(OpenSslPtr<EVP_PKEY> key, OpenSslPtr<X509> certificate)
    : key_(std::move(key)), certificate_(std::move(certificate)) {
  auto fingerprint = certificate_fingerprint(certificate_.get(), "sha-256");
  if (!fingerprint) fail("certificate fingerprint");
  fingerprint_ = std::move(*fingerprint);
}

std::shared_ptr<const DtlsIdentity> DtlsIdentity::generate() {
  auto key = new_p256_key();
  auto certificate = self_signed(key.get());
  return std::make_shared<const DtlsIdentity>(std::move(key), std::move(certificate));
}

std::shared_ptr<const DtlsIdentity> DtlsIdentity::load_or_create(const std::filesystem::path& dir) {
  const auto key_path = dir / kKeyFile;
  const auto certificate_path = dir / kCertificateFile;
  std::error_code ec;
  const bool have_key = std::filesystem::exists(key_path, ec);
  const bool have_certificate = std::filesystem::exists(certificate_path, ec);
  if (have_key && have_certificate) return load(key_path, certificate_path);
  // One without the other is what a crash between the two writes leaves: start over.
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(Errc::internal, "cannot create " + dir.string() + ": " + ec.message());
  auto identity = generate();
  write_private_file(key_path, pem_of(write_key, identity->key()));
  write_private_file(certificate_path, pem_of(write_certificate, identity->certificate()));
  return identity;
}

std::optional<DtlsFingerprint> certificate_fingerprint(X509* certificate, std::string_view algorithm) {
  const EVP_MD* md = digest_for(algorithm);
  if (!md || !certificate) return std::nullopt;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(certificate, md, digest, &length) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  DtlsFingerprint out{std::string(algorithm), {}};
  for (char& c : out.algorithm) c = lower(c);
  out.value.reserve(length * 3);
  for (unsigned i = 0; i < length; ++i) {
    if (i) out.value += ':';
    out.value += kHex[digest[i] >> 4];
    out.value += kHex[digest[i] & 0x0F];
  }
  return out;
}

bool fingerprints_match(const DtlsFingerprint& a, const DtlsFingerprint& b) {
  return !a.value.empty() && iequals(a.algorithm, b.algorithm) && iequals(a.value, b.value);
}

}  // namespace hotline::media::webrtc
