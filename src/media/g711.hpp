#pragma once
// ITU-T G.711 µ-law and A-law, as 16-bit linear PCM in and out (the 14/13
// bit G.711 values shifted left: µ-law decodes to ±32124, A-law to
// ±32256). Decoding is a 256-entry table; encoding finds the segment with
// one bit scan instead of a 64 K table, so it stays in L1 next to the
// mixer's and recorder's buffers. Transcoding between the laws is a
// 256-byte table per direction (decode, then re-encode), which maps every
// code to the nearest code of the other law.
//
// Pure functions, no state: safe on any thread.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace hotline::media::g711 {

namespace detail {
extern const std::array<std::int16_t, 256> kUlawToLinear;
extern const std::array<std::int16_t, 256> kAlawToLinear;
extern const std::array<std::uint8_t, 256> kUlawToAlaw;
extern const std::array<std::uint8_t, 256> kAlawToUlaw;
}  // namespace detail

inline std::int16_t ulaw_to_linear(std::uint8_t code) { return detail::kUlawToLinear[code]; }
inline std::int16_t alaw_to_linear(std::uint8_t code) { return detail::kAlawToLinear[code]; }
std::uint8_t linear_to_ulaw(std::int16_t sample);
std::uint8_t linear_to_alaw(std::int16_t sample);
inline std::uint8_t ulaw_to_alaw(std::uint8_t code) { return detail::kUlawToAlaw[code]; }
inline std::uint8_t alaw_to_ulaw(std::uint8_t code) { return detail::kAlawToUlaw[code]; }

// Buffers: out must be at least as long as in (only in.size() elements are
// written). in and out may be the same buffer for the transcoders.
void decode_ulaw(std::span<const std::uint8_t> in, std::span<std::int16_t> out);
void decode_alaw(std::span<const std::uint8_t> in, std::span<std::int16_t> out);
void encode_ulaw(std::span<const std::int16_t> in, std::span<std::uint8_t> out);
void encode_alaw(std::span<const std::int16_t> in, std::span<std::uint8_t> out);
void ulaw_to_alaw(std::span<const std::uint8_t> in, std::span<std::uint8_t> out);
void alaw_to_ulaw(std::span<const std::uint8_t> in, std::span<std::uint8_t> out);
// In place, for a relayed RTP payload whose two legs use different laws.
inline void ulaw_to_alaw(std::span<std::uint8_t> payload) { ulaw_to_alaw(payload, payload); }
inline void alaw_to_ulaw(std::span<std::uint8_t> payload) { alaw_to_ulaw(payload, payload); }

// By RTP payload type (RFC 3551: 0 PCMU, 8 PCMA), as the leg's LegCodec
// says. False, and nothing written, for any other payload type.
constexpr int kPayloadPcmu = 0;
constexpr int kPayloadPcma = 8;
bool decode(int payload_type, std::span<const std::uint8_t> in, std::span<std::int16_t> out);
bool encode(int payload_type, std::span<const std::int16_t> in, std::span<std::uint8_t> out);
// Rewrites a payload from one law to the other in place (nothing to do
// when both are the same). False when either type is not G.711.
bool transcode(int from_payload_type, int to_payload_type, std::span<std::uint8_t> payload);

// Codes of silence (linear 0), for filling gaps in an encoded stream.
constexpr std::uint8_t kUlawSilence = 0xFF;
constexpr std::uint8_t kAlawSilence = 0xD5;

}  // namespace hotline::media::g711
