#pragma once
// Password hashing (argon2id) and session tokens, through libsodium.
#include <string>
#include <string_view>

namespace hotline::auth {

// Call once before any other function here (idempotent).
void init_crypto();

// libsodium's argon2id string ("$argon2id$v=19$m=...").
std::string hash_password(std::string_view password);
bool verify_password(const std::string& hash, std::string_view password);

// 32 random bytes, base64url without padding: handed to the client once.
std::string new_session_token();
// The 32-byte BLAKE2b digest stored in place of the token.
std::string token_digest(std::string_view token);

// A random printable password for the first admin.
std::string random_password(std::size_t length = 20);

// Hex of arbitrary bytes.
std::string to_hex(std::string_view bytes);

}  // namespace hotline::auth
