#pragma once
// The master keys of callers' personal data on disk (PRODUCT G3).
//
// DATA_DIR/caller.key holds the current master key, in one of two formats:
//   - 32 bytes: the key itself, key id 1 (what every install creates at its
//     first start, and the only format before key rotation existed);
//   - 38 bytes: "HLCK", a format byte (1), the key id (1..255), the 32-byte key
//     (written by `hotlined rotate-key` for every key after the first).
// DATA_DIR/caller.key.next holds the key a rotation is moving to (38-byte
// format); it exists only while `hotlined rotate-key` has not finished, and
// is renamed over caller.key when every row carries its id (docs/security.md).
// Both files are mode 0600; a file readable by group or others is refused.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace hotline::tickets {

// One master key and the id that the values it seals carry in their first byte.
struct MasterKey {
  std::uint8_t id = 1;
  std::string bytes;  // exactly 32
};

inline constexpr const char* kCallerKeyFile = "caller.key";
inline constexpr const char* kNextCallerKeyFile = "caller.key.next";

// The key in path, or nullopt when the file does not exist. Throws
// Error(invalid_argument) naming the file for a wrong size, format, id 0 or
// permissions; Error(internal) for an I/O failure.
std::optional<MasterKey> read_key_file(const std::filesystem::path& path);

// Writes key in the 38-byte format: a temporary file (0600) in the same
// directory, fsync, rename over path, fsync of the directory. A crash leaves
// either the old file or the whole new one.
void write_key_file(const std::filesystem::path& path, const MasterKey& key);

// 32 fresh random bytes under the given id.
MasterKey generate_master_key(std::uint8_t id);

// The id after id: 2 after 1, ..., 1 again after 255 (by then no row carries 1).
std::uint8_t next_key_id(std::uint8_t id);

// Reads DATA_DIR/caller.key, or creates it (32 random bytes, key id 1, mode
// 0600, written to a temporary file first) when it does not exist. Refuses
// (Error conflict) while DATA_DIR/caller.key.next exists: a rotation was
// interrupted and must be finished with `hotlined rotate-key` first.
MasterKey load_or_create_key(const std::filesystem::path& data_dir);

}  // namespace hotline::tickets
