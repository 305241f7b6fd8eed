// STUN (RFC 5389) against the RFC 5769 test vectors, the builder, and
// hostile input; the ICE-lite responder's answers.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <random>
#include <set>
#include <vector>

#include "../../src/media/webrtc/ice_lite.hpp"
#include "../../src/media/webrtc/stun.hpp"
#include "webrtc_peer.hpp"

using namespace hotline::media::webrtc;
using Bytes = std::vector<std::uint8_t>;
using boost::asio::ip::make_address;
using Endpoint = boost::asio::ip::udp::endpoint;

namespace {

// RFC 5769 2.1: sample request (short-term credentials).
const Bytes kRequest = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87,
    0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73, 0x74, 0x20, 0x63, 0x6c,
    0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff, 0x80, 0x29, 0x00, 0x08, 0x93, 0x2f,
    0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09, 0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76,
    0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14, 0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e,
    0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49, 0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf};

// 2.2: sample IPv4 response.
const Bytes kResponseV4 = {
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87,
    0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x20,
    0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43, 0x00, 0x08, 0x00, 0x14, 0x2b, 0x91,
    0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9, 0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7,
    0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96};

// 2.3: sample IPv6 response.
const Bytes kResponseV6 = {
    0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87,
    0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x20,
    0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa, 0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25,
    0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14, 0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1,
    0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75, 0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb,
    0x0b, 0x4c};

const std::string kPassword = "VOkJxbRl1RmTxUk/WvJxBt";
const TransactionId kVectorId = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

std::string_view text_of(const StunAttribute* a) {
  return {reinterpret_cast<const char*>(a->value.data()), a->value.size()};
}

Bytes attribute_bytes(const Bytes& message, std::uint16_t type) {
  const auto m = StunMessage::parse(message);
  const auto* a = m->find(type);
  return Bytes(message.begin() + static_cast<long>(a->offset),
               message.begin() + static_cast<long>(a->offset + 4 + ((a->value.size() + 3) & ~3u)));
}

}  // namespace

TEST(WebRtcStun, Rfc5769SampleRequestParsesAndAuthenticates) {
  const auto m = StunMessage::parse(kRequest);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->method(), kStunBinding);
  EXPECT_EQ(m->klass(), StunClass::request);
  EXPECT_EQ(m->transaction_id(), kVectorId);
  EXPECT_EQ(m->username(), "evtj:h6vY");
  EXPECT_EQ(m->priority(), 0x6e0001ffu);
  EXPECT_EQ(m->ice_controlled(), 0x932ff9b151263b36ull);
  EXPECT_FALSE(m->ice_controlling());
  EXPECT_EQ(text_of(m->find(stun_attribute::software)), "STUN test client");
  EXPECT_TRUE(m->has_fingerprint());
  EXPECT_TRUE(m->check_integrity(as_bytes(kPassword)));
  EXPECT_FALSE(m->check_integrity(as_bytes("VOkJxbRl1RmTxUk/WvJxBu")));
  EXPECT_EQ(m->unknown_required().count, 0u);
}

TEST(WebRtcStun, Rfc5769Ipv4ResponseCarriesTheXorMappedAddress) {
  const auto m = StunMessage::parse(kResponseV4);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->klass(), StunClass::success);
  EXPECT_EQ(text_of(m->find(stun_attribute::software)), "test vector");
  EXPECT_TRUE(m->check_integrity(as_bytes(kPassword)));
  EXPECT_EQ(m->xor_mapped_address(), Endpoint(make_address("192.0.2.1"), 32853));
}

TEST(WebRtcStun, Rfc5769Ipv6ResponseCarriesTheXorMappedAddress) {
  const auto m = StunMessage::parse(kResponseV6);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->klass(), StunClass::success);
  EXPECT_TRUE(m->check_integrity(as_bytes(kPassword)));
  EXPECT_EQ(m->xor_mapped_address(), Endpoint(make_address("2001:db8:1234:5678:11:2233:4455:6677"), 32853));
}

TEST(WebRtcStun, Crc32IsTheFingerprintOfTheVectors) {
  for (const Bytes* v : {&kRequest, &kResponseV4, &kResponseV6}) {
    const std::span<const std::uint8_t> body(v->data(), v->size() - 8);
    const auto tail = v->data() + v->size() - 4;
    const std::uint32_t stated = (std::uint32_t{tail[0]} << 24) | (tail[1] << 16) | (tail[2] << 8) | tail[3];
    EXPECT_EQ(crc32(body) ^ 0x5354554eu, stated);
  }
  EXPECT_EQ(crc32(as_bytes("123456789")), 0xCBF43926u);  // the CRC-32 check value
}

