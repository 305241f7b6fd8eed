#pragma once
// libsrtp with OpenSSL's AES and HMAC. Debian builds libsrtp2 against NSS,
// whose AES-ICM makes a new PKCS#11 context for every packet (43 µs per
// protect + unprotect of a 20 ms G.711 packet, and a lock that the media
// threads share): more than the rest of the packet's path several times
// over. libsrtp lets a program replace the implementation of a cipher or
// auth type in its crypto kernel (srtp_replace_cipher_type,
// srtp_replace_auth_type, public API); the replacement must pass the
// kernel's self-tests for that type as well as its own, so a wrong one is
// refused. SRTP itself (key derivation, packet index and ROC, replay,
// packet formats) stays libsrtp's.
namespace hotline::media::webrtc {

// Registers OpenSSL's AES-128 counter mode as SRTP_AES_ICM_128 and
// HMAC-SHA1 as SRTP_HMAC_SHA1, after srtp_init. Throws hotline::Error when
// libsrtp refuses them (its self-tests failed).
void install_openssl_srtp_crypto();

}  // namespace hotline::media::webrtc
