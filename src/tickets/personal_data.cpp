#include "hotline/tickets/personal_data.hpp"

#include <sodium.h>

#include "hotline/core/error.hpp"

namespace hotline::tickets {
namespace {

constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES] = {'h', 'o', 't', 'l', 'c', 'a', 'l', 'l'};
constexpr std::uint64_t kBoxSubkey = 1;
constexpr std::uint64_t kHashSubkey = 2;

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

PersonalDataKey::PersonalDataKey(std::string_view master) : PersonalDataKey(MasterKey{1, std::string(master)}) {}

PersonalDataKey::PersonalDataKey(const MasterKey& current, const std::vector<MasterKey>& previous) {
  if (sodium_init() < 0) throw Error(Errc::internal, "libsodium failed to initialise");
  add(current);
  for (const auto& k : previous) add(k);
}

void PersonalDataKey::add(const MasterKey& master) {
  if (master.bytes.size() != kKeyBytes) {
    throw Error(Errc::invalid_argument,
                "personal data key: must be 32 bytes, got " + std::to_string(master.bytes.size()));
  }
  if (master.id == 0) throw Error(Errc::invalid_argument, "personal data key: key id 0 is not valid");
  for (const auto& k : keys_) {
    if (k.id == master.id) {
      throw Error(Errc::invalid_argument, "personal data key: key id " + std::to_string(master.id) + " loaded twice");
    }
  }
  Derived& d = keys_.emplace_back();
  d.id = master.id;
  crypto_kdf_derive_from_key(d.box_key.data(), d.box_key.size(), kBoxSubkey, kKdfContext, bytes(master.bytes));
  crypto_kdf_derive_from_key(d.hash_key.data(), d.hash_key.size(), kHashSubkey, kKdfContext, bytes(master.bytes));
}

PersonalDataKey::~PersonalDataKey() {
  for (auto& k : keys_) {
    sodium_memzero(k.box_key.data(), k.box_key.size());
    sodium_memzero(k.hash_key.data(), k.hash_key.size());
  }
}

std::optional<std::uint8_t> PersonalDataKey::key_id_of(std::string_view sealed) {
  if (sealed.empty()) return std::nullopt;
  return static_cast<std::uint8_t>(sealed[0]);
}

std::string PersonalDataKey::seal(std::string_view plain) const {
  const Derived& k = keys_.front();
  std::string out(1 + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size(), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  p[0] = k.id;
  unsigned char* nonce = p + 1;
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, bytes(plain), plain.size(), nonce, k.box_key.data());
  return out;
}

std::string PersonalDataKey::open(std::string_view sealed) const {
  constexpr std::size_t header = 1 + crypto_secretbox_NONCEBYTES;
  if (sealed.size() < header + crypto_secretbox_MACBYTES) {
    throw Error(Errc::internal, "personal data: sealed value is too short to be one");
  }
  auto id = static_cast<std::uint8_t>(sealed[0]);
  const Derived* key = nullptr;
  for (const auto& k : keys_) {
    if (k.id == id) key = &k;
  }
  if (!key) {
    throw Error(Errc::internal, "personal data: sealed with key id " + std::to_string(id) +
                                    ", which is not loaded (current key id " + std::to_string(current_id()) +
                                    "): the key file of that id is missing");
  }
  std::string out(sealed.size() - header - crypto_secretbox_MACBYTES, '\0');
  const unsigned char* nonce = bytes(sealed) + 1;
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()), nonce + crypto_secretbox_NONCEBYTES,
                                 sealed.size() - header, nonce, key->box_key.data()) != 0) {
    throw Error(Errc::internal, "personal data: sealed value does not open with key id " + std::to_string(id));
  }
  return out;
}

std::string PersonalDataKey::phone_hash(std::string_view phone) const {
  std::string normal = normalise_phone(phone);
  std::string out(32, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(), bytes(normal), normal.size(),
                     keys_.front().hash_key.data(), keys_.front().hash_key.size());
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

}  // namespace hotline::tickets