TEST(WebRtcStun, BuilderEncodesAddressesAsTheVectorsDo) {
  for (const auto& [vector, address] : {std::pair{&kResponseV4, std::string("192.0.2.1")},
                                        std::pair{&kResponseV6, std::string("2001:db8:1234:5678:11:2233:4455:6677")}}) {
    std::array<std::uint8_t, 256> buffer{};
    StunBuilder b(buffer, kStunBinding, StunClass::success, kVectorId);
    b.add_string(stun_attribute::software, "test vector");
    b.add_xor_mapped_address(Endpoint(make_address(address), 32853));
    b.add_message_integrity(as_bytes(kPassword));
    b.add_fingerprint();
    const auto built = b.finish();
    ASSERT_EQ(built.size(), vector->size());
    const Bytes ours(built.begin(), built.end());
    // Same header (type, length, cookie, id) and the same XOR-MAPPED-ADDRESS bytes.
    EXPECT_TRUE(std::equal(ours.begin(), ours.begin() + 20, vector->begin()));
    EXPECT_EQ(attribute_bytes(ours, stun_attribute::xor_mapped_address),
              attribute_bytes(*vector, stun_attribute::xor_mapped_address));
    // The vectors pad with spaces, we with zeros (RFC 5389 15: any value):
    // with the vector's padding byte our bytes are the vector's but for
    // the hashes, which then must be recomputed by an independent HMAC.
    const auto m = StunMessage::parse(ours);
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->check_integrity(as_bytes(kPassword)));
    const auto* mi = m->find(stun_attribute::message_integrity);
    Bytes covered(ours.begin(), ours.begin() + static_cast<long>(mi->offset));
    const std::size_t length_to_integrity = mi->offset + 24 - 20;  // the length field as if the message ended there
    covered[2] = static_cast<std::uint8_t>(length_to_integrity >> 8);
    covered[3] = static_cast<std::uint8_t>(length_to_integrity);
    unsigned char mac[20];
    unsigned mac_length = 0;
    HMAC(EVP_sha1(), kPassword.data(), static_cast<int>(kPassword.size()), covered.data(), covered.size(), mac,
         &mac_length);
    EXPECT_TRUE(std::equal(mac, mac + 20, mi->value.begin()));
  }
}

TEST(WebRtcStun, BuiltRequestRoundTrips) {
  const auto request = webrtc_test::binding_request("abcd:efgh", "0123456789012345678901", true);
  const auto m = StunMessage::parse(request);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->username(), "abcd:efgh");
  EXPECT_EQ(m->priority(), 0x6e7f1effu);
  EXPECT_EQ(m->ice_controlling(), 0x1122334455667788ull);
  EXPECT_TRUE(m->has(stun_attribute::use_candidate));
  EXPECT_TRUE(m->check_integrity(as_bytes("0123456789012345678901")));
}

TEST(WebRtcStun, ErrorCodeRoundTrips) {
  std::array<std::uint8_t, 128> buffer{};
  StunBuilder b(buffer, kStunBinding, StunClass::error, kVectorId);
  b.add_error_code(487, "Role Conflict");
  const std::uint16_t unknown[] = {0x7777, 0x0003};
  b.add_unknown_attributes(unknown);
  b.add_fingerprint();
  const auto m = StunMessage::parse(b.finish());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->klass(), StunClass::error);
  ASSERT_TRUE(m->error_code());
  EXPECT_EQ(m->error_code()->code, 487);
  EXPECT_EQ(m->error_code()->reason, "Role Conflict");
  const auto* list = m->find(stun_attribute::unknown_attributes);
  ASSERT_TRUE(list);
  EXPECT_EQ(Bytes(list->value.begin(), list->value.end()), (Bytes{0x77, 0x77, 0x00, 0x03}));
}

// ---- hostile input ----

TEST(WebRtcStun, EverySingleBitFlipIsCaught) {
  // FINGERPRINT (a CRC) catches every single-bit error it covers; a flip
  // that unmakes the FINGERPRINT itself (its type, or a length swallowing
  // it) leaves a message without one, which ICE refuses (400).
  std::size_t unparsed = 0;
  for (const Bytes* v : {&kRequest, &kResponseV4, &kResponseV6}) {
    for (std::size_t i = 0; i < v->size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        Bytes flipped = *v;
        flipped[i] ^= static_cast<std::uint8_t>(1 << bit);
        const auto m = StunMessage::parse(flipped);
        if (!m) {
          ++unparsed;
          continue;
        }
        EXPECT_FALSE(m->has_fingerprint()) << "byte " << i << " bit " << bit;
      }
    }
  }
  EXPECT_GT(unparsed, 8 * (kRequest.size() + kResponseV4.size() + kResponseV6.size()) * 9 / 10);
}

