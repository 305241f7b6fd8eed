#include "stun.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <memory>

#include "../bytes.hpp"

namespace hotline::media::webrtc {
namespace {

constexpr std::uint32_t kFingerprintXor = 0x5354554e;
constexpr std::size_t kIntegritySize = 20;  // HMAC-SHA1
constexpr std::size_t kSha1Block = 64;

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr auto kCrcTable = make_crc_table();

std::size_t padded(std::size_t length) { return (length + 3) & ~std::size_t{3}; }

struct DigestDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// HMAC-SHA1 (RFC 2104) over several pieces, so the message need not be
// copied to patch its length field. EVP digests stream; OpenSSL 3's HMAC
// streaming API (HMAC_CTX) is deprecated.
std::array<std::uint8_t, kIntegritySize> hmac_sha1(std::span<const std::uint8_t> key,
                                                   std::initializer_list<std::span<const std::uint8_t>> parts) {
  std::array<std::uint8_t, kIntegritySize> out{};
  std::unique_ptr<EVP_MD_CTX, DigestDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx) return out;
  std::array<std::uint8_t, kSha1Block> block{};
  unsigned length = 0;
  if (key.size() > kSha1Block) {
    if (EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), key.data(), key.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), block.data(), &length) != 1) {
      return out;
    }
  } else {
    std::copy(key.begin(), key.end(), block.begin());
  }
  std::array<std::uint8_t, kSha1Block> pad{};
  for (std::size_t i = 0; i < kSha1Block; ++i) pad[i] = block[i] ^ 0x36;
  std::array<std::uint8_t, kIntegritySize> inner{};
  bool ok = EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx.get(), pad.data(), pad.size()) == 1;
  for (const auto& part : parts) ok = ok && EVP_DigestUpdate(ctx.get(), part.data(), part.size()) == 1;
  ok = ok && EVP_DigestFinal_ex(ctx.get(), inner.data(), &length) == 1;
  for (std::size_t i = 0; i < kSha1Block; ++i) pad[i] = block[i] ^ 0x5c;
  ok = ok && EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr) == 1 &&
       EVP_DigestUpdate(ctx.get(), pad.data(), pad.size()) == 1 &&
       EVP_DigestUpdate(ctx.get(), inner.data(), inner.size()) == 1 &&
       EVP_DigestFinal_ex(ctx.get(), out.data(), &length) == 1;
  if (!ok) out.fill(0);
  OPENSSL_cleanse(block.data(), block.size());
  OPENSSL_cleanse(pad.data(), pad.size());
  return out;
}

