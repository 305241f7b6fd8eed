#pragma once
// Callers' personal data at rest (PRODUCT G3): names and phone numbers are
// sealed with libsodium's crypto_secretbox (XSalsa20-Poly1305), and phone
// numbers are also reduced to a keyed BLAKE2b hash so that "earlier tickets of
// this caller" can be found without ever storing the number in clear.
//
// Both keys are derived (crypto_kdf) from one 32-byte master key kept in a
// 0600 file under the data directory. Rotation: the sealed format starts with
// a key-id byte (1 today); a new key gets a new id, old rows stay readable
// while the old key is still loaded, and a re-seal job rewrites them.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace hotline::tickets {

// Immutable once built, so one instance may be shared by every store thread.
class PersonalDataKey {
 public:
  static constexpr std::size_t kKeyBytes = 32;

  // master must be exactly 32 bytes (Error invalid_argument otherwise).
  explicit PersonalDataKey(std::string_view master);
  ~PersonalDataKey();
  PersonalDataKey(const PersonalDataKey&) = delete;
  PersonalDataKey& operator=(const PersonalDataKey&) = delete;

  // key id, 24-byte random nonce, ciphertext with its 16-byte tag.
  std::string seal(std::string_view plain) const;
  // Throws Error(internal) when the blob was not sealed with this key or was altered.
  std::string open(std::string_view sealed) const;

  // 32-byte keyed BLAKE2b of normalise_phone(phone); equal for "+86 138-1234-5678"
  // and "13812345678".
  std::string phone_hash(std::string_view phone) const;

 private:
  std::array<unsigned char, 32> box_key_{};
  std::array<unsigned char, 32> hash_key_{};
};

// Digits only, without a leading +86 / 0086 country code: "+86 138-1234-5678"
// -> "13812345678". Throws Error(invalid_argument, "caller_phone: ...") when
// no digits are left or the number is longer than 20 digits.
std::string normalise_phone(std::string_view phone);

// Reads DATA_DIR/caller.key, or creates it (32 random bytes, mode 0600,
// written to a temporary file first) when it does not exist. Refuses a key
// file of the wrong size or readable by group or others.
std::string load_or_create_key(const std::filesystem::path& data_dir);

}  // namespace hotline::tickets