TEST(WebRtcStun, EveryTruncationAndExtensionIsRejected) {
  for (std::size_t n = 0; n < kRequest.size(); ++n) {
    EXPECT_FALSE(StunMessage::parse(std::span(kRequest.data(), n))) << n;
  }
  Bytes longer = kRequest;
  longer.push_back(0);
  EXPECT_FALSE(StunMessage::parse(longer));
}

TEST(WebRtcStun, MalformedHeadersAndAttributesAreRejected) {
  auto header = [](std::uint16_t length) {
    Bytes m = {0x00, 0x01, static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length),
               0x21, 0x12, 0xa4, 0x42};
    m.resize(20, 7);
    return m;
  };
  EXPECT_TRUE(StunMessage::parse(header(0)));  // a bare binding request is well-formed
  Bytes top_bits = header(0);
  top_bits[0] = 0x40;
  EXPECT_FALSE(StunMessage::parse(top_bits));
  Bytes bad_cookie = header(0);
  bad_cookie[7] = 0x43;
  EXPECT_FALSE(StunMessage::parse(bad_cookie));
  // Length not a multiple of 4.
  Bytes odd = header(2);
  odd.resize(22, 0);
  EXPECT_FALSE(StunMessage::parse(odd));
  // Attribute longer than the message.
  Bytes overrun = header(8);
  overrun.insert(overrun.end(), {0x00, 0x06, 0x00, 0x09, 'a', 'b', 'c', 'd'});
  EXPECT_FALSE(StunMessage::parse(overrun));
  // Attribute header cut short.
  Bytes short_header = header(4);
  short_header.insert(short_header.end(), {0x00, 0x06, 0x00, 0x00});
  EXPECT_TRUE(StunMessage::parse(short_header));  // empty USERNAME is well-formed
  Bytes two = header(2);
  two.insert(two.end(), {0x00, 0x06});
  EXPECT_FALSE(StunMessage::parse(two));
  // MESSAGE-INTEGRITY of the wrong size.
  Bytes short_mi = header(8);
  short_mi.insert(short_mi.end(), {0x00, 0x08, 0x00, 0x04, 1, 2, 3, 4});
  EXPECT_FALSE(StunMessage::parse(short_mi));
  // More attributes than we keep.
  Bytes many = header(4 * (StunMessage::kMaxAttributes + 1));
  for (std::size_t i = 0; i <= StunMessage::kMaxAttributes; ++i) many.insert(many.end(), {0x80, 0x22, 0x00, 0x00});
  EXPECT_FALSE(StunMessage::parse(many));
  // FINGERPRINT not last.
  Bytes fp_first = kRequest;
  fp_first[2] = 0x00;
  fp_first[3] = 0x5c;
  fp_first.insert(fp_first.end(), {0x80, 0x22, 0x00, 0x00});
  EXPECT_FALSE(StunMessage::parse(fp_first));
}

TEST(WebRtcStun, AttributesAfterIntegrityAreIgnored) {
  // A request with USERNAME, MESSAGE-INTEGRITY, then PRIORITY (not
  // covered, so not believed), then FINGERPRINT.
  std::array<std::uint8_t, 256> buffer{};
  StunBuilder b(buffer, kStunBinding, StunClass::request, kVectorId);
  b.add_string(stun_attribute::username, "a:b");
  b.add_message_integrity(as_bytes(kPassword));
  b.add_u32(stun_attribute::priority, 5);
  b.add_fingerprint();
  const auto m = StunMessage::parse(b.finish());
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->priority());
  EXPECT_TRUE(m->check_integrity(as_bytes(kPassword)));
}

TEST(WebRtcStun, BadAttributeValuesAreNotBelieved) {
  std::array<std::uint8_t, 256> buffer{};
  StunBuilder b(buffer, kStunBinding, StunClass::error, kVectorId);
  const std::uint8_t bad_address[] = {0, 0x01, 0, 0};  // IPv4 without its address
  b.add(stun_attribute::xor_mapped_address, bad_address);
  const std::uint8_t bad_error[] = {0, 0, 9, 99};  // class 9
  b.add(stun_attribute::error_code, bad_error);
  const std::uint8_t short_priority[] = {1, 2};
  b.add(stun_attribute::priority, short_priority);
  const auto m = StunMessage::parse(b.finish());
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->xor_mapped_address());
  EXPECT_FALSE(m->error_code());
  EXPECT_FALSE(m->priority());
  EXPECT_FALSE(m->check_integrity(as_bytes(kPassword)));  // absent
}

