#pragma once
// Callers' personal data at rest (PRODUCT G3): names and phone numbers are
// sealed with libsodium's crypto_secretbox (XSalsa20-Poly1305), and phone
// numbers are also reduced to a keyed BLAKE2b hash so that "earlier tickets of
// this caller" can be found without ever storing the number in clear.
//
// Both keys are derived (crypto_kdf) from one 32-byte master key kept in a
// 0600 file under the data directory (key_files.hpp). Rotation: the sealed
// format starts with the key id of the master key that sealed it; a
// PersonalDataKey holds the current key and, during `hotlined rotate-key`
// (rekey.hpp), the previous one, so it opens values of either and seals with
// the current one. Procedure: docs/security.md.
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hotline/tickets/key_files.hpp"

namespace hotline::tickets {

// Immutable once built, so one instance may be shared by every store thread.
class PersonalDataKey {
 public:
  static constexpr std::size_t kKeyBytes = 32;

  // master must be exactly 32 bytes (Error invalid_argument otherwise); key id 1.
  explicit PersonalDataKey(std::string_view master);
  // Seals and hashes with current; opens values sealed with current or any of
  // previous (ids must differ: Error invalid_argument otherwise).
  explicit PersonalDataKey(const MasterKey& current, const std::vector<MasterKey>& previous = {});
  ~PersonalDataKey();
  PersonalDataKey(const PersonalDataKey&) = delete;
  PersonalDataKey& operator=(const PersonalDataKey&) = delete;

  std::uint8_t current_id() const { return keys_.front().id; }

  // key id, 24-byte random nonce, ciphertext with its 16-byte tag.
  std::string seal(std::string_view plain) const;
  // Throws Error(internal) when the blob's key id is not loaded (the message
  // names both ids), or the blob does not open with that key or was altered.
  std::string open(std::string_view sealed) const;

  // 32-byte keyed BLAKE2b of normalise_phone(phone) under the current key;
  // equal for "+86 138-1234-5678" and "13812345678".
  std::string phone_hash(std::string_view phone) const;

  // The key id in a sealed value's first byte; nullopt for an empty value.
  static std::optional<std::uint8_t> key_id_of(std::string_view sealed);

 private:
  struct Derived {
    std::uint8_t id = 0;
    std::array<unsigned char, 32> box_key{};
    std::array<unsigned char, 32> hash_key{};
  };
  void add(const MasterKey& master);

  std::vector<Derived> keys_;  // the current key first
};

// Digits only, without a leading +86 / 0086 country code: "+86 138-1234-5678"
// -> "13812345678". Throws Error(invalid_argument, "caller_phone: ...") when
// no digits are left or the number is longer than 20 digits.
std::string normalise_phone(std::string_view phone);

}  // namespace hotline::tickets
