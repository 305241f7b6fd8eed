#include <gtest/gtest.h>

#include "hotline/sip/digest.hpp"
#include "hotline/sip/registrar.hpp"

using namespace hotline::sip;

TEST(Digest, Rfc2617Md5Example) {
  auto h = ha1(DigestAlgorithm::md5, "Mufasa", "testrealm@host.com", "Circle Of Life");
  EXPECT_EQ(expected_response(DigestAlgorithm::md5, h, "GET", "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                              "00000001", "0a4f113b", "auth"),
            "6629fae49393a05397450978507c4ef1");
}

TEST(Digest, Rfc7616Sha256Example) {
  auto h = ha1(DigestAlgorithm::sha256, "Mufasa", "http-auth@example.org", "Circle of Life");
  EXPECT_EQ(expected_response(DigestAlgorithm::sha256, h, "GET", "/dir/index.html",
                              "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "00000001",
                              "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "auth"),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

TEST(Digest, ParsesCredentials) {
  auto c = parse_digest_credentials(
      R"(Digest username="8001", realm="hotline", nonce="1.abc", uri="sip:127.0.0.1", response="ff", algorithm=MD5, qop=auth, nc=00000001, cnonce="x")");
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)["username"], "8001");
  EXPECT_EQ((*c)["algorithm"], "MD5");
  EXPECT_EQ((*c)["nc"], "00000001");
  EXPECT_FALSE(parse_digest_credentials("Basic dXNlcjpwYXNz"));
  EXPECT_FALSE(parse_digest_credentials(R"(Digest username="a", username="b")"));
  EXPECT_FALSE(parse_digest_credentials(R"(Digest username="unterminated)"));
}

TEST(Digest, NoncesAreOursAndAge) {
  NonceFactory f("secret");
  auto n = f.make(1000);
  EXPECT_EQ(f.age(n, 61000), 60000);
  EXPECT_FALSE(f.age(n, 500));  // from the future
  EXPECT_FALSE(NonceFactory("other").age(n, 2000));
  EXPECT_FALSE(f.age("1000.deadbeef", 2000));
  EXPECT_FALSE(f.age("garbage", 2000));
}

namespace {

Message register_request(const std::string& user, const std::string& contact, std::optional<int> expires,
                         const std::string& authorization = {}) {
  Message m;
  m.is_request = true;
  m.method = "REGISTER";
  m.request_uri.text = "sip:127.0.0.1";
  m.to.uri.user = user;
  m.call_id = "reg-1";
  m.cseq = 1;
  m.cseq_method = "REGISTER";
  if (!contact.empty()) {
    NameAddr c;
    c.text = contact == "*" ? "*" : "<" + contact + ">";
    c.uri.text = contact;
    m.contacts.push_back(c);
  }
  m.expires = expires;
  if (!authorization.empty()) m.headers.emplace_back("Authorization", authorization);
  return m;
}

struct RegistrarFixture : ::testing::Test {
  RegistrarFixture()
      : guard(config(), metrics),
        registrar(
            config(),
            [this](const std::string& user, std::function<void(std::optional<AccountSecrets>)> done) {
              if (user != "8001") return done(std::nullopt);
              done(AccountSecrets{enabled, "hotline", ha1(DigestAlgorithm::md5, "8001", "hotline", "phone-secret-1"),
                                  ha1(DigestAlgorithm::sha256, "8001", "hotline", "phone-secret-1")});
            },
            guard, metrics, "nonce-secret") {}

  static RegistrarConfig config() {
    RegistrarConfig c;
    c.failures_before_ban = 3;
    return c;
  }

  struct Answer {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
  };

  Answer send(const Message& m, std::int64_t now = 1'000'000) {
    Answer a;
    registrar.on_register(m, Source{Protocol::udp, "192.0.2.1", 5070, 0}, now,
                          [&](int status, std::string, std::vector<std::pair<std::string, std::string>> h) {
                            a.status = status;
                            a.headers = std::move(h);
                          });
    return a;
  }

  // Answers the challenge in `challenge` the way a phone would.
  std::string authorize(const Answer& challenge, DigestAlgorithm a, const std::string& password,
                        const std::string& user = "8001") {
    std::string nonce;
    for (const auto& [name, value] : challenge.headers) {
      if (value.find(std::string(to_string(a))) == std::string::npos) continue;
      auto start = value.find("nonce=\"") + 7;
      nonce = value.substr(start, value.find('"', start) - start);
    }
    auto h = ha1(a, user, "hotline", password);
    auto response = expected_response(a, h, "REGISTER", "sip:127.0.0.1", nonce, "00000001", "c0ffee", "auth");
    return "Digest username=\"" + user + "\", realm=\"hotline\", nonce=\"" + nonce +
           "\", uri=\"sip:127.0.0.1\", response=\"" + response + "\", algorithm=" + std::string(to_string(a)) +
           ", qop=auth, nc=00000001, cnonce=\"c0ffee\"";
  }

  hotline::Metrics metrics;
  bool enabled = true;
  Guard guard;
  Registrar registrar;
};

}  // namespace

TEST_F(RegistrarFixture, ChallengeThenRegisterWithEitherAlgorithm) {
  auto challenge = send(register_request("8001", "sip:8001@192.0.2.1:5070", 600));
  ASSERT_EQ(challenge.status, 401);
  ASSERT_EQ(challenge.headers.size(), 2u);
  EXPECT_NE(challenge.headers[0].second.find("algorithm=MD5"), std::string::npos);
  EXPECT_NE(challenge.headers[1].second.find("algorithm=SHA-256"), std::string::npos);
  for (auto a : {DigestAlgorithm::sha256, DigestAlgorithm::md5}) {
    auto ok = send(register_request("8001", "sip:8001@192.0.2.1:5070", 600, authorize(challenge, a, "phone-secret-1")));
    EXPECT_EQ(ok.status, 200);
    ASSERT_EQ(ok.headers.size(), 1u);
    EXPECT_EQ(ok.headers[0].second, "<sip:8001@192.0.2.1:5070>;expires=600");
  }
  EXPECT_EQ(registrar.bindings("8001", 1'000'000).size(), 1u);
  EXPECT_TRUE(registrar.bindings("8001", 1'000'000 + 601'000).empty());  // expired
}

TEST_F(RegistrarFixture, SeveralContactsAndUnregister) {
  auto challenge = send(register_request("8001", "sip:a@192.0.2.1", 600));
  auto auth = authorize(challenge, DigestAlgorithm::md5, "phone-secret-1");
  EXPECT_EQ(send(register_request("8001", "sip:a@192.0.2.1", 600, auth)).status, 200);
  auto second = send(register_request("8001", "sip:b@192.0.2.1", 300, auth));
  EXPECT_EQ(second.headers.size(), 2u);
  EXPECT_EQ(send(register_request("8001", "sip:a@192.0.2.1", 0, auth)).headers.size(), 1u);
  EXPECT_EQ(send(register_request("8001", "*", 0, auth)).status, 200);
  EXPECT_EQ(registrar.binding_count(), 0u);
  EXPECT_EQ(send(register_request("8001", "*", 60, auth)).status, 400);
  EXPECT_EQ(send(register_request("8001", "sip:a@192.0.2.1", 10, auth)).status, 423);
}

TEST_F(RegistrarFixture, WrongPasswordsLeadToABan) {
  auto challenge = send(register_request("8001", "sip:a@192.0.2.1", 600));
  auto wrong = authorize(challenge, DigestAlgorithm::md5, "guess-guess");
  EXPECT_EQ(send(register_request("8001", "sip:a@192.0.2.1", 600, wrong)).status, 403);
  EXPECT_EQ(send(register_request("8001", "sip:a@192.0.2.1", 600, wrong)).status, 403);
  EXPECT_FALSE(guard.banned("192.0.2.1", 1'000'000));
  EXPECT_EQ(send(register_request("8001", "sip:a@192.0.2.1", 600, wrong)).status, 403);
  EXPECT_TRUE(guard.banned("192.0.2.1", 1'000'000));
  EXPECT_FALSE(guard.banned("192.0.2.1", 1'000'000 + 601'000));
}

TEST_F(RegistrarFixture, UnknownAndDisabledAccountsAreForbidden) {
  auto challenge = send(register_request("9999", "sip:a@192.0.2.1", 600));
  EXPECT_EQ(send(register_request("9999", "sip:a@192.0.2.1", 600,
                                  authorize(challenge, DigestAlgorithm::md5, "phone-secret-1", "9999")))
                .status,
            403);
  enabled = false;
  EXPECT_EQ(send(register_request("8001", "sip:a@192.0.2.1", 600,
                                  authorize(challenge, DigestAlgorithm::md5, "phone-secret-1")))
                .status,
            403);
}

TEST_F(RegistrarFixture, StaleAndForgedNonces) {
  auto challenge = send(register_request("8001", "sip:a@192.0.2.1", 600), 1'000'000);
  auto auth = authorize(challenge, DigestAlgorithm::md5, "phone-secret-1");
  auto stale = send(register_request("8001", "sip:a@192.0.2.1", 600, auth), 1'000'000 + 301'000);
  EXPECT_EQ(stale.status, 401);
  EXPECT_NE(stale.headers[0].second.find("stale=true"), std::string::npos);
  auto forged = auth;
  forged.replace(forged.find("nonce=\"") + 7, 3, "999");
  EXPECT_EQ(send(register_request("8001", "sip:a@192.0.2.1", 600, forged)).status, 401);
}

TEST(RegistrarConfigTest, AnAlgorithmNotOfferedIsRefused) {
  hotline::Metrics metrics;
  RegistrarConfig c;
  c.algorithms = {DigestAlgorithm::sha256};
  Guard guard(c, metrics);
  Registrar r(
      c, [](const std::string&, std::function<void(std::optional<AccountSecrets>)> done) { done(std::nullopt); }, guard,
      metrics, "s");
  int status = 0;
  Message m;
  m.to.uri.user = "8001";
  m.headers.emplace_back(
      "Authorization",
      R"(Digest username="8001", realm="hotline", nonce="1.x", uri="sip:h", response="00", algorithm=MD5)");
  r.on_register(m, {}, 1000, [&](int s, std::string, auto) { status = s; });
  EXPECT_EQ(status, 403);
}

TEST(GuardTest, FloodsAndScannersAreBanned) {
  hotline::Metrics metrics;
  RegistrarConfig c;
  c.max_requests_per_second = 5;
  Guard guard(c, metrics);
  Message m;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(guard.admit("198.51.100.1", m, 1000));
  EXPECT_FALSE(guard.admit("198.51.100.1", m, 1000));
  EXPECT_FALSE(guard.admit("198.51.100.1", m, 5000));  // still banned
  Message scanner;
  scanner.headers.emplace_back("User-Agent", "friendly-scanner");
  EXPECT_FALSE(guard.admit("198.51.100.2", scanner, 1000));
  EXPECT_TRUE(guard.banned("198.51.100.2", 1000));
  EXPECT_TRUE(guard.admit("198.51.100.3", m, 1000));
}