TEST(WebRtcStun, RandomBytesNeverCrashAndRarelyParse) {
  std::mt19937 random(12345);
  std::size_t parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    Bytes data(random() % 200);
    for (auto& byte : data) byte = static_cast<std::uint8_t>(random());
    if (i % 2 && data.size() >= 20) {  // half with a valid header, so attribute parsing is reached
      data[0] = 0;
      data[1] = 1;
      data[2] = static_cast<std::uint8_t>((data.size() - 20) >> 8);
      data[3] = static_cast<std::uint8_t>(data.size() - 20);
      data[4] = 0x21, data[5] = 0x12, data[6] = 0xa4, data[7] = 0x42;
    }
    if (const auto m = StunMessage::parse(data)) {
      ++parsed;
      for (const auto& a : m->attributes()) {
        EXPECT_LE(a.offset + 4 + a.value.size(), data.size());
      }
      (void)m->xor_mapped_address();
      (void)m->error_code();
      (void)m->check_integrity(as_bytes(kPassword));
    }
  }
  EXPECT_LT(parsed, 2000u);
}

TEST(WebRtcStun, BuilderNeverWritesPastItsBuffer) {
  std::array<std::uint8_t, 64> buffer{};
  buffer.fill(0xEE);
  StunBuilder b(std::span(buffer.data(), 40), kStunBinding, StunClass::success, kVectorId);
  b.add_string(stun_attribute::software, "a software name that does not fit");
  EXPECT_FALSE(b.ok());
  b.add_fingerprint();
  EXPECT_TRUE(b.finish().empty());
  for (std::size_t i = 40; i < buffer.size(); ++i) EXPECT_EQ(buffer[i], 0xEE);
}

// ---- ICE-lite responder ----

namespace {

struct IceFixture : ::testing::Test {
  IceLiteResponder responder{IceCredentials{"LOCL", "localpassword-0123456789"}};
  Endpoint browser{make_address("192.168.1.20"), 50123};

  IceLiteResponder::Outcome ask(const Bytes& request, const Endpoint& from) {
    const auto m = StunMessage::parse(request);
    EXPECT_TRUE(m);
    return responder.handle(*m, from);
  }
  Bytes request(const std::string& username, const std::string& password, bool nominate = false) {
    return webrtc_test::binding_request(username, password, nominate);
  }
  static std::optional<StunMessage> answer(const IceLiteResponder::Outcome& o) { return StunMessage::parse(o.response); }
};

}  // namespace

TEST_F(IceFixture, AValidCheckGetsASignedSuccessWithItsSource) {
  for (const Endpoint& from : {browser, Endpoint(make_address("2001:db8::7"), 40000)}) {
    const auto req = request("LOCL:brws", "localpassword-0123456789");
    const auto o = ask(req, from);
    EXPECT_TRUE(o.authenticated);
    EXPECT_FALSE(o.use_candidate);
    const auto r = answer(o);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->klass(), StunClass::success);
    EXPECT_EQ(r->transaction_id(), StunMessage::parse(req)->transaction_id());
    EXPECT_EQ(r->xor_mapped_address(), from);
    EXPECT_TRUE(r->check_integrity(as_bytes("localpassword-0123456789")));
    EXPECT_TRUE(r->has_fingerprint());
  }
}

TEST_F(IceFixture, UseCandidateIsReported) {
  const auto o = ask(request("LOCL:brws", "localpassword-0123456789", true), browser);
  EXPECT_TRUE(o.authenticated);
  EXPECT_TRUE(o.use_candidate);
}

TEST_F(IceFixture, WrongCredentialsGetAnUnsigned401) {
  responder.set_remote_ufrag("brws");
  for (const auto& [user, password] : {std::pair{"LOCL:brws", "wrong-password-000000000"},
                                       std::pair{"OTHR:brws", "localpassword-0123456789"},
                                       std::pair{"LOCL:else", "localpassword-0123456789"},
                                       std::pair{"LOCL:", "localpassword-0123456789"},
                                       std::pair{"LOCL", "localpassword-0123456789"}}) {
    const auto o = ask(request(user, password), browser);
    EXPECT_FALSE(o.authenticated) << user;
    const auto r = answer(o);
    ASSERT_TRUE(r) << user;
    EXPECT_EQ(r->klass(), StunClass::error);
    EXPECT_EQ(r->error_code()->code, 401) << user;
    EXPECT_FALSE(r->has(stun_attribute::message_integrity));
  }
}

