#pragma once
// STUN messages (RFC 5389): a bounds-checked view of what arrives and a
// builder for what we answer. Only what ICE needs: USERNAME, PRIORITY,
// USE-CANDIDATE, ICE-CONTROLLING/CONTROLLED, XOR-MAPPED-ADDRESS,
// ERROR-CODE, UNKNOWN-ATTRIBUTES, MESSAGE-INTEGRITY (HMAC-SHA1, short-term
// credentials) and FINGERPRINT (CRC-32 ^ 0x5354554e). No allocation: the
// view points into the datagram, the builder writes into a caller's buffer.
#include <array>
#include <boost/asio/ip/udp.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace hotline::media::webrtc {

constexpr std::uint32_t kStunMagicCookie = 0x2112A442;
constexpr std::size_t kStunHeaderSize = 20;
constexpr std::uint16_t kStunBinding = 0x001;

enum class StunClass : std::uint8_t { request = 0, indication = 1, success = 2, error = 3 };

namespace stun_attribute {
constexpr std::uint16_t mapped_address = 0x0001;
constexpr std::uint16_t username = 0x0006;
constexpr std::uint16_t message_integrity = 0x0008;
constexpr std::uint16_t error_code = 0x0009;
constexpr std::uint16_t unknown_attributes = 0x000A;
constexpr std::uint16_t xor_mapped_address = 0x0020;
constexpr std::uint16_t priority = 0x0024;
constexpr std::uint16_t use_candidate = 0x0025;
constexpr std::uint16_t software = 0x8022;
constexpr std::uint16_t fingerprint = 0x8028;
constexpr std::uint16_t ice_controlled = 0x8029;
constexpr std::uint16_t ice_controlling = 0x802A;
}  // namespace stun_attribute

using TransactionId = std::array<std::uint8_t, 12>;

// The message type field: method and class bits interleaved (RFC 5389 6).
std::uint16_t stun_message_type(std::uint16_t method, StunClass klass);

// CRC-32 (ISO-HDLC, as zlib), for FINGERPRINT.
std::uint32_t crc32(std::span<const std::uint8_t> bytes);

struct StunAttribute {
  std::uint16_t type = 0;
  std::span<const std::uint8_t> value;
  std::size_t offset = 0;  // of the attribute's header in the message
};

struct StunErrorCode {
  int code = 0;  // 300..699
  std::string_view reason;
};

class StunMessage {
 public:
  static constexpr std::size_t kMaxAttributes = 32;
  static constexpr std::size_t kMaxUnknown = 8;

  // nullopt unless the datagram is exactly one well-formed STUN message:
  // first two bits zero, magic cookie, length a multiple of 4 that matches
  // the datagram, every attribute inside it, MESSAGE-INTEGRITY followed by
  // nothing but FINGERPRINT, FINGERPRINT last and correct (a wrong one
  // means it is not STUN, RFC 5389 8), at most kMaxAttributes attributes.
  static std::optional<StunMessage> parse(std::span<const std::uint8_t> datagram);

  std::uint16_t method() const { return method_; }
  StunClass klass() const { return klass_; }
  const TransactionId& transaction_id() const { return transaction_id_; }
  std::span<const std::uint8_t> bytes() const { return bytes_; }
  std::span<const StunAttribute> attributes() const { return {attributes_.data(), count_}; }

  // The first attribute of that type (later duplicates are ignored, RFC 5389 15).
  const StunAttribute* find(std::uint16_t type) const;
  bool has(std::uint16_t type) const { return find(type) != nullptr; }
  std::optional<std::string_view> username() const;
  std::optional<std::uint32_t> priority() const;
  std::optional<std::uint64_t> ice_controlling() const;
  std::optional<std::uint64_t> ice_controlled() const;
  std::optional<boost::asio::ip::udp::endpoint> xor_mapped_address() const;
  std::optional<StunErrorCode> error_code() const;
  bool has_fingerprint() const { return has(stun_attribute::fingerprint); }
  // HMAC-SHA1 over the message up to MESSAGE-INTEGRITY, with the length
  // field as if the message ended there (RFC 5389 15.4). False when absent.
  bool check_integrity(std::span<const std::uint8_t> key) const;
  // Comprehension-required types (0x0000-0x7FFF) we do not know (for 420).
  struct Unknown {
    std::array<std::uint16_t, kMaxUnknown> types{};
    std::size_t count = 0;
  };
  Unknown unknown_required() const;

 private:
  std::span<const std::uint8_t> bytes_;
  std::uint16_t method_ = 0;
  StunClass klass_ = StunClass::request;
  TransactionId transaction_id_{};
  std::array<StunAttribute, kMaxAttributes> attributes_{};
  std::size_t count_ = 0;
};

// Writes one message into buffer. Any attribute that does not fit marks the
// builder failed (finish returns an empty span); nothing is written past
// the buffer. MESSAGE-INTEGRITY and FINGERPRINT go last, in that order.
class StunBuilder {
 public:
  StunBuilder(std::span<std::uint8_t> buffer, std::uint16_t method, StunClass klass, const TransactionId& id);

  void add(std::uint16_t type, std::span<const std::uint8_t> value);
  void add_string(std::uint16_t type, std::string_view value);
  void add_u32(std::uint16_t type, std::uint32_t value);
  void add_u64(std::uint16_t type, std::uint64_t value);
  void add_flag(std::uint16_t type) { add(type, {}); }
  void add_xor_mapped_address(const boost::asio::ip::udp::endpoint& endpoint);
  void add_error_code(int code, std::string_view reason);
  void add_unknown_attributes(std::span<const std::uint16_t> types);
  void add_message_integrity(std::span<const std::uint8_t> key);
  void add_fingerprint();

  bool ok() const { return ok_; }
  std::span<const std::uint8_t> finish() const;

 private:
  std::uint8_t* reserve(std::uint16_t type, std::size_t length);
  void set_length(std::size_t body_length);

  std::span<std::uint8_t> buffer_;
  std::size_t size_ = kStunHeaderSize;
  bool ok_ = true;
};

inline std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace hotline::media::webrtc