bool known_required(std::uint16_t type) {
  using namespace stun_attribute;
  switch (type) {
    case mapped_address:
    case username:
    case message_integrity:
    case error_code:
    case unknown_attributes:
    case xor_mapped_address:
    case priority:
    case use_candidate:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::uint16_t stun_message_type(std::uint16_t method, StunClass klass) {
  const auto c = static_cast<std::uint16_t>(klass);
  return static_cast<std::uint16_t>((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2) |
                                    ((c & 1) << 4) | ((c & 2) << 7));
}

std::uint32_t crc32(std::span<const std::uint8_t> bytes) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::uint8_t b : bytes) c = kCrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::optional<StunMessage> StunMessage::parse(std::span<const std::uint8_t> datagram) {
  if (datagram.size() < kStunHeaderSize || (datagram[0] & 0xC0) != 0) return std::nullopt;
  const std::uint8_t* p = datagram.data();
  if (load32(p + 4) != kStunMagicCookie) return std::nullopt;
  const std::size_t length = load16(p + 2);
  if (length % 4 != 0 || kStunHeaderSize + length != datagram.size()) return std::nullopt;

  StunMessage m;
  m.bytes_ = datagram;
  const std::uint16_t type = load16(p);
  m.method_ = static_cast<std::uint16_t>((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));
  m.klass_ = static_cast<StunClass>(((type >> 4) & 1) | ((type >> 7) & 2));
  std::copy(p + 8, p + kStunHeaderSize, m.transaction_id_.begin());

  bool after_integrity = false;
  std::size_t offset = kStunHeaderSize;
  while (offset < datagram.size()) {
    if (datagram.size() - offset < 4) return std::nullopt;
    const std::uint16_t attribute = load16(p + offset);
    const std::size_t value_length = load16(p + offset + 2);
    if (datagram.size() - offset - 4 < padded(value_length)) return std::nullopt;
    const std::span<const std::uint8_t> value(p + offset + 4, value_length);
    if (attribute == stun_attribute::fingerprint) {
      // FINGERPRINT ends the message and covers everything before it.
      if (value_length != 4 || offset + 8 != datagram.size()) return std::nullopt;
      if ((crc32(datagram.first(offset)) ^ kFingerprintXor) != load32(value.data())) return std::nullopt;
    } else if (after_integrity) {
      offset += 4 + padded(value_length);
      continue;  // RFC 5389 15.4: ignored, not covered by the integrity
    } else if (attribute == stun_attribute::message_integrity) {
      if (value_length != kIntegritySize) return std::nullopt;
      after_integrity = true;
    }
    if (m.count_ == kMaxAttributes) return std::nullopt;
    m.attributes_[m.count_++] = StunAttribute{attribute, value, offset};
    offset += 4 + padded(value_length);
  }
  return m;
}

const StunAttribute* StunMessage::find(std::uint16_t type) const {
  for (std::size_t i = 0; i < count_; ++i) {
    if (attributes_[i].type == type) return &attributes_[i];
  }
  return nullptr;
}

std::optional<std::string_view> StunMessage::username() const {
  const auto* a = find(stun_attribute::username);
  if (!a || a->value.size() > 513) return std::nullopt;  // RFC 5389 15.3: < 513 bytes
  return std::string_view(reinterpret_cast<const char*>(a->value.data()), a->value.size());
}

std::optional<std::uint32_t> StunMessage::priority() const {
  const auto* a = find(stun_attribute::priority);
  if (!a || a->value.size() != 4) return std::nullopt;
  return load32(a->value.data());
}

namespace {
std::optional<std::uint64_t> load64_attribute(const StunAttribute* a) {
  if (!a || a->value.size() != 8) return std::nullopt;
  return (std::uint64_t{load32(a->value.data())} << 32) | load32(a->value.data() + 4);
}
}  // namespace

std::optional<std::uint64_t> StunMessage::ice_controlling() const {
  return load64_attribute(find(stun_attribute::ice_controlling));
}

std::optional<std::uint64_t> StunMessage::ice_controlled() const {
  return load64_attribute(find(stun_attribute::ice_controlled));
}

std::optional<boost::asio::ip::udp::endpoint> StunMessage::xor_mapped_address() const {
  const auto* a = find(stun_attribute::xor_mapped_address);
  if (!a || a->value.size() < 4) return std::nullopt;
  const std::uint8_t* v = a->value.data();
  const auto port = static_cast<std::uint16_t>(load16(v + 2) ^ (kStunMagicCookie >> 16));
  if (v[1] == 0x01 && a->value.size() == 8) {
    return boost::asio::ip::udp::endpoint(boost::asio::ip::address_v4(load32(v + 4) ^ kStunMagicCookie), port);
  }
  if (v[1] == 0x02 && a->value.size() == 20) {
    boost::asio::ip::address_v6::bytes_type bytes;
    std::array<std::uint8_t, 16> mask{};
    store32(mask.data(), kStunMagicCookie);
    std::copy(transaction_id_.begin(), transaction_id_.end(), mask.begin() + 4);
    for (std::size_t i = 0; i < 16; ++i) bytes[i] = v[4 + i] ^ mask[i];
    return boost::asio::ip::udp::endpoint(boost::asio::ip::address_v6(bytes), port);
  }
  return std::nullopt;
}

std::optional<StunErrorCode> StunMessage::error_code() const {
  const auto* a = find(stun_attribute::error_code);
  if (!a || a->value.size() < 4) return std::nullopt;
  const int klass = a->value[2] & 0x07;
  const int number = a->value[3];
  if (klass < 3 || klass > 6 || number > 99) return std::nullopt;
  return StunErrorCode{klass * 100 + number, std::string_view(reinterpret_cast<const char*>(a->value.data() + 4),
                                                              a->value.size() - 4)};
}

bool StunMessage::check_integrity(std::span<const std::uint8_t> key) const {
  const auto* a = find(stun_attribute::message_integrity);
  if (!a) return false;
  std::array<std::uint8_t, kStunHeaderSize> header;
  std::copy(bytes_.begin(), bytes_.begin() + kStunHeaderSize, header.begin());
  store16(header.data() + 2, static_cast<std::uint16_t>(a->offset + 4 + kIntegritySize - kStunHeaderSize));
  const auto mac = hmac_sha1(key, {header, bytes_.subspan(kStunHeaderSize, a->offset - kStunHeaderSize)});
  return CRYPTO_memcmp(mac.data(), a->value.data(), mac.size()) == 0;
}

StunMessage::Unknown StunMessage::unknown_required() const {
  Unknown unknown;
  for (std::size_t i = 0; i < count_; ++i) {
    const auto type = attributes_[i].type;
    if (type < 0x8000 && !known_required(type) && unknown.count < kMaxUnknown) unknown.types[unknown.count++] = type;
  }
  return unknown;
}

// ---- builder ----

StunBuilder::StunBuilder(std::span<std::uint8_t> buffer, std::uint16_t method, StunClass klass,
                         const TransactionId& id)
    : buffer_(buffer) {
  if (buffer_.size() < kStunHeaderSize) {
    ok_ = false;
    return;
  }
  std::uint8_t* p = buffer_.data();
  store16(p, stun_message_type(method, klass));
  store16(p + 2, 0);
  store32(p + 4, kStunMagicCookie);
  std::copy(id.begin(), id.end(), p + 8);
}

void StunBuilder::set_length(std::size_t body_length) {
  store16(buffer_.data() + 2, static_cast<std::uint16_t>(body_length));
}

std::uint8_t* StunBuilder::reserve(std::uint16_t type, std::size_t length) {
  if (!ok_) return nullptr;
  if (length > 0xFFFF || buffer_.size() - size_ < 4 + padded(length) || size_ + 4 + padded(length) > 0xFFFF) {
    ok_ = false;
    return nullptr;
  }
  std::uint8_t* p = buffer_.data() + size_;
  store16(p, type);
  store16(p + 2, static_cast<std::uint16_t>(length));
  std::fill(p + 4, p + 4 + padded(length), std::uint8_t{0});
  size_ += 4 + padded(length);
  set_length(size_ - kStunHeaderSize);
  return p + 4;
}

void StunBuilder::add(std::uint16_t type, std::span<const std::uint8_t> value) {
  if (std::uint8_t* p = reserve(type, value.size())) std::copy(value.begin(), value.end(), p);
}

void StunBuilder::add_string(std::uint16_t type, std::string_view value) { add(type, as_bytes(value)); }

void StunBuilder::add_u32(std::uint16_t type, std::uint32_t value) {
  if (std::uint8_t* p = reserve(type, 4)) store32(p, value);
}

void StunBuilder::add_u64(std::uint16_t type, std::uint64_t value) {
  if (std::uint8_t* p = reserve(type, 8)) {
    store32(p, static_cast<std::uint32_t>(value >> 32));
    store32(p + 4, static_cast<std::uint32_t>(value));
  }
}

void StunBuilder::add_xor_mapped_address(const boost::asio::ip::udp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::size_t length = address.is_v4() ? 8 : 20;
  std::uint8_t* p = reserve(stun_attribute::xor_mapped_address, length);
  if (!p) return;
  p[0] = 0;
  p[1] = address.is_v4() ? 0x01 : 0x02;
  store16(p + 2, static_cast<std::uint16_t>(endpoint.port() ^ (kStunMagicCookie >> 16)));
  if (address.is_v4()) {
    store32(p + 4, address.to_v4().to_uint() ^ kStunMagicCookie);
  } else {
    const auto bytes = address.to_v6().to_bytes();
    std::array<std::uint8_t, 16> mask{};
    store32(mask.data(), kStunMagicCookie);
    std::copy(buffer_.begin() + 8, buffer_.begin() + kStunHeaderSize, mask.begin() + 4);
    for (std::size_t i = 0; i < 16; ++i) p[4 + i] = bytes[i] ^ mask[i];
  }
}

void StunBuilder::add_error_code(int code, std::string_view reason) {
  reason = reason.substr(0, 127);  // RFC 5389 15.6: < 128 characters
  std::uint8_t* p = reserve(stun_attribute::error_code, 4 + reason.size());
  if (!p) return;
  p[0] = 0;
  p[1] = 0;
  p[2] = static_cast<std::uint8_t>((code / 100) & 0x07);
  p[3] = static_cast<std::uint8_t>(code % 100);
  std::copy(reason.begin(), reason.end(), p + 4);
}

void StunBuilder::add_unknown_attributes(std::span<const std::uint16_t> types) {
  std::uint8_t* p = reserve(stun_attribute::unknown_attributes, 2 * types.size());
  if (!p) return;
  for (std::size_t i = 0; i < types.size(); ++i) store16(p + 2 * i, types[i]);
}

void StunBuilder::add_message_integrity(std::span<const std::uint8_t> key) {
  std::uint8_t* p = reserve(stun_attribute::message_integrity, kIntegritySize);
  if (!p) return;
  // The length field already counts this attribute, as the HMAC requires.
  const auto mac = hmac_sha1(key, {std::span<const std::uint8_t>(buffer_.data(), size_ - 4 - kIntegritySize)});
  std::copy(mac.begin(), mac.end(), p);
}

void StunBuilder::add_fingerprint() {
  std::uint8_t* p = reserve(stun_attribute::fingerprint, 4);
  if (!p) return;
  store32(p, crc32(std::span<const std::uint8_t>(buffer_.data(), size_ - 8)) ^ kFingerprintXor);
}

std::span<const std::uint8_t> StunBuilder::finish() const {
  if (!ok_) return {};
  return {buffer_.data(), size_};
}

}  // namespace hotline::media::webrtc