TEST_F(IceFixture, ChecksBeforeTheBrowsersUfragIsKnownAreAnswered) {
  EXPECT_TRUE(ask(request("LOCL:anything", "localpassword-0123456789"), browser).authenticated);
  responder.set_remote_ufrag("brws");
  EXPECT_FALSE(ask(request("LOCL:anything", "localpassword-0123456789"), browser).authenticated);
}

TEST_F(IceFixture, IncompleteChecksGet400) {
  const TransactionId id{9};
  auto build = [&](bool username, bool integrity, bool fingerprint, bool priority) {
    std::array<std::uint8_t, 256> buffer{};
    StunBuilder b(buffer, kStunBinding, StunClass::request, id);
    if (username) b.add_string(stun_attribute::username, "LOCL:brws");
    if (priority) b.add_u32(stun_attribute::priority, 1);
    if (integrity) b.add_message_integrity(as_bytes("localpassword-0123456789"));
    if (fingerprint) b.add_fingerprint();
    const auto bytes = b.finish();
    return Bytes(bytes.begin(), bytes.end());
  };
  for (const auto& req : {build(false, true, true, true), build(true, false, true, true), build(true, true, false, true),
                          build(true, true, true, false)}) {
    const auto o = ask(req, browser);
    EXPECT_FALSE(o.authenticated);
    const auto r = answer(o);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->error_code()->code, 400);
  }
}

TEST_F(IceFixture, UnknownRequiredAttributesGet420ListingThem) {
  std::array<std::uint8_t, 256> buffer{};
  StunBuilder b(buffer, kStunBinding, StunClass::request, TransactionId{3});
  b.add_string(stun_attribute::username, "LOCL:brws");
  b.add_u32(stun_attribute::priority, 1);
  b.add_u32(0x7001, 42);    // comprehension-required, unknown
  b.add_u32(0xC057, 42);    // comprehension-optional (Chrome's network info): fine
  b.add_message_integrity(as_bytes("localpassword-0123456789"));
  b.add_fingerprint();
  const auto o = ask(Bytes(b.finish().begin(), b.finish().end()), browser);
  EXPECT_FALSE(o.authenticated);
  const auto r = answer(o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error_code()->code, 420);
  const auto* list = r->find(stun_attribute::unknown_attributes);
  ASSERT_TRUE(list);
  EXPECT_EQ(Bytes(list->value.begin(), list->value.end()), (Bytes{0x70, 0x01}));
  EXPECT_TRUE(r->check_integrity(as_bytes("localpassword-0123456789")));
}

TEST_F(IceFixture, ABrowserThatThinksItIsControlledGets487) {
  std::array<std::uint8_t, 256> buffer{};
  StunBuilder b(buffer, kStunBinding, StunClass::request, TransactionId{4});
  b.add_string(stun_attribute::username, "LOCL:brws");
  b.add_u32(stun_attribute::priority, 1);
  b.add_u64(stun_attribute::ice_controlled, 7);
  b.add_message_integrity(as_bytes("localpassword-0123456789"));
  b.add_fingerprint();
  const auto o = ask(Bytes(b.finish().begin(), b.finish().end()), browser);
  EXPECT_FALSE(o.authenticated);
  EXPECT_EQ(answer(o)->error_code()->code, 487);
}

TEST_F(IceFixture, IndicationsAndResponsesAreNotAnswered) {
  EXPECT_TRUE(ask(kResponseV4, browser).response.empty());
  std::array<std::uint8_t, 64> buffer{};
  StunBuilder b(buffer, kStunBinding, StunClass::indication, TransactionId{5});
  b.add_fingerprint();
  EXPECT_TRUE(ask(Bytes(b.finish().begin(), b.finish().end()), browser).response.empty());
  // A request of another method (Allocate, 0x003) is refused.
  StunBuilder allocate(buffer, 0x003, StunClass::request, TransactionId{6});
  allocate.add_fingerprint();
  const auto o = ask(Bytes(allocate.finish().begin(), allocate.finish().end()), browser);
  EXPECT_EQ(answer(o)->error_code()->code, 400);
}

TEST(WebRtcIce, RandomCredentialsAreIceCharsOfTheRightLength) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const auto c = random_ice_credentials();
    EXPECT_EQ(c.ufrag.size(), 8u);
    EXPECT_EQ(c.pwd.size(), 24u);
    for (char ch : c.ufrag + c.pwd) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '/');
    seen.insert(c.pwd);
  }
  EXPECT_EQ(seen.size(), 50u);
}
