// Fuzzes STUN parsing and the ICE-lite responder of browser legs. The first
// byte picks how the rest is used: as a datagram as it is, or as a list of
// attributes (type, length, value) that the harness frames as a binding
// request signed with the right password, so the authenticated paths are
// reached too.
//
// Invariants beyond "no crash": every parsed attribute lies inside the
// datagram; the responder answers only requests; each answer parses back,
// carries FINGERPRINT and the request's transaction id; a success or a
// 420/487 is signed with our password, a 401 is not; a success comes
// only for a request whose integrity checks with our password and whose
// USERNAME is ours, and its XOR-MAPPED-ADDRESS is the sender.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "webrtc/ice_lite.hpp"
#include "webrtc/stun.hpp"

using namespace hotline::media::webrtc;

namespace {

constexpr std::string_view kUfrag = "ourufrag";
constexpr std::string_view kPassword = "our-password-0123456789ab";

void check(bool condition) {
  if (!condition) std::abort();
}

void respond(std::span<const std::uint8_t> datagram, bool remote_known) {
  const auto message = StunMessage::parse(datagram);
  if (!message) return;
  for (const auto& a : message->attributes()) check(a.offset + 4 + a.value.size() <= datagram.size());
  (void)message->xor_mapped_address();
  (void)message->error_code();

  IceLiteResponder responder(IceCredentials{std::string(kUfrag), std::string(kPassword)});
  if (remote_known) responder.set_remote_ufrag("brws");
  const boost::asio::ip::udp::endpoint from(boost::asio::ip::make_address("192.0.2.7"), 40000);
  const auto outcome = responder.handle(*message, from);
  if (message->klass() != StunClass::request) {
    check(outcome.response.empty() && !outcome.authenticated);
    return;
  }
  check(!outcome.response.empty());
  const auto answer = StunMessage::parse(outcome.response);
  check(answer.has_value());
  check(answer->has_fingerprint());
  check(answer->transaction_id() == message->transaction_id());
  const bool signed_answer = answer->check_integrity(as_bytes(kPassword));
  if (answer->klass() == StunClass::success) {
    check(outcome.authenticated && signed_answer);
    check(message->check_integrity(as_bytes(kPassword)));
    const auto username = message->username();
    check(username && username->substr(0, kUfrag.size() + 1) == std::string(kUfrag) + ":");
    check(answer->xor_mapped_address() == from);
  } else {
    check(answer->klass() == StunClass::error && !outcome.authenticated && !outcome.use_candidate);
    const auto error = answer->error_code();
    check(error.has_value());
    switch (error->code) {
      case 400:  // malformed: signed only when the credentials were good (no PRIORITY)
        break;
      case 401:  // wrong credentials: never signed
        check(!answer->has(stun_attribute::message_integrity));
        break;
      case 420:
      case 487:
        check(signed_answer);
        break;
      default:
        check(false);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  if ((data[0] & 1) == 0) {
    respond(rest, data[0] & 2);
    return 0;
  }
  // Attributes framed by the harness: [type 2][length 1][value...]
  std::array<std::uint8_t, 1500> buffer{};
  TransactionId id{};
  for (std::size_t i = 0; i < id.size() && i < rest.size(); ++i) id[i] = rest[i];
  StunBuilder b(buffer, (data[0] & 4) ? kStunBinding : static_cast<std::uint16_t>(data[0] >> 3),
                (data[0] & 8) ? StunClass::indication : StunClass::request, id);
  std::span<const std::uint8_t> attributes = rest.size() > id.size() ? rest.subspan(id.size()) : rest.subspan(0, 0);
  while (attributes.size() >= 3) {
    const auto type = static_cast<std::uint16_t>(attributes[0] << 8 | attributes[1]);
    const std::size_t length = std::min<std::size_t>(attributes[2], attributes.size() - 3);
    if (type == stun_attribute::username && (data[0] & 16)) {
      // Our ufrag first, so the credentials check passes and later checks are reached.
      std::string username = std::string(kUfrag) + ":";
      username.append(reinterpret_cast<const char*>(attributes.data() + 3), length);
      b.add_string(type, username);
    } else if (type != stun_attribute::message_integrity && type != stun_attribute::fingerprint) {
      b.add(type, attributes.subspan(3, length));
    }
    attributes = attributes.subspan(3 + length);
  }
  b.add_message_integrity(as_bytes((data[0] & 32) ? std::string_view("wrong-password") : kPassword));
  b.add_fingerprint();
  const auto built = b.finish();
  if (!built.empty()) respond(built, data[0] & 64);
  return 0;
}
